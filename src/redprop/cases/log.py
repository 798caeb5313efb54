"""A case's event log (docs/design.md §11): appending one hash-chained event per action, the
case's cached status, replaying a history through the ladder, and verifying every chain (what
`redprop db check` runs). The log is append-only: nothing here updates or deletes an event.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from redprop.cases.lateness import resolve_facts, wrong_facts
from redprop.cases.rows import EventRow
from redprop.cases.rules import (
    Action,
    Level,
    Refused,
    Settings,
    Severity,
    State,
    Status,
    Step,
    step,
)
from redprop.cases.settings import load_calendar, load_settings
from redprop.core import tables as t
from redprop.core.chain import link
from redprop.core.eventlog import GENESIS, ChainProblem, check_chain, data_text, digest, stamp
from redprop.core.fields import check_values
from redprop.core.vocab import ATTACH, UNDO  # an attachment's and an undo's actions
from redprop.core.workdays import Calendar

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    Db = Connection | Session


# What an event changes of its case's row: the cached status and the log's counters.
_CACHED_STATUS = (
    "state",
    "level",
    "supervised",
    "clock_start",
    "limit_days",
    "paused_days",
    "suspended_on",
    "due_on",
    "yellow_on",
    "last_at",
    "event_count",
    "last_hash",
)


def event_hash(number: str, ev: Any) -> str:
    """The hash of one case event. The payload's fields and their order are fixed for good:
    changing them would break every stored chain."""
    payload = [
        number,
        ev.seq,
        ev.action,
        ev.from_state,
        ev.from_level,
        ev.state,
        ev.level,
        ev.at.isoformat(),
        ev.recorded_at.isoformat(),
        ev.actor,
        ev.reason,
        ev.data,
        ev.due_on.isoformat() if ev.due_on else None,
        ev.prev_hash,
    ]
    # Added in schema 0004: covered when present, so events written before it still verify.
    yellow = getattr(ev, "yellow_on", None)
    if yellow is not None:
        payload.append(yellow.isoformat())
    return digest(payload)


def status_of(case: Any) -> Status:
    return Status(
        state=State(case.state),
        level=Level(case.level),
        clock_start=case.clock_start,
        limit_days=case.limit_days,
        paused_days=case.paused_days,
        suspended_on=case.suspended_on,
        supervised=case.supervised,
    )


def apply_status(case: Any, status: Status, cal: Calendar) -> None:
    assert status.state is not None and status.level is not None
    case.state, case.level = status.state.value, status.level.value
    case.clock_start, case.limit_days = status.clock_start, status.limit_days
    case.paused_days, case.suspended_on = status.paused_days, status.suspended_on
    case.supervised = status.supervised
    case.due_on, case.yellow_on = status.due_on(cal), status.yellow_on(cal)


def append(
    db: Db,
    case: Any,
    *,
    action: Action | str,
    before: Status,
    after: Status,
    at: datetime,
    actor: str,
    staff_id: int | None,
    reason: str | None,
    data: dict[str, Any],
    request: str | None = None,
    defer_link: bool = False,
) -> EventRow:
    """Append one event to `case`'s log and store the case's cached status with it (the
    caller has applied `after` to `case`), then its link of the ledger-wide chain. `request`
    names the command invocation (core/retry), so that a retry finds this event; `defer_link`
    only queues the link on PostgreSQL (core/chain.link)."""
    assert after.state is not None and after.level is not None
    prev_hash = case.last_hash or GENESIS
    seq, recorded_at = stamp(case, at)
    event = EventRow(
        case_id=case.id,
        seq=seq,
        action=str(action),
        from_state=before.state.value if before.state else None,
        from_level=before.level.value if before.level else None,
        state=after.state.value,
        level=after.level.value,
        at=at,
        recorded_at=recorded_at,
        actor=actor,
        staff_id=staff_id,
        reason=reason,
        data=data_text(data),
        due_on=case.due_on,
        yellow_on=case.yellow_on,
        prev_hash=prev_hash,
        request=request,
        number=case.number,
    )
    if event.action == Action.resolve.value:
        event.overdue, event.resolved_before = resolve_facts(db, case.id, at)
    event.hash = case.last_hash = event_hash(case.number, event)
    values = {f.name: getattr(event, f.name) for f in fields(EventRow)}
    del values["id"], values["number"]
    check_values("case_event", values)
    event.id = db.execute(
        insert(t.case_event).values(values).returning(t.case_event.c.id)
    ).scalar_one()
    cached = {name: getattr(case, name) for name in _CACHED_STATUS}
    db.execute(update(t.dispute).where(t.dispute.c.id == case.id).values(cached))
    link(db, "case", event.id, event.hash, recorded_at, defer=defer_link)  # type: ignore[arg-type]
    return event


def step_of(event: Any, severity: str) -> Step:
    data = json.loads(event.data)
    action = Action(event.action)
    return Step(
        action,
        event.at.date(),
        severity=Severity(severity) if action is Action.register else None,
        # Level moves replay as recorded, whatever the ladder settings are today.
        to_level=Level(event.level)
        if action in (Action.register, Action.escalate, Action.assign)
        else None,
        days=int(data.get("days", 0)),
        reopens=action is Action.visit and event.state == State.in_progress.value,
    )


def effective(events: list[Any]) -> list[Any]:
    """The events that move the case on the ladder: not attachments (in the chain, no move),
    not undos, and not the steps undos took back (an undo always follows the step it cancels)."""
    undone = {json.loads(e.data).get("undoes") for e in events if e.action == UNDO}
    return [e for e in events if e.action not in (ATTACH, UNDO) and e.seq not in undone]


def replay(
    events: list[Any], *, severity: str, number: str, settings: Settings, cal: Calendar
) -> Status:
    status = Status()
    for event in effective(events):
        status = step(status, step_of(event, severity), number=number, settings=settings, cal=cal)
    return status


def verify_events(session: Session) -> list[ChainProblem]:
    """Recompute every case's hash chain and replay its events against its cached status.
    Streams the events in (case, seq) order, one case at a time, so memory stays flat whatever
    the size of the ledger."""
    from types import SimpleNamespace

    settings, cal = load_settings(session), load_calendar(session)
    problems: list[ChainProblem] = []
    conn = session.connection()
    # Streaming is set per statement: Connection.execution_options would change the session's
    # connection for every later statement too.
    cases = conn.execute(
        select(*CACHED)
        .order_by(t.dispute.c.id)
        .execution_options(stream_results=True, yield_per=5000)
    )
    fields: list[Any] = [
        t.case_event.c.case_id,
        t.case_event.c.seq,
        t.case_event.c.action,
        t.case_event.c.from_state,
        t.case_event.c.from_level,
        t.case_event.c.state,
        t.case_event.c.level,
        t.case_event.c.at,
        t.case_event.c.recorded_at,
        t.case_event.c.actor,
        t.case_event.c.reason,
        t.case_event.c.data,
        t.case_event.c.due_on,
        t.case_event.c.yellow_on,
        t.case_event.c.prev_hash,
        t.case_event.c.hash,
        t.case_event.c.staff_id,
        t.case_event.c.overdue,
        t.case_event.c.resolved_before,
    ]
    names = [c.key for c in fields]
    staff: dict[int, str] = dict(session.execute(select(t.staff.c.id, t.staff.c.name)).all())  # type: ignore[arg-type]
    events = conn.execute(
        select(*fields)
        .order_by(t.case_event.c.case_id, t.case_event.c.seq)
        .execution_options(stream_results=True, yield_per=5000)
    )
    pending = next(events, None)
    known: set[int] = set()
    for case in cases:
        known.add(case.id)
        history = []
        while pending is not None and pending.case_id < case.id:
            problems.append(
                ChainProblem(
                    f"#{pending.case_id}",
                    "有事件指向不存在的案件",
                    "events point to a missing case",
                )
            )
            orphan = pending.case_id
            while pending is not None and pending.case_id == orphan:
                pending = next(events, None)
        while pending is not None and pending.case_id == case.id:
            history.append(SimpleNamespace(**dict(zip(names, pending, strict=True))))
            pending = next(events, None)
        broken = _check_history(case, history, settings, cal) or _check_cached(case, history, staff)
        if broken:
            problems.append(ChainProblem(case.number, *broken))
    while pending is not None:
        orphan = pending.case_id
        problems.append(
            ChainProblem(f"#{orphan}", "有事件指向不存在的案件", "events point to a missing case")
        )
        while pending is not None and pending.case_id == orphan:
            pending = next(events, None)
    return problems


def _check_history(
    case: Any, history: list[Any], settings: Settings, cal: Calendar
) -> tuple[str, str] | None:
    broken = check_chain(
        history,
        count=case.event_count,
        last_hash=case.last_hash,
        hash_of=lambda ev: event_hash(case.number, ev),
    )
    if broken:
        return broken
    try:
        status = replay(
            history, severity=case.severity, number=case.number, settings=settings, cal=cal
        )
    except Refused:
        status = None
    if status is None or (status.state, status.level) != (State(case.state), Level(case.level)):
        return (
            "重放事件得到的状态与案件记录不符",
            "replaying the events does not give the case's state",
        )
    replayed = (
        status.clock_start,
        status.limit_days,
        status.paused_days,
        status.suspended_on,
        status.supervised,
    )
    stored = (case.clock_start, case.limit_days, case.paused_days, case.suspended_on)
    if replayed != (*stored, bool(case.supervised)):
        return (
            "重放事件得到的期限、挂起或督办与案件记录不符",
            "replaying the events does not give the case's clock, suspension or supervision",
        )
    return None


# The case's columns db check reads: the cached status, and the facts fixed at registration.
CACHED: list[Any] = [
    t.dispute.c.id,
    t.dispute.c.number,
    t.dispute.c.severity,
    t.dispute.c.state,
    t.dispute.c.level,
    t.dispute.c.event_count,
    t.dispute.c.last_hash,
    t.dispute.c.clock_start,
    t.dispute.c.limit_days,
    t.dispute.c.paused_days,
    t.dispute.c.suspended_on,
    t.dispute.c.supervised,
    t.dispute.c.due_on,
    t.dispute.c.yellow_on,
    t.dispute.c.registered_at,
    t.dispute.c.last_at,
    t.dispute.c.street_id,
    t.dispute.c.community_id,
    t.dispute.c.grid_id,
    t.dispute.c.building_id,
    t.dispute.c.unit,
    t.dispute.c.room,
    t.dispute.c.category_id,
    t.dispute.c.source,
    t.dispute.c.summary,
    t.dispute.c.parties,
]


def case_facts(case: Any) -> str:
    """The digest of what registration fixed for good (where, what, who, how serious): kept in
    the register event's data, so an edit of the case's row shows. Its fields and their order
    are fixed for good."""
    return digest(
        [
            case.street_id,
            case.community_id,
            case.grid_id,
            case.building_id,
            case.unit,
            case.room,
            case.category_id,
            case.severity,
            case.source,
            case.summary,
            case.parties,
        ]
    )


def _check_cached(case: Any, history: list[Any], staff: dict[int, str]) -> tuple[str, str] | None:
    """The case's cached columns against its events: due and warning dates those of the last
    event, its times those of the first and last, the facts of registration their digest, and
    each event's staff member the one it names."""
    if not history:
        return None
    first, last = history[0], history[-1]
    # Events written before schema 0004 (and by bulk loaders of that shape) carry no warning
    # date: it is compared only where the event has one.
    yellow = case.yellow_on if last.yellow_on is not None else None
    if (case.due_on, yellow) != (last.due_on, last.yellow_on):
        return "期限或预警日期与办理记录不符", "the due or warning date does not match the events"
    if (case.registered_at, case.last_at) != (first.at, last.at):
        return "登记或最后办理时间与办理记录不符", "the registered or last time does not match"
    seq = wrong_facts(history)
    if seq is not None:
        return (
            f"第 {seq} 条事件（办结）记录的是否超期或曾办结与办理记录不符",
            f"event {seq} (resolve) says wrongly whether the case ran late or was resolved before",
        )
    facts = json.loads(first.data).get("facts")
    if facts is not None and facts != case_facts(case):
        return (
            "登记内容（地址、类型、等级、当事人或简要情况）与登记记录不符",
            "what was registered (address, category, severity, parties or summary) was changed",
        )
    for ev in history:
        if ev.staff_id is not None and staff.get(ev.staff_id) != ev.actor:
            return (
                f"第 {ev.seq} 条事件的办理人被改动",
                f"the staff member of event {ev.seq} was changed",
            )
    return None
