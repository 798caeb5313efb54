"""The case ledger: registering disputes, applying actions through the ladder, the overdue sweep,
listing and showing cases, and verifying the event chain.

Every accepted action appends exactly one hash-chained event and updates the case's cached
status in the same transaction; every refusal raises before anything is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.cases.query import warning
from redprop.cases.rules import (
    ACTION_NAMES,
    ESCALATION_REASON,
    LADDER,
    RULES,
    STATE_NAMES,
    SYSTEM_ACTOR,
    Action,
    Actor,
    Level,
    Place,
    Refused,
    Settings,
    Severity,
    State,
    Status,
    Step,
    step,
    why_not,
)
from redprop.cases.settings import load_calendar, load_settings
from redprop.cases.vocab import choice, parse_level, parse_severity, parse_source
from redprop.core.config import LOCAL_TZ
from redprop.core.config import now as clock_now
from redprop.core.db import bump_counter
from redprop.core.errors import NotFound, UsageProblem
from redprop.core.ids import clean_text, normalize_building, normalize_unit
from redprop.core.models import (
    Building,
    Case,
    CaseCounter,
    CaseEvent,
    Category,
    Community,
    Grid,
    Staff,
    Street,
)
from redprop.core.vocab import ROLES, both
from redprop.core.workdays import Calendar
from redprop.units.org import get_grid

REFER_TO = ("法院", "检察院", "公安", "仲裁", "部门")
AGREEMENTS = {"oral": "oral", "口头": "oral", "written": "written", "书面": "written"}
SATISFACTION = {
    "satisfied": "satisfied",
    "满意": "satisfied",
    "basic": "basic",
    "基本满意": "basic",
    "unsatisfied": "unsatisfied",
    "不满意": "unsatisfied",
}
FULFILLED = {
    "yes": "yes",
    "是": "yes",
    "已履行": "yes",
    "no": "no",
    "否": "no",
    "未履行": "no",
    "partly": "partly",
    "部分": "partly",
    "部分履行": "partly",
}
GENESIS = "0" * 64


# ---------------------------------------------------------------------------------------------
# Time


def local(at: datetime) -> datetime:
    """A stored time: local wall-clock, without offset (see models.py)."""
    if at.tzinfo is not None:
        at = at.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return at.replace(microsecond=0)


def _now() -> datetime:
    return local(clock_now())


def _when(at: datetime | None, *, case: Case | None, action: Action) -> datetime:
    """The stated time: default now; never in the future; never before the case's last event."""
    moment = local(at) if at is not None else _now()
    current = _now()
    if moment > current:
        raise _refusal(
            case,
            action,
            f"时间 {moment:%Y-%m-%d %H:%M} 晚于现在，不能登记未来的事",
            f"the time {moment:%Y-%m-%d %H:%M} is in the future",
        )
    if case is not None and moment < case.last_at:
        raise _refusal(
            case,
            action,
            f"时间 {moment:%Y-%m-%d %H:%M} 早于该案上一次办理（{case.last_at:%Y-%m-%d %H:%M}）",
            f"the time {moment:%Y-%m-%d %H:%M} is before the case's last event "
            f"({case.last_at:%Y-%m-%d %H:%M})",
        )
    return moment


def _refusal(case: Case | None, action: Action, zh: str, en: str) -> Refused:
    az, ae = ACTION_NAMES[action]
    if case is None:
        return Refused(f"不能{az}：{zh}", f"Can't {ae}: {en}")
    sz, se = STATE_NAMES[State(case.state)]
    return Refused(
        f"不能对{sz}的案件 {case.number} 执行{az}：{zh}",
        f"Can't {ae} case {case.number} ({se}): {en}",
    )


# ---------------------------------------------------------------------------------------------
# Parsing user values


def get_category(session: Session, name: str) -> Category:
    found = session.scalar(select(Category).where(Category.name == clean_text(name)))
    if found is None:
        names = "、".join(session.scalars(select(Category.name).order_by(Category.id)))
        raise NotFound(
            f"没有“{name}”这个纠纷类型；可选：{names}（或用 redprop case category add 新增）",
            f"No dispute category '{name}'; the categories are: {names} "
            "(add one with redprop case category add)",
        )
    return found


