"""Moving a case: registering a dispute and applying one action to it through the ladder's
table (docs/design.md §3). Every accepted action appends exactly one event to the case's log
(cases.log) and updates its cached status in the same transaction; every refusal raises before
anything is written. SQLAlchemy Core on the light stubs (core/tables.py) throughout: these are
the commands people type all day, and the ORM costs more to import than they take to run. The
functions take a Core connection or an ORM session alike.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from redprop.cases.actors import refusal, resolve_actor
from redprop.cases.categories import get_category
from redprop.cases.log import (
    append,
    apply_status,
    case_facts,
    status_of,
)
from redprop.cases.numbering import take_number
from redprop.cases.parties import (
    WINDOW,
    Party,
    find_related,
    numbers_of,
    read_parties,
    store_parties,
    store_relations,
)
from redprop.cases.rows import CaseRow, EventRow, done_before, get_case, read_case
from redprop.cases.rules import (
    LADDER,
    RULES,
    Action,
    Actor,
    Level,
    Place,
    State,
    Status,
    Step,
    step,
    why_not,
)
from redprop.cases.settings import load_calendar, load_settings
from redprop.core import tables as t
from redprop.core.errors import NotFound, UsageProblem
from redprop.core.eventlog import when
from redprop.core.fields import check_values
from redprop.core.ids import clean_text, normalize_building, normalize_unit
from redprop.core.vocab import (
    PROPERTY_CATEGORY,
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
from redprop.units.lookup import find_grid

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    Db = Connection | Session


def _when(at: datetime | None, *, case: CaseRow | None, action: Action) -> datetime:
    return when(
        at,
        last_at=case.last_at if case is not None else None,
        refuse=lambda zh, en: refusal(case, action, zh, en),
    )


# ---------------------------------------------------------------------------------------------
# Actors


def _check_actor(
    actor: Actor, action: Action, level: Level | None, place: Place, case: CaseRow | None
) -> None:
    why = why_not(actor, action, level, place)
    if why is None:
        return
    role_zh, role_en = both(ROLES, actor.role)
    raise refusal(
        case,
        action,
        f"{actor.name}（{role_zh}）无权操作：{why[0]}",
        f"{actor.name} ({role_en}) may not: {why[1]}",
    )


# ---------------------------------------------------------------------------------------------
# Events and the hash chain


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
    # Earlier cases the registering person links this one to by hand (case new --link).
    links: list[str] = field(default_factory=list)


def _building_id(session: Db, new: NewCase, grid: Any) -> int | None:
    """The building a new case names, checked to lie in the case's grid; a unit or room
    without a building is refused."""
    if not new.building:
        if new.unit or new.room:
            raise UsageProblem(
                "写了单元或房号却没有楼栋；请加 --building", "A unit or room needs its --building"
            )
        return None
    number = normalize_building(new.building)
    b = t.building.c
    building = session.execute(
        select(b.id, b.number, b.grid_id, t.grid.c.code)
        .join_from(t.building, t.grid, t.grid.c.id == b.grid_id)
        .where(b.community_id == grid.community_id, b.number == number)
    ).first()
    if building is None:
        raise NotFound(
            f"{grid.community}没有楼栋“{new.building}”：用 redprop org building list -c {grid.community} 查看",
            f"{grid.community} has no building '{new.building}': see redprop org building list",
        )
    if building.grid_id != grid.id:
        raise UsageProblem(
            f"楼栋 {building.number} 属于网格 {building.code}，不在 {grid.code}；请核对 --grid 或 --building",
            f"Building {building.number} belongs to grid {building.code}, not {grid.code}; check "
            "--grid or --building",
        )
    return int(building.id)


def register_case(
    session: Db,
    *,
    new: NewCase,
    actor: str | None,
    at: datetime | None = None,
    source_ref: str | None = None,
    request: str | None = None,
) -> CaseRow:
    """Register a dispute: its row and its first event. `source_ref` names where an imported
    case came from, so importing the same ledger again creates no duplicates; `request` the
    command invocation, so that its retry returns the case it registered (core/retry)."""
    earlier = done_before(session, request)
    if earlier is not None:
        found = read_case(session, t.dispute.c.id == earlier.case_id)
        assert found is not None
        return found
    settings, cal = load_settings(session), load_calendar(session)
    grid = find_grid(session, new.grid)
    category = get_category(session, new.category)
    severity = parse_severity(new.severity)
    source = parse_source(new.source)
    # A missing summary or party is a usage mistake (exit 2): nothing exists to refuse yet.
    given = LADDER.read(RULES[Action.register], new, clean=clean_text, refuse=UsageProblem)
    building_id = _building_id(session, new, grid)
    moment = _when(at, case=None, action=Action.register)
    place = Place(grid.street_id, grid.community_id, grid.id)
    intake = settings.intake(severity)
    who, staff_id = resolve_actor(session, actor, action=Action.register, case=None)
    _check_actor(who, Action.register, intake, place, None)
    parties = read_parties(session, given["parties"])
    case = _insert_case(
        session,
        # A stand-in until the case's links are stored: the year's counter row stays locked
        # from numbering to COMMIT, so on a shared PostgreSQL the number is taken last, and
        # registrations queue only for their final writes (docs/design.md §17).
        number=f"~{os.urandom(9).hex()}",
        street_id=grid.street_id,
        community_id=grid.community_id,
        grid_id=grid.id,
        building_id=building_id,
        unit=normalize_unit(new.unit) if new.unit else None,
        room=clean_text(new.room) if new.room else None,
        category_id=category.id,
        severity=severity.value,
        source=source,
        summary=given["summary"],
        parties=json.dumps([p.name for p in parties], ensure_ascii=False),
        level=intake.value,
        registered_at=moment,
        source_ref=source_ref,
    )
    _link_company(session, case.id, building_id, grid.id, category.name)
    related = _relate(session, case, parties, new.links)
    before = Status()
    move = Step(Action.register, moment.date(), severity=severity)
    after = step(before, move, number=case.number, settings=settings, cal=cal)
    apply_status(case, after, cal)
    data = {"severity": severity.value, "source": source, "facts": case_facts(case)}
    # Taken last: inside this transaction (SQLite, bulk registrations) the year's counter is
    # held from here to COMMIT, so as few round trips as can be and the chain link only queued
    # (core/chain.link, defer=True); on PostgreSQL a command reserves it (cases/numbering).
    case.number = take_number(session, moment.year, request=request, actor=who.name)
    session.execute(update(t.dispute).where(t.dispute.c.id == case.id).values(number=case.number))
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
        data=data | ({"related": related} if related else {}),
        request=request,
        defer_link=True,
    )
    return case


def _relate(session: Db, case: CaseRow, parties: list[Party], links: list[str]) -> dict[str, str]:
    """Store the new case's parties and the cases it relates to in the 12 months before it
    (cases/parties), with the ones linked by hand; returns them by number."""
    store_parties(session, case.id, parties)
    found = find_related(
        session,
        case_id=case.id,
        address=(case.building_id, case.unit, case.room),
        parties=parties,
        since=case.registered_at - WINDOW,
        until=case.registered_at,
    )
    for number in links:
        other = get_case(session, number)
        if other.registered_at > case.registered_at:
            raise UsageProblem(
                f"--link {other.number} 登记在本案之后；只能关联更早的案件",
                f"--link {other.number} was registered after this case; link an earlier one",
            )
        found[other.id] = "link"
    store_relations(session, case.id, found)
    numbers = numbers_of(session, found)
    return {numbers[k]: v for k, v in sorted(found.items())}


def _link_company(
    session: Db, case_id: int, building_id: int | None, grid_id: int, category: str
) -> None:
    """Link a complaint to the property company it reaches (docs/design.md §15): the company
    of the compound at its address; for a property dispute without one, the company serving
    every compound of its grid, when that is one company."""
    b, c = t.building.c, t.compound.c
    companies = select(c.company_id).join_from(t.building, t.compound, c.id == b.compound_id)
    if building_id is not None:
        found = session.execute(companies.where(b.id == building_id)).scalar()
    elif category == PROPERTY_CATEGORY:
        ids = set(session.execute(companies.where(b.grid_id == grid_id).distinct()).scalars())
        found = ids.pop() if len(ids) == 1 else None
    else:
        found = None
    if found is not None:
        d = t.dispute.c
        session.execute(update(t.dispute).where(d.id == case_id).values(company_id=found))


def _insert_case(session: Db, **given: Any) -> CaseRow:
    """The new case's row, before its first event (which fills in its status)."""
    values = given | {
        "state": State.registered.value,
        "supervised": False,
        "clock_start": None,
        "limit_days": 0,
        "paused_days": 0,
        "suspended_on": None,
        "due_on": None,
        "yellow_on": None,
        "last_at": given["registered_at"],
        "event_count": 0,
        "last_hash": "",
    }
    check_values("dispute", values)
    new_id = session.execute(
        insert(t.dispute).values(values).returning(t.dispute.c.id)
    ).scalar_one()
    return CaseRow(id=new_id, **values)


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


