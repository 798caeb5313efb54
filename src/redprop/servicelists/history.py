"""The service lists' round trip without loss: `service export` writes every step of every demand
(需求办理记录: when, who, the claimant, the feedback and the satisfaction), and `service import`
replays those steps at their own times, so a ledger filled from an export gives the same
figures for every month as the one it came from. A demand that has no steps in the file (a list
typed by hand) still comes in from its row, as before.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core import vocab
from redprop.core.errors import RedpropError
from redprop.core.models import Demand, DemandEvent
from redprop.excel.read import cell_text, parse_date

SHEET = "需求办理记录"
COLS = {
    "number": ("需求编号", "number"),
    "seq": ("序号", "seq"),
    "action": ("操作", "action"),
    "at": ("时间", "at"),
    "actor": ("操作人", "actor"),
    "reason": ("说明", "reason"),
    "resource": ("认领资源", "resource"),
    "satisfaction": ("满意度", "satisfaction"),
}
ACTIONS = {code: zh for code, (zh, _) in vocab.DEMAND_ACTIONS.items()}
SATISFACTION = {code: zh for code, (zh, _) in vocab.SATISFACTION.items()}


def event_rows(session: Session) -> list[list[Any]]:
    """Every demand's steps, in order, as the sheet's rows."""
    query = (
        select(Demand.number, DemandEvent)
        .join(Demand, Demand.id == DemandEvent.demand_id)
        .order_by(DemandEvent.demand_id, DemandEvent.seq)
    )
    rows = []
    for number, e in session.execute(query):
        data = json.loads(e.data)
        rows.append(
            [
                number,
                e.seq,
                ACTIONS.get(e.action, e.action),
                e.at,
                e.actor,
                e.reason,
                data.get("resource"),
                SATISFACTION.get(data.get("satisfaction", "")),
            ]
        )
    return rows


def read_steps(sheet: Any, header: Any) -> dict[str, list[dict[str, Any]]]:
    """The steps in a file, by demand number, in order."""
    steps: dict[str, list[dict[str, Any]]] = {}
    for raw in sheet.rows[header.row_index + 1 :]:
        row = {name: header.get(raw, name) for name in header.columns}
        number = cell_text(row.get("number")) if row.get("number") not in (None, "") else ""
        if number:
            steps.setdefault(number, []).append(row)
    for found in steps.values():
        found.sort(key=lambda r: int(float(cell_text(r.get("seq")) or 0)))
    return steps


def step_time(row: dict[str, Any]) -> datetime:
    value = row.get("at")
    if isinstance(value, datetime):
        return value
    text = cell_text(value) if value not in (None, "") else ""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        day = parse_date(value)
        if day is None:
            raise RedpropError(
                f"办理记录的时间“{text}”无法识别；请写成 2026-11-03 09:30",
                f"a step's time '{text}' can't be read",
            ) from None
        return datetime.combine(day, datetime.min.time())


def replay(session: Session, number: str, steps: list[dict[str, Any]], actor: str | None) -> None:
    """Every step after the first (the demand's registration, made by the caller) at its own
    time. The steps are recorded by the importing staff member; the file keeps who took them."""
    from redprop.servicelists.demands import DemandFacts, step_demand
    from redprop.servicelists.rules import DemandAction

    reverse = {zh: code for code, zh in ACTIONS.items()}
    satisfied = {zh: code for code, zh in SATISFACTION.items()}
    for row in steps[1:]:
        word = cell_text(row.get("action")) if row.get("action") not in (None, "") else ""
        action = DemandAction(reverse.get(word, word))
        reason = cell_text(row.get("reason")) if row.get("reason") not in (None, "") else None
        said = cell_text(row.get("satisfaction")) if row.get("satisfaction") else None
        facts = DemandFacts(
            by=(cell_text(row["resource"]) if row.get("resource") else reason),
            feedback=reason,
            satisfaction=satisfied.get(said, said) if said else None,
            reason=reason,
        )
        step_demand(
            session, number=number, action=action, actor=actor, facts=facts, at=step_time(row)
        )
