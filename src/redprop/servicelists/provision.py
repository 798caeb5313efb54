"""What is offered and given: resources (资源清单), service items (服务清单) and the records of
service given under them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.config import local_now
from redprop.core.errors import NotFound, UsageProblem
from redprop.core.ids import clean_text
from redprop.core.models import (
    Community,
    Compound,
    Demand,
    Resource,
    ServiceItem,
    ServiceRecord,
)
from redprop.core.numbers import full_resource
from redprop.servicelists.common import (
    ITEM_STATUSES,
    PROVIDER_TYPES,
    RESOURCE_KINDS,
    choose,
    next_number,
    reserve_number,
)
from redprop.units.org import get_community, get_compound


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
        provider_type=choose(provider_type, PROVIDER_TYPES, "提供方类型", "provider type"),
        kind=choose(kind, RESOURCE_KINDS, "资源类型", "kind"),
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
        session.scalar(select(Resource).where(Resource.number == full_resource(resource)))
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
        status=choose(status, ITEM_STATUSES, "状态", "status"),
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