def _facts(session: Db, case: CaseRow, action: Action, facts: Facts) -> Shaped:
    """The facts the ladder's row for `action` needs (refused when missing), turned into the
    ladder step, the event's reason and its data."""
    rule = LADDER.rule(case.number, State(case.state), action)
    given = LADDER.read(
        rule, facts, clean=clean_text, refuse=lambda zh, en: refusal(case, action, zh, en)
    )
    return _SHAPES.get(action, _plain)(session, case, given)


# How each action's facts become the event's reason (its one line of text), its data, and the
# fields of the ladder step.
Shaped = tuple[str | None, dict[str, Any], dict[str, Any]]
Shape = Callable[[Any, CaseRow, dict[str, Any]], Shaped]


def _plain(session: Db, case: CaseRow, given: dict[str, Any]) -> Shaped:
    return given.get("reason"), {}, {}


def _note(session: Db, case: CaseRow, given: dict[str, Any]) -> Shaped:
    return given["text"], {}, {}


def _assign(session: Db, case: CaseRow, given: dict[str, Any]) -> Shaped:
    return given["reason"], {}, {"to_level": parse_level(given["to_level"])}


def _extend(session: Db, case: CaseRow, given: dict[str, Any]) -> Shaped:
    days = given["days"]
    return given["reason"], {"days": days}, {"days": days}


