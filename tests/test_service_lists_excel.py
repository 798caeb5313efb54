"""The service lists: the Excel round trip into a fresh ledger, numbers not reused after an
import, bad rows reported by number."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import STREET, new_ledger_url, small_tree
from redprop.core.db import open_ledger, session_scope
from redprop.core.ids import mask_phone
from redprop.core.models import DemandEvent
from redprop.ledger.upkeep import init_ledger
from redprop.servicelists.demands import (
    DemandFacts,
    add_demand,
    demand_detail,
    list_demands,
    step_demand,
)
from redprop.servicelists.io import export_lists, import_lists
from redprop.servicelists.provision import (
    add_item,
    add_record,
    add_resource,
    list_items,
    list_records,
    list_resources,
)
from service_lists_helpers import (
    ADMIN,
    CANCEL,
    CLAIM,
    FULFIL,
    PHONES,
    REOPEN,
    add,
    clock_fixture,  # noqa: F401  (the fixture `clock`, autouse: REDPROP_NOW)
    step,
    t,
)

# ---------------------------------------------------------------------------------------------
# 4. The Excel round trip into a fresh ledger


def build_lists(s: Session) -> dict[str, str]:
    small_tree(s)
    add_resource(
        s,
        provider="嘉华物业",
        provider_type="company",
        kind="people",
        summary="水电维修",
        community="铁人路社区",
        capacity=10,
        phone=PHONES[0],
    )
    add_resource(
        s,
        provider="杨红军",
        provider_type="party-member",
        kind="skill",
        summary="理发",
        phone=PHONES[1],
    )
    add_resource(
        s,
        provider="幸福食堂志愿服务队",
        provider_type="volunteer-team",
        kind="people",
        summary="-送餐上门",
        community="铁人路社区",
    )
    add_item(
        s,
        name="幸福食堂",
        category="助餐",
        community="铁人路社区",
        compound="天昊小区",
        resource="ZY-0003",
    )
    add_item(s, name="直饮水站", category="便民", community="铁人路社区", status="planned")
    add_item(s, name="助老服务", category="助老", community="龙源社区", status="retired")
    numbers = {
        "open": add(s, "2026-10-02T09:15"),
        "claimed": add(
            s, "2026-10-03T09:00", grid="G002", category="维修", summary="@物业 门锁坏了"
        ),
        "wish": add(
            s, "2026-10-04T10:30", grid="G014", category="", wish=True, summary="想要一套书"
        ),
        "cancelled": add(s, "2026-10-05T09:00", category="法律咨询"),
        "reopened": add(s, "2026-10-06T09:00", category="文体"),
        "open wish": add(s, "2026-10-07T09:00", category="微心愿", summary="一个书包"),
    }
    step(s, numbers["claimed"], CLAIM, "2026-10-03T10:00", by="ZY-0001")
    step(s, numbers["wish"], CLAIM, "2026-10-05T10:00", by="杨红军")
    step_demand(
        s,
        number=numbers["wish"],
        action=FULFIL,
        actor=ADMIN,
        facts=DemandFacts(feedback="书已送到", satisfaction="satisfied", item="助老服务", served=1),
        at=t("2026-10-08T10:00"),
    )
    step(s, numbers["cancelled"], CANCEL, "2026-10-06T10:00", reason="已自行解决")
    step(s, numbers["reopened"], CLAIM, "2026-10-07T10:00", by="李娟")
    step(s, numbers["reopened"], CANCEL, "2026-10-08T10:00", reason="活动取消")
    step(s, numbers["reopened"], REOPEN, "2026-10-09T10:00", reason="活动恢复")
    add_record(
        s,
        item="幸福食堂",
        community=None,
        on=date(2026, 10, 5),
        served=40,
        volunteers=3,
        note="=SUM(A1:A9) 是备注不是公式",
    )
    add_record(s, item="直饮水站", community=None, on=date(2026, 10, 6), served=12)
    return numbers


def lists(s: Session) -> dict[str, list[dict[str, Any]]]:
    return {
        "demands": list_demands(s),
        "resources": list_resources(s),
        "items": list_items(s),
        "records": list_records(s),
    }


def fresh_ledger(path: Path):
    engine = open_ledger(new_ledger_url(path.parent, path.name))
    with session_scope(engine) as s:
        init_ledger(s, street=STREET, admin=ADMIN)
        small_tree(s)
    return engine


def test_export_then_import_into_a_fresh_ledger_gives_the_same_lists(
    session: Session, tmp_path: Path
) -> None:
    numbers = build_lists(session)
    original = lists(session)
    assert [d["state"] for d in original["demands"]] == [
        "open",
        "claimed",
        "fulfilled",
        "cancelled",
        "open",
        "open",
    ]
    assert original["demands"][2]["wish"] is True
    assert [r["phone"] for r in original["resources"]] == [*PHONES, None]
    out = tmp_path / "清单.xlsx"
    assert export_lists(session, out=out) == {
        "需求清单": 6,
        "资源清单": 3,
        "服务清单": 3,
        "服务记录": 3,
        "需求办理记录": 13,  # every step of every demand (issue 13's lossless round trip)
    }

    # The file: Chinese headers, no formula anywhere, phones only masked.
    wb = load_workbook(out)
    assert wb.sheetnames == ["需求清单", "资源清单", "服务清单", "服务记录", "需求办理记录"]
    headers = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets}
    assert headers == {
        "需求清单": [
            "编号",
            "社区",
            "网格",
            "需求类型",
            "需求内容",
            "微心愿",
            "状态",
            "认领方",
            "登记时间",
        ],
        "资源清单": [
            "编号",
            "提供方",
            "提供方类型",
            "资源类型",
            "资源内容",
            "社区",
            "服务能力",
            "联系电话",
        ],
        "服务清单": ["项目名称", "类别", "社区", "小区", "资源编号", "状态"],
        "服务记录": ["服务项目", "社区", "服务日期", "服务人数", "志愿者人次", "备注", "需求编号"],
        "需求办理记录": [
            "需求编号",
            "序号",
            "操作",
            "时间",
            "操作人",
            "说明",
            "认领资源",
            "满意度",
        ],
    }
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    values = [str(c.value) for c in cells if c.value is not None]
    assert not [v for v in values if any(p in v.replace("-", "") for p in PHONES)]
    assert [r[7].value for r in wb["资源清单"].iter_rows(min_row=2)] == [
        mask_phone(PHONES[0]),
        mask_phone(original["resources"][1]["phone"]),
        None,
    ]
    assert "138****5678" in values
    notes = [(r[5].value, r[5].data_type) for r in wb["服务记录"].iter_rows(min_row=2)]
    assert notes[1] == ("=SUM(A1:A9) 是备注不是公式", "s")
    assert wb["需求清单"]["G4"].value == "已完成" and wb["需求清单"]["F4"].value == "是"
    with zipfile.ZipFile(out) as z:
        raw = b"".join(z.read(n) for n in z.namelist())
    assert not [p for p in PHONES if p.encode() in raw]
    assert b"<f>" not in raw and b"<f " not in raw

    engine = fresh_ledger(tmp_path / "fresh.db")
    try:
        with session_scope(engine) as s:
            report = import_lists(s, path=out, actor=ADMIN)
            assert [p.zh for p in report.problems] == []
            assert (report.read, report.new, report.unchanged, report.rejected) == (15, 15, 0, 0)
            imported = lists(s)
            wish = demand_detail(s, numbers["wish"])
        # Phones were masked in the file: the fresh ledger has none.
        assert [r["phone"] for r in imported["resources"]] == [None, None, None]
        expected = original | {"resources": [r | {"phone": None} for r in original["resources"]]}
        assert imported == expected
        assert (wish["state"], wish["wish"], wish["claimed_by"]) == ("fulfilled", True, "杨红军")
        assert [e["action"] for e in wish["events"]] == ["add", "claim", "fulfil"]

        with session_scope(engine) as s:
            again = import_lists(s, path=out, actor=ADMIN)
            assert (again.read, again.new, again.unchanged, again.rejected) == (15, 0, 15, 0)
            assert lists(s) == expected
            assert (
                s.scalar(select(func.count()).select_from(DemandEvent)) == 13
            )  # every step of the source, no more, no fewer
    finally:
        engine.dispose()


def test_a_claimed_then_cancelled_demand_keeps_its_claimant_through_the_round_trip(
    session: Session, tmp_path: Path
) -> None:
    small_tree(session)
    number = add(session, "2026-10-03T09:00")
    step(session, number, CLAIM, "2026-10-03T10:00", by="杨红军")
    step(session, number, CANCEL, "2026-10-04T10:00", reason="居民搬走了")
    original = list_demands(session)
    assert (original[0]["state"], original[0]["claimed_by"]) == ("cancelled", "杨红军")
    out = tmp_path / "清单.xlsx"
    export_lists(session, out=out)
    engine = fresh_ledger(tmp_path / "fresh.db")
    try:
        with session_scope(engine) as s:
            import_lists(s, path=out, actor=ADMIN)
            assert list_demands(s) == original
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["demand", "resource"])
def test_numbers_are_not_reused_after_an_import(
    session: Session, tmp_path: Path, kind: str
) -> None:
    """Imported rows keep their numbers; the next number given out must not be one of them."""
    numbers = build_lists(session)
    out = tmp_path / "清单.xlsx"
    export_lists(session, out=out)
    engine = fresh_ledger(tmp_path / "fresh.db")
    try:
        with session_scope(engine) as s:
            import_lists(s, path=out, actor=ADMIN)
            if kind == "demand":
                taken = set(numbers.values())
                number = add_demand(
                    s,
                    grid="G001",
                    category="助老",
                    summary="新需求",
                    actor=ADMIN,
                    at=t("2026-11-01"),
                ).number
            else:
                taken = {"ZY-0001", "ZY-0002", "ZY-0003"}
                number = add_resource(
                    s, provider="新商户", provider_type="shop", kind="goods", summary="米面"
                ).number
            assert number not in taken
    finally:
        engine.dispose()


def test_import_reports_bad_rows_by_number(session: Session, tmp_path: Path) -> None:
    from openpyxl import Workbook

    small_tree(session)
    path = tmp_path / "bad.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "需求清单"
    ws.append(
        ["编号", "社区", "网格", "需求类型", "需求内容", "微心愿", "状态", "认领方", "登记时间"]
    )
    ws.append(["", "铁人路社区", "G001", "助老", "代购", "否", "待认领", "", "2026-10-02 09:00"])
    ws.append(["", "铁人路社区", "G999", "助老", "代购", "否", "待认领", "", "2026-10-02 09:00"])
    ws.append(["", "铁人路社区", "G001", "助老", "代购", "否", "待认领", "", ""])
    wb.save(path)
    report = import_lists(session, path=path, actor=ADMIN)
    assert (report.read, report.new, report.rejected) == (3, 1, 2)
    assert [(p.row, p.column) for p in report.problems] == [(3, "需求清单"), (4, "需求清单")]
    assert [d["number"] for d in list_demands(session)] == ["XQ2026-00001"]
