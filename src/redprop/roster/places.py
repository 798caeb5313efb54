"""Where a roster row lives: the unit tree in memory by the names a roster uses, a row's
community, grid and building columns resolved against it (each distinct address once), and,
with --create-units, the communities, grids, compounds and buildings it lacks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.models import Building, Community, Compound, Grid, Staff, Street
from redprop.core.vocab import Role
from redprop.roster.cells import Message

# A household's address, the key of everything an import compares: (building id, unit, room).
Address = tuple[int, str, str]


class GridRef(NamedTuple):
    id: int
    community_id: int


class BuildingRef(NamedTuple):
    id: int
    grid_id: int


class Place(NamedTuple):
    """A row's unit columns resolved: what was found (None when not), and what is wrong."""

    community_id: int | None
    grid_id: int | None
    building: BuildingRef | None
    errors: tuple[Message, ...]


@dataclass(frozen=True)
class Scope:
    """The households an importing staff member may write (units.authority "roster import"):
    those of `communities`, and of `grid_id` when they are a grid team's. None: the admin's, all."""

    who: str
    communities: frozenset[int]
    grid_id: int | None

    def outside(
        self, community_id: int, community: str, building: BuildingRef | None, grid_id: int | None
    ) -> list[Message]:
        if community_id not in self.communities:
            where = f"社区“{community}”"
        elif self.grid_id is not None and (building.grid_id if building else grid_id) not in (
            self.grid_id,
            None,
        ):
            where = "该楼栋所在网格"
        else:
            return []
        return [
            Message(
                "community",
                f"{where}不在{self.who}的辖区内；请由所在社区或网格的工作人员导入",
                f"the row is outside {self.who}'s unit; the staff of its community or grid import it",
            )
        ]


def import_scope(session: Session, actor: Staff | None) -> Scope | None:
    """What `actor` may import (see Scope)."""
    if actor is None or actor.role == Role.admin:
        return None
    if actor.grid_id is not None:
        grid = session.get_one(Grid, actor.grid_id)
        return Scope(actor.name, frozenset({grid.community_id}), grid.id)
    if actor.community_id is not None:
        return Scope(actor.name, frozenset({actor.community_id}), None)
    ids = session.scalars(select(Community.id).where(Community.street_id == actor.street_id))
    return Scope(actor.name, frozenset(ids), None)


@dataclass
class Units:
    """The unit tree in memory, by the names a roster uses."""

    street_id: int | None
    communities: dict[str, int]
    grids_by_code: dict[str, GridRef]
    grids_by_name: dict[tuple[int, str], int]  # (community id, name) -> grid id
    buildings: dict[tuple[int, str], BuildingRef]  # (community id, number) -> building
    compounds: dict[tuple[int, str], int]  # (community id, name) -> compound id


def load_units(session: Session) -> Units:
    streets = session.scalars(select(Street.id).order_by(Street.id)).all()
    grids = session.scalars(select(Grid)).all()
    return Units(
        street_id=streets[0] if len(streets) == 1 else None,
        communities={c.name: c.id for c in session.scalars(select(Community))},  # type: ignore[misc]
        grids_by_code={g.code: GridRef(g.id, g.community_id) for g in grids},  # type: ignore[arg-type]
        grids_by_name={(g.community_id, g.name): g.id for g in grids},  # type: ignore[misc]
        buildings={
            (b.community_id, b.number): BuildingRef(b.id, b.grid_id)  # type: ignore[arg-type]
            for b in session.scalars(select(Building))
        },
        compounds={(c.community_id, c.name): c.id for c in session.scalars(select(Compound))},  # type: ignore[misc]
    )