def add_category(session: Session, *, name: str) -> Category:
    text = clean_text(name)
    if not text:
        raise UsageProblem("类型名称不能为空", "The category name can't be empty")
    if session.scalar(select(Category.id).where(Category.name == text)):
        raise UsageProblem(f"纠纷类型“{text}”已经存在", f"The category '{text}' already exists")
    category = Category(name=text)
    session.add(category)
    session.flush()
    return category


def list_categories(session: Session) -> list[str]:
    return list(session.scalars(select(Category.name).order_by(Category.id)))


# ---------------------------------------------------------------------------------------------
# Actors


def resolve_actor(
    session: Session, name: str | None, *, action: Action, case: Case | None
) -> tuple[Actor, int]:
    if not name:
        raise _refusal(
            case,
            action,
            "没有操作人：请用 --as 姓名 或环境变量 REDPROP_USER 指明是谁在办理",
            "no actor: say who is acting with --as NAME or REDPROP_USER",
        )
    member = session.scalar(select(Staff).where(Staff.name == clean_text(name)))
    if member is None or not member.active:
        raise _refusal(
            case,
            action,
            f"“{name}”不是在职的登记工作人员；请先 redprop staff add 登记",
            f"'{name}' is not registered staff; register them with redprop staff add",
        )
    street_id, community_id, grid_id = member.street_id, member.community_id, member.grid_id
    if grid_id is not None:
        community_id = session.get_one(Grid, grid_id).community_id
        level = Level.grid
    elif community_id is not None:
        level = Level.community
    else:
        level = Level.street
    if community_id is not None:
        street_id = session.get_one(Community, community_id).street_id
    assert member.id is not None
    actor = Actor(member.name, member.role, level, street_id, community_id, grid_id)
    return actor, member.id


def _check_actor(
    actor: Actor, action: Action, level: Level | None, place: Place, case: Case | None
) -> None:
    why = why_not(actor, action, level, place)
    if why is None:
        return
    role_zh, role_en = both(ROLES, actor.role)
    raise _refusal(
        case,
        action,
        f"{actor.name}（{role_zh}）无权操作：{why[0]}",
        f"{actor.name} ({role_en}) may not: {why[1]}",
    )


# ---------------------------------------------------------------------------------------------
# Events and the hash chain


def event_hash(number: str, ev: CaseEvent) -> str:
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
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


def _apply_status(case: Case, status: Status, cal: Calendar) -> None:
    assert status.state is not None and status.level is not None
    case.state, case.level = status.state.value, status.level.value
    case.clock_start, case.limit_days = status.clock_start, status.limit_days
    case.paused_days, case.suspended_on = status.paused_days, status.suspended_on
    case.supervised = status.supervised
    case.due_on, case.yellow_on = status.due_on(cal), status.yellow_on(cal)


def _append(
    session: Session,
    case: Case,
    *,
    action: Action,
    before: Status,
    after: Status,
    at: datetime,
    actor: str,
    staff_id: int | None,
    reason: str | None,
    data: dict[str, Any],
) -> CaseEvent:
    assert after.state is not None and after.level is not None
    event = CaseEvent(
        case_id=case.id,
        seq=case.event_count + 1,
        action=action.value,
        from_state=before.state.value if before.state else None,
        from_level=before.level.value if before.level else None,
        state=after.state.value,
        level=after.level.value,
        at=at,
        recorded_at=_now(),
        actor=actor,
        staff_id=staff_id,
        reason=reason,
        data=json.dumps(data, ensure_ascii=False, sort_keys=True),
        due_on=case.due_on,
        yellow_on=case.yellow_on,
        prev_hash=case.last_hash or GENESIS,
        hash="",
    )
    event.hash = event_hash(case.number, event)
    session.add(event)
    case.event_count = event.seq
    case.last_hash = event.hash
    case.last_at = at
    session.flush()
    return event


def _next_number(session: Session, year: int) -> str:
    """The year's next case number (2026-00001); see db.bump_counter."""
    last = bump_counter(session, CaseCounter.__table__, year=year)  # type: ignore[attr-defined]
    return f"{year}-{last:05d}"


# ---------------------------------------------------------------------------------------------
# Registering and acting


@dataclass
class NewCase:
    grid: str
    category: str
    severity: str
    summary: str
    parties: list[str]
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    source: str = "patrol"