def _resolve(session: Db, case: CaseRow, given: dict[str, Any]) -> Shaped:
    agreement = parse_agreement(given["agreement"])
    data = {"outcome": given["outcome"], "agreement": agreement}
    if "summary" in given:
        data["summary"] = given["summary"]
    return given["outcome"], data, {}


def _refer(session: Db, case: CaseRow, given: dict[str, Any]) -> Shaped:
    to = given["to"]
    if to not in REFER_TO:
        raise refusal(
            case,
            Action.refer,
            f"--to 只能是 {'、'.join(REFER_TO)}",
            f"--to must be one of {', '.join(REFER_TO)}",
        )
    data = {"to": to} | ({"body": given["body"]} if "body" in given else {})
    reason = to + (f"（{data['body']}）" if "body" in data else "")
    return reason, data, {}


def _withdraw(session: Db, case: CaseRow, given: dict[str, Any]) -> Shaped:
    data = {}
    if "duplicate_of" in given:
        other = get_case(session, given["duplicate_of"])
        if other.id == case.id:
            raise refusal(
                case, Action.withdraw, "不能是自己的重复案件", "a case can't duplicate itself"
            )
        data["duplicate_of"] = other.number
    return given["reason"], data, {}


def _visit(session: Db, case: CaseRow, given: dict[str, Any]) -> Shaped:
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
    session: Db,
    *,
    number: str,
    action: Action,
    actor: str | None,
    facts: Facts | None = None,
    at: datetime | None = None,
    request: str | None = None,
) -> EventRow:
    """Apply one action to a case. Refusals (illegal pair, missing facts, wrong actor, a time in
    the future or before the last event) raise before anything is written. A retry of the same
    `request` returns the event its first attempt appended (core/retry)."""
    earlier = done_before(session, request)
    if earlier is not None:
        return earlier
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
        request=request,
    )


# ---------------------------------------------------------------------------------------------
# The sweep


# ---------------------------------------------------------------------------------------------
# Reading


# ---------------------------------------------------------------------------------------------
# Replay and verification
