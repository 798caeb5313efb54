"""A demand's event log (docs/design.md §7, §11): appending one hash-chained event per step, and
verifying every demand's chain and state (what `redprop db check` runs). Append-only, like the
case log: nothing here updates or deletes an event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.eventlog import ChainProblem, append_event, digest, verify_logs
from redprop.core.models import Demand, DemandEvent
from redprop.servicelists.rules import DEMANDS, DemandAction, DemandState, Refused


def event_hash(number: str, ev: Any) -> str:
    """The hash of one demand event. The payload's fields and order are fixed for good (the
    migration that chained the older events, 0008, computes the same)."""
    return digest(
        [
            number,
            ev.seq,
            ev.action,
            ev.from_state,
            ev.state,
            ev.at.isoformat(),
            ev.recorded_at.isoformat(),
            ev.actor,
            ev.reason,
            ev.data,
            ev.prev_hash,
        ]
    )


def append(
    session: Session,
    demand: Demand,
    *,
    action: DemandAction,
    before: DemandState | None,
    at: datetime,
    actor: str,
    reason: str | None,
    data: dict[str, Any],
) -> DemandEvent:
    """Append one event to `demand`'s log, its state already set to the state after it."""
    return append_event(
        session,
        demand,
        DemandEvent,
        owner="demand_id",
        source="demand",
        hash_of=event_hash,
        action=action.value,
        before=before.value if before else None,
        at=at,
        actor=actor,
        reason=reason,
        data=data,
    )


def verify_demands(session: Session) -> list[ChainProblem]:
    """Recompute every demand's chain and replay its steps through the demand table."""
    return verify_logs(
        session.execute(
            select(Demand.id, Demand.number, Demand.state, Demand.event_count, Demand.last_hash)
        ).all(),
        session.execute(
            select(DemandEvent).order_by(DemandEvent.demand_id, DemandEvent.seq)
        ).scalars(),
        owner="demand_id",
        hash_of=event_hash,
        noun=("需求", "demand"),
        replay=_replay,
    )


def _replay(demand: Any, history: list[Any]) -> tuple[str, str] | None:
    state: DemandState | None = None
    try:
        for ev in history:
            state = DEMANDS.rule(demand.number, state, DemandAction(ev.action)).target
    except (Refused, ValueError):
        state = None
    if state is None or state.value != demand.state:
        return (
            "重放事件得到的状态与需求记录不符",
            "replaying the events does not give the demand's state",
        )
    return None
