"""Listing cases, for `case list`: SQLAlchemy Core over lightweight table stubs, so the most
frequent read command never imports SQLModel or pydantic (start-up is most of its cost)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, column, func, select, table
from sqlalchemy.orm import Session

from redprop.cases.vocab import parse_level, parse_severity, parse_state
from redprop.core.errors import NotFound
from redprop.core.ids import clean_text

WORKING = ("registered", "in_progress")

dispute = table(
    "dispute",
    column("id"),
    column("number"),
    column("grid_id"),
    column("community_id"),
    column("category_id"),
    column("severity"),
    column("state"),
    column("level"),
    column("summary"),
    column("supervised"),
    column("registered_at", DateTime),
    column("due_on", Date),
    column("yellow_on", Date),
)
grid = table("grid", column("id"), column("code"))
community = table("community", column("id"), column("name"))
category = table("category", column("id"), column("name"))


def warning(state: str, due_on: date | None, yellow_on: date | None, today: date) -> str:
    """none | yellow | red, from the stored dates (see ladder.Status.warning)."""
    if state not in WORKING or due_on is None:
        return "none"
    if today > due_on:
        return "red"
    if yellow_on is not None and today >= yellow_on:
        return "yellow"
    return "none"


@dataclass
class CaseFilter:
    status: str | None = None
    level: str | None = None
    community: str | None = None
    grid: str | None = None
    severity: str | None = None
    overdue: bool = False
    yellow: bool = False


@dataclass
class CaseList:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


def _id_of(session: Session, tbl: Any, col: str, value: str, zh: str, en: str, hint: str) -> int:
    found = session.scalar(select(tbl.c.id).where(tbl.c[col] == clean_text(value)))
    if found is None:
        raise NotFound(f"没有{zh}“{value}”：用 {hint} 查看", f"No {en} '{value}': see {hint}")
    return int(found)


def list_cases(
    session: Session, *, filt: CaseFilter, today: date, limit: int | None = None
) -> CaseList:
    d = dispute.c
    conds: list[Any] = []
    if filt.status:
        conds.append(d.state == parse_state(filt.status))
    if filt.level:
        conds.append(d.level == parse_level(filt.level).value)
    if filt.community:
        cid = _id_of(
            session,
            community,
            "name",
            filt.community,
            "社区",
            "community",
            "redprop org community list",
        )
        conds.append(d.community_id == cid)
    if filt.grid:
        gid = _id_of(session, grid, "code", filt.grid, "网格", "grid", "redprop org grid list")
        conds.append(d.grid_id == gid)
    if filt.severity:
        conds.append(d.severity == parse_severity(filt.severity).value)
    if filt.overdue:
        conds += [d.state.in_(WORKING), d.due_on < today]
    if filt.yellow:
        conds += [d.state.in_(WORKING), d.yellow_on <= today, d.due_on >= today]
    total = session.scalar(select(func.count()).select_from(dispute).where(*conds)) or 0
    query = (
        select(
            d.number,
            d.state,
            d.level,
            d.severity,
            d.summary,
            d.supervised,
            d.registered_at,
            d.due_on,
            d.yellow_on,
            grid.c.code,
            community.c.name,
            category.c.name.label("category"),
        )
        .join(grid, grid.c.id == d.grid_id)
        .join(community, community.c.id == d.community_id)
        .join(category, category.c.id == d.category_id)
        .where(*conds)
        .order_by(d.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    rows = []
    for r in session.execute(query):
        registered: datetime = r.registered_at
        rows.append(
            {
                "number": r.number,
                "state": r.state,
                "level": r.level,
                "severity": r.severity,
                "category": r.category,
                "community": r.name,
                "grid": r.code,
                "summary": r.summary,
                "registered_at": registered.isoformat(timespec="minutes"),
                "due_at": r.due_on.isoformat() if r.due_on else None,
                "warning": warning(r.state, r.due_on, r.yellow_on, today),
                "supervised": bool(r.supervised),
            }
        )
    return CaseList(rows=rows, total=total)
