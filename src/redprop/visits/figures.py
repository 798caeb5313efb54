"""Visit figures per period and unit (docs/design.md §16): households per tag at the end, visits
made, households visited, households due, of those visited in time, coverage, and households
overdue at the end. Counts only: no household is named, so the month workbook may carry them.

A household is *due* in [start, end) when one of its due days falls in it (each due day is its
interval after its last visit before it, or after its earliest planned tag was added); it was
visited *in time* when every such due day was met by a visit on or before it. *Overdue at the
end*: its next visit was due before the end (before today for a period not yet over) and has
not happened. The plan is the household's tags as they stood at the end, so a closed month's
figures don't move when a tag is added or removed later."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from redprop.core.models import Community, Grid, Household, HouseholdTag, TagKind, Visit
from redprop.visits.due import Plan, last_visits, planned

COUNTS = ("tagged", "visits", "visited", "due", "covered", "overdue_at_end")


def walk(
    plan: Plan, before: date | None, visits: list[date], start: date, end: date
) -> tuple[bool, bool, bool]:
    """One household's (due in the period, visited in time, overdue at `end`). Its points are
    the plan's start, its last visit before the period and its visits in it (`visits`, sorted):
    each point makes the next due day. A due day before the end whose visit (or the end) comes
    in the period makes the household due; a visit after its due day, or none, is not in time."""
    point = max(plan.since, before or plan.since)
    step = timedelta(days=plan.days)
    due = missed = False
    for seen in visits:
        if seen <= point:
            continue
        due_on = point + step
        if due_on < end:
            due = True
            missed = missed or seen > due_on
        point = seen
    due_on = point + step
    if due_on < end:  # still open at the end: due, and not met
        due = missed = True
    return due, due and not missed, due_on < end


def visit_figures(
    session: Session, *, start: date, end: date, today: date, community: int | None = None
) -> list[dict[str, Any]]:
    """One row per grid (with its community), each with the counts and `tags` (households per
    tag at the end); `community` limits them to one community's grids."""
    stop = min(end, today + timedelta(days=1))  # a period not over yet counts up to today
    last_day = stop - timedelta(days=1)
    units = _grids(session, community)
    rows = {gid: _blank(comm, code) for gid, (comm, code) in units.items()}
    where_grid = _grid_of(session, list(units))
    plans = planned(session, upto=last_day)
    before = last_visits(session, upto=start, before=True)
    in_period = _visits(session, start, stop)
    for hid, plan in plans.items():
        grid = where_grid.get(hid)
        if grid is None:
            continue
        due, covered, overdue = walk(plan, before.get(hid), in_period.get(hid, []), start, stop)
        row = rows[grid]
        row["due"] += due
        row["covered"] += covered
        row["overdue_at_end"] += overdue
    for hid, days in in_period.items():
        grid = where_grid.get(hid)
        if grid is not None:
            rows[grid]["visits"] += len(days)
            rows[grid]["visited"] += 1
    _tags_at(session, rows, where_grid, last_day)
    for row in rows.values():
        row["coverage"] = round(row["covered"] / row["due"], 4) if row["due"] else None
    return list(rows.values())


def _blank(community: str, grid: str) -> dict[str, Any]:
    return {"community": community, "grid": grid, **dict.fromkeys(COUNTS, 0), "tags": {}}


def _grids(session: Session, community: int | None) -> dict[int, tuple[str, str]]:
    query = (
        select(Grid.id, Community.name, Grid.code)  # type: ignore[call-overload]
        .join(Community, Community.id == Grid.community_id)  # type: ignore[arg-type]
        .order_by(Community.id, Grid.code)
    )
    if community is not None:
        query = query.where(Grid.community_id == community)
    return {gid: (name, code) for gid, name, code in session.execute(query)}  # type: ignore[misc]


def _grid_of(session: Session, grids: list[int]) -> dict[int, int]:
    """The grid of every household with a tag ever (the households the figures can count)."""
    h, ht = Household.__table__, HouseholdTag.__table__  # type: ignore[attr-defined]
    tagged = select(ht.c.household_id).distinct()
    query = select(h.c.id, h.c.grid_id).where(
        h.c.grid_id.in_(grids), or_(h.c.id.in_(tagged), h.c.id.in_(_visited()))
    )
    return dict(session.execute(query).all())  # type: ignore[arg-type]


def _visited() -> Any:
    return select(Visit.household_id).distinct()  # type: ignore[call-overload]


def _visits(session: Session, start: date, stop: date) -> dict[int, list[date]]:
    v = Visit.__table__  # type: ignore[attr-defined]
    query = (
        select(v.c.household_id, v.c.on)
        .where(v.c.on >= start, v.c.on < stop)
        .order_by(v.c.household_id, v.c.on)
    )
    found: dict[int, list[date]] = defaultdict(list)
    for hid, on in session.execute(query):
        found[hid].append(on if isinstance(on, date) else date.fromisoformat(str(on)))
    return found


def _tags_at(
    session: Session, rows: dict[int, dict[str, Any]], where_grid: dict[int, int], day: date
) -> None:
    """Households per tag, and tagged households, as the tags stood at the end of `day`."""
    k, ht = TagKind.__table__, HouseholdTag.__table__  # type: ignore[attr-defined]
    end = datetime.combine(day + timedelta(days=1), time())
    query = (
        select(ht.c.household_id, k.c.name)
        .join(k, k.c.id == ht.c.tag_id)
        .where(ht.c.added_at < end, or_(ht.c.removed_at.is_(None), ht.c.removed_at >= end))
        .order_by(k.c.id)
    )
    tagged: dict[int, set[int]] = defaultdict(set)
    for hid, name in session.execute(query):
        grid = where_grid.get(hid)
        if grid is None:
            continue
        counts = rows[grid]["tags"]
        counts[name] = counts.get(name, 0) + 1
        tagged[grid].add(hid)
    for grid, households in tagged.items():
        rows[grid]["tagged"] = len(households)


def totals(rows: list[dict[str, Any]], key: str | None = None) -> list[dict[str, Any]]:
    """Rows summed by `key` ("community"), or all together (None)."""
    summed: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = row[key] if key else ""
        into = summed.setdefault(name, {"community": name, **dict.fromkeys(COUNTS, 0), "tags": {}})
        for count in COUNTS:
            into[count] += row[count]
        for tag, n in row["tags"].items():
            into["tags"][tag] = into["tags"].get(tag, 0) + n
    for row in summed.values():
        row["coverage"] = round(row["covered"] / row["due"], 4) if row["due"] else None
    return list(summed.values())