def register_case(
    session: Session, *, new: NewCase, actor: str | None, at: datetime | None = None
) -> Case:
    settings, cal = load_settings(session), load_calendar(session)
    grid = get_grid(session, new.grid)
    community = session.get_one(Community, grid.community_id)
    category = get_category(session, new.category)
    severity = parse_severity(new.severity)
    source = parse_source(new.source)
    # A missing summary or party is a usage mistake (exit 2): nothing exists to refuse yet.
    given = LADDER.read(RULES[Action.register], new, clean=clean_text, refuse=UsageProblem)
    summary, parties = given["summary"], given["parties"]
    building_id = None
    if new.building:
        number = normalize_building(new.building)
        building = session.scalar(
            select(Building).where(Building.community_id == community.id, Building.number == number)
        )
        if building is None:
            raise NotFound(
                f"{community.name}没有楼栋“{new.building}”：用 redprop org building list -c {community.name} 查看",
                f"{community.name} has no building '{new.building}': see redprop org building list",
            )
        building_id = building.id
    moment = _when(at, case=None, action=Action.register)
    place = Place(community.street_id, community.id, grid.id)  # type: ignore[arg-type]
    intake = settings.intake(severity)
    who, staff_id = resolve_actor(session, actor, action=Action.register, case=None)
    _check_actor(who, Action.register, intake, place, None)

    case = Case(
        number=_next_number(session, moment.year),
        street_id=community.street_id,
        community_id=community.id,
        grid_id=grid.id,
        building_id=building_id,
        unit=normalize_unit(new.unit) if new.unit else None,
        room=clean_text(new.room) if new.room else None,
        category_id=category.id,
        severity=severity.value,
        source=source,
        summary=summary,
        parties=json.dumps(parties, ensure_ascii=False),
        state=State.registered.value,
        level=intake.value,
        registered_at=moment,
        last_at=moment,
    )
    session.add(case)
    session.flush()
    before = Status()
    after = step(
        before,
        Step(Action.register, moment.date(), severity=severity),
        number=case.number,
        settings=settings,
        cal=cal,
    )
    _apply_status(case, after, cal)
    _append(
        session,
        case,
        action=Action.register,
        before=before,
        after=after,
        at=moment,
        actor=who.name,
        staff_id=staff_id,
        reason=None,
        data={"severity": severity.value, "source": source},
    )
    return case


def get_case(session: Session, number: str, *, lock: bool = False) -> Case:
    """A case by number; `lock` takes its row for this transaction (PostgreSQL FOR UPDATE; on
    SQLite the writer already holds the database), so two writers append to its chain in turn."""
    query = select(Case).where(Case.number == clean_text(number))
    if lock:
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None:
        raise NotFound(
            f"没有编号为 {number} 的案件：用 redprop case list 查看案件编号",
            f"No case numbered {number}: see redprop case list",
        )
    return case


@dataclass
class Facts:
    """What an action says, as typed on the command line."""

    reason: str | None = None
    text: str | None = None
    to_level: str | None = None
    days: int | None = None
    outcome: str | None = None
    agreement: str | None = None
    summary: str | None = None
    to: str | None = None
    body: str | None = None
    duplicate_of: str | None = None
    satisfaction: str | None = None
    fulfilled: str | None = None


def _facts(session: Session, case: Case, action: Action, facts: Facts) -> Shaped:
    """The facts the ladder's row for `action` needs (refused when missing), turned into the
    ladder step, the event's reason and its data."""
    rule = LADDER.rule(case.number, State(case.state), action)
    given = LADDER.read(
        rule, facts, clean=clean_text, refuse=lambda zh, en: _refusal(case, action, zh, en)
    )
    return _SHAPES.get(action, _plain)(session, case, given)


# How each action's facts become the event's reason (its one line of text), its data, and the
# fields of the ladder step.
Shaped = tuple[str | None, dict[str, Any], dict[str, Any]]
Shape = Callable[[Session, Case, dict[str, Any]], Shaped]


def _plain(session: Session, case: Case, given: dict[str, Any]) -> Shaped:
    return given.get("reason"), {}, {}


def _note(session: Session, case: Case, given: dict[str, Any]) -> Shaped:
    return given["text"], {}, {}


def _assign(session: Session, case: Case, given: dict[str, Any]) -> Shaped:
    return given["reason"], {}, {"to_level": parse_level(given["to_level"])}


def _extend(session: Session, case: Case, given: dict[str, Any]) -> Shaped:
    days = given["days"]
    return given["reason"], {"days": days}, {"days": days}


