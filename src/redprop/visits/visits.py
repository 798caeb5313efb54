"""Visits (走访, docs/design.md §16): logging one (append-only, hashed and linked into the ledger
chain as source `visit`, optionally opening a 微心愿 demand), a household's visits, the visit
plans (each tag's interval, kept on tag_kind) and who is due for a visit on a day.

A household's plan is its strictest interval among its live tags that have one; its next visit
is due that many days after its last visit, or after the day its earliest such tag was added
when it has not been visited since. Due on a day: due that day or before (overdue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from redprop.core.chain import link
from redprop.core.config import local_now
from redprop.core.errors import NotFound, RedpropError, UsageProblem
from redprop.core.eventlog import digest
from redprop.core.ids import clean_block, scrub
from redprop.core.models import (
    Building,
    Community,
    Grid,
    Household,
    HouseholdTag,
    Staff,
    TagKind,
    Visit,
)
from redprop.core.vocab import parse_visit_kind
from redprop.units.scope import contains, household_scope

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
    visit = Visit(
        household_id=row.id,
        on=on,
        kind=code,
        note=clean_block(note).strip() or None if note else None,
        demand_id=demand.id if demand is not None else None,
        staff_id=member.id,
        actor=member.name,
        recorded_at=now,
        hash="",
    )
    visit.hash = visit_hash(visit)
    session.add(visit)
    session.flush()
    link(session, SOURCE, visit.id, visit.hash, now)  # type: ignore[arg-type]
    return {
        "id": visit.id,
        "household": row.id,
        "on": on.isoformat(),
        "kind": code,
        "demand": demand.number if demand is not None else None,
    }


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


# -- who is due -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    days: int  # the strictest interval of the household's tags
    since: date  # the day the earliest of those tags was added


def planned(
    session: Session, *, upto: date, where: Any = None, grid_id: int | None = None
) -> dict[int, Plan]:
    """Each household with a visit plan at the end of day `upto`: tags added by then and not
    removed by then. `where`: a condition on the household table (the actor's scope)."""
    h, k, ht = Household.__table__, TagKind.__table__, HouseholdTag.__table__  # type: ignore[attr-defined]
    end = datetime.combine(upto + timedelta(days=1), time())
    query = (
        select(ht.c.household_id, func.min(k.c.visit_days), func.min(ht.c.added_at))
        .join(k, k.c.id == ht.c.tag_id)
        .where(
            k.c.visit_days.is_not(None),
            ht.c.added_at < end,
            or_(ht.c.removed_at.is_(None), ht.c.removed_at >= end),
        )
        .group_by(ht.c.household_id)
    )
    if where is not None or grid_id is not None:
        query = query.join(h, h.c.id == ht.c.household_id)
        query = query.where(where) if where is not None else query
        query = query.where(h.c.grid_id == grid_id) if grid_id is not None else query
    return {hid: Plan(days, _day(added)) for hid, days, added in session.execute(query)}


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return datetime.fromisoformat(str(value)).date()


def last_visits(session: Session, *, upto: date, before: bool = False) -> dict[int, date]:
    """Each household's last visit on or before `upto` (strictly before with `before`), for the
    households with a live planned tag."""
    ht, k = HouseholdTag.__table__, TagKind.__table__  # type: ignore[attr-defined]
    tagged = (
        select(ht.c.household_id)
        .join(k, k.c.id == ht.c.tag_id)
        .where(k.c.visit_days.is_not(None))
        .distinct()
    )
    v = Visit.__table__  # type: ignore[attr-defined]
    limit = v.c.on < upto if before else v.c.on <= upto
    query = (
        select(v.c.household_id, func.max(v.c.on))
        .where(and_(limit, v.c.household_id.in_(tagged)))
        .group_by(v.c.household_id)
    )
    return {hid: _as_date(on) for hid, on in session.execute(query)}


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def due_list(
    session: Session, *, member: Staff, on: date, grid: str | None = None
) -> list[dict[str, Any]]:
    """The households in `member`'s unit (and `grid`) due for a visit on day `on` or overdue,
    most overdue first."""
    grid_id = None
    if grid:
        from redprop.units.org import get_grid

        grid_id = get_grid(session, grid).id
    found = planned(session, upto=on, where=household_scope(session, member), grid_id=grid_id)
    last = last_visits(session, upto=on)
    due: list[tuple[date, int, date | None, int]] = []
    for hid, plan in found.items():
        seen = last.get(hid)
        due_on = max(plan.since, seen or plan.since) + timedelta(days=plan.days)
        if due_on <= on:
            due.append((due_on, hid, seen, plan.days))
    due.sort()
    return _described(session, due, on)


def _described(
    session: Session, due: list[tuple[date, int, date | None, int]], on: date
) -> list[dict[str, Any]]:
    """The due households with their address and planned tags (the actor's own unit's)."""
    ids = [hid for _, hid, _, _ in due]
    where: dict[int, Any] = {}
    h = Household.__table__  # type: ignore[attr-defined]
    query = (
        select(h.c.id, Community.name, Grid.code, Building.number, h.c.unit, h.c.room)  # type: ignore[call-overload]
        .join(Community, Community.id == h.c.community_id)  # type: ignore[arg-type]
        .join(Grid, Grid.id == h.c.grid_id)  # type: ignore[arg-type]
        .join(Building, Building.id == h.c.building_id)  # type: ignore[arg-type]
    )
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        where.update((r[0], r) for r in session.execute(query.where(h.c.id.in_(chunk))))
    rows = []
    for due_on, hid, seen, days in due:
        _, community, grid, building, unit, room = where[hid]
        rows.append(
            {
                "household": hid,
                "community": community,
                "grid": grid,
                "address": f"{building}-{unit or '0'}-{scrub(room)}",
                "days": days,
                "last_visit": seen.isoformat() if seen else None,
                "due_on": due_on.isoformat(),
                "overdue_days": (on - due_on).days,
                "tags": [],
            }
        )
    _attach_planned_tags(session, rows, _planned_names(session))
    return rows


def _planned_names(session: Session) -> dict[int, str]:
    query = select(TagKind.id, TagKind.name).where(TagKind.visit_days.is_not(None))  # type: ignore[union-attr,call-overload]
    return dict(session.execute(query).all())  # type: ignore[arg-type]


def _attach_planned_tags(
    session: Session, rows: list[dict[str, Any]], names: dict[int, str]
) -> None:
    """The tags that put each due household on the list (the reader's own unit: visible)."""
    ht = HouseholdTag.__table__  # type: ignore[attr-defined]
    ids = [r["household"] for r in rows]
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), 900):
        query = select(ht.c.household_id, ht.c.tag_id).where(
            ht.c.removed_at.is_(None),
            ht.c.household_id.in_(ids[start : start + 900]),
            ht.c.tag_id.in_(list(names)),
        )
        for hid, tag in session.execute(query.order_by(ht.c.tag_id)):
            found.setdefault(hid, []).append(names[tag])
    for r in rows:
        r["tags"] = found.get(r["household"], [])
