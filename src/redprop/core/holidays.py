"""The State Council's holiday schedule (法定节假日 and 调休 working days), from the
chinese-calendar package, which its maintainers update every year when the schedule is
published. A ledger's own `calendar add` entries override it day by day (cases/settings).

Upgrading the package moves the due dates computed from then on; past events keep the due dates
they recorded (they are part of the hash chain). A year the package doesn't know yet counts
Monday to Friday, and the commands that compute a due date in it say so (`unknown_year`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache


@dataclass(frozen=True)
class Official:
    holidays: dict[date, tuple[str, str]]  # day -> (Chinese name, English name)
    workdays: dict[date, tuple[str, str]]  # make-up working days, named after their holiday
    years: frozenset[int]  # the years the schedule covers


@cache
def official() -> Official:
    """The package's schedule (loaded once; importing it takes about 10 ms)."""
    from chinese_calendar import constants

    names = {h.value: (h.chinese, h.value) for h in constants.Holiday}

    def named(days: dict[date, str]) -> dict[date, tuple[str, str]]:
        return {d: names.get(n, (n, n)) for d, n in days.items()}

    holidays, workdays = named(constants.holidays), named(constants.workdays)
    return Official(holidays, workdays, frozenset(d.year for d in holidays))


def unknown_year(day: date | None) -> int | None:
    """The year of `day` when the official schedule doesn't cover it yet, else None."""
    if day is None or day.year in official().years:
        return None
    return day.year
