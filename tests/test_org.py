"""The unit tree through the services, on a real migrated SQLite ledger."""

from __future__ import annotations

import pytest

from conftest import small_tree
from redprop.core.errors import Conflict, NotFound, UsageProblem
from redprop.core.models import Household
from redprop.units import edit, org, view


def test_tree_counts_grids_buildings_and_households(session) -> None:
    small_tree(session)
    building = org.get_building(session, "5", community="铁人路社区")
    session.add(
        Household(
            community_id=building.community_id,
            grid_id=building.grid_id,
            building_id=building.id,
            unit="2",
            room="301",
            head_name="张三",
        )
    )
    session.flush()
    [street] = view.tree(session)
    assert (street.name, street.grids, street.buildings, street.households) == (
        "新市区街道",
        3,
        3,
        1,
    )
    tieren, longyuan = street.communities
    assert (
        tieren.name,
        len(tieren.grids),
        tieren.buildings,
        tieren.households,
        tieren.compounds,
    ) == (
        "铁人路社区",
        2,
        2,
        1,
        1,
    )
    assert [(g.code, g.kind, g.buildings) for g in tieren.grids] == [
        ("G001", "base", 2),
        ("G002", "special", 0),
    ]
    assert (longyuan.name, longyuan.buildings) == ("龙源社区", 1)


def test_building_numbers_are_normalised_and_unique_per_community(session) -> None:
    small_tree(session)
    assert org.get_building(session, "5号楼").number == "5"
    with pytest.raises(Conflict) as err:
        edit.add_building(session, number="5栋", grid="G001")
    assert err.value.zh.startswith("楼栋“5”已经存在")
    # Another community may have its own building 5.
    edit.add_building(session, number="5", grid="G014")
    with pytest.raises(UsageProblem) as amb:
        org.get_building(session, "5")
    assert "--community" in amb.value.zh


def test_removal_is_refused_while_anything_refers_to_the_unit(session) -> None:
    small_tree(session)
    with pytest.raises(Conflict) as err:
        edit.remove_unit(session, kind="community", key="铁人路社区")
    assert err.value.zh == (
        "不能删除社区“铁人路社区”：仍有 1 个小区、2 个网格、2 个楼栋属于它；请先移除或转移它们"
    )
    assert err.value.en == (
        "Can't remove the community '铁人路社区': 1 compound(s), 2 grid(s), 2 building(s) still "
        "refer to it; remove or move them first"
    )
    edit.remove_unit(session, kind="grid", key="G002")
    with pytest.raises(NotFound):
        org.get_grid(session, "G002")


def test_rename_keeps_identity_and_refuses_clashes(session) -> None:
    small_tree(session)
    edit.rename_unit(session, kind="grid", key="G001", new="天昊小区网格")
    assert org.get_grid(session, "G001").name == "天昊小区网格"
    edit.rename_unit(session, kind="building", key="6", new="6号楼", community="铁人路社区")
    assert org.get_building(session, "6", community="铁人路社区").units == 2
    with pytest.raises(Conflict):
        edit.rename_unit(session, kind="community", key="龙源社区", new="铁人路社区")
    with pytest.raises(Conflict):
        edit.rename_unit(session, kind="building", key="6", new="5", community="铁人路社区")


def test_unknown_names_say_where_to_look(session) -> None:
    with pytest.raises(NotFound) as err:
        edit.add_grid(session, code="G009", name="x", community="不存在社区")
    assert err.value.zh == "没有名为“不存在社区”的社区：用 redprop org community list 查看已有社区"
    edit.add_community(session, name="铁人路社区")
    with pytest.raises(UsageProblem) as kind:
        edit.add_grid(session, code="G009", name="x", community="铁人路社区", kind="特殊")
    assert "基础网格 或 专属网格" in kind.value.zh


def test_list_units_rows(session) -> None:
    small_tree(session)
    assert view.list_units(session, kind="compound") == [
        {"name": "天昊小区", "community": "铁人路社区", "property_company": "嘉华物业"},
        {"name": "龙源小区", "community": "龙源社区", "property_company": "世纪之星物业"},
    ]
    assert view.list_units(session, kind="building", grid="G001") == [
        {
            "number": "5",
            "community": "铁人路社区",
            "grid": "G001",
            "compound": "天昊小区",
            "units": 3,
        },
        {
            "number": "6",
            "community": "铁人路社区",
            "grid": "G001",
            "compound": "天昊小区",
            "units": 2,
        },
    ]
