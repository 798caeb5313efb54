"""Monthly figures (docs/design.md §4): computed from the event history as of a period's end, so a
closed month gives the same figures whenever it is generated.

Periods are half-open, [start, end), in local time. A case belongs to the period's population
U when it was open at the start (carried_over), registered in it (registered), or brought back
from a closed state in it (reopened: a reopen, or a visit that sent it back to work). Each case
of U ends the period in exactly one class, so

    carried_over + registered + reopened = open_at_end + resolved + referred + withdrawn.

Only cases that are open now or had an event since the period began can belong to U; the rest
are never read (an index on the case's last event time finds them).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, DateTime, String, column, select, table, type_coerce
from sqlalchemy.orm import Session

from redprop.core.bulk import paused_gc
from redprop.core.errors import UsageProblem

OPEN = ("registered", "in_progress", "suspended")
WORKING = ("registered", "in_progress")
END_CLASS = {
    "registered": "open_at_end",
    "in_progress": "open_at_end",
    "suspended": "open_at_end",
    "resolved": "resolved",
    "closed": "resolved",
    "referred": "referred",
    "withdrawn": "withdrawn",
}
LEVELS = ("grid", "community", "street", "city")
SEVERITIES = ("small", "major", "hard", "special")
COUNTS = (
    "carried_over",
    "registered",
    "reopened",
    "open_at_end",
    "resolved",
    "referred",
    "withdrawn",
    "overdue_at_end",
    "yellow_at_end",
    "escalations",
)

dispute = table(
    "dispute",
    column("id"),
    column("number"),
    column("community_id"),
    column("grid_id"),
    column("category_id"),
    column("severity"),
    column("state"),
    column("level"),
    column("due_on", Date),
    column("yellow_on", Date),
    column("last_at", DateTime),
    column("registered_at", DateTime),
)
street_t = table("street", column("id"), column("name"))
community_t = table("community", column("id"), column("name"))
grid_t = table("grid", column("id"), column("code"), column("name"), column("community_id"))
category_t = table("category", column("id"), column("name"))
event = table(
    "case_event",
    column("case_id"),
    column("seq"),
    column("action"),
    column("from_state"),
    column("from_level"),
    column("state"),
    column("level"),
    column("at", DateTime),
    column("due_on", Date),
    column("yellow_on", Date),
)


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
    try:
        start = datetime.strptime(month.strip(), "%Y-%m")
    except ValueError:
        raise UsageProblem(
            f"月份“{month}”应写成 2026-11", f"Write the month as 2026-11, not '{month}'"
        ) from None
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
            raise UsageProblem("日期应写成 2026-01-01", "Write dates as 2026-01-01") from None
        if b <= a:
            raise UsageProblem(
                "--to 必须晚于 --from（区间为 [from, to)）",
                "--to must be after --from ([from, to))",
            )
        return Period(a, b)
    return month_period(f"{today:%Y-%m}")


@dataclass(slots=True)
class Outcome:
    """One case of U: how it entered the period and where it stood at the end."""

    case_id: int
    community_id: int
    grid_id: int
    category_id: int
    severity: str
    entry: str  # carried_over | registered | reopened
    end_class: str  # open_at_end | resolved | referred | withdrawn
    state: str  # at the end
    level: str  # at the end
    resolved_level: str | None = None
    on_time: bool | None = None
    overdue: bool = False
    yellow: bool = False
    escalations: int = 0


def outcomes(
    session: Session,
    *,
    period: Period,
    today: date | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
) -> list[Outcome]:
    """Every case of U for the period and unit, as of the period's end. Warnings are judged on
    the period's last day, or today for a period not yet over (a closed month never moves)."""
    with paused_gc():
        return _outcomes(session, period, today, community_id, grid_id)


