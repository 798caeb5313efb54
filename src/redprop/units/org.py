"""The unit tree: street → community → grid → building, and compounds (小区) with their company.

Every unit can be added, found, listed, shown, renamed and removed; removal is refused while
anything in the ledger refers to the unit, and the refusal says what does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from redprop.core.errors import Conflict, NotFound, UsageProblem
from redprop.core.ids import clean_text, normalize_building
from redprop.core.models import Building, Community, Compound, Grid, Household, Street
from redprop.core.vocab import GRID_KINDS, UNIT_KINDS, GridKind, both

KINDS = ("street", "community", "grid", "compound", "building")
MODELS: dict[str, type[SQLModel]] = {
    "street": Street,
    "community": Community,
    "grid": Grid,
    "compound": Compound,
    "building": Building,
}


def _name(value: str, what: str, what_en: str) -> str:
    text = clean_text(value or "")
    if not text:
        raise UsageProblem(f"{what}不能为空", f"The {what_en} can't be empty")
    return text


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
    found = session.scalar(select(Grid).where(Grid.code == clean_text(code)))
    if found is None:
        raise NotFound(
            f"没有编号为“{code}”的网格：用 redprop org grid list 查看网格编号",
            f"No grid with code '{code}': see redprop org grid list",
        )
    return found


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
# Adding units


def _exists(kind: str, key: str) -> Conflict:
    zh, en = both(UNIT_KINDS, kind)
    return Conflict(
        f"{zh}“{key}”已经存在：换一个名称，或用 redprop org {kind} show {key} 查看",
        f"The {en} '{key}' already exists: choose another name, or see redprop org {kind} show",
    )


def add_street(session: Session, *, name: str) -> Street:
    name = _name(name, "街道名称", "street name")
    if session.scalar(select(Street.id).where(Street.name == name)):
        raise _exists("street", name)
    street = Street(name=name)
    session.add(street)
    session.flush()
    return street


def add_community(session: Session, *, name: str, street: str | None = None) -> Community:
    name = _name(name, "社区名称", "community name")
    parent = default_street(session, street)
    if session.scalar(select(Community.id).where(Community.name == name)):
        raise _exists("community", name)
    community = Community(name=name, street_id=parent.id)
    session.add(community)
    session.flush()
    return community


def parse_grid_kind(value: str | None) -> GridKind:
    text = clean_text(value or "").lower()
    if not text:
        return GridKind.base
    for code, (zh, en) in GRID_KINDS.items():
        if text in (code, zh, en, zh.removesuffix("网格")):
            return GridKind(code)
    raise UsageProblem(
        f"未知的网格类型“{value}”：请写 基础网格 或 专属网格（base / special）",
        f"Unknown grid kind '{value}': write base or special (基础网格 / 专属网格)",
    )


def add_grid(
    session: Session, *, code: str, name: str, community: str, kind: str | None = None
) -> Grid:
    code = _name(code, "网格编号", "grid code")
    name = _name(name, "网格名称", "grid name")
    parent = get_community(session, community)
    if session.scalar(select(Grid.id).where(Grid.code == code)):
        raise _exists("grid", code)
    grid = Grid(code=code, name=name, community_id=parent.id, kind=parse_grid_kind(kind).value)
    session.add(grid)
    session.flush()
    return grid


def add_compound(
    session: Session, *, name: str, community: str, property_company: str | None = None
) -> Compound:
    name = _name(name, "小区名称", "compound name")
    parent = get_community(session, community)
    taken = select(Compound.id).where(Compound.name == name, Compound.community_id == parent.id)
    if session.scalar(taken):
        raise _exists("compound", name)
    compound = Compound(
        name=name,
        community_id=parent.id,
        property_company=clean_text(property_company or "") or None,
    )
    session.add(compound)
    session.flush()
    return compound


def _check_units(units: int) -> int:
    if units < 1:
        raise UsageProblem(
            f"单元数必须是不小于 1 的整数，而不是 {units}",
            f"The number of units must be a whole number of at least 1, not {units}",
        )
    return units


def add_building(
    session: Session, *, number: str, grid: str, compound: str | None = None, units: int = 1
) -> Building:
    number = normalize_building(_name(number, "楼栋号", "building number"))
    parent = get_grid(session, grid)
    compound_row = None
    if compound:
        compound_row = get_compound(session, compound, _community_name(session, parent))
    taken = select(Building.id).where(
        Building.number == number, Building.community_id == parent.community_id
    )
    if session.scalar(taken):
        raise _exists("building", number)
    building = Building(
        number=number,
        grid_id=parent.id,
        community_id=parent.community_id,
        compound_id=compound_row.id if compound_row else None,
        units=_check_units(units),
    )
    session.add(building)
    session.flush()
    return building


def _community_name(session: Session, grid: Grid) -> str:
    return session.get_one(Community, grid.community_id).name


# ---------------------------------------------------------------------------------------------
# Renaming and removing


def rename_unit(
    session: Session,
    *,
    kind: str,
    key: str,
    new: str,
    community: str | None = None,
    grid: str | None = None,
) -> Any:
    unit = find_unit(session, kind=kind, key=key, community=community, grid=grid)
    if kind == "building":
        new = normalize_building(_name(new, "楼栋号", "building number"))
        clash = select(Building.id).where(
            Building.number == new,
            Building.community_id == unit.community_id,
            Building.id != unit.id,
        )
        if session.scalar(clash):
            raise _exists("building", new)
        unit.number = new
    else:
        new = _name(new, "新名称", "new name")
        model = MODELS[kind]
        clash = select(model.id).where(model.name == new, model.id != unit.id)  # type: ignore[attr-defined]
        if kind == "compound":
            clash = clash.where(Compound.community_id == unit.community_id)
        if kind != "grid" and session.scalar(clash):
            raise _exists(kind, new)
        unit.name = new
    session.add(unit)
    session.flush()
    return unit


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


def remove_unit(
    session: Session,
    *,
    kind: str,
    key: str,
    community: str | None = None,
    grid: str | None = None,
) -> None:
    unit = find_unit(session, kind=kind, key=key, community=community, grid=grid)
    refs = references(session, unit)
    if refs:
        zh, en = both(UNIT_KINDS, kind)
        what_zh = "、".join(f"{n} 个{both(UNIT_KINDS, t)[0]}" for t, n in refs)
        what_en = ", ".join(f"{n} {both(UNIT_KINDS, t)[1]}(s)" for t, n in refs)
        raise Conflict(
            f"不能删除{zh}“{key}”：仍有 {what_zh}属于它；请先移除或转移它们",
            f"Can't remove the {en} '{key}': {what_en} still refer to it; remove or move them first",
        )
    session.delete(unit)
    session.flush()


# ---------------------------------------------------------------------------------------------
# Reading the tree


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
        return [
            {
                "name": c.name,
                "community": names[c.community_id],
                "property_company": c.property_company,
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
            "property_company": unit.property_company,
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
