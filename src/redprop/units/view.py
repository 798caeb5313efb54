"""The unit tree read back: the whole tree with its counts, the rows of `org <kind> list` and
one unit described for `org <kind> show`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redprop.core.models import (
    Building,
    Community,
    Compound,
    Grid,
    Household,
    PropertyCompany,
    Street,
)
from redprop.units.org import get_community, get_grid, references


@dataclass
class GridNode:
    code: str
    name: str
    kind: str
    buildings: int = 0
    households: int = 0


@dataclass
class CommunityNode:
    name: str
    grids: list[GridNode] = field(default_factory=list)
    compounds: int = 0

    @property
    def buildings(self) -> int:
        return sum(g.buildings for g in self.grids)

    @property
    def households(self) -> int:
        return sum(g.households for g in self.grids)


@dataclass
class StreetNode:
    name: str
    communities: list[CommunityNode] = field(default_factory=list)

    @property
    def grids(self) -> int:
        return sum(len(c.grids) for c in self.communities)

    @property
    def buildings(self) -> int:
        return sum(c.buildings for c in self.communities)

    @property
    def households(self) -> int:
        return sum(c.households for c in self.communities)


def tree(session: Session) -> list[StreetNode]:
    """The whole unit tree with counts, in four queries whatever its size."""
    per_grid_buildings: dict[int, int] = dict(
        session.execute(select(Building.grid_id, func.count()).group_by(Building.grid_id)).all()
    )
    per_grid_households: dict[int, int] = dict(
        session.execute(select(Household.grid_id, func.count()).group_by(Household.grid_id)).all()
    )
    per_community_compounds: dict[int, int] = dict(
        session.execute(
            select(Compound.community_id, func.count()).group_by(Compound.community_id)
        ).all()
    )
    streets: dict[int, StreetNode] = {}
    communities: dict[int, CommunityNode] = {}
    for street in session.scalars(select(Street).order_by(Street.id)):
        streets[street.id] = StreetNode(name=street.name)  # type: ignore[index]
    for comm in session.scalars(select(Community).order_by(Community.id)):
        node = CommunityNode(name=comm.name, compounds=per_community_compounds.get(comm.id, 0))
        communities[comm.id] = node  # type: ignore[index]
        streets[comm.street_id].communities.append(node)
    for grid in session.scalars(select(Grid).order_by(Grid.code)):
        communities[grid.community_id].grids.append(
            GridNode(
                code=grid.code,
                name=grid.name,
                kind=grid.kind,
                buildings=per_grid_buildings.get(grid.id, 0),
                households=per_grid_households.get(grid.id, 0),
            )
        )
    return list(streets.values())


def list_units(
    session: Session, *, kind: str, community: str | None = None, grid: str | None = None
) -> list[dict[str, Any]]:
    """Plain rows for `org <kind> list`, in the order people expect (by code or number)."""
    names = {c.id: c.name for c in session.scalars(select(Community))}
    if kind == "street":
        return [{"name": s.name} for s in session.scalars(select(Street).order_by(Street.id))]
    if kind == "community":
        streets = {s.id: s.name for s in session.scalars(select(Street))}
        rows = session.scalars(select(Community).order_by(Community.id))
        return [{"name": c.name, "street": streets[c.street_id]} for c in rows]
    community_id = get_community(session, community).id if community else None
    if kind == "grid":
        grids = select(Grid).order_by(Grid.code)
        if community_id:
            grids = grids.where(Grid.community_id == community_id)
        return [
            {"code": g.code, "name": g.name, "kind": g.kind, "community": names[g.community_id]}
            for g in session.scalars(grids)
        ]
    if kind == "compound":
        query = select(Compound).order_by(Compound.community_id, Compound.name)
        if community_id:
            query = query.where(Compound.community_id == community_id)
        companies: dict[int, str] = dict(
            session.execute(select(PropertyCompany.id, PropertyCompany.name)).all()  # type: ignore[arg-type]
        )
        return [
            {
                "name": c.name,
                "community": names[c.community_id],
                "property_company": companies.get(c.company_id),
            }
            for c in session.scalars(query)
        ]
    query = (
        select(Building, Grid.code, Compound.name)
        .join(Grid, Grid.id == Building.grid_id)
        .outerjoin(Compound, Compound.id == Building.compound_id)
        .order_by(Building.community_id, Building.id)
    )
    if community_id:
        query = query.where(Building.community_id == community_id)
    if grid:
        query = query.where(Building.grid_id == get_grid(session, grid).id)
    return [
        {
            "number": b.number,
            "community": names[b.community_id],
            "grid": code,
            "compound": compound_name,
            "units": b.units,
        }
        for b, code, compound_name in session.execute(query).all()
    ]


def describe(session: Session, *, kind: str, unit: Any) -> dict[str, Any]:
    """One unit for `org <kind> show`: its fields, its parents and what refers to it."""
    info: dict[str, Any] = {"unit": kind}
    if kind == "street":
        info["name"] = unit.name
    elif kind == "community":
        info |= {"name": unit.name, "street": session.get_one(Street, unit.street_id).name}
    elif kind == "grid":
        info |= {
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "community": session.get_one(Community, unit.community_id).name,
        }
    elif kind == "compound":
        info |= {
            "name": unit.name,
            "community": session.get_one(Community, unit.community_id).name,
            "property_company": (
                session.get_one(PropertyCompany, unit.company_id).name if unit.company_id else None
            ),
        }
    else:
        compound = session.get(Compound, unit.compound_id) if unit.compound_id else None
        info |= {
            "number": unit.number,
            "community": session.get_one(Community, unit.community_id).name,
            "grid": session.get_one(Grid, unit.grid_id).code,
            "compound": compound.name if compound else None,
            "units": unit.units,
        }
    info["referred_by"] = dict(references(session, unit))
    return info