def _outcomes(
    session: Session,
    period: Period,
    today: date | None,
    community_id: int | None,
    grid_id: int | None,
) -> list[Outcome]:
    d = dispute.c
    units: list[Any] = []
    if community_id is not None:
        units.append(d.community_id == community_id)
    if grid_id is not None:
        units.append(d.grid_id == grid_id)
    scope: list[Any] = [d.registered_at < period.end, *units]
    day = min(period.last_day, today) if today else period.last_day
    found: list[Outcome] = []
    keys = _Keys(period, day)
    # Open now and untouched since the period began: open at both ends, as the row says.
    # Selected by state alone (the open cases are few; SQLite would otherwise walk the
    # last_at index over every closed case), the dates are checked here. Dates and times are
    # read raw (ISO text on SQLite, native values on PostgreSQL) and compared as they come:
    # parsing millions of them would cost more than the whole computation.
    quiet = select(
        d.id,
        d.community_id,
        d.grid_id,
        d.category_id,
        d.severity,
        d.state,
        d.level,
        type_coerce(d.due_on, String),
        type_coerce(d.yellow_on, String),
        type_coerce(d.last_at, String),
        type_coerce(d.registered_at, String),
    ).where(*units, d.state.in_(OPEN))
    for cid, com, grd, cat, sev, state, level, due, yellow, last_at, reg_at in _fetch(
        session, quiet
    ):
        keys.bind(last_at)
        if last_at >= keys.start or reg_at >= keys.end:
            continue
        overdue, is_yellow = keys.warning(state, due, yellow)
        found.append(
            Outcome(
                cid,
                com,
                grd,
                cat,
                sev,
                "carried_over",
                "open_at_end",
                state,
                level,
                overdue=overdue,
                yellow=is_yellow,
            )
        )
    # Active since the period began: replay their events up to its end.
    active = {
        r[0]: r
        for r in _fetch(
            session,
            select(d.id, d.community_id, d.grid_id, d.category_id, d.severity).where(
                *scope, d.last_at >= period.start
            ),
        )
    }
    if not active:
        return found
    e = event.c
    cols = (
        e.case_id,
        e.seq,
        e.action,
        e.from_state,
        e.state,
        e.level,
        type_coerce(e.at, String),
        type_coerce(e.due_on, String),
        type_coerce(e.yellow_on, String),
        e.from_level,
    )
    # The period's own events, read by time (one range of the `at` index). A case's state at the
    # period's start is the `from_state` of its first event in the period, so nothing before the
    # period is read, except the few points looked up below.
    by_case: dict[int, list[tuple[Any, ...]]] = {}
    for row in _fetch(session, select(*cols).where(e.at >= period.start, e.at < period.end)):
        if row[0] in active:
            by_case.setdefault(row[0], []).append(row)
    for events in by_case.values():
        events.sort(key=itemgetter(1))
    # Cases touched only after the period: their first later event says how they stood all
    # through it, and the event before that gives their due dates at its end.
    late = [cid for cid in active if cid not in by_case]
    first_after: dict[int, tuple[Any, ...]] = {}
    for chunk in _chunks(late):
        for row in _fetch(session, select(*cols).where(e.case_id.in_(chunk), e.at >= period.end)):
            if row[0] not in first_after or row[1] < first_after[row[0]][1]:
                first_after[row[0]] = row
    # The event just before: for late cases, and for a resolve that opens a case's period (the
    # due date it was measured against).
    wanted = [(cid, row[1] - 1) for cid, row in first_after.items()]
    wanted += [(cid, ev[0][1] - 1) for cid, ev in by_case.items() if ev[0][2] == "resolve"]
    prior: dict[int, tuple[Any, ...]] = {}
    seq_wanted = dict(wanted)
    # By case (the index SQLite uses for a plain IN list; a row-value IN would scan the table),
    # keeping the one event wanted of each.
    for chunk in _chunks(list(seq_wanted)):
        for row in _fetch(session, select(*cols).where(e.case_id.in_(chunk))):
            if row[1] == seq_wanted[row[0]]:
                prior[row[0]] = row
    for case_id, case in active.items():
        if case_id in by_case:
            outcome = _replay(case, by_case[case_id], prior.get(case_id), keys)
        elif case_id in first_after:
            outcome = _untouched(case, first_after[case_id], prior.get(case_id), keys)
        else:
            outcome = None
        if outcome is not None:
            found.append(outcome)
    return found


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Keys:
    """The period's bounds in whatever form the database returns dates and times in."""

    def __init__(self, period: Period, day: date) -> None:
        self.period, self.day = period, day
        self.kind: type | None = None

    def bind(self, sample: Any) -> None:
        if self.kind is not None:
            return
        self.kind = type(sample)
        self.start: Any
        self.end: Any
        if isinstance(sample, str):
            self.start = self.period.start.strftime("%Y-%m-%d %H:%M:%S.%f")
            self.end = self.period.end.strftime("%Y-%m-%d %H:%M:%S.%f")
            self.day_key: Any = self.day.isoformat()
        else:
            self.start, self.end, self.day_key = self.period.start, self.period.end, self.day

    def date_of(self, at: Any) -> Any:
        return at[:10] if isinstance(at, str) else at.date()

    def warning(self, state: str, due: Any, yellow: Any) -> tuple[bool, bool]:
        """(overdue, yellow) on the day warnings are judged: only a case being worked on has a
        running clock."""
        if state not in WORKING or due is None:
            return False, False
        if self.day_key > due:
            return True, False
        return False, yellow is not None and self.day_key >= yellow


