"""The service lists' figures for a period: demands new, claimed, fulfilled and cancelled in
[start, end) (the same half-open periods as the case figures), open at the end, the fulfilment
rates, people served and volunteer turns by item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redprop.core.models import (
    Community,
    Demand,
    DemandEvent,
    ServiceItem,
    ServiceRecord,
)
from redprop.servicelists.rules import (
    PENDING,
)
from redprop.units.org import get_community

# Which demand action counts under which figure.
COUNTED = {
    "add": "new",
    "claim": "claimed",
    "fulfil": "fulfilled",
    "cancel": "cancelled",
    "reopen": "reopened",
}


def service_figures(
    session: Session, *, start: datetime, end: datetime, community: str | None = None
) -> dict[str, Any]:
    """Demands new/claimed/fulfilled/cancelled in [start, end), open at the end (as of the end,
    from the events), the fulfilment rates, and people served and volunteer turns by item."""
    scope = []
    if community:
        scope.append(Demand.community_id == get_community(session, community).id)
    counts = dict.fromkeys(COUNTED.values(), 0)
    for action, n in session.execute(
        select(DemandEvent.action, func.count())
        .join(Demand, Demand.id == DemandEvent.demand_id)
        .where(DemandEvent.at >= start, DemandEvent.at < end, *scope)
        .group_by(DemandEvent.action)
    ):
        counts[COUNTED[action]] = n
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
    items = _by_item(session, start=start, end=end, community=community)
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


def _by_item(
    session: Session, *, start: datetime, end: datetime, community: str | None
) -> list[dict[str, Any]]:
    """Each service item's records, people served and volunteer turns in the period."""
    scope = [ServiceItem.community_id == get_community(session, community).id] if community else []
    query = (
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
        .where(*scope)
        .group_by(ServiceItem.id, ServiceItem.name, Community.name)
        .order_by(ServiceItem.id)
    )
    return [
        {
            "item": name,
            "community": comm,
            "records": days,
            "served": int(served),
            "volunteers": int(volunteers),
        }
        for name, comm, served, volunteers, days in session.execute(query)
    ]
