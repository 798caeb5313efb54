"""Moving a case: registering a dispute and applying one action to it through the ladder's
table (docs/design.md §3). Every accepted action appends exactly one event to the case's log
(cases.log) and updates its cached status in the same transaction; every refusal raises before
anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.cases.categories import get_category
from redprop.cases.log import append, apply_status, case_facts, status_of
from redprop.cases.rules import (
    LADDER,
    RULES,
    Action,
    Actor,
    Level,
    Place,
    Refused,
    State,
    Status,
    Step,
    step,
    why_not,
)
from redprop.cases.settings import load_calendar, load_settings
from redprop.core.config import local_now
from redprop.core.db import bump_counter
from redprop.core.errors import NotFound, UsageProblem
from redprop.core.eventlog import when
from redprop.core.ids import clean_text, normalize_building, normalize_unit
from redprop.core.models import Building, Case, CaseCounter, CaseEvent, Community, Grid
from redprop.core.numbers import full_number, said_as
from redprop.core.vocab import (
    REFER_TO,
    ROLES,
    both,
    parse_agreement,
    parse_fulfilled,
    parse_level,
    parse_satisfaction,
    parse_severity,
    parse_source,
)
from redprop.units.org import get_grid
from redprop.units.staff import acting_staff


def _refusal(case: Case | None, action: Action, zh: str, en: str) -> Refused:
    """Refused for a reason other than the table: names the case and its state when there is one."""
    if case is None:
        return LADDER.refuse(None, None, action, zh, en)  # type: ignore[return-value]
    return LADDER.refuse(case.number, State(case.state), action, zh, en)  # type: ignore[return-value]


def _when(at: datetime | None, *, case: Case | None, action: Action) -> datetime:
    return when(
        at,
        last_at=case.last_at if case is not None else None,
        refuse=lambda zh, en: _refusal(case, action, zh, en),
    )


# ---------------------------------------------------------------------------------------------
# Actors


def resolve_actor(
    session: Session, name: str | None, *, action: Action, case: Case | None
) -> tuple[Actor, int]:
    """The acting staff member as the ladder sees them: role, level and units."""
    member = acting_staff(session, name, refuse=lambda zh, en: _refusal(case, action, zh, en))
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


def _building_id(session: Session, new: NewCase, community: Community, grid: Grid) -> int | None:
    """The building a new case names, checked to lie in the case's grid; a unit or room
    without a building is refused."""
    if not new.building:
        if new.unit or new.room:
            raise UsageProblem(
                "写了单元或房号却没有楼栋；请加 --building", "A unit or room needs its --building"
            )
        return None
    number = normalize_building(new.building)
    building = session.scalar(
        select(Building).where(Building.community_id == community.id, Building.number == number)
    )
    if building is None:
        raise NotFound(
            f"{community.name}没有楼栋“{new.building}”：用 redprop org building list -c {community.name} 查看",
            f"{community.name} has no building '{new.building}': see redprop org building list",
        )
    if building.grid_id != grid.id:
        home = session.get_one(Grid, building.grid_id)
        raise UsageProblem(
            f"楼栋 {building.number} 属于网格 {home.code}，不在 {grid.code}；请核对 --grid 或 --building",
            f"Building {building.number} belongs to grid {home.code}, not {grid.code}; check "
            "--grid or --building",
        )
    return building.id


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
    building_id = _building_id(session, new, community, grid)
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
    apply_status(case, after, cal)
    append(
        session,
        case,
        action=Action.register,
        before=before,
        after=after,
        at=moment,
        actor=who.name,
        staff_id=staff_id,
        reason=None,
        data={"severity": severity.value, "source": source, "facts": case_facts(case)},
    )
    return case


def get_case(session: Session, number: str, *, lock: bool = False) -> Case:
    """A case by number; `lock` takes its row for this transaction (PostgreSQL FOR UPDATE; on
    SQLite the writer already holds the database), so two writers append to its chain in turn."""
    # A short number: 87 is this year's 2026-00087, 2025-87 is 2025-00087 (core/numbers).
    full = full_number(clean_text(number), year=local_now().year)
    query = select(Case).where(Case.number == full)
    if lock:
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None:
        zh, en = said_as(number, full)
        raise NotFound(
            f"没有编号为 {zh} 的案件：用 redprop case list 查看案件编号",
            f"No case numbered {en}: see redprop case list",
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
    agreement = parse_agreement(given["agreement"])
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
    sat = parse_satisfaction(given["satisfaction"])
    ful = parse_fulfilled(given["fulfilled"])
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
    apply_status(case, after, cal)
    return append(
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


# ---------------------------------------------------------------------------------------------
# Reading


# ---------------------------------------------------------------------------------------------
# Replay and verification
