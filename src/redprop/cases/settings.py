"""Per-ledger ladder settings (limits per level, city level, overdue policy) and the calendar.
Loading them is SQLAlchemy Core on the light stubs (core/tables.py): every ladder action loads
them, and those commands never import the ORM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from redprop.cases.rules import DEFAULT_LIMITS, LEVEL_NAMES, Level, Settings
from redprop.core import tables as t
from redprop.core.errors import Conflict, RedpropError, RowProblem, UsageProblem
from redprop.core.vocab import DAY_KIND_WORDS, DAY_KINDS, typed
from redprop.core.workdays import Calendar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

POLICIES = ("escalate", "supervise")


def ladder_key(key: str) -> bool:
    """Whether a stored setting is one of the ladder's (limits, city level, overdue policy):
    what replaying a history depends on. The table also keeps others (the undo window, the
    key of the parties' phone hashes), which a case export neither carries nor compares."""
    return key.startswith("limit.") or key in ("city_enabled", "policy")


def load_settings(session: Any) -> Settings:
    stored = dict(session.execute(select(t.setting.c.key, t.setting.c.value)).all())
    limits = {lv: int(stored.get(f"limit.{lv.value}", DEFAULT_LIMITS[lv])) for lv in Level}
    return Settings(
        limits=limits,
        city_enabled=stored.get("city_enabled", "false") == "true",
        policy=stored.get("policy", "escalate"),
    )


def _put(session: Session, key: str, value: str) -> None:
    from redprop.core.models import Setting

    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def update_settings(
    session: Session,
    *,
    limits: dict[Level, int] | None = None,
    city: bool | None = None,
    policy: str | None = None,
    undo_minutes: int | None = None,
) -> Settings:
    for level, days in (limits or {}).items():
        if days < 1 or days > 365:
            raise UsageProblem(
                f"{LEVEL_NAMES[level][0]}层级的时限必须是 1 到 365 个工作日",
                f"The {level} limit must be 1 to 365 working days",
            )
        _put(session, f"limit.{level.value}", str(days))
    if city is not None:
        if not city:
            at_city = session.scalar(
                select(func.count())
                .select_from(t.dispute)
                .where(t.dispute.c.level == Level.city.value)
            )
            if at_city:
                raise Conflict(
                    f"还有 {at_city} 件案件在市级层级，不能关闭市级；请先交办或办结这些案件",
                    f"{at_city} case(s) are at city level; assign or close them before turning the "
                    "city level off",
                )
        _put(session, "city_enabled", "true" if city else "false")
    if policy is not None:
        if policy not in POLICIES:
            raise UsageProblem(
                "超期处理方式只能是 escalate（自动上报）或 supervise（只督办）",
                "The overdue policy is escalate or supervise",
            )
        _put(session, "policy", policy)
    if undo_minutes is not None:
        if not 1 <= undo_minutes <= 1440:
            raise UsageProblem(
                "--undo-minutes 必须是 1 到 1440 分钟", "--undo-minutes must be 1 to 1440 minutes"
            )
        from redprop.cases.undo import UNDO_KEY

        _put(session, UNDO_KEY, str(undo_minutes))
    return load_settings(session)


# ---------------------------------------------------------------------------------------------
# Calendar


def load_calendar(session: Any) -> Calendar:
    """The official schedule (core/holidays), with the ledger's own entries overriding it day by
    day: a local holiday on an official working day is a holiday, and the other way round."""
    from redprop.core.holidays import official

    rows = session.execute(select(t.calendar_day.c.day, t.calendar_day.c.kind)).all()
    local = {d: k for d, k in rows}
    known = official()
    holidays = {d for d in known.holidays if local.get(d, "holiday") == "holiday"}
    workdays = {d for d in known.workdays if local.get(d, "workday") == "workday"}
    holidays |= {d for d, k in local.items() if k == "holiday"}
    workdays |= {d for d, k in local.items() if k == "workday"}
    return Calendar.of(holidays=holidays, workdays=workdays)


def add_days(
    session: Session, *, start: date, end: date | None, kind: str, name: str | None
) -> int:
    """Mark each day of [start, end] as a holiday or a make-up working day; returns how many."""
    from redprop.core.models import CalendarDay

    if kind not in ("holiday", "workday"):
        raise UsageProblem("请用 --holiday 或 --workday 指明类型", "Say --holiday or --workday")
    end = end or start
    if end < start:
        raise UsageProblem(
            f"结束日期 {end} 早于开始日期 {start}",
            f"The end date {end} is before the start date {start}",
        )
    if (end - start).days > 60:
        raise UsageProblem(
            "一次最多登记 60 天；请分段登记",
            "At most 60 days at a time; add the days in parts",
        )
    day, count = start, 0
    while day <= end:
        row = session.get(CalendarDay, day)
        if row is None:
            session.add(CalendarDay(day=day, kind=kind, name=name))
        else:
            row.kind, row.name = kind, name or row.name
        count += 1
        day += timedelta(days=1)
    session.flush()
    return count


@dataclass
class DayRow:
    day: date
    kind: str
    name: str | None


def list_days(session: Session, *, year: int | None = None) -> list[DayRow]:
    from redprop.core.models import CalendarDay

    query = select(CalendarDay).order_by(CalendarDay.day)
    if year:
        query = query.where(
            CalendarDay.day >= date(year, 1, 1), CalendarDay.day < date(year + 1, 1, 1)
        )
    return [DayRow(r.day, r.kind, r.name) for r in session.scalars(query)]


CAL_COLUMNS = {
    "day": ("日期", "date", "day"),
    "kind": ("类型", "kind", "type"),
    "name": ("名称", "节日", "name"),
}
KIND_WORDS = typed(DAY_KINDS, DAY_KIND_WORDS)


def import_days(session: Session, *, path: Path) -> int:
    """A sheet of 日期, 类型 (休/班, holiday/workday), 名称; all rows or none."""
    from redprop.excel.read import cell_text, is_blank_row, parse_date, pick_sheet, read_sheets

    sheet, header = pick_sheet(read_sheets(path), CAL_COLUMNS, ("day", "kind"), path=path)
    problems: list[RowProblem] = []
    rows: list[tuple[date, str, str | None]] = []
    for idx in range(header.row_index + 1, len(sheet.rows)):
        raw = sheet.rows[idx]
        if is_blank_row(raw):
            continue
        day = parse_date(header.get(raw, "day"))
        kind = KIND_WORDS.get(cell_text(header.get(raw, "kind")).lower())
        if day is None:
            problems.append(
                RowProblem(
                    idx + 1, "日期", "不是日期；请写成 2026-10-01", "not a date; write 2026-10-01"
                )
            )
        if kind is None:
            problems.append(
                RowProblem(
                    idx + 1, "类型", "请写 休（放假）或 班（调休上班）", "write holiday or workday"
                )
            )
        if day and kind:
            rows.append((day, kind, cell_text(header.get(raw, "name")) or None))
    if problems:
        raise RedpropError(
            f"{path}：{len({p.row for p in problems})} 行有问题，未导入任何日期",
            f"{path}: {len({p.row for p in problems})} row(s) have problems; nothing was imported",
            details=problems,
        )
    for day, kind, name in rows:
        add_days(session, start=day, end=None, kind=kind, name=name)
    return len(rows)


@dataclass
class YearDay:
    day: date
    kind: str  # holiday | workday
    name: str | None
    source: str  # official | ledger


def year_days(session: Session, year: int) -> tuple[list[YearDay], bool]:
    """Every day of `year` that isn't an ordinary Monday-to-Friday working day or weekend: the
    official holidays and 调休 working days, and the ledger's own entries, which win. Also
    whether the official schedule covers the year at all."""
    from redprop.core.holidays import official

    known = official()
    days: dict[date, YearDay] = {}
    for table, kind in ((known.holidays, "holiday"), (known.workdays, "workday")):
        for d, (zh, _) in table.items():
            if d.year == year:
                days[d] = YearDay(d, kind, zh, "official")
    for row in list_days(session, year=year):
        days[row.day] = YearDay(row.day, row.kind, row.name, "ledger")
    return [days[d] for d in sorted(days)], year in known.years
