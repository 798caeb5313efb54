"""Property service figures for a period (the month workbook's 物业服务 sheet, docs/design.md
§15): per company, complaints registered, complaints resolved and of those on time, follow-up
visits and of those satisfied — as of the period's end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.models import Case
from redprop.property.scores import Tally, companies, company_cases


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def property_rows(
    session: Session, *, start: datetime, end: datetime, community: str | None = None
) -> list[dict[str, Any]]:
    """One row per company (those serving the community's compounds, when one is named)."""
    community_id = None
    if community:
        from redprop.units.org import get_community

        community_id = get_community(session, community).id
    tallies = company_cases(session, start, end, community_id)
    query = (
        select(col(Case.company_id), func.count())
        .where(col(Case.company_id).is_not(None))
        .where(col(Case.registered_at) >= start, col(Case.registered_at) < end)
        .group_by(col(Case.company_id))
    )
    if community_id:
        query = query.where(col(Case.community_id) == community_id)
    registered = {k: v for k, v in session.execute(query).all()}
    rows = []
    for company in companies(session, community):
        t = tallies.get(company.id or 0, Tally())
        on_time = t.substantiated - t.overdue
        visits = t.satisfied + t.unsatisfied
        rows.append(
            {
                "company": company.name,
                "complaints": registered.get(company.id, 0),
                "resolved": t.substantiated,
                "on_time": on_time,
                "on_time_rate": _rate(on_time, t.substantiated),
                "visits": visits,
                "satisfied": t.satisfied,
                "satisfaction_rate": _rate(t.satisfied, visits),
            }
        )
    return rows
