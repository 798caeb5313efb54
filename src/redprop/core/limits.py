"""The bounds of every number and date a user types, in one table, and the checks that use it.

Options (`--days`, `--units`, `--limit`, `--month`, `--at` …) and environment variables
(`REDPROP_NOW`, `REDPROP_BUSY_TIMEOUT_MS`) are checked against these bounds where they are
parsed, so an absurd value is refused with a message naming it (exit 2) instead of overflowing
a date or a SQLite integer deep inside a command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from redprop.core.errors import UsageProblem

# Dates: a street office's records start well after 1900, and 2100 is far enough ahead for any
# deadline; outside these, date arithmetic (next month, +N working days) would overflow.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)


@dataclass(frozen=True)
class Bound:
    """The whole numbers an option or variable accepts, and what they count (for the message)."""

    low: int
    high: int
    zh: str
    en: str


BOUNDS: dict[str, Bound] = {
    # An extension is at most 365 working days (about 17 months): the longest limit a ladder
    # level may have (cases/settings.py), so one extension never exceeds a whole level's time.
    "--days": Bound(1, 365, "延长的工作日数", "working days of extension"),
    # Unit numbers are two digits in addresses (5-12-301); no building has more than 99 units.
    "--units": Bound(1, 99, "单元数", "number of units"),
    # Rows shown in a table; --json shows them all.
    "--limit": Bound(1, 100_000, "显示条数", "rows shown"),
    "--year": Bound(FIRST_DAY.year, LAST_DAY.year, "年份", "year"),
    # People and turns of one service record or resource: a million is far above any
    # community's month and well inside a database integer.
    "--served": Bound(0, 1_000_000, "服务人数", "people served"),
    "--volunteers": Bound(0, 1_000_000, "志愿者人次", "volunteer turns"),
    "--capacity": Bound(0, 1_000_000, "服务能力（人次）", "capacity (people)"),
    # Up to an hour of waiting for another writer; 0 means fail at once.
    "REDPROP_BUSY_TIMEOUT_MS": Bound(0, 3_600_000, "等待毫秒数", "milliseconds to wait"),
}


def check_number(name: str, value: int | None) -> int | None:
    """`value` within BOUNDS[name], else a UsageProblem naming the option or variable."""
    if value is None:
        return None
    b = BOUNDS[name]
    if not b.low <= value <= b.high:
        raise UsageProblem(
            f"{name} 的值 {value} 超出范围：{b.zh}应在 {b.low} 到 {b.high} 之间",
            f"{name} {value} is out of range: the {b.en} must be {b.low} to {b.high}",
        )
    return value


def parse_number(name: str, text: str) -> int:
    """A whole number given as text (an environment variable), checked against BOUNDS[name]."""
    try:
        value = int(text.strip())
    except ValueError:
        b = BOUNDS[name]
        raise UsageProblem(
            f"{name} 应是 {b.low} 到 {b.high} 之间的整数（{b.zh}），而不是“{text}”",
            f"{name} must be a whole number from {b.low} to {b.high} ({b.en}), not '{text}'",
        ) from None
    check_number(name, value)
    return value


def check_day(name: str, day: date, shown: str | None = None) -> date:
    """A date between FIRST_DAY and LAST_DAY, else a UsageProblem naming the option or variable
    (and `shown`, the value as the user wrote it)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        given = (shown or str(day)).strip()
        raise UsageProblem(
            f"{name} 的日期 {given} 超出范围：请写 {FIRST_DAY} 到 {LAST_DAY} 之间的日期",
            f"{name} {given} is out of range: give a date from {FIRST_DAY} to {LAST_DAY}",
        )
    return day
