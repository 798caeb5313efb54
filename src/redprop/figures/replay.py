"""Where each case of a period stood (docs/design.md §4): replayed from the event history as of
the period's end, so a closed month gives the same figures whenever it is generated.

A case belongs to the period's population U when it was open at the start (carried_over),
registered in it (registered), or brought back from a closed state in it (reopened: a reopen, or
a visit that sent it back to work). Each case of U ends the period in exactly one class, so

    carried_over + registered + reopened = open_at_end + resolved + referred + withdrawn.

Only cases that are open now or had an event since the period began can belong to U; the rest
are never read (an index on the case's last event time finds them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, bindparam, select, type_coerce
from sqlalchemy.engine import Connection

from redprop.cases.clock import OPEN, warning
from redprop.core import tables as t
from redprop.core.bulk import paused_gc
from redprop.core.vocab import UNDO, Action, State
from redprop.figures.period import Period

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    # An ORM session or a plain Core connection (what `redprop report` opens: the ORM costs
    # more to import than a month's figures take to compute on a small ledger).
    Db = Connection | Session

END_CLASS = {state: "open_at_end" for state in OPEN} | {
    State.resolved: "resolved",
    State.closed: "resolved",
    State.referred: "referred",
    State.withdrawn: "withdrawn",
}
# The open states as plain text for the database (sorted: a stable query).
_OPEN = sorted(state.value for state in OPEN)
# The loops below compare hundreds of thousands of raw column values: against plain strings,
# not enum members (an enum's attribute lookup and hash run Python code).
_OPEN_TEXT = frozenset(_OPEN)
_END_TEXT = {state.value: end for state, end in END_CLASS.items()}
_REGISTER, _ESCALATE, _RESOLVE = Action.register.value, Action.escalate.value, Action.resolve.value
_UNDO = str(UNDO)

# An event row as read below: (case_id, seq, action, from_state, state, level, at, due_on,
# yellow_on, from_level), dates and times raw.
Event = tuple[Any, ...]


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
    repeat: bool = False  # registered in the period with a related case before it (重复纠纷)


def outcomes(
    session: Db,
    *,
    period: Period,
    today: date | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
) -> list[Outcome]:
    """Every case of U for the period and unit, as of the period's end. Warnings are judged on
    the period's last day, or today for a period not yet over (a closed month never moves)."""
    d = t.dispute.c
    units: list[Any] = []
    if community_id is not None:
        units.append(d.community_id == community_id)
    if grid_id is not None:
        units.append(d.grid_id == grid_id)
    day = min(period.last_day, today) if today else period.last_day
    keys = _Keys(period, day)
    with paused_gc():
        found = _quiet(session, units, keys)
        # Active since the period began: replay their events up to its end.
        active = {
            r[0]: r
            for r in _fetch(
                session,
                select(
                    d.id, d.community_id, d.grid_id, d.category_id, d.severity, _related(d.id)
                ).where(d.registered_at < period.end, *units, d.last_at >= period.start),
            )
        }
        if active:
            found += _replayed(session, period, active, keys)
        return found


def _related(case_id: Any) -> Any:
    """Whether a case was related, when registered, to one before it (cases/parties)."""
    r = t.case_relation.c
    return select(r.id).where(r.case_id == case_id).exists()


def _quiet(session: Db, units: list[Any], keys: _Keys) -> list[Outcome]:
    """The cases open now and untouched since the period began: open at both ends, as the row
    says. Selected by state alone (the open cases are few; SQLite would otherwise walk the
    last_at index over every closed case), the dates are checked here. Dates and times are read
    raw (ISO text on SQLite, native values on PostgreSQL) and compared as they come: parsing
    millions of them would cost more than the whole computation."""
    d = t.dispute.c
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
    ).where(
        *units,
        # As literals: a partial index (ix_dispute_open) serves only a query that names the
        # same states, and SQLite cannot see through a bound parameter.
        d.state.in_(bindparam("open", _OPEN, expanding=True, literal_execute=True)),
    )
    found: list[Outcome] = []
    for cid, com, grd, cat, sev, state, level, due, yellow, last_at, reg_at in _fetch(
        session, quiet
    ):
        keys.bind(last_at)
        if last_at >= keys.start or reg_at >= keys.end:
            continue
        flag = warning(state, due, yellow, keys.day_key)
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
                overdue=flag == "red",
                yellow=flag == "yellow",
            )
        )
    return found


