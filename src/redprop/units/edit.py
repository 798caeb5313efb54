"""Adding, renaming and removing units of the tree; removal is refused while anything in the
ledger refers to the unit, and the refusal says what does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.errors import Conflict, UsageProblem
from redprop.core.ids import clean_text, normalize_building
from redprop.core.models import Building, Community, Compound, Grid, Street
from redprop.core.vocab import GRID_KINDS, UNIT_KINDS, GridKind, both
from redprop.units.org import (
    MODELS,
    default_street,
    find_unit,
    get_community,
    get_compound,
    get_grid,
    references,
)


def _name(value: str, what: str, what_en: str) -> str:
    text = clean_text(value or "")
    if not text:
        raise UsageProblem(f"{what}不能为空", f"The {what_en} can't be empty")
    return text


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
    from redprop.units.companies import company_named

    company = company_named(session, property_company)
    compound = Compound(
        name=name, community_id=parent.id, company_id=company.id if company else None
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
