"""One case in full, as `redprop case show` prints it: where it is, its parties, its clock and
warning, and every event of its log."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.cases.actions import get_case
from redprop.cases.clock import warning
from redprop.core.config import local_now
from redprop.core.models import Building, Case, CaseEvent, Category, Community, Grid, Street


def _today() -> date:
    return local_now().date()


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
        "attachments": _attachments(session, case.id),
    }


def _attachments(session: Session, case_id: Any) -> list[dict[str, Any]]:
    from redprop.cases.attachments import list_attachments

    return list_attachments(session, case_id)
