"""Listing cases, for `case list`: SQLAlchemy Core over the light table stubs of core/tables.py,
so the most frequent read command never imports SQLModel or pydantic (start-up is most of its
cost). A row's warning is the ladder's own rule (rules.warning) on the stored due dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from redprop.cases.clock import RUNNING, warning
from redprop.core import tables as t
from redprop.core.errors import NotFound
from redprop.core.ids import clean_text
from redprop.core.vocab import parse_level, parse_severity, parse_state

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    Reader = Connection | Session

# The states with a running clock, as plain text for the database (sorted: a stable query).
_RUNNING = sorted(state.value for state in RUNNING)


@dataclass
class CaseFilter:
    status: str | None = None
    level: str | None = None
    community: str | None = None
    grid: str | None = None
    severity: str | None = None
    overdue: bool = False
    yellow: bool = False
    # Words in the summary, category, address (building, room) or parties (a surname matches).
    search: str | None = None
    since: date | None = None  # registered on or after
    until: date | None = None  # registered on or before
    numbers: list[str] | None = None  # only these (case list --mine: the to-do list's)
    repeat: bool = False  # only repeat disputes: related, when registered, to an earlier case
    company: str | None = None  # only complaints linked to this property company (§15)


@dataclass
class CaseList:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


def _id_of(session: Reader, tbl: Any, col: str, value: str, zh: str, en: str, hint: str) -> int:
    found = session.scalar(select(tbl.c.id).where(tbl.c[col] == clean_text(value)))
    if found is None:
        raise NotFound(f"没有{zh}“{value}”：用 {hint} 查看", f"No {en} '{value}': see {hint}")
    return int(found)


def list_cases(
    session: Reader, *, filt: CaseFilter, today: date, limit: int | None = None
) -> CaseList:
    dispute, grid, community, category = t.dispute, t.grid, t.community, t.category
    d = dispute.c
    conds = _conditions(session, filt, today)
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


def _conditions(session: Reader, filt: CaseFilter, today: date) -> list[Any]:
    """The filter as WHERE conditions on the dispute table (names of units resolved to ids)."""
    d = t.dispute.c
    conds: list[Any] = []
    if filt.status:
        conds.append(d.state == parse_state(filt.status))
    if filt.level:
        conds.append(d.level == parse_level(filt.level).value)
    if filt.community:
        cid = _id_of(
            session,
            t.community,
            "name",
            filt.community,
            "社区",
            "community",
            "redprop org community list",
        )
        conds.append(d.community_id == cid)
    if filt.grid:
        gid = _id_of(session, t.grid, "code", filt.grid, "网格", "grid", "redprop org grid list")
        conds.append(d.grid_id == gid)
    if filt.severity:
        conds.append(d.severity == parse_severity(filt.severity).value)
    if filt.company:
        conds.append(d.company_id == _company_id(session, filt.company))
    if filt.repeat:
        # IN, not a correlated EXISTS: repeats are few, and the database can start from them
        # instead of testing every case of a large ledger.
        conds.append(d.id.in_(select(t.case_relation.c.case_id)))
    if filt.overdue:
        conds += [d.state.in_(_RUNNING), d.due_on < today]
    if filt.yellow:
        conds += [d.state.in_(_RUNNING), d.yellow_on <= today, d.due_on >= today]
    if filt.search:
        conds += [_matches(word) for word in clean_text(filt.search).split()]
    if filt.since:
        conds.append(d.registered_at >= datetime.combine(filt.since, datetime.min.time()))
    if filt.until:
        conds.append(d.registered_at < datetime.combine(filt.until, datetime.max.time()))
    if filt.numbers is not None:
        conds.append(d.number.in_(filt.numbers))
    return conds


def _company_id(session: Reader, name: str) -> int:
    """A property company named by its name or credit code."""
    pc = t.property_company.c
    text = clean_text(name)
    found = session.scalar(
        select(pc.id).where((pc.name == text) | (pc.credit_code == text.upper()))
    )
    if found is None:
        raise NotFound(
            f"没有名为“{name}”的物业公司：用 redprop org company list 查看",
            f"No property company named '{name}': see redprop org company list",
        )
    return int(found)


def _matches(word: str) -> Any:
    """One search word, found in the summary, the parties, the category, the building or the
    room (LIKE, escaped, case-insensitive for Latin letters)."""
    from sqlalchemy import or_

    d = t.dispute.c
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def like(col: Any) -> Any:
        return col.ilike(pattern, escape="\\")

    # Correlated on the case only: the listing's own join of category must not swallow it.
    cat, bld = t.category, t.building
    in_category = (
        select(cat.c.id)
        .where(cat.c.id == d.category_id, like(cat.c.name))
        .correlate_except(cat)
        .exists()
    )
    in_building = (
        select(bld.c.id)
        .where(bld.c.id == d.building_id, like(bld.c.number))
        .correlate_except(bld)
        .exists()
    )
    return or_(like(d.summary), like(d.parties), like(d.room), in_category, in_building)