def _resolve(session: Session, case: Case, given: dict[str, Any]) -> Shaped:
    agreement = choice(
        given["agreement"], AGREEMENTS, "协议形式", "agreement form", ["oral", "written"]
    )
    data = {"outcome": given["outcome"], "agreement": agreement}
    if "summary" in given:
        data["summary"] = given["summary"]
    return given["outcome"], data, {}


def _refer(session: Session, case: Case, given: dict[str, Any]) -> Shaped:
    to = given["to"]
    if to not in REFER_TO:
        raise _refusal(
            case,
            Action.refer,
            f"--to 只能是 {'、'.join(REFER_TO)}",
            f"--to must be one of {', '.join(REFER_TO)}",
        )
    data = {"to": to} | ({"body": given["body"]} if "body" in given else {})
    reason = to + (f"（{data['body']}）" if "body" in data else "")
    return reason, data, {}


def _withdraw(session: Session, case: Case, given: dict[str, Any]) -> Shaped:
    data = {}
    if "duplicate_of" in given:
        other = get_case(session, given["duplicate_of"])
        if other.id == case.id:
            raise _refusal(
                case, Action.withdraw, "不能是自己的重复案件", "a case can't duplicate itself"
            )
        data["duplicate_of"] = other.number
    return given["reason"], data, {}


def _visit(session: Session, case: Case, given: dict[str, Any]) -> Shaped:
    sat = choice(
        given["satisfaction"],
        SATISFACTION,
        "满意度",
        "satisfaction",
        ["satisfied", "basic", "unsatisfied"],
    )
    ful = choice(given["fulfilled"], FULFILLED, "履行情况", "fulfilment", ["yes", "no", "partly"])
    # Unsatisfied, or the agreement not (fully) honoured: the case goes back to work.
    reopens = sat == "unsatisfied" or ful != "yes"
    return None, {"satisfaction": sat, "fulfilled": ful}, {"reopens": reopens}


_SHAPES: dict[Action, Shape] = {
    Action.note: _note,
    Action.assign: _assign,
    Action.extend: _extend,
    Action.resolve: _resolve,
    Action.refer: _refer,
    Action.withdraw: _withdraw,
    Action.visit: _visit,
}


def act(
    session: Session,
    *,
    number: str,
    action: Action,
    actor: str | None,
    facts: Facts | None = None,
    at: datetime | None = None,
) -> CaseEvent:
    """Apply one action to a case. Refusals (illegal pair, missing facts, wrong actor, a time in
    the future or before the last event) raise before anything is written."""
    if action in (Action.register, Action.supervise):
        raise UsageProblem(f"{action} 不能直接执行", f"{action} can't be applied directly")
    case = get_case(session, number, lock=True)
    settings, cal = load_settings(session), load_calendar(session)
    before = status_of(case)
    reason, data, fields = _facts(session, case, action, facts or Facts())
    moment = _when(at, case=case, action=action)
    who, staff_id = resolve_actor(session, actor, action=action, case=case)
    place = Place(case.street_id, case.community_id, case.grid_id)
    _check_actor(who, action, before.level, place, case)
    move = Step(action, moment.date(), **fields)
    after = step(before, move, number=case.number, settings=settings, cal=cal)
    _apply_status(case, after, cal)
    return _append(
        session,
        case,
        action=action,
        before=before,
        after=after,
        at=moment,
        actor=who.name,
        staff_id=staff_id,
        reason=reason,
        data=data,
    )


# ---------------------------------------------------------------------------------------------
# The sweep


@dataclass
class Swept:
    number: str
    action: str  # escalate | supervise
    from_level: str
    level: str
    due_on: date | None


