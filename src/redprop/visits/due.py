"""Who is due for a visit (docs/design.md §16), with SQLAlchemy Core on the light stubs
(core/tables.py), so `visit due` never loads the ORM: a household's plan is its strictest
interval among its live tags that have one; its next visit is due that many days after its last
visit, or after the day its earliest such tag was added when it has not been visited since. Due
on a day: due that day or before (overdue). The figures (visits/figures) walk the same plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from redprop.core import tables as t
from redprop.core.ids import scrub
from redprop.units.scope import household_scope

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    Db = Connection | Session


@dataclass(frozen=True)
class Plan:
    days: int  # the strictest interval of the household's tags
    since: date  # the day the earliest of those tags was added


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time())


def _live(end: datetime) -> Any:
    """A tag with a visit interval, added before `end` and not removed by then."""
    k, ht = t.tag_kind.c, t.household_tag.c
    return (
        k.visit_days.is_not(None),
        ht.added_at < end,
        or_(ht.removed_at.is_(None), ht.removed_at >= end),
    )


def planned(db: Db, *, upto: date) -> dict[int, Plan]:
    """Each household with a visit plan at the end of day `upto`."""
    k, ht = t.tag_kind, t.household_tag
    query = (
        select(ht.c.household_id, func.min(k.c.visit_days), func.min(ht.c.added_at))
        .join(k, k.c.id == ht.c.tag_id)
        .where(*_live(_end_of(upto)))
        .group_by(ht.c.household_id)
    )
    return {hid: Plan(days, _day(added)) for hid, days, added in db.execute(query)}


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def last_visits(db: Db, *, upto: date, before: bool = False) -> dict[int, date]:
    """Each household's last visit on or before `upto` (strictly before with `before`), for the
    households with a planned tag."""
    k, ht, v = t.tag_kind.c, t.household_tag.c, t.visit.c
    tagged = (
        select(ht.household_id)
        .join_from(t.household_tag, t.tag_kind, k.id == ht.tag_id)
        .where(k.visit_days.is_not(None))
        .distinct()
    )
    limit = v.on < upto if before else v.on <= upto
    query = (
        select(v.household_id, func.max(v.on))
        .where(limit, v.household_id.in_(tagged))
        .group_by(v.household_id)
    )
    return {hid: _day(on) for hid, on in db.execute(query)}


def due_list(db: Db, *, member: Any, on: date, grid_id: int | None = None) -> list[dict[str, Any]]:
    """The households in `member`'s unit (and grid `grid_id`) due for a visit on day `on` or
    overdue, most overdue first. One query reads the live planned tags in scope with their
    addresses, one the last visits; the rest is arithmetic."""
    names = dict(db.execute(select(t.tag_kind.c.id, t.tag_kind.c.name)).all())
    found: dict[int, list[Any]] = {}
    for hid, tag, days, added, *address in db.execute(_due_query(db, member, on, grid_id)):
        plan = found.get(hid)
        if plan is None:
            found[hid] = [days, added, [tag], address]
        else:
            plan[0], plan[1] = min(plan[0], days), min(plan[1], added)
            plan[2].append(tag)
    last = last_visits(db, upto=on)
    due: list[tuple[date, int]] = []
    for hid, (days, added, _, _) in found.items():
        since = _day(added)
        seen = last.get(hid)
        due_on = max(since, seen or since) + timedelta(days=days)
        if due_on <= on:
            due.append((due_on, hid))
    due.sort()
    rows = []
    for due_on, hid in due:
        days, _, tags, (community, code, building, unit, room) = found[hid]
        seen = last.get(hid)
        rows.append(
            {
                "household": hid,
                "community": community,
                "grid": code,
                # A room can't hold an ID or phone shorter than 7 characters: skip the scrub.
                "address": f"{building}-{unit or '0'}-{scrub(room) if len(room) > 6 else room}",
                "days": days,
                "last_visit": seen.isoformat() if seen else None,
                "due_on": due_on.isoformat(),
                "overdue_days": (on - due_on).days,
                "tags": [names[tag] for tag in sorted(tags)],
            }
        )
    return rows


def _due_query(db: Db, member: Any, on: date, grid_id: int | None) -> Any:
    """Each live planned tag (at the end of `on`) of the households in `member`'s scope: the
    household, tag, interval, when added, and its community, grid, building, unit and room."""
    h, k, ht = t.household, t.tag_kind, t.household_tag
    b, g, c = t.building, t.grid, t.community
    query = (
        select(ht.c.household_id, ht.c.tag_id, k.c.visit_days, ht.c.added_at)
        .add_columns(c.c.name, g.c.code, b.c.number, h.c.unit, h.c.room)
        .join_from(ht, k, k.c.id == ht.c.tag_id)
        .join(h, h.c.id == ht.c.household_id)
        .join(b, b.c.id == h.c.building_id)
        .join(g, g.c.id == h.c.grid_id)
        .join(c, c.c.id == h.c.community_id)
        .where(*_live(_end_of(on)), household_scope(db, member, h))
    )
    return query if grid_id is None else query.where(h.c.grid_id == grid_id)