def _replay(
    case: Any, events: list[tuple[Any, ...]], before: tuple[Any, ...] | None, keys: _Keys
) -> Outcome | None:
    """A case's events in the period, in order: how it entered and where it ended."""
    state_at_start = events[0][3]  # the state before its first event in the period
    prev_due = before[7] if before else None
    state = level = due = yellow = None
    registered = reopened = False
    resolution = None
    escalations = 0
    keys.bind(events[0][6])
    for _, _, action, from_state, new_state, new_level, at, due_on, yellow_on, _ in events:
        if action == "register":
            registered = True
        elif from_state is not None and from_state not in OPEN and new_state in OPEN:
            reopened = True
        elif action == "escalate":
            escalations += 1
        if action == "resolve":
            resolution = (new_level, at, prev_due)
        prev_due = due_on
        state, level, due, yellow = new_state, new_level, due_on, yellow_on
    if state_at_start in OPEN:
        entry = "carried_over"
    elif registered:
        entry = "registered"
    elif reopened:
        entry = "reopened"
    else:
        return None
    return _outcome(case, entry, state, level, due, yellow, escalations, resolution, keys)


def _untouched(
    case: Any, after: tuple[Any, ...], before: tuple[Any, ...] | None, keys: _Keys
) -> Outcome | None:
    """A case with no event in the period but some after it: it stood all through the period as
    its first later event found it."""
    state = after[3]
    if state not in OPEN:
        return None
    keys.bind(after[6])
    due, yellow = (before[7], before[8]) if before else (None, None)
    return _outcome(case, "carried_over", state, after[9], due, yellow, 0, None, keys)


def _outcome(
    case: Any,
    entry: str,
    state: Any,
    level: Any,
    due: Any,
    yellow: Any,
    escalations: int,
    resolution: Any,
    keys: _Keys,
) -> Outcome:
    end_class = END_CLASS[state]
    overdue, is_yellow = keys.warning(state, due, yellow)
    outcome = Outcome(
        case[0],
        case[1],
        case[2],
        case[3],
        case[4],
        entry,
        end_class,
        state,
        level or "",
        overdue=overdue,
        yellow=is_yellow,
        escalations=escalations,
    )
    if end_class == "resolved" and resolution is not None:
        outcome.resolved_level = resolution[0]
        outcome.on_time = resolution[2] is None or keys.date_of(resolution[1]) <= resolution[2]
    return outcome


def _fetch(session: Session, stmt: Any) -> list[tuple[Any, ...]]:
    """All rows as the driver returns them: no SQLAlchemy row objects (hundreds of thousands of
    events are read for a month of a large ledger)."""
    result = session.connection().execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


# What a case contributes to the figures: (entry, end class, overdue, yellow, escalations,
# level resolved at, resolved on time, small and resolved). Figures are sums over a histogram of
# these, so the breakdowns of a large month cost one pass over its cases, not one per unit.
Signature = tuple[str, str, bool, bool, int, str | None, bool, bool]


def _signature(o: Outcome) -> Signature:
    resolved = o.end_class == "resolved"
    return (
        o.entry,
        o.end_class,
        o.overdue,
        o.yellow,
        o.escalations,
        o.resolved_level if resolved else None,
        resolved and bool(o.on_time),
        resolved and o.severity == "small",
    )


def figures_of(items: Iterable[Outcome]) -> dict[str, Any]:
    return _figures(Counter(map(_signature, items)))


