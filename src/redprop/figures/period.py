"""The period a report covers: half-open, [start, end), in local time, and the ways users name
it (a month, or --from/--to)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from redprop.core.errors import UsageProblem
from redprop.core.limits import check_day


@dataclass(frozen=True)
class Period:
    start: datetime  # local, inclusive
    end: datetime  # local, exclusive

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(seconds=1)).date()

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.date().isoformat(), "to": self.end.date().isoformat()}

    @property
    def month(self) -> str | None:
        s, e = self.start, self.end
        nxt = (s.replace(day=28) + timedelta(days=4)).replace(day=1)
        if s.day == 1 and s.time() == e.time() == datetime.min.time() and e == nxt:
            return f"{s:%Y-%m}"
        return None


def month_period(month: str) -> Period:
    """The month `2026-11`, between 1900-01 and 2100-12 (core/limits.py)."""
    try:
        start = datetime.strptime(month.strip(), "%Y-%m")
    except ValueError:
        raise UsageProblem(
            f"月份“{month}”应写成 2026-11", f"Write the month as 2026-11, not '{month}'"
        ) from None
    check_day("--month", start.date(), month)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(start, end)


def parse_period(*, month: str | None, start: str | None, end: str | None, today: date) -> Period:
    if month and (start or end):
        raise UsageProblem(
            "--month 与 --from/--to 只能二选一", "Give --month or --from/--to, not both"
        )
    if month:
        return month_period(month)
    if start or end:
        if not (start and end):
            raise UsageProblem("--from 和 --to 要一起给出", "Give both --from and --to")
        try:
            a, b = (datetime.fromisoformat(x.strip()) for x in (start, end))
        except ValueError:
            raise UsageProblem(
                "--from/--to 的日期应写成 2026-01-01", "Write --from/--to dates as 2026-01-01"
            ) from None
        check_day("--from", a.date())
        check_day("--to", b.date())
        if b <= a:
            raise UsageProblem(
                "--to 必须晚于 --from（区间为 [from, to)）",
                "--to must be after --from ([from, to))",
            )
        return Period(a, b)
    return month_period(f"{today:%Y-%m}")
