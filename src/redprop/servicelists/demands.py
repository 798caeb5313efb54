"""Demands and micro-wishes (需求清单, 微心愿), moved through the demand table (servicelists.rules)
with an event for every step; listing them, and those still open at a time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.config import local_now
from redprop.core.errors import NotFound, UsageProblem
from redprop.core.eventlog import when
from redprop.core.ids import clean_text
from redprop.core.models import (
    Community,
    Demand,
    DemandCategory,
    DemandEvent,
    Grid,
    Resource,
)
from redprop.core.numbers import full_number, full_resource, said_as
from redprop.servicelists.common import SATISFACTION, choose, next_number, reserve_number
from redprop.servicelists.log import append
from redprop.servicelists.provision import add_record
from redprop.servicelists.rules import (
    DEMANDS,
    PENDING,
    DemandAction,
    DemandRefused,
    DemandState,
)
from redprop.units.org import get_community, get_grid


def get_demand_category(session: Session, name: str) -> DemandCategory:
    found = session.scalar(select(DemandCategory).where(DemandCategory.name == clean_text(name)))
    if found is None:
        names = "、".join(session.scalars(select(DemandCategory.name).order_by(DemandCategory.id)))
        raise NotFound(
            f"没有“{name}”这个需求类型；可选：{names}",
            f"No demand category '{name}'; the categories are: {names}",
        )
    return found


def get_demand(session: Session, number: str) -> Demand:
    # A short number: XQ87 (or 87) is this year's XQ2026-00087 (core/numbers).
    full = full_number(clean_text(number), year=local_now().year, prefix="XQ")
    found = session.scalar(select(Demand).where(Demand.number == full))
    if found is None:
        zh, en = said_as(number, full)
        raise NotFound(
            f"没有编号为 {zh} 的需求：用 redprop service demand list 查看",
            f"No demand numbered {en}: see redprop service demand list",
        )
    return found


def _refusal(demand: Demand | None, action: DemandAction, zh: str, en: str) -> DemandRefused:
    state = DemandState(demand.state) if demand is not None else None
    return DEMANDS.refuse(demand.number if demand else None, state, action, zh, en)  # type: ignore[return-value]


def _when(at: datetime | None, demand: Demand | None, action: DemandAction) -> datetime:
    return when(
        at,
        last_at=demand.last_at if demand is not None else None,
        refuse=lambda zh, en: _refusal(demand, action, zh, en),
        whose=("该需求", "the demand's"),
    )


def _actor(
    session: Session, actor: str | None, demand: Demand | None, action: DemandAction, grid_id: int
) -> str:
    """Every step records who took it: a staff member whose role and unit allow it over the
    demand's grid (units.authority)."""
    from redprop.units.authority import NotAllowed, authorize, reach

    command = "service demand add" if action is DemandAction.add else "service demand step"
    try:
        return authorize(session, actor, command, reach(session, grid_id=grid_id)).name
    except NotAllowed as exc:
        raise _refusal(demand, action, exc.zh, exc.en) from None


def add_demand(
    session: Session,
    *,
    grid: str,
    category: str,
    summary: str,
    actor: str | None,
    household: str | None = None,
    wish: bool = False,
    at: datetime | None = None,
    number: str | None = None,
) -> Demand:
    from redprop.roster.households import find_household

    grid_row = get_grid(session, grid)
    who = _actor(session, actor, None, DemandAction.add, grid_row.id)  # type: ignore[arg-type]
    category_row = get_demand_category(session, "微心愿" if wish and not category else category)
    text = clean_text(summary)
    if not text:
        raise UsageProblem("请用 --summary 写明需求内容", "Describe the demand with --summary")
    household_id = find_household(session, household).id if household else None
    moment = _when(at, None, DemandAction.add)
    if number:
        reserve_number(session, number)
    demand = Demand(
        number=number or next_number(session, "XQ", moment.year),
        community_id=grid_row.community_id,
        grid_id=grid_row.id,
        household_id=household_id,
        category_id=category_row.id,
        summary=text,
        wish=wish or category_row.name == "微心愿",
        state=DemandState.open.value,
        created_at=moment,
        last_at=moment,
    )
    session.add(demand)
    session.flush()
    append(
        session,
        demand,
        action=DemandAction.add,
        before=None,
        at=moment,
        actor=who,
        reason=None,
        data={"wish": demand.wish},
    )
    return demand