def sweep(session: Session, *, at: datetime | None = None) -> list[Swept]:
    """Escalate each overdue open case one level (as the system, 超期自动上报); at the top level,
    or under the supervise-only policy, mark it for 督办 once. Idempotent for a given time."""
    settings, cal = load_settings(session), load_calendar(session)
    moment = local(at) if at is not None else _now()
    if moment > _now():
        raise UsageProblem("清理时间不能晚于现在", "The sweep time can't be in the future")
    today = moment.date()
    overdue = session.scalars(
        select(Case)
        .where(
            col(Case.state).in_([State.registered.value, State.in_progress.value]),
            col(Case.due_on) < today,
            Case.last_at <= moment,
        )
        .order_by(Case.id)
        # Rows another writer holds are left to the next sweep rather than waited for.
        .with_for_update(skip_locked=True)
    ).all()
    done: list[Swept] = []
    for case in overdue:
        before = status_of(case)
        escalate = settings.policy == "escalate" and before.level != settings.top
        if not escalate and case.supervised:
            continue
        action = Action.escalate if escalate else Action.supervise
        after = step(before, Step(action, today), number=case.number, settings=settings, cal=cal)
        due_before = case.due_on
        _apply_status(case, after, cal)
        _append(
            session,
            case,
            action=action,
            before=before,
            after=after,
            at=moment,
            actor=SYSTEM_ACTOR,
            staff_id=None,
            reason=ESCALATION_REASON if escalate else "超期督办",
            data={"swept": True},
        )
        done.append(
            Swept(case.number, action.value, str(before.level), str(after.level), due_before)
        )
    return done


# ---------------------------------------------------------------------------------------------
# Reading


def _today() -> date:
    return _now().date()


def warning_of(case: Case, today: date) -> str:
    return warning(case.state, case.due_on, case.yellow_on, today)


def case_detail(session: Session, number: str) -> dict[str, Any]:
    case = get_case(session, number)
    grid = session.get_one(Grid, case.grid_id)
    community = session.get_one(Community, case.community_id)
    street = session.get_one(Street, case.street_id)
    building = session.get(Building, case.building_id) if case.building_id else None
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    ).all()
    address = "".join(
        part
        for part in (
            f"{building.number}号楼" if building else "",
            f"{case.unit}单元" if case.unit else "",
            f"{case.room}室" if case.room else "",
        )
    )
    return {
        "number": case.number,
        "state": case.state,
        "level": case.level,
        "severity": case.severity,
        "category": session.get_one(Category, case.category_id).name,
        "source": case.source,
        "street": street.name,
        "community": community.name,
        "grid": grid.code,
        "address": address or None,
        "parties": json.loads(case.parties),
        "summary": case.summary,
        "registered_at": case.registered_at.isoformat(timespec="minutes"),
        "due_at": case.due_on.isoformat() if case.due_on else None,
        "warning": warning_of(case, _today()),
        "supervised": case.supervised,
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "from_state": e.from_state,
                "from_level": e.from_level,
                "state": e.state,
                "level": e.level,
                "at": e.at.isoformat(timespec="minutes"),
                "recorded_at": e.recorded_at.isoformat(timespec="seconds"),
                "actor": e.actor,
                "reason": e.reason,
                "data": json.loads(e.data),
                "due_at": e.due_on.isoformat() if e.due_on else None,
            }
            for e in events
        ],
    }


# ---------------------------------------------------------------------------------------------
# Replay and verification


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
        status = step(status, step_of(event, severity), number=number, settings=settings, cal=cal)
    return status


@dataclass
class ChainProblem:
    number: str
    zh: str
    en: str


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
        select(
            Case.id,
            Case.number,
            Case.severity,
            Case.state,
            Case.level,
            Case.event_count,
            Case.last_hash,
        ).order_by(Case.id)
    )
    fields = [
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
    ]
    names = [
        "case_id",
        "seq",
        "action",
        "from_state",
        "from_level",
        "state",
        "level",
        "at",
        "recorded_at",
        "actor",
        "reason",
        "data",
        "due_on",
        "yellow_on",
        "prev_hash",
        "hash",
    ]
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
        broken = _check_history(case, history, settings, cal)
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
    prev = GENESIS
    for expected_seq, ev in enumerate(history, start=1):
        if ev.seq != expected_seq:
            return (
                f"第 {expected_seq} 条事件缺失或次序被改动",
                f"event {expected_seq} is missing or out of order",
            )
        if ev.prev_hash != prev or event_hash(case.number, ev) != ev.hash:
            return (
                f"第 {ev.seq} 条事件（{ev.action}）被改动",
                f"event {ev.seq} ({ev.action}) was altered",
            )
        prev = ev.hash
    if len(history) != case.event_count or prev != (case.last_hash or GENESIS):
        return (
            "事件被删除或插入（与案件记录的事件数或末条哈希不符）",
            "events were deleted or inserted (count or last hash does not match the case)",
        )
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
    return None
