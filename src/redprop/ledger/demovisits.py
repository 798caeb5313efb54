"""The demo's people who need a visit (docs/design.md §16): in grid G002, households tagged
from the vocabulary (the elderly living alone, the disabled, the poor, party members) two and a
half months ago, a 党员中心户 looking after its neighbours, the grid's building head attached to
the first household's building, and the grid worker's visits since, mostly on schedule and some
late, so `visit due` and the month's 重点人群走访 sheet have something to show."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.models import Household, HouseholdLink, HouseholdTag, TagKind
from redprop.units.scope import attach_buildings
from redprop.units.staff import get_staff, list_staff
from redprop.visits.visits import record_visit

GRID = "G002"
# One tag set per household of the grid, in the order of their ids.
TAGS = (
    ("独居老人",),
    ("高龄老人", "党员户"),
    ("残疾人",),
    ("低保户", "独居老人"),
    ("空巢老人",),
    ("党员中心户",),
    ("重病患者",),
    ("留守儿童",),
    ("特困人员",),
    ("退役军人", "党员户"),
)
# Households (by position) whose visits stopped this many days ago: overdue now.
STOPPED = {0: 10, 2: 40, 6: 18}
NOTES = ("身体还好", "血压偏高，提醒按时服药", "家中整洁，无其他需求", "子女不在身边，电话已留")


def build_demo_visits(session: Session, *, now: datetime) -> int:
    """Tag the grid's first households, link the 党员中心户 to its neighbours, attach the
    building head, and log the visits of the past 75 days; returns how many."""
    rng = random.Random(18)
    worker = list_staff(session, role="grid-worker", unit=GRID)[0]
    member = get_staff(session, worker.name)
    households = list(
        session.scalars(
            select(Household).where(Household.grid_id == member.grid_id).order_by(Household.id)
        )
    )[: len(TAGS)]
    kinds = {k.name: k for k in session.scalars(select(TagKind))}
    tagged_on = (now - timedelta(days=75)).replace(hour=9, minute=0, second=0)
    for household, names in zip(households, TAGS, strict=False):
        for name in names:
            session.add(
                HouseholdTag(
                    household_id=household.id,  # type: ignore[arg-type]
                    tag_id=kinds[name].id,  # type: ignore[arg-type]
                    added_at=tagged_on,
                    added_by=member.name,
                )
            )
    centre = households[5]
    for served in (households[0], households[1], households[4]):
        session.add(
            HouseholdLink(
                center_id=centre.id,  # type: ignore[arg-type]
                served_id=served.id,  # type: ignore[arg-type]
                at=tagged_on,
                actor=member.name,
            )
        )
    _building_head(session, households[0].building_id)
    count = 0
    for i, (household, names) in enumerate(zip(households, TAGS, strict=False)):
        stop = now.date() - timedelta(days=STOPPED.get(i, 0))
        days = min((kinds[n].visit_days or 0 for n in names if kinds[n].visit_days), default=0)
        if not days:
            continue
        day = tagged_on.date()
        while True:
            # Mostly on time, now and then a few days late.
            day += timedelta(days=days + (rng.choice((0, 0, -1, -2, 0, 3)) if days > 7 else 0))
            if day >= stop:
                break
            if household.registered_on is not None and day < household.registered_on:
                continue
            kind = "phone" if rng.random() < 0.2 else "home"
            record_visit(
                session,
                household_id=household.id,  # type: ignore[arg-type]
                on=day,
                kind=kind,
                member=member,
                note=rng.choice(NOTES),
            )
            count += 1
    session.flush()
    return count


def _building_head(session: Session, building: int) -> None:
    """The grid's building head looks after the first tagged household's building."""
    heads = list_staff(session, role="building-head", unit=GRID)
    if heads:
        attach_buildings(session, get_staff(session, heads[0].name), [building])
