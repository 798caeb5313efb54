"""The service lists (清单式管理): demands and micro-wishes moved through explicit states with an
event for every step, resources on offer, service items and the records of service given, and
their monthly figures (the same half-open periods as the case figures)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redprop.core import vocab
from redprop.core.config import local_now
from redprop.core.db import bump_counter
from redprop.core.errors import NotFound, UsageProblem
from redprop.core.eventlog import data_text, stamp, when
from redprop.core.ids import clean_text
from redprop.core.models import (
    Community,
    Compound,
    Counter,
    Demand,
    DemandCategory,
    DemandEvent,
    Grid,
    Resource,
    ServiceItem,
    ServiceRecord,
)
from redprop.servicelists.rules import (
    DEMANDS,
    PENDING,
    DemandAction,
    DemandRefused,
    DemandState,
)
from redprop.units.org import get_community, get_compound, get_grid
from redprop.units.staff import acting_staff

# The codes a user may give (labels are in core/vocab).
PROVIDER_TYPES = tuple(vocab.PROVIDER_TYPES)
RESOURCE_KINDS = tuple(vocab.RESOURCE_KINDS)
ITEM_STATUSES = tuple(vocab.ITEM_STATUSES)
SATISFACTION = tuple(vocab.SATISFACTION)


def next_number(session: Session, prefix: str, year: int | None = None) -> str:
    """XQ2026-00001, ZY-0001: a named counter; see db.bump_counter."""
    last = bump_counter(session, Counter.__table__, name=f"{prefix}:{year}" if year else prefix)  # type: ignore[attr-defined]
    return f"{prefix}{year}-{last:05d}" if year else f"{prefix}-{last:04d}"


def reserve_number(session: Session, number: str) -> None:
    """A number brought in from a list (XQ2026-00042, ZY-0007): the counter moves past it, so it
    is never given out again."""
    import re

    m = re.fullmatch(r"(XQ)(\d{4})-(\d+)|(ZY)-(\d+)", number)
    if m:
        name, last = (f"XQ:{m[2]}", int(m[3])) if m[1] else ("ZY", int(m[5]))
        bump_counter(session, Counter.__table__, start=last, keep_max=True, name=name)  # type: ignore[attr-defined]


def _choice(value: str | None, allowed: tuple[str, ...], zh: str, en: str) -> str:
    text = clean_text(value or "").lower()
    if text not in allowed:
        raise UsageProblem(
            f"{zh}须是 {'|'.join(allowed)}，不是“{value}”",
            f"{en} must be one of {', '.join(allowed)}, not '{value}'",
        )
    return text


# ---------------------------------------------------------------------------------------------
# Demands


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
    found = session.scalar(select(Demand).where(Demand.number == clean_text(number)))
    if found is None:
        raise NotFound(
            f"没有编号为 {number} 的需求：用 redprop service demand list 查看",
            f"No demand numbered {number}: see redprop service demand list",
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


def _actor(session: Session, actor: str | None, demand: Demand | None, action: DemandAction) -> str:
    """Every step records who took it: a registered staff member."""
    refuse = lambda zh, en: _refusal(demand, action, zh, en)  # noqa: E731
    return acting_staff(session, actor, refuse=refuse).name


def _record(
    session: Session,
    demand: Demand,
    action: DemandAction,
    before: DemandState | None,
    at: datetime,
    actor: str,
    reason: str | None,
    data: dict[str, Any],
) -> DemandEvent:
    seq, recorded_at = stamp(demand, at)
    event = DemandEvent(
        demand_id=demand.id,
        seq=seq,
        action=action.value,
        from_state=before.value if before else None,
        state=demand.state,
        at=at,
        recorded_at=recorded_at,
        actor=actor,
        reason=reason,
        data=data_text(data),
    )
    session.add(event)
    session.flush()
    return event


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

    who = _actor(session, actor, None, DemandAction.add)
    grid_row = get_grid(session, grid)
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
    _record(session, demand, DemandAction.add, None, moment, who, None, {"wish": demand.wish})
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
    who = _actor(session, actor, demand, action)
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
        resource = session.scalar(select(Resource).where(Resource.number == by))
        demand.resource_id = resource.id if resource else None
        demand.claimed_by = resource.provider if resource else by
        data = {"by": demand.claimed_by, "resource": resource.number if resource else None}
        reason = demand.claimed_by
    elif action is DemandAction.fulfil:
        reason = given["feedback"]
        data = {
            "satisfaction": _choice(given["satisfaction"], SATISFACTION, "满意度", "satisfaction")
        }
    elif action in (DemandAction.cancel, DemandAction.reopen):
        reason = given["reason"]
        if action is DemandAction.reopen:
            demand.claimed_by, demand.resource_id = None, None
    demand.state = row.target.value  # type: ignore[union-attr]
    event = _record(session, demand, action, before, moment, who, reason, data)
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
            Demand.state == _choice(state, tuple(s.value for s in DemandState), "状态", "state")
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


# ---------------------------------------------------------------------------------------------
# Resources, items and records


def add_resource(
    session: Session,
    *,
    provider: str,
    provider_type: str,
    kind: str,
    summary: str,
    community: str | None = None,
    capacity: int | None = None,
    phone: str | None = None,
    number: str | None = None,
) -> Resource:
    from redprop.units.staff import check_phone

    name = clean_text(provider)
    if not name or not clean_text(summary):
        raise UsageProblem(
            "请写明 --provider（提供方）和 --summary（资源内容）", "Give --provider and --summary"
        )
    if capacity is not None and capacity < 0:
        raise UsageProblem("--capacity 不能是负数", "--capacity can't be negative")
    if number:
        reserve_number(session, number)
    resource = Resource(
        number=number or next_number(session, "ZY"),
        provider=name,
        provider_type=_choice(provider_type, PROVIDER_TYPES, "提供方类型", "provider type"),
        kind=_choice(kind, RESOURCE_KINDS, "资源类型", "kind"),
        summary=clean_text(summary),
        community_id=get_community(session, community).id if community else None,
        capacity=capacity,
        phone=check_phone(phone),
    )
    session.add(resource)
    session.flush()
    return resource


def get_item(session: Session, name: str, community: str | None = None) -> ServiceItem:
    query = select(ServiceItem).where(ServiceItem.name == clean_text(name))
    if community:
        query = query.where(ServiceItem.community_id == get_community(session, community).id)
    found = session.scalars(query.limit(2)).all()
    if not found:
        raise NotFound(
            f"没有服务项目“{name}”：用 redprop service item list 查看",
            f"No service item '{name}': see redprop service item list",
        )
    if len(found) > 1:
        raise UsageProblem(
            f"多个社区都有“{name}”，请用 --community 指明",
            f"Several communities have '{name}': name one with --community",
        )
    return found[0]


def add_item(
    session: Session,
    *,
    name: str,
    category: str,
    community: str,
    compound: str | None = None,
    resource: str | None = None,
    status: str = "running",
) -> ServiceItem:
    comm = get_community(session, community)
    text = clean_text(name)
    if not text:
        raise UsageProblem("请用 --name 写明服务项目名称", "Name the item with --name")
    if session.scalar(
        select(ServiceItem.id).where(ServiceItem.name == text, ServiceItem.community_id == comm.id)
    ):
        raise UsageProblem(
            f"{comm.name}已有服务项目“{text}”", f"{comm.name} already has the item '{text}'"
        )
    resource_row = (
        session.scalar(select(Resource).where(Resource.number == clean_text(resource)))
        if resource
        else None
    )
    if resource and resource_row is None:
        raise NotFound(
            f"没有资源 {resource}：用 redprop service resource list 查看", f"No resource {resource}"
        )
    item = ServiceItem(
        name=text,
        category=clean_text(category) or "其他",
        community_id=comm.id,
        compound_id=get_compound(session, compound, comm.name).id if compound else None,
        resource_id=resource_row.id if resource_row else None,
        status=_choice(status, ITEM_STATUSES, "状态", "status"),
    )
    session.add(item)
    session.flush()
    return item


def add_record(
    session: Session,
    *,
    item: str,
    community: str | None,
    on: date,
    served: int,
    volunteers: int = 0,
    note: str | None = None,
    demand_id: int | None = None,
) -> ServiceRecord:
    row = get_item(session, item, community)
    if served < 0 or volunteers < 0:
        raise UsageProblem(
            "服务人数和志愿者人次不能是负数", "People served and volunteer turns can't be negative"
        )
    if on > local_now().date():
        raise UsageProblem(f"服务日期 {on} 晚于今天", f"The date {on} is in the future")
    record = ServiceRecord(
        item_id=row.id,
        on=on,
        served=served,
        volunteers=volunteers,
        note=clean_text(note or "") or None,
        demand_id=demand_id,
    )
    session.add(record)
    session.flush()
    return record


def list_resources(session: Session) -> list[dict[str, Any]]:
    names: dict[Any, Any] = dict(session.execute(select(Community.id, Community.name)).all())
    return [
        {
            "number": r.number,
            "provider": r.provider,
            "provider_type": r.provider_type,
            "kind": r.kind,
            "summary": r.summary,
            "community": names.get(r.community_id) if r.community_id else None,
            "capacity": r.capacity,
            "phone": r.phone,
        }
        for r in session.scalars(select(Resource).order_by(Resource.id))
    ]


def list_items(session: Session) -> list[dict[str, Any]]:
    names: dict[Any, Any] = dict(session.execute(select(Community.id, Community.name)).all())
    compounds: dict[Any, Any] = dict(session.execute(select(Compound.id, Compound.name)).all())
    resources: dict[Any, Any] = dict(session.execute(select(Resource.id, Resource.number)).all())
    return [
        {
            "name": i.name,
            "category": i.category,
            "community": names[i.community_id],
            "compound": compounds.get(i.compound_id) if i.compound_id else None,
            "resource": resources.get(i.resource_id) if i.resource_id else None,
            "status": i.status,
        }
        for i in session.scalars(select(ServiceItem).order_by(ServiceItem.id))
    ]


def list_records(session: Session) -> list[dict[str, Any]]:
    items = {i.id: (i.name, i.community_id) for i in session.scalars(select(ServiceItem))}
    names: dict[Any, Any] = dict(session.execute(select(Community.id, Community.name)).all())
    demands: dict[Any, Any] = dict(session.execute(select(Demand.id, Demand.number)).all())
    return [
        {
            "item": items[r.item_id][0],
            "community": names[items[r.item_id][1]],
            "on": r.on.isoformat(),
            "served": r.served,
            "volunteers": r.volunteers,
            "note": r.note,
            "demand": demands.get(r.demand_id) if r.demand_id else None,
        }
        for r in session.scalars(select(ServiceRecord).order_by(ServiceRecord.id))
    ]


# ---------------------------------------------------------------------------------------------
# Monthly figures


def service_figures(
    session: Session, *, start: datetime, end: datetime, community: str | None = None
) -> dict[str, Any]:
    """Demands new/claimed/fulfilled/cancelled in [start, end), open at the end (as of the end,
    from the events), the fulfilment rates, and people served and volunteer turns by item."""
    scope = []
    if community:
        scope.append(Demand.community_id == get_community(session, community).id)
    counts = dict.fromkeys(("new", "claimed", "fulfilled", "cancelled", "reopened"), 0)
    for action, n in session.execute(
        select(DemandEvent.action, func.count())
        .join(Demand, Demand.id == DemandEvent.demand_id)
        .where(DemandEvent.at >= start, DemandEvent.at < end, *scope)
        .group_by(DemandEvent.action)
    ):
        key = {
            "add": "new",
            "claim": "claimed",
            "fulfil": "fulfilled",
            "cancel": "cancelled",
            "reopen": "reopened",
        }[action]
        counts[key] = n
    # State at the end: the last event before it, for every demand created before it.
    last = (
        select(DemandEvent.demand_id, func.max(DemandEvent.seq).label("seq"))
        .where(DemandEvent.at < end)
        .group_by(DemandEvent.demand_id)
        .subquery()
    )
    at_end = session.execute(
        select(DemandEvent.state, Demand.wish, func.count())
        .join(last, (last.c.demand_id == DemandEvent.demand_id) & (last.c.seq == DemandEvent.seq))
        .join(Demand, Demand.id == DemandEvent.demand_id)
        .where(*scope)
        .group_by(DemandEvent.state, Demand.wish)
    ).all()
    open_at_end = sum(n for s, _, n in at_end if s in PENDING)
    wishes_done = sum(n for s, w, n in at_end if w and s == "fulfilled")
    wishes_live = sum(n for s, w, n in at_end if w and s != "cancelled")
    done = sum(n for s, _, n in at_end if s == "fulfilled")
    live = sum(n for s, _, n in at_end if s != "cancelled")
    items = []
    item_scope = (
        [ServiceItem.community_id == get_community(session, community).id] if community else []
    )
    for name, comm, served, volunteers, days in session.execute(
        select(
            ServiceItem.name,
            Community.name,
            func.coalesce(func.sum(ServiceRecord.served), 0),
            func.coalesce(func.sum(ServiceRecord.volunteers), 0),
            func.count(ServiceRecord.id),
        )
        .join(Community, Community.id == ServiceItem.community_id)
        .outerjoin(
            ServiceRecord,
            (ServiceRecord.item_id == ServiceItem.id)
            & (ServiceRecord.on >= start.date())
            & (ServiceRecord.on < end.date()),
        )
        .where(*item_scope)
        .group_by(ServiceItem.id, ServiceItem.name, Community.name)
        .order_by(ServiceItem.id)
    ):
        items.append(
            {
                "item": name,
                "community": comm,
                "records": days,
                "served": int(served),
                "volunteers": int(volunteers),
            }
        )
    return {
        **counts,
        "open_at_end": open_at_end,
        # Of the demands on the lists at the end (not cancelled), the share fulfilled.
        "fulfilment_rate": done / live if live else None,
        "wish_fulfilment_rate": wishes_done / wishes_live if wishes_live else None,
        "served": sum(i["served"] for i in items),
        "volunteer_turns": sum(i["volunteers"] for i in items),
        "by_item": items,
    }


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
