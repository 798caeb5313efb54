"""A case's event log (docs/design.md §11): appending one hash-chained event per action, the
case's cached status, replaying a history through the ladder, and verifying every chain (what
`redprop db check` runs). The log is append-only: nothing here updates or deletes an event.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from redprop.core.chain import link
from redprop.core.eventlog import GENESIS, ChainProblem, check_chain, data_text, digest, stamp
from redprop.core.models import Case, CaseEvent, Staff
from redprop.core.workdays import Calendar

# The action of an attachment's event (cases/attachments.py): hash-chained like every event,
# outside the ladder's table (it moves nothing).
ATTACH = "attach"


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


def status_of(case: Case) -> Status:
    return Status(
        state=State(case.state),
        level=Level(case.level),
        clock_start=case.clock_start,
        limit_days=case.limit_days,
        paused_days=case.paused_days,
        suspended_on=case.suspended_on,
        supervised=case.supervised,
    )


def apply_status(case: Case, status: Status, cal: Calendar) -> None:
    assert status.state is not None and status.level is not None
    case.state, case.level = status.state.value, status.level.value
    case.clock_start, case.limit_days = status.clock_start, status.limit_days
    case.paused_days, case.suspended_on = status.paused_days, status.suspended_on
    case.supervised = status.supervised
    case.due_on, case.yellow_on = status.due_on(cal), status.yellow_on(cal)


def append(
    session: Session,
    case: Case,
    *,
    action: Action | str,
    before: Status,
    after: Status,
    at: datetime,
    actor: str,
    staff_id: int | None,
    reason: str | None,
    data: dict[str, Any],
) -> CaseEvent:
    assert after.state is not None and after.level is not None
    prev_hash = case.last_hash or GENESIS
    seq, recorded_at = stamp(case, at)
    event = CaseEvent(
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
        hash="",
    )
    event.hash = case.last_hash = event_hash(case.number, event)
    session.add(event)
    session.flush()
    link(session, "case", event.id, event.hash, recorded_at)  # type: ignore[arg-type]
    return event


def step_of(event: CaseEvent, severity: str) -> Step:
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


def replay(
    events: list[CaseEvent], *, severity: str, number: str, settings: Settings, cal: Calendar
) -> Status:
    status = Status()
    for event in events:
        if event.action == ATTACH:
            continue  # a file attached: in the chain, no move on the ladder
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
        select(*CACHED).order_by(Case.id).execution_options(stream_results=True, yield_per=5000)
    )
    fields: list[Any] = [
        CaseEvent.case_id,
        CaseEvent.seq,
        CaseEvent.action,
        CaseEvent.from_state,
        CaseEvent.from_level,
        CaseEvent.state,
        CaseEvent.level,
        CaseEvent.at,
        CaseEvent.recorded_at,
        CaseEvent.actor,
        CaseEvent.reason,
        CaseEvent.data,
        CaseEvent.due_on,
        CaseEvent.yellow_on,
        CaseEvent.prev_hash,
        CaseEvent.hash,
        CaseEvent.staff_id,
    ]
    names = [c.key for c in fields]
    staff: dict[int, str] = dict(session.execute(select(Staff.id, Staff.name)).all())  # type: ignore[arg-type]
    events = conn.execute(
        select(*fields)
        .order_by(CaseEvent.case_id, CaseEvent.seq)
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
    Case.id,
    Case.number,
    Case.severity,
    Case.state,
    Case.level,
    Case.event_count,
    Case.last_hash,
    Case.clock_start,
    Case.limit_days,
    Case.paused_days,
    Case.suspended_on,
    Case.supervised,
    Case.due_on,
    Case.yellow_on,
    Case.registered_at,
    Case.last_at,
    Case.street_id,
    Case.community_id,
    Case.grid_id,
    Case.building_id,
    Case.unit,
    Case.room,
    Case.category_id,
    Case.source,
    Case.summary,
    Case.parties,
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


def number_gaps(session: Session) -> list[ChainProblem]:
    """Case numbers run 1, 2, 3 … each year up to the year's counter: a number is taken inside
    the registering transaction (rolled back with it), so a missing one is a deleted case."""
    from redprop.core.models import CaseCounter

    taken: dict[int, set[int]] = {}
    for number in session.scalars(select(Case.number)):
        year, _, serial = number.partition("-")
        if year.isdigit() and serial.isdigit():
            taken.setdefault(int(year), set()).add(int(serial))
    problems = []
    for year, last in session.execute(select(CaseCounter.year, CaseCounter.last)):
        missing = sorted(set(range(1, last + 1)) - taken.get(year, set()))
        if missing:
            shown = "、".join(f"{year}-{n:05d}" for n in missing[:5])
            more = f" 等 {len(missing)} 个" if len(missing) > 5 else ""
            problems.append(
                ChainProblem(
                    f"{year}",
                    f"案件编号 {shown}{more} 缺失（案件被删除）",
                    f"case number(s) {shown} are missing (cases deleted)",
                )
            )
    return problems