class Places:
    """The unit columns of rows resolved against the units; `cache` keeps each (community,
    grid, building) as written, until --create-units adds a unit."""

    def __init__(
        self,
        session: Session,
        units: Units,
        *,
        create_units: bool,
        created: list[str],
        scope: Scope | None = None,
    ) -> None:
        self.scope = scope
        self.session = session
        self.units = units
        self.create_units = create_units
        self.created = created  # what was created, as the report lists it
        self.cache: dict[tuple[str, str, str], Place] = {}
        self.address_of: dict[int, tuple[str, str]] = {}  # building id -> (community, number)

    def _grid(self, community_id: int, grid_text: str) -> int | None:
        by_code = self.units.grids_by_code.get(grid_text)
        if by_code and by_code.community_id == community_id:
            return by_code.id
        return self.units.grids_by_name.get((community_id, grid_text))

    def resolve(self, community_name: str, grid_text: str, building_no: str) -> Place:
        units, create = self.units, self.create_units
        errors: list[Message] = []
        community_id = units.communities.get(community_name) if community_name else None
        if not community_name:
            errors.append(
                Message(
                    "community", "社区为空；请填写社区名称", "the community is empty; fill it in"
                )
            )
        elif community_id is None and not create:
            errors.append(
                Message(
                    "community",
                    f"账本中没有社区“{community_name}”；请核对名称，或加 --create-units 创建",
                    f"no community '{community_name}' in the ledger; check it, or add --create-units",
                )
            )
        grid_id = None
        if grid_text and community_id is not None:
            grid_id = self._grid(community_id, grid_text)
            if grid_id is None and not create:
                errors.append(
                    Message(
                        "grid",
                        f"社区“{community_name}”没有网格“{grid_text}”；请核对网格编号或名称，或加 --create-units",
                        f"community '{community_name}' has no grid '{grid_text}'; check it, or add --create-units",
                    )
                )
        building = None
        if community_id is not None and building_no:
            building = units.buildings.get((community_id, building_no))
            if building is None and not create:
                errors.append(
                    Message(
                        "building",
                        f"社区“{community_name}”没有楼栋 {building_no}；请核对，或加 --create-units 创建",
                        f"community '{community_name}' has no building {building_no}; check it, or add --create-units",
                    )
                )
            elif building is not None and grid_id is not None and building.grid_id != grid_id:
                errors.append(
                    Message(
                        "grid",
                        f"楼栋 {building_no} 属于另一个网格，不是“{grid_text}”；请核对网格",
                        f"building {building_no} belongs to another grid, not '{grid_text}'",
                    )
                )
        if self.scope is not None and community_id is not None:
            errors += self.scope.outside(community_id, community_name, building, grid_id)
        if create and building is None and building_no and not grid_text:
            errors.append(
                Message(
                    "grid",
                    "要创建新楼栋，需要填写所属网格",
                    "a new building needs its grid; fill in the grid",
                )
            )
        return Place(community_id, grid_id, building, tuple(errors))

    def describe(self, key: Address) -> str:
        """A stored household's address, from the units in memory (the connection may be busy
        writing on another thread)."""
        if not self.address_of:
            names = {cid: name for name, cid in self.units.communities.items()}
            self.address_of = {
                ref.id: (names.get(cid, "?"), number)
                for (cid, number), ref in self.units.buildings.items()
            }
        building_id, unit, room = key
        community, number = self.address_of.get(building_id, ("?", "?"))
        return f"{community} {number}-{unit or '0'}-{room}"

    # -- --create-units ------------------------------------------------------------------------

    def create(
        self, place: Place, community_name: str, grid_text: str, compound_name: str, number: str
    ) -> Place:
        """The units a row names and the ledger lacks, created; the place they make."""
        community_id = place.community_id
        if community_id is None:
            community_id = self._add_community(community_name)
        grid_id = self._grid(community_id, grid_text)
        if grid_id is None:
            grid_id = self._add_grid(community_id, community_name, grid_text)
        compound_id = None
        if compound_name:
            compound_id = self.units.compounds.get((community_id, compound_name))
            if compound_id is None:
                compound = Compound(name=compound_name, community_id=community_id)
                compound_id = self._add(compound, f"小区 {compound_name}")
                self.units.compounds[(community_id, compound_name)] = compound_id
        building = Building(
            number=number,
            community_id=community_id,
            grid_id=grid_id,
            compound_id=compound_id,
            units=1,
        )
        ref = BuildingRef(self._add(building, f"楼栋 {community_name} {number}"), grid_id)
        self.units.buildings[(community_id, number)] = ref
        self.cache.clear()  # addresses resolved before may now find their units
        return Place(community_id, grid_id, ref, ())

    def _add(self, unit: Community | Grid | Compound | Building, created: str) -> int:
        self.session.add(unit)
        self.session.flush()
        self.created.append(created)
        return unit.id  # type: ignore[return-value]

    def _add_community(self, name: str) -> int:
        units = self.units
        if units.street_id is None:
            from redprop.units.org import default_street

            units.street_id = default_street(self.session).id
        community_id = self._add(Community(name=name, street_id=units.street_id), f"社区 {name}")
        units.communities[name] = community_id
        return community_id

    def _add_grid(self, community_id: int, community_name: str, grid_text: str) -> int:
        units = self.units
        code = (
            grid_text if grid_text not in units.grids_by_code else f"{community_name}-{grid_text}"
        )
        grid = Grid(code=code, name=grid_text, community_id=community_id, kind="base")
        grid_id = self._add(grid, f"网格 {code}")
        units.grids_by_code[code] = GridRef(grid_id, community_id)
        units.grids_by_name[(community_id, grid_text)] = grid_id
        return grid_id