def _replayed(session: Db, period: Period, active: dict[int, Any], keys: _Keys) -> list[Outcome]:
    """The active cases of U: each replayed from its events in the period, or, when it has none
    there, taken as its first later event found it."""
    e = t.case_event.c
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
    by_case: dict[int, list[Event]] = {}
    with_undo: set[int] = set()
    for row in _fetch(session, select(*cols).where(e.at >= period.start, e.at < period.end)):
        if row[0] in active:
            by_case.setdefault(row[0], []).append(row)
            if row[2] == _UNDO:
                with_undo.add(row[0])
    stood: dict[int, Event] = {}
    for events in by_case.values():
        if len(events) > 1:
            events.sort(key=itemgetter(1))
    for case_id in with_undo:
        events = by_case[case_id]
        kept = _without_undone(events)
        if kept:
            by_case[case_id] = kept
        else:  # only a step and its undo: the case stood as the undo left it
            del by_case[case_id]
            stood[case_id] = events[-1]
    # Cases touched only after the period: their first later event says how they stood all
    # through it, and the event before that gives their due dates at its end.
    late = [cid for cid in active if cid not in by_case and cid not in stood]
    first_after, prior = _after_period(session, select(*cols), e.case_id, late, keys)
    # The event before a resolve that opens a case's period: the due date it was measured
    # against. By case too (SQLite scans the table for a row-value IN), keeping the one wanted.
    seq_wanted = {cid: ev[0][1] - 1 for cid, ev in by_case.items() if ev[0][2] == _RESOLVE}
    for chunk in _chunks(list(seq_wanted)):
        for row in _fetch(session, select(*cols).where(e.case_id.in_(chunk))):
            if row[1] == seq_wanted[row[0]]:
                prior[row[0]] = row
    found: list[Outcome] = []
    for case_id, case in active.items():
        if case_id in by_case:
            outcome = _replay(case, by_case[case_id], prior.get(case_id), keys)
        elif case_id in stood:
            undo = stood[case_id]
            as_left = (*undo[:3], undo[4], *undo[4:9], undo[5])  # its state, before and after
            outcome = _untouched(case, as_left, undo, keys)
        elif case_id in first_after:
            outcome = _untouched(case, first_after[case_id], prior.get(case_id), keys)
        else:
            outcome = None
        if outcome is not None:
            found.append(outcome)
    return found


def _after_period(
    session: Db, query: Any, case_id: Any, late: list[int], keys: _Keys
) -> tuple[dict[int, Event], dict[int, Event]]:
    """The first event after the period of each case touched only after it, and the event
    just before that one. Read by case (the (case, seq) index), all of a case's events at
    once: asking for `at >= end` in the query made PostgreSQL read every event since the
    period's end instead."""
    first_after: dict[int, Event] = {}
    prior: dict[int, Event] = {}
    for chunk in _chunks(late):
        rows = _fetch(session, query.where(case_id.in_(chunk)))
        if rows:
            keys.bind(rows[0][6])
        for row in rows:
            if row[6] >= keys.end and (
                row[0] not in first_after or row[1] < first_after[row[0]][1]
            ):
                first_after[row[0]] = row
        before = {cid: first_after[cid][1] - 1 for cid in chunk if cid in first_after}
        for row in rows:
            if before.get(row[0]) == row[1]:
                prior[row[0]] = row
    return first_after, prior


def _without_undone(events: list[Event]) -> list[Event]:
    """A case's events in order without the undos and the steps they took back (an undo
    always follows the step it cancels; cases/undo). A step undone after the period ended is
    not seen here: a closed period keeps it."""
    undos = {ev[1] for ev in events if ev[2] == _UNDO}
    return [ev for ev in events if ev[2] != _UNDO and ev[1] + 1 not in undos]


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Keys:
    """The period's bounds, and the day warnings are judged on, in whatever form the database
    returns dates and times in."""

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


def _replay(case: Any, events: list[Event], before: Event | None, keys: _Keys) -> Outcome | None:
    """A case's events in the period, in order: how it entered and where it ended."""
    state_at_start = events[0][3]  # the state before its first event in the period
    prev_due = before[7] if before else None
    state = level = due = yellow = None
    registered = reopened = False
    resolution = None
    escalations = 0
    keys.bind(events[0][6])
    for _, _, action, from_state, new_state, new_level, at, due_on, yellow_on, _ in events:
        if action == _REGISTER:
            registered = True
        elif from_state is not None and from_state not in _OPEN_TEXT and new_state in _OPEN_TEXT:
            reopened = True
        elif action == _ESCALATE:
            escalations += 1
        if action == _RESOLVE:
            resolution = (new_level, at, prev_due)
        prev_due = due_on
        state, level, due, yellow = new_state, new_level, due_on, yellow_on
    if state_at_start in _OPEN_TEXT:
        entry = "carried_over"
    elif registered:
        entry = "registered"
    elif reopened:
        entry = "reopened"
    else:
        return None
    return _outcome(case, entry, state, level, due, yellow, escalations, resolution, keys)


def _untouched(case: Any, after: Event, before: Event | None, keys: _Keys) -> Outcome | None:
    """A case with no event in the period but some after it: it stood all through the period as
    its first later event found it."""
    state = after[3]
    if state not in _OPEN_TEXT:
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
    end_class = _END_TEXT[state]
    flag = warning(state, due, yellow, keys.day_key)
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
        overdue=flag == "red",
        yellow=flag == "yellow",
        escalations=escalations,
        repeat=entry == "registered" and bool(case[5]),
    )
    if end_class == "resolved" and resolution is not None:
        outcome.resolved_level = resolution[0]
        outcome.on_time = resolution[2] is None or keys.date_of(resolution[1]) <= resolution[2]
    return outcome


def _fetch(session: Db, stmt: Any) -> list[tuple[Any, ...]]:
    """All rows as the driver returns them: no SQLAlchemy row objects (hundreds of thousands of
    events are read for a month of a large ledger)."""
    conn = session if isinstance(session, Connection) else session.connection()
    result = conn.execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()
