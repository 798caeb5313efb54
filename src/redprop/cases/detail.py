"""One case in full, as `redprop case show` prints it: where it is, its parties, its clock and
warning, and every event of its log. SQLAlchemy Core on the light stubs (core/tables.py)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from redprop.cases.clock import warning
from redprop.cases.rows import get_case
from redprop.core import tables as t
from redprop.core.config import local_now

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session


def _today() -> date:
    return local_now().date()


def warning_of(case: Any, today: date) -> str:
    return warning(case.state, case.due_on, case.yellow_on, today)


def _name(session: Connection | Session, column: Any, id_column: Any, id_: Any) -> Any:
    return session.scalar(select(column).where(id_column == id_))


def case_detail(session: Connection | Session, number: str) -> dict[str, Any]:
    case = get_case(session, number)
    grid_code = _name(session, t.grid.c.code, t.grid.c.id, case.grid_id)
    community = _name(session, t.community.c.name, t.community.c.id, case.community_id)
    street = _name(session, t.street.c.name, t.street.c.id, case.street_id)
    building = (
        _name(session, t.building.c.number, t.building.c.id, case.building_id)
        if case.building_id
        else None
    )
    ev = t.case_event.c
    events = session.execute(
        select(t.case_event).where(ev.case_id == case.id).order_by(ev.seq)
    ).all()
    address = "".join(
        part
        for part in (
            f"{building}号楼" if building else "",
            f"{case.unit}单元" if case.unit else "",
            f"{case.room}室" if case.room else "",
        )
    )
    return {
        "number": case.number,
        "state": case.state,
        "level": case.level,
        "severity": case.severity,
        "category": _name(session, t.category.c.name, t.category.c.id, case.category_id),
        "source": case.source,
        "street": street,
        "community": community,
        "grid": grid_code,
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


def _attachments(session: Connection | Session, case_id: Any) -> list[dict[str, Any]]:
    from redprop.cases.attachments import list_attachments

    return list_attachments(session, case_id)
