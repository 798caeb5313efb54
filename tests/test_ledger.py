"""The monthly ledger workbook, written to disk and read back with openpyxl cell by cell; opened
by LibreOffice when it is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.rules import Action
from redprop.core.config import parse_time
from redprop.figures.book import build, write
from redprop.figures.period import month_period
from redprop.units import edit

ADMIN = "王敏"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-12-15T12:00")


def new(s, at: str, summary: str, *, grid: str = "G001", parties: list[str] | None = None) -> str:
    case = NewCase(
        grid=grid,
        category="邻里纠纷",
        severity="small",
        summary=summary,
        parties=parties or ["张三", "李四"],
        building="5" if grid == "G001" else None,
        unit="2" if grid == "G001" else None,
        room="301" if grid == "G001" else None,
    )
    return register_case(s, new=case, actor=ADMIN, at=parse_time(at)).number


def do(s, number: str, action: Action, at: str, **facts: object) -> None:
    act(s, number=number, action=action, actor=ADMIN, at=parse_time(at), facts=Facts(**facts))  # type: ignore[arg-type]


@pytest.fixture
def ledger(session):
    edit.add_community(session, name="铁人路社区")
    edit.add_community(session, name="龙源社区")
    edit.add_grid(session, code="G001", name="天昊网格", community="铁人路社区")
    edit.add_grid(session, code="G014", name="龙源第1网格", community="龙源社区")
    edit.add_building(session, number="5", grid="G001")
    a = new(session, "2026-10-28T09:00", "楼上漏水")  # carried over into November
    do(session, a, Action.accept, "2026-10-28T10:00")
    b = new(session, "2026-11-03T09:30", '=HYPERLINK("http://x","点我")', parties=["欧阳娜娜"])
    do(session, b, Action.accept, "2026-11-03T10:00")
    do(session, b, Action.resolve, "2026-11-05T10:00", outcome="+赔偿 800 元", agreement="written")
    do(session, b, Action.visit, "2026-11-12T10:00", satisfaction="satisfied", fulfilled="yes")
    c = new(session, "2026-11-10T09:00", "车位纠纷", grid="G014")
    do(session, c, Action.escalate, "2026-11-11T09:00", reason="涉及多户")
    session.flush()
    return session, (a, b, c)


def values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb}


def test_the_workbook_cell_by_cell(ledger, tmp_path: Path) -> None:
    session, (a, b, c) = ledger
    out = tmp_path / "台账-2026-11.xlsx"
    write(build(session, period=month_period("2026-11")), out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "汇总",
        "分类统计",
        "矛盾纠纷台账",
        "流转记录",
        "服务清单",
        "整改台账",
        "重点人群走访",
        "物业服务",
    ]
    summary = wb["汇总"]
    rows = list(summary.iter_rows(values_only=True))
    assert rows[0][0] == "新市区街道矛盾纠纷排查化解情况表（2026年11月）"
    assert (
        rows[1][0] == "填报单位：新市区街道" and rows[1][10] == "统计时段：2026-11-01 至 2026-11-30"
    )
    # Two header rows: the groups of the official form over the figures.
    assert rows[2][:9] == ("单位", "排查", None, None, "办理结果", None, None, None, "比率")
    assert rows[2][12:16] == ("化解层级", None, None, None)
    assert rows[3][:9] == (None, "结转", "新增", "重开", "化解", "移交", "撤销", "在办", "化解率")
    assert rows[3][10:16] == ("小事不出\n网格率", "矛盾不\n上交率", "网格", "社区", "街道", "市级")
    assert rows[2][19:] == ("重复纠纷", None) and rows[3][19:] == ("重复纠纷", "重复纠纷率")
    # unit  结转 新增 重开 化解 移交 撤销 在办 化解率 按期 小事 不上交 网格 社区 街道 市级 超期 黄灯 上报
    # 重复纠纷 重复纠纷率: b was registered at 5-2-301, where a was a week before.
    assert rows[4] == ("铁人路社区", 1, 1, 0, 1, 0, 0, 1, 0.5, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1)
    # Escalated on 11 Nov, the community's 10 working days ran out on the 25th: overdue.
    assert rows[5] == ("龙源社区", 0, 1, 0, 0, 0, 0, 1, 0, "-", "-", "-", 0, 0, 0, 0, 1, 0, 1, 0, 0)
    third = pytest.approx(1 / 3)
    assert rows[6] == ("小计", 1, 2, 0, 1, 0, 0, 2, third, 1, 1, 1, 1, 0, 0, 0, 2, 0, 1, 1, 0.5)
    assert rows[7] == (
        "年度累计",
        0,
        3,
        0,
        1,
        0,
        0,
        2,
        third,
        1,
        1,
        1,
        1,
        0,
        0,
        0,
        2,
        0,
        1,
        1,
        third,
    )
    assert rows[8][0].startswith("说明：")
    assert [rows[10][i] for i in (0, 5, 10, 16)] == ["填表人：", "审核人：", "日期：", "（盖章）"]
    assert summary["I5"].number_format == "0.0%"
    assert (summary.freeze_panes, summary.print_title_rows, summary.page_setup.orientation) == (
        "A5",
        "$3:$4",
        "landscape",
    )
    assert summary.page_setup.fitToWidth == 1 and summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.auto_filter.ref == "A4:U6"

    cases = list(wb["矛盾纠纷台账"].iter_rows(values_only=True))
    assert cases[2][:8] == (
        "序号",
        "编号",
        "登记日期",
        "来源",
        "当事人",
        "纠纷类别",
        "简要情况",
        "所在网格/社区",
    )
    assert cases[3][7:9] == ("网格", "社区")
    assert [r[1] for r in cases[4:7]] == [a, b, c]
    row_a, row_b, row_c = cases[4:7]
    assert row_b[:7] == (
        2,
        b,
        datetime(2026, 11, 3),
        "排查",
        "欧阳某",  # parties by surname
        "邻里纠纷",
        '=HYPERLINK("http://x","点我")',
    )
    assert row_b[7:] == (
        "G001",
        "铁人路社区",
        "网格（已办结）",
        ADMIN,
        "+赔偿 800 元（书面协议）",
        datetime(2026, 11, 12),
        "是",
        "2026-11-12 满意，已履行",
    )
    assert row_a[4] == "张某、李某"
    assert (
        row_a[9] == "网格（办理中）" and row_a[13] == "否（超期）"
    )  # due 4 Nov: overdue by the 30th
    assert row_c[9] == "网格→社区（待受理）"
    # No cell holds a formula, whatever the user typed.
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    assert wb["矛盾纠纷台账"]["G6"].data_type == "s"

    events = list(wb["流转记录"].iter_rows(values_only=True))
    assert events[2] == (
        "时间",
        "编号",
        "社区",
        "网格",
        "操作",
        "原状态",
        "原层级",
        "新状态",
        "新层级",
        "操作人",
        "说明",
    )
    assert [(r[1], r[4]) for r in events[3:9]] == [
        (b, "登记"),
        (b, "受理"),
        (b, "化解"),
        (c, "登记"),
        (c, "上报"),
        (b, "回访"),
    ]
    assert events[7][5:] == ("待受理", "网格", "待受理", "社区", ADMIN, "涉及多户")
    categories = list(wb["分类统计"].iter_rows(values_only=True))
    assert categories[5][:3] == ("邻里纠纷", 1, 2)
    assert [r[:3] for r in categories if r[0] == "合计"] == [("合计", 1, 2)] * 2
    assert len(wb["分类统计"]._charts) == 1


def test_a_regenerated_closed_month_has_the_same_cell_values(ledger, tmp_path: Path) -> None:
    session, (a, b, c) = ledger
    first = tmp_path / "first.xlsx"
    write(build(session, period=month_period("2026-11")), first)
    do(session, a, Action.resolve, "2026-12-02T09:00", outcome="修好", agreement="oral")
    do(session, b, Action.reopen, "2026-12-03T09:00", reason="又漏水")
    do(session, c, Action.withdraw, "2026-12-04T09:00", reason="撤回")
    second = tmp_path / "second.xlsx"
    write(build(session, period=month_period("2026-11")), second)
    assert values(first) == values(second)
    for name in ("汇总", "矛盾纠纷台账"):
        assert values(first)[name]


def test_community_workbook_lists_its_grids(ledger, tmp_path: Path) -> None:
    session, _ = ledger
    out = tmp_path / "c.xlsx"
    write(build(session, period=month_period("2026-11"), community="铁人路社区"), out)
    rows = values(out)["汇总"]
    assert rows[0][0] == "铁人路社区矛盾纠纷排查化解情况表（2026年11月）"
    assert [r[0] for r in rows[4:7]] == ["G001 天昊网格", "小计", "年度累计"]


def test_the_cli_writes_and_refuses(cli, tmp_path: Path, monkeypatch) -> None:
    cli("init", "--street", "新市区街道")
    out = tmp_path / "t.xlsx"
    assert (
        cli("ledger", "export", "--month", "2026-11", "-o", str(out)).stdout
        == f"已写出 {out}：0 件案件，0 条流转记录\n"
    )
    assert (
        cli("ledger", "export", "--month", "2026-11", "-o", str(tmp_path / "t.csv"), code=2).stderr
        == "错误：台账文件须以 .xlsx 结尾\n"
    )
    assert (
        cli("ledger", "export", "--month", "11/2026", "-o", str(out), code=2).stderr
        == "错误：月份“11/2026”应写成 2026-11\n"
    )
    missing = tmp_path / "no-such-folder" / "t.xlsx"
    assert cli("ledger", "export", "--month", "2026-11", "-o", str(missing), code=1).stderr == (
        f"错误：无法写出 {missing}：目录 {missing.parent} 不存在；请先创建目录或换一个路径\n"
    )


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
def test_libreoffice_opens_it_and_prints_pages(ledger, tmp_path: Path) -> None:
    session, _ = ledger
    out = tmp_path / "台账.xlsx"
    write(build(session, period=month_period("2026-11")), out)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "台账.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= 5
