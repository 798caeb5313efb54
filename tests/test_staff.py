"""Staff: roles belong to units of the right kind; phones are checked and masked."""

from __future__ import annotations

import pytest

from conftest import small_tree
from redprop.core.errors import Conflict, NotFound, UsageProblem
from redprop.units import staff


def test_roles_need_a_unit_of_their_kind(session) -> None:
    small_tree(session)
    staff.add_staff(session, name="李娟", role="grid-worker", unit="G001", phone="139 1234 5678")
    staff.add_staff(session, name="周涛", role="community", unit="铁人路社区")
    staff.add_staff(session, name="赵立新", role="调解员", unit="新市区街道")
    with pytest.raises(UsageProblem) as err:
        staff.add_staff(session, name="某某", role="grid-worker", unit="铁人路社区")
    assert err.value.zh == "网格员必须属于一个网格，而“铁人路社区”是社区：请用 --unit 指定网格"
    rows = staff.list_staff(session)
    assert [(r.name, r.role, r.unit_kind, r.unit, r.phone) for r in rows] == [
        ("王敏", "admin", "street", "新市区街道", None),
        ("李娟", "grid-worker", "grid", "G001", "13912345678"),
        ("周涛", "community", "community", "铁人路社区", None),
        ("赵立新", "mediator", "street", "新市区街道", None),
    ]
    assert [r.name for r in staff.list_staff(session, unit="G001")] == ["李娟"]


def test_bad_phone_unknown_role_duplicate_and_unknown_unit(session) -> None:
    small_tree(session)
    with pytest.raises(UsageProblem, match="11 位"):
        staff.add_staff(session, name="甲", role="grid-worker", unit="G001", phone="12345")
    with pytest.raises(UsageProblem, match="未知的角色"):
        staff.add_staff(session, name="甲", role="boss", unit="G001")
    with pytest.raises(Conflict, match="已经登记"):
        staff.add_staff(session, name="王敏", role="street", unit="新市区街道")
    with pytest.raises(NotFound, match="网格用编号"):
        staff.add_staff(session, name="甲", role="grid-worker", unit="G999")


def test_remove_deletes_unreferenced_staff(session) -> None:
    small_tree(session)
    staff.add_staff(session, name="李娟", role="grid-worker", unit="G001")
    assert staff.remove_staff(session, name="李娟") == "deleted"
    with pytest.raises(NotFound):
        staff.get_staff(session, "李娟")
