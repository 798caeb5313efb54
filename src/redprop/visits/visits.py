"""Visits (走访, docs/design.md §16): logging one (append-only, hashed and linked into the ledger
chain as source `visit`, optionally opening a 微心愿 demand), a household's visits, the visit
plans (each tag's interval, kept on tag_kind) and who is due for a visit on a day.

Who is due is visits/due (Core only, for a fast `visit due`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.chain import link
from redprop.core.config import local_now
from redprop.core.errors import NotFound, RedpropError, UsageProblem
from redprop.core.eventlog import digest
from redprop.core.ids import clean_block, scrub
from redprop.core.models import (
    Grid,
    Household,
    Staff,
    TagKind,
    Visit,
)
from redprop.core.vocab import parse_visit_kind
from redprop.units.scope import contains

SOURCE = "visit"  # the visits' name in the ledger chain (core/chain)


class VisitRefused(RedpropError):
    """A visit that can't be logged as given (a date in the future or before the household was
    registered): nothing written."""


def visit_hash(v: Any) -> str:
    """A visit's hash. The payload's fields and their order are fixed for good."""
    return digest(
        [
            v.household_id,
            v.on.isoformat(),
            v.kind,
            v.note,
            v.demand_id,
            v.staff_id,
            v.actor,
            v.recorded_at.isoformat(),
        ]
    )


def _household_in_scope(session: Session, ref: str, member: Staff) -> Any:
    from redprop.roster.address import find_household_row

    row = find_household_row(session, ref)
    if not contains(session, member, row.id):
        raise NotFound(
            f"住户“{ref}”不在 {member.name} 的辖区内：只能走访本网格（楼栋长：本楼栋）的住户；请由该住户所在单位记录",
            f"The household '{ref}' is outside {member.name}'s unit: ask the staff of its unit",
        )
    return row


def _check_day(session: Session, ref: str, household_id: int, on: date, today: date) -> None:
    if on > today:
        raise VisitRefused(
            f"走访日期 {on} 在今天（{today}）之后：请写实际走访的日期（--on）",
            f"The visit date {on} is after today ({today}): give the day it happened (--on)",
        )
    registered = session.get_one(Household, household_id).registered_on
    if registered is not None and on < registered:
        raise VisitRefused(
            f"走访日期 {on} 早于住户“{ref}”的登记日期 {registered}：请核对 --on",
            f"The visit date {on} is before '{ref}' was registered ({registered}): check --on",
        )


def log_visit(
    session: Session,
    *,
    ref: str,
    on: date,
    member: Staff,
    kind: str = "home",
    note: str | None = None,
    needs: str | None = None,
) -> dict[str, Any]:
    """Record one visit by `member` (whose unit must contain the household); `needs` opens a
    微心愿 demand for the household in the same transaction (servicelists/demands)."""
    row = _household_in_scope(session, ref, member)
    now = local_now().replace(microsecond=0)
    _check_day(session, ref, row.id, on, now.date())
    code = parse_visit_kind(kind)
    demand = None
    if needs is not None:
        if not clean_block(needs).strip():
            raise UsageProblem("--needs 不能为空", "--needs can't be empty")
        from redprop.servicelists.demands import add_demand

        grid = session.get_one(Grid, row.grid_id).code
        demand = add_demand(
            session,
            grid=grid,
            category="",
            summary=needs,
            actor=member.name,
            household=str(row.id),
            wish=True,
        )
    visit = record_visit(
        session,
        household_id=row.id,
        on=on,
        kind=code,
        note=note,
        member=member,
        demand_id=demand.id if demand is not None else None,
    )
    return {
        "id": visit.id,
        "household": row.id,
        "on": on.isoformat(),
        "kind": code,
        "demand": demand.number if demand is not None else None,
    }


def record_visit(
    session: Session,
    *,
    household_id: int,
    on: date,
    kind: str,
    member: Staff,
    note: str | None = None,
    demand_id: int | None = None,
) -> Visit:
    """Write one visit, checked by the caller (log_visit, the demo): hashed, and linked into
    the ledger chain in the same transaction."""
    now = local_now().replace(microsecond=0)
    visit = Visit(
        household_id=household_id,
        on=on,
        kind=kind,
        note=clean_block(note).strip() or None if note else None,
        demand_id=demand_id,
        staff_id=member.id,
        actor=member.name,
        recorded_at=now,
        hash="",
    )
    visit.hash = visit_hash(visit)
    session.add(visit)
    session.flush()
    link(session, SOURCE, visit.id, visit.hash, now)  # type: ignore[arg-type]
    return visit


def household_visits(session: Session, *, ref: str, member: Staff) -> list[dict[str, Any]]:
    """A household's visits, newest first (inside the member's unit only)."""
    from redprop.core.models import Demand

    row = _household_in_scope(session, ref, member)
    query = (
        select(Visit, Demand.number)  # type: ignore[call-overload]
        .outerjoin(Demand, Demand.id == Visit.demand_id)  # type: ignore[arg-type]
        .where(Visit.household_id == row.id)
        .order_by(Visit.on.desc(), Visit.id.desc())  # type: ignore[union-attr,attr-defined]
    )
    return [
        {
            "id": v.id,
            "on": v.on.isoformat(),
            "kind": v.kind,
            "actor": v.actor,
            "note": scrub(v.note) if v.note else None,
            "demand": number,
        }
        for v, number in session.execute(query)
    ]


def verify_visits(session: Session) -> list[tuple[str, str, str]]:
    """Each visit hashing to what it holds (its link is checked by core/chain)."""
    problems = []
    for v in session.scalars(select(Visit).order_by(Visit.id)):  # type: ignore[arg-type]
        if visit_hash(v) != v.hash:
            problems.append(
                (f"visit #{v.id}", f"走访记录 #{v.id} 被改动", f"visit #{v.id} was altered")
            )
    return problems


# -- plans ----------------------------------------------------------------------------------


def set_plan(session: Session, *, tag: str, days: int | None) -> TagKind:
    """Change a tag's visit interval (None: no visits planned for it)."""
    from redprop.roster.tags import find_tag

    kind = find_tag(session, tag)
    kind.visit_days = days
    session.flush()
    return kind


def plans(session: Session) -> list[dict[str, Any]]:
    from redprop.roster.tags import tag_kinds

    return [
        {"tag": k.name, "tag_en": k.name_en, "sensitive": k.sensitive, "days": k.visit_days}
        for k in tag_kinds(session)
    ]
