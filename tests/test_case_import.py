"""`case import` from real workbooks: the history each row implies, row reports, no duplicates."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from redprop.cases.detail import case_detail
from redprop.cases.importer import import_cases
from redprop.figures.book import build, write
from redprop.figures.period import month_period
from redprop.units import edit
from redprop.units.staff import add_staff


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:00")


@pytest.fixture
def street(session):
    edit.add_community(session, name="铁人路社区")
    edit.add_grid(session, code="G001", name="天昊网格", community="铁人路社区")
    edit.add_grid(session, code="G003", name="第3网格", community="铁人路社区")
    add_staff(session, name="李娟", role="grid-worker", unit="G001")
    return session


def plain_list(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["玉门市新市区街道矛盾纠纷排查化解台账（2025年）"])
    ws.append(
        [
            "序号",
            "登记日期",
            "网格",
            "当事人",
            "纠纷类型",
            "简要情况",
            "等级",
            "状态",
            "当前层级",
            "化解日期",
            "办结日期",
            "结果",
            "协议形式",
        ]
    )
    ws.append(
        [
            1,
            date(2025, 3, 3),
            "G001",
            "张三、李四",
            "邻里纠纷",
            "楼上漏水",
            "小事",
            "已办结",
            "网格",
            date(2025, 3, 5),
            date(2025, 3, 12),
            "修复防水",
            "书面",
        ]
    )
    ws.append(
        [
            2,
            "2025/4/1",
            "G003",
            "王五，赵六",
            "物业纠纷",
            "物业费争议",
            "大事",
            "办理中",
            "街道",
            None,
            None,
            None,
            None,
        ]
    )
    ws.append(
        [
            3,
            "2025年5月6日",
            "G999",
            "钱七",
            "邻里纠纷",
            "噪音",
            "小事",
            "已化解",
            None,
            "2025-05-08",
            None,
            "道歉",
            "口头",
        ]
    )
    ws.append(
        [
            4,
            "2025-06-02",
            "G001",
            "孙八",
            "邻里纠纷",
            "占道",
            "小事",
            "已撤销",
            None,
            None,
            None,
            "双方和解",
            None,
        ]
    )
    ws.append(
        [
            5,
            "2025-06-03",
            "G001",
            "周九",
            "什么纠纷",
            "x",
            "小事",
            "待受理",
            None,
            None,
            None,
            None,
            None,
        ]
    )
    ws.append(
        [6, "六月", "G001", "吴十", "邻里纠纷", "y", "小事", "待受理", None, None, None, None, None]
    )
    ws.append([])
    ws.append(["填表人：吕艳"])
    wb.save(path)
    return path


def test_a_plain_list_becomes_cases_with_their_history(street, tmp_path: Path) -> None:
    path = plain_list(tmp_path / "2025.xlsx")
    report = import_cases(street, path=path, actor="王敏")
    assert report.counts() | {} == {
        "read": 6,
        "new": 3,
        "updated": 0,
        "unchanged": 0,
        "merged": 0,
        "warned": 0,
        "rejected": 3,
        "skipped": 2,
    }
    assert [(p.row, p.column) for p in report.problems] == [
        (5, "网格"),
        (7, "纠纷类型"),
        (8, "登记日期"),
    ]
    assert report.problems[2].zh == "“六月”不是日期；请写成 2026-11-03"
    assert report.exit_code == 3
    closed = case_detail(street, "2025-00001")
    assert (closed["state"], closed["level"], closed["registered_at"]) == (
        "closed",
        "grid",
        "2025-03-03T09:00",
    )
    assert [(e["action"], e["at"]) for e in closed["events"]] == [
        ("register", "2025-03-03T09:00"),
        ("accept", "2025-03-03T09:30"),
        ("resolve", "2025-03-05T17:00"),
        ("visit", "2025-03-12T17:30"),
    ]
    assert closed["events"][2]["data"] == {"agreement": "written", "outcome": "修复防水"}
    escalated = case_detail(street, "2025-00002")
    assert (escalated["state"], escalated["level"], escalated["parties"]) == (
        "in_progress",
        "street",
        ["王五", "赵六"],
    )
    assert [e["action"] for e in escalated["events"]] == [
        "register",
        "accept",
        "escalate",
        "accept",
    ]
    assert escalated["events"][2]["reason"] == "台账导入"
    assert case_detail(street, "2025-00003")["state"] == "withdrawn"
    again = import_cases(street, path=path, actor="王敏")
    assert (again.new, again.unchanged, again.rejected) == (0, 3, 3)


def test_the_ledgers_own_case_sheet_imports_without_duplicates(street, tmp_path: Path) -> None:
    import_cases(street, path=plain_list(tmp_path / "2025.xlsx"), actor="王敏")
    out = tmp_path / "台账.xlsx"
    write(build(street, period=month_period("2025-03")), out)
    wb = openpyxl.load_workbook(out)
    sheet = wb["矛盾纠纷台账"]
    wb.remove(wb["汇总"])  # the case sheet alone, as a clerk would pass it on
    wb.active = wb.sheetnames.index("矛盾纠纷台账")
    for name in ("分类统计", "流转记录", "服务清单"):
        wb.remove(wb[name])
    wb.save(out)
    assert sheet.max_row == 7  # title, 填报单位, two header rows, the case, a gap, signatures
    report = import_cases(street, path=out, actor="王敏")
    assert (report.read, report.new, report.unchanged) == (1, 0, 1)


def test_dry_run_and_who_may_import(street, tmp_path: Path) -> None:
    path = plain_list(tmp_path / "2025.xlsx")
    report = import_cases(street, path=path, actor="王敏", dry_run=True)
    assert (report.new, report.stored) == (3, False)
    assert case_count(street) == 0
    with pytest.raises(Exception, match="管理员或街道工作人员"):
        import_cases(street, path=path, actor="李娟")


def case_count(session) -> int:
    from sqlalchemy import func, select

    from redprop.core.models import Case

    return session.scalar(select(func.count()).select_from(Case))


def test_the_cli_reports_and_exits_3(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:00")
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G001", "--name", "天昊网格", "-c", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "第3网格", "-c", "铁人路社区")
    path = plain_list(tmp_path / "2025.xlsx")
    result = cli("--as", "王敏", "case", "import", str(path), "--json", code=3)
    data = json.loads(result.stdout)
    assert data["counts"] == {"read": 6, "new": 3, "unchanged": 0, "rejected": 3, "skipped": 2}
    assert data["ignored_columns"] == ["序号"]
    human = cli("--as", "王敏", "case", "import", str(path), code=3).stdout
    assert human.startswith("读取 6 行：新增 0，更新 0，未变 3，合并 0，警告 0，拒绝 3，跳过 2\n")
    assert cli("db", "check").stdout == "检查通过：账本完整\n"


def test_a_phone_in_the_wrong_column_is_never_echoed_in_full(street, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["登记日期", "网格", "当事人", "纠纷类型", "简要情况"])
    ws.append(["13912340001", "G001", "张三", "邻里纠纷", "漏水"])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    [problem] = import_cases(street, path=path, actor="王敏").problems
    assert (problem.row, problem.column) == (2, "登记日期")
    assert problem.zh == "“139****0001”不是日期；请写成 2026-11-03"
    assert "13912340001" not in problem.en
