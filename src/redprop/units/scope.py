"""Which households an acting staff member's unit contains (docs/design.md §16): the admin all
of them, street staff their street's, community staff their community's, a grid team (and a
mediator of a grid) their grid's, a building head the buildings they look after
(staff_building). Personal tags are shown only inside this scope, and visits are logged and
listed in it. One rule, as an SQL condition for lists and as a test for one household."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import false, select, true

from redprop.core import tables as t
from redprop.core.errors import UsageProblem
from redprop.core.vocab import Role

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from redprop.core.models import Staff

# SQLAlchemy Core on the light stubs (core/tables.py), so `visit due` never loads the ORM; a
# member is a Staff model or a units/lookup.find_acting row alike (role and unit ids).


def buildings_of(db: Connection | Session, member: Any) -> list[int]:
    """The buildings a building head looks after."""
    sb = t.staff_building.c
    return list(db.scalars(select(sb.building_id).where(sb.staff_id == member.id)))


def household_scope(db: Connection | Session, member: Any, table: Any = None) -> Any:
    """A condition on a household table's columns (the light stub by default): true for the
    households `member`'s unit contains; false for no member."""
    h = (table if table is not None else t.household).c
    if member is None:
        return false()
    if member.role == Role.admin:
        return true()
    if member.role == Role.building_head:
        return h.building_id.in_(buildings_of(db, member))
    if member.grid_id is not None:
        return h.grid_id == member.grid_id
    if member.community_id is not None:
        return h.community_id == member.community_id
    if member.street_id is not None:
        c = t.community.c
        return h.community_id.in_(select(c.id).where(c.street_id == member.street_id))
    return false()


def contains(db: Connection | Session, member: Any, household_id: int) -> bool:
    """Whether `member`'s unit contains the household."""
    if member is None:
        return False
    h = t.household
    query = select(h.c.id).where(h.c.id == household_id, household_scope(db, member, h))
    return db.execute(query).first() is not None


def parse_buildings(session: Session, text: str, member: Staff) -> list[int]:
    """The buildings `--buildings 5,6` names in a building head's grid (numbers as the roster
    writes them)."""
    from redprop.core.ids import normalize_building
    from redprop.core.models import Building

    if member.role != Role.building_head:
        raise UsageProblem(
            "只有楼栋长（--role building-head）可以指定 --buildings",
            "Only a building head (--role building-head) takes --buildings",
        )
    grid_id = member.grid_id
    numbers = [n for n in (p.strip() for p in text.replace("，", ",").split(",")) if n]
    found: list[int] = []
    missing = []
    for number in numbers:
        building = session.scalar(
            select(Building.id).where(
                Building.grid_id == grid_id, Building.number == normalize_building(number)
            )
        )
        if building is None:
            missing.append(number)
        else:
            found.append(building)
    if missing or not found:
        said = "、".join(missing) or text
        raise UsageProblem(
            f"网格里没有楼栋 {said}：用 redprop org building list 查看该网格的楼栋号",
            f"No building {', '.join(missing) or text} in that grid: see redprop org building list",
        )
    return found


def attach_buildings(session: Session, member: Staff, buildings: list[int]) -> None:
    """Attach a building head to the buildings they look after (replacing what was there)."""
    from sqlalchemy import delete

    from redprop.core.models import StaffBuilding

    session.execute(delete(StaffBuilding).where(StaffBuilding.staff_id == member.id))  # type: ignore[arg-type]
    for building in dict.fromkeys(buildings):
        session.add(StaffBuilding(staff_id=member.id, building_id=building))  # type: ignore[arg-type]
    session.flush()