@dataclass
class DemandFacts:
    by: str | None = None  # claim: a resource number (ZY-0001) or a person's name
    feedback: str | None = None
    satisfaction: str | None = None
    reason: str | None = None
    served: int | None = None  # fulfil: people served, for a service record
    item: str | None = None  # fulfil: the service item to record it under


def step_demand(
    session: Session,
    *,
    number: str,
    action: DemandAction,
    actor: str | None,
    facts: DemandFacts | None = None,
    at: datetime | None = None,
) -> DemandEvent:
    """One step of a demand; refusals raise before anything is written."""
    facts = facts or DemandFacts()
    demand = get_demand(session, number)
    before = DemandState(demand.state)
    row = DEMANDS.rule(demand.number, before, action)
    # Who and when are checked before anything about the demand changes: a refusal writes nothing.
    moment = _when(at, demand, action)
    who = _actor(session, actor, demand, action, demand.grid_id)
    given = DEMANDS.read(
        row,
        facts,
        clean=clean_text,
        refuse=lambda zh, en: _refusal(demand, action, zh, en),
    )
    data: dict[str, Any] = {}
    reason: str | None = None
    if action is DemandAction.claim:
        by = given["by"]
        resource = session.scalar(select(Resource).where(Resource.number == full_resource(by)))
        demand.resource_id = resource.id if resource else None
        demand.claimed_by = resource.provider if resource else by
        data = {"by": demand.claimed_by, "resource": resource.number if resource else None}
        reason = demand.claimed_by
    elif action is DemandAction.fulfil:
        reason = given["feedback"]
        data = {
            "satisfaction": choose(given["satisfaction"], SATISFACTION, "满意度", "satisfaction")
        }
    elif action in (DemandAction.cancel, DemandAction.reopen):
        reason = given["reason"]
        if action is DemandAction.reopen:
            demand.claimed_by, demand.resource_id = None, None
    demand.state = row.target.value  # type: ignore[union-attr]
    event = append(
        session,
        demand,
        action=action,
        before=before,
        at=moment,
        actor=who,
        reason=reason,
        data=data,
    )
    if action is DemandAction.fulfil and facts.item:
        add_record(
            session,
            item=facts.item,
            community=None,
            on=moment.date(),
            served=facts.served or 1,
            note=f"需求 {demand.number}：{demand.summary}",
            demand_id=demand.id,
        )
    return event


def list_demands(
    session: Session, *, community: str | None = None, state: str | None = None, wish: bool = False
) -> list[dict[str, Any]]:
    query = (
        select(Demand, Community.name, Grid.code, DemandCategory.name)
        .join(Community, Community.id == Demand.community_id)
        .join(Grid, Grid.id == Demand.grid_id)
        .join(DemandCategory, DemandCategory.id == Demand.category_id)
        .order_by(Demand.id)
    )
    if community:
        query = query.where(Demand.community_id == get_community(session, community).id)
    if state:
        query = query.where(
            Demand.state == choose(state, tuple(s.value for s in DemandState), "状态", "state")
        )
    if wish:
        query = query.where(Demand.wish.is_(True))  # type: ignore[attr-defined]
    return [
        {
            "number": d.number,
            "community": comm,
            "grid": code,
            "category": cat,
            "summary": d.summary,
            "wish": d.wish,
            "state": d.state,
            "claimed_by": d.claimed_by,
            "created_at": d.created_at.isoformat(timespec="minutes"),
        }
        for d, comm, code, cat in session.execute(query)
    ]


def demand_detail(session: Session, number: str) -> dict[str, Any]:
    demand = get_demand(session, number)
    row = next(r for r in list_demands(session) if r["number"] == demand.number)
    events = session.scalars(
        select(DemandEvent).where(DemandEvent.demand_id == demand.id).order_by(DemandEvent.seq)
    )
    row["events"] = [
        {
            "action": e.action,
            "state": e.state,
            "at": e.at.isoformat(timespec="minutes"),
            "actor": e.actor,
            "reason": e.reason,
            "data": json.loads(e.data),
        }
        for e in events
    ]
    return row


def open_demands(
    session: Session, *, end: datetime, community: str | None = None
) -> list[dict[str, Any]]:
    """Demands still open or claimed at `end` (as of then), for the ledger's 服务清单 sheet."""
    rows = []
    for d in list_demands(session, community=community):
        demand = get_demand(session, d["number"])
        state = session.scalar(
            select(DemandEvent.state)
            .where(DemandEvent.demand_id == demand.id, DemandEvent.at < end)
            .order_by(DemandEvent.seq.desc())  # type: ignore[attr-defined]
        )
        if state in PENDING:
            rows.append({**d, "state": state})
    return rows