def _figures(histogram: Mapping[Signature, int]) -> dict[str, Any]:
    counts = dict.fromkeys(COUNTS, 0)
    by_level = dict.fromkeys(LEVELS, 0)
    total = on_time = small_resolved = small_in_grid = 0
    for (
        entry,
        end_class,
        overdue,
        yellow,
        escalations,
        level,
        in_time,
        small,
    ), n in histogram.items():
        total += n
        counts[entry] += n
        counts[end_class] += n
        counts["overdue_at_end"] += overdue * n
        counts["yellow_at_end"] += yellow * n
        counts["escalations"] += escalations * n
        if level:
            by_level[level] += n
        on_time += in_time * n
        if small:
            small_resolved += n
            small_in_grid += (level == "grid") * n
    resolved = counts["resolved"]
    return {
        **counts,
        "resolved_by_level": by_level,
        "resolution_rate": _ratio(resolved, total - counts["withdrawn"]),
        "on_time_rate": _ratio(on_time, resolved),
        "small_kept_in_grid_rate": _ratio(small_in_grid, small_resolved),
        "kept_within_street_rate": _ratio(
            by_level["grid"] + by_level["community"] + by_level["street"], resolved
        ),
    }


@dataclass
class Report:
    period: Period
    unit: str
    unit_kind: str  # street | community | grid
    figures: dict[str, Any]
    by_unit: list[dict[str, Any]]
    by_category: dict[str, dict[str, Any]]
    by_severity: dict[str, dict[str, Any]]
    outcomes: list[Outcome] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period.as_dict(),
            "unit": self.unit,
            "figures": self.figures,
            "by_unit": self.by_unit,
            "by_category": self.by_category,
            "by_severity": self.by_severity,
        }


def report(
    session: Session,
    *,
    period: Period,
    today: date | None = None,
    community: str | None = None,
    grid: str | None = None,
) -> Report:
    """The figures of a unit (the street, a community or a grid) with their breakdowns."""
    from redprop.core.errors import NotFound

    def one(tbl: Any, key: str, value: str, zh: str, en: str, hint: str) -> Any:
        row = session.execute(select(tbl).where(tbl.c[key] == value.strip())).first()
        if row is None:
            raise NotFound(f"没有{zh}“{value}”：用 {hint} 查看", f"No {en} '{value}': see {hint}")
        return row

    # Core stubs rather than the models: `redprop report` starts without SQLModel or pydantic.
    if grid:
        g = one(grid_t, "code", grid, "网格", "grid", "redprop org grid list")
        items = outcomes(session, period=period, today=today, grid_id=g.id)
        unit, kind, parts = f"{g.code} {g.name}", "grid", []
    elif community:
        c = one(community_t, "name", community, "社区", "community", "redprop org community list")
        items = outcomes(session, period=period, today=today, community_id=c.id)
        unit, kind = c.name, "community"
        parts = [
            (f"{r.code} {r.name}", r.id, "grid")
            for r in session.execute(
                select(grid_t).where(grid_t.c.community_id == c.id).order_by(grid_t.c.code)
            )
        ]
    else:
        items = outcomes(session, period=period, today=today)
        streets = [r.name for r in session.execute(select(street_t).order_by(street_t.c.id))]
        unit, kind = "、".join(streets) or "-", "street"
        parts = [
            (r.name, r.id, "community")
            for r in session.execute(select(community_t).order_by(community_t.c.id))
        ]
    # One histogram per group, from one pass over the cases (see Signature).
    with paused_gc():
        keyed = Counter(
            (o.community_id, o.grid_id, o.category_id, o.severity, _signature(o)) for o in items
        )
        whole: Counter[Signature] = Counter()
        groups: dict[tuple[str, Any], Counter[Signature]] = defaultdict(Counter)
        for (community_id, grid_id, category_id, severity, sig), n in keyed.items():
            whole[sig] += n
            groups["community", community_id][sig] += n
            groups["grid", grid_id][sig] += n
            groups["category", category_id][sig] += n
            groups["severity", severity][sig] += n
    categories = session.execute(
        select(category_t.c.id, category_t.c.name).order_by(category_t.c.id)
    ).all()
    return Report(
        period=period,
        unit=unit,
        unit_kind=kind,
        figures=_figures(whole),
        by_unit=[
            {"unit": name, "figures": _figures(groups.get((k, uid), {}))} for name, uid, k in parts
        ],
        by_category={name: _figures(groups.get(("category", cid), {})) for cid, name in categories},
        by_severity={s: _figures(groups.get(("severity", s), {})) for s in SEVERITIES},
        outcomes=items,
    )
