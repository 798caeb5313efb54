"""Finding the units of the tree (street → community → grid → building, and compounds) by
name or code, and what in the ledger refers to a unit.

Adding, renaming and removing units live in units/edit.py; reading the tree back (counts,
lists, one unit described) in units/view.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from redprop.core.errors import NotFound, UsageProblem
from redprop.core.ids import clean_text, normalize_building
from redprop.core.models import Building, Community, Compound, Grid, Street

KINDS = ("street", "community", "grid", "compound", "building")
MODELS: dict[str, type[SQLModel]] = {
    "street": Street,
    "community": Community,
    "grid": Grid,
    "compound": Compound,
    "building": Building,
}


# ---------------------------------------------------------------------------------------------
# Finding units


def get_street(session: Session, name: str) -> Street:
    street = session.scalar(select(Street).where(Street.name == clean_text(name)))
    if street is None:
        raise NotFound(
            f"没有名为“{name}”的街道：用 redprop org street list 查看，或用 redprop init --street 创建",
            f"No street named '{name}': see redprop org street list, or create it with "
            "redprop init --street",
        )
    return street


def default_street(session: Session, name: str | None = None) -> Street:
    """The named street, or the ledger's only street."""
    if name:
        return get_street(session, name)
    streets = session.scalars(select(Street).order_by(Street.id).limit(2)).all()
    if not streets:
        raise NotFound(
            "账本中还没有街道：请先运行 redprop init --street 街道名称",
            "The ledger has no street yet: run redprop init --street NAME first",
        )
    if len(streets) > 1:
        raise UsageProblem(
            "账本中有多个街道，请用 --street 指明是哪一个",
            "The ledger holds several streets: say which one with --street",
        )
    return streets[0]


def get_community(session: Session, name: str) -> Community:
    found = session.scalar(select(Community).where(Community.name == clean_text(name)))
    if found is None:
        raise NotFound(
            f"没有名为“{name}”的社区：用 redprop org community list 查看已有社区",
            f"No community named '{name}': see redprop org community list",
        )
    return found


def get_grid(session: Session, code: str) -> Grid:
    from redprop.units.lookup import find_grid

    return session.get_one(Grid, find_grid(session, code).id)


def get_compound(session: Session, name: str, community: str | None = None) -> Compound:
    query = select(Compound).where(Compound.name == clean_text(name))
    if community:
        query = query.where(Compound.community_id == get_community(session, community).id)
    found = session.scalars(query.limit(2)).all()
    if not found:
        raise NotFound(
            f"没有名为“{name}”的小区：用 redprop org compound list 查看",
            f"No compound named '{name}': see redprop org compound list",
        )
    if len(found) > 1:
        raise UsageProblem(
            f"有多个名为“{name}”的小区，请用 --community 指明社区",
            f"Several compounds are named '{name}': name the community with --community",
        )
    return found[0]


def get_building(
    session: Session, number: str, *, community: str | None = None, grid: str | None = None
) -> Building:
    query = select(Building).where(Building.number == normalize_building(number))
    if community:
        query = query.where(Building.community_id == get_community(session, community).id)
    if grid:
        query = query.where(Building.grid_id == get_grid(session, grid).id)
    found = session.scalars(query.limit(2)).all()
    if not found:
        raise NotFound(
            f"没有楼栋“{number}”：用 redprop org building list 查看",
            f"No building '{number}': see redprop org building list",
        )
    if len(found) > 1:
        raise UsageProblem(
            f"有多个社区都有楼栋“{number}”，请用 --community 指明社区",
            f"Several communities have a building '{number}': name one with --community",
        )
    return found[0]


def find_unit(
    session: Session,
    *,
    kind: str,
    key: str,
    community: str | None = None,
    grid: str | None = None,
) -> Any:
    if kind == "street":
        return get_street(session, key)
    if kind == "community":
        return get_community(session, key)
    if kind == "grid":
        return get_grid(session, key)
    if kind == "compound":
        return get_compound(session, key, community)
    if kind == "building":
        return get_building(session, key, community=community, grid=grid)
    raise UsageProblem(f"未知的单元类型“{kind}”", f"Unknown unit kind '{kind}'")


def resolve_unit(session: Session, name: str) -> Street | Community | Grid:
    """A staff member's unit, named by its grid code, or its community or street name."""
    text = clean_text(name)
    for model, column in ((Grid, Grid.code), (Community, Community.name), (Street, Street.name)):
        found = session.scalar(select(model).where(column == text))
        if found is not None:
            return found  # type: ignore[no-any-return]
    raise NotFound(
        f"没有叫“{name}”的网格、社区或街道：网格用编号（如 G003），社区和街道用全称",
        f"No grid, community or street called '{name}': name a grid by its code (e.g. G003), "
        "a community or street by its full name",
    )


# ---------------------------------------------------------------------------------------------
# What refers to a unit


def references(session: Session, unit: SQLModel) -> list[tuple[str, int]]:
    """Which tables refer to this unit, and how many rows each: read from the foreign keys,
    so tables added by later migrations (cases, demands …) are counted without listing them."""
    table = unit.__table__  # type: ignore[attr-defined]
    found: list[tuple[str, int]] = []
    for other in SQLModel.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is table:
                count = session.execute(
                    select(func.count()).select_from(other).where(fk.parent == unit.id)  # type: ignore[attr-defined]
                ).scalar_one()
                if count:
                    found.append((other.name, count))
    return found
