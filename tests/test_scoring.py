"""Quarterly scores (量化积分, docs/design.md §15): a hand-computed quarter for three companies
with exact scores, ranks and red and black lists, unchanged by what happens after the quarter
ends; manual items and counter-items; the rule table and its import; bad input refused whole;
the exported workbook read back cell by cell; a brute-force oracle on random histories."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import small_tree
from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.rules import Action
from redprop.core.config import parse_time
from redprop.core.models import Staff
from redprop.property.items import Quarter, add_item, counter_item
from redprop.property.rules import load_rules
from redprop.property.scores import board
from redprop.servicelists import provision
from redprop.units import edit
from redprop.units.companies import add_company

ADMIN = "王敏"
Q4 = Quarter(2026, 4)


def new(s, at: str, grid: str, building: str | None, category: str = "邻里纠纷") -> str:
    case = NewCase(
        grid=grid,
        category=category,
        severity="small",
        summary="物业问题",
        parties=["罗玉福"],
        building=building,
    )
    return register_case(s, new=case, actor=ADMIN, at=parse_time(at)).number


def do(s, number: str, action: Action, at: str, **facts: object) -> None:
    act(s, number=number, action=action, actor=ADMIN, at=parse_time(at), facts=Facts(**facts))  # type: ignore[arg-type]


def handled(s, number: str, accept: str, resolve: str, visit: str | None, sat: str) -> None:
    """Accepted, resolved, and (if `visit`) visited with satisfaction `sat`."""
    do(s, number, Action.accept, accept)
    do(s, number, Action.resolve, resolve, outcome="已维修", agreement="oral")
    if visit:
        do(s, number, Action.visit, visit, satisfaction=sat, fulfilled="yes")


def admin(s) -> Staff:
    from sqlalchemy import select

    return s.scalar(select(Staff).where(Staff.name == ADMIN))


def manual(s, monkeypatch, at: str, company: str, points: int, reason: str) -> int:
    monkeypatch.setenv("REDPROP_NOW", at)
    item = add_item(
        s,
        company=company,
        points=points,
        reason=reason,
        evidence=None,
        actor=admin(s),
        rules=load_rules(s),
    )
    return item.id  # type: ignore[return-value]


def quarter_history(s, monkeypatch) -> None:
    """嘉华物业 serves 天昊小区 (G001), 世纪之星物业 龙源小区 (G014), 鑫海物业 鑫海小区 (G002)."""
    monkeypatch.setenv("REDPROP_NOW", "2026-12-31T20:00")
    small_tree(s)
    add_company(s, name="鑫海物业")
    edit.add_compound(s, name="鑫海小区", community="铁人路社区", property_company="鑫海物业")
    edit.add_building(s, number="8", grid="G002", compound="鑫海小区")
    # 嘉华物业: two complaints resolved in the quarter, one of them late (grid limit 5 working
    # days: registered 11-02, due 11-09, resolved 11-25); a visit satisfied, one not; one
    # withdrawn; one resolved in Q3 whose satisfied visit falls in Q4.
    a1 = new(s, "2026-11-02T09:00", "G001", "5号楼")
    handled(s, a1, "2026-11-02T10:00", "2026-11-04T10:00", "2026-11-06T10:00", "satisfied")
    a2 = new(s, "2026-11-02T09:30", "G001", "5号楼")
    handled(s, a2, "2026-11-03T10:00", "2026-11-25T10:00", "2026-11-26T10:00", "unsatisfied")
    a3 = new(s, "2026-11-03T09:00", "G001", "6")
    do(s, a3, Action.withdraw, "2026-11-05T09:00", reason="居民撤回")
    a4 = new(s, "2026-09-01T09:00", "G001", "5号楼")
    handled(s, a4, "2026-09-01T10:00", "2026-09-03T10:00", "2026-10-10T10:00", "basic")
    # A property dispute without an address reaches 嘉华物业 too (the grid's only company),
    # resolved on time, never visited.
    a5 = new(s, "2026-12-01T09:00", "G001", None, category="物业纠纷")
    handled(s, a5, "2026-12-01T10:00", "2026-12-02T10:00", None, "")
    # 世纪之星物业: two late complaints, both visits unsatisfied.
    for hour in ("09", "10"):
        b = new(s, f"2026-11-02T{hour}:00", "G014", "1栋")
        handled(s, b, "2026-11-02T11:00", "2026-11-30T10:00", "2026-12-01T10:00", "unsatisfied")
    # 鑫海物业: one on time, visited satisfied.
    c1 = new(s, "2026-12-07T09:00", "G002", "8")
    handled(s, c1, "2026-12-07T10:00", "2026-12-08T10:00", "2026-12-09T10:00", "satisfied")
    # 嘉华物业 provides a repair service: twelve records in the quarter (capped at +10), two in Q3.
    res = provision.add_resource(
        s, provider="嘉华物业", provider_type="company", kind="people", summary="水电维修"
    )
    provision.add_item(
        s, name="便民维修", category="维修", community="铁人路社区", resource=res.number
    )
    days = [date(2026, 9, 20), date(2026, 9, 21)] + [date(2026, 10, d) for d in range(10, 22)]
    for day in days:
        provision.add_record(s, item="便民维修", community="铁人路社区", on=day, served=3)
    # Manual items: 嘉华 +5; a -3 taken back by its counter-item; 世纪之星 -10 and -1;
    # 鑫海 -4.
    manual(s, monkeypatch, "2026-11-10T09:00", "嘉华物业", 5, "红色先锋服务队义务维修")
    wrong = manual(s, monkeypatch, "2026-11-11T09:00", "嘉华物业", -3, "误记")
    monkeypatch.setenv("REDPROP_NOW", "2026-11-12T09:00")
    counter_item(s, item_id=wrong, reason="重复登记", actor=admin(s))
    manual(s, monkeypatch, "2026-12-10T09:00", "世纪之星物业", -10, "电梯停运三天")
    manual(s, monkeypatch, "2026-12-11T09:00", "世纪之星物业", -1, "公示栏未更新")
    manual(s, monkeypatch, "2026-12-12T09:00", "鑫海物业", -4, "垃圾清运不及时")
    monkeypatch.setenv("REDPROP_NOW", "2026-12-31T20:00")


# The quarter by hand:
# 嘉华物业   100 − 2×3 (a1, a2, a5) − 3 (a2 late) + 1 (a1) + 1 (a4, 基本满意) − 5 (a2)
#            + 10 (12 records, capped) + 5 − 3 + 3 = 103 → 红榜
# 鑫海物业   100 − 2 + 1 − 4 = 95 → 红榜 (the line is ≥ 95)
# 世纪之星物业 100 − 2×2 − 3×2 − 5×2 − 10 − 1 = 69 → 黑榜 (below 70)
EXPECTED = [
    ("嘉华物业", 103, 1, "red"),
    ("鑫海物业", 95, 2, "red"),
    ("世纪之星物业", 69, 3, "black"),
]


def summary(s) -> list[tuple[str, int, int, str]]:
    return [(x.company, x.score, x.rank, x.board) for x in board(s, quarter=Q4)]


def test_a_hand_computed_quarter(session, monkeypatch) -> None:
    quarter_history(session, monkeypatch)
    assert summary(session) == EXPECTED
    jiahua = board(session, quarter=Q4)[0]
    assert jiahua.counts == {
        "case_substantiated": 3,
        "case_overdue": 1,
        "visit_unsatisfied": 1,
        "visit_satisfied": 2,
        "service_record": 12,
        "rectify_overdue": 0,
    }
    assert jiahua.points["service_record"] == 10
    assert [m["points"] for m in jiahua.manual] == [5, -3, 3]
    assert jiahua.manual[2]["counter_of"] == jiahua.manual[1]["id"]


def test_later_events_change_nothing(session, monkeypatch) -> None:
    quarter_history(session, monkeypatch)
    before = [x.as_dict() for x in board(session, quarter=Q4)]
    # January: another complaint, a visit, a manual item, a counter-item of a Q4 item, a
    # service record, and the rule table changed.
    monkeypatch.setenv("REDPROP_NOW", "2027-01-20T12:00")
    a6 = new(session, "2027-01-05T09:00", "G001", "5号楼")
    handled(session, a6, "2027-01-05T10:00", "2027-01-06T10:00", "2027-01-07T10:00", "unsatisfied")
    manual(session, monkeypatch, "2027-01-08T09:00", "鑫海物业", -10, "一月的事")
    provision.add_record(
        session, item="便民维修", community="铁人路社区", on=date(2027, 1, 3), served=1
    )
    from redprop.core.models import ScoreRule

    session.add(ScoreRule(key="red_min", since=parse_time("2027-01-09T00:00"), points=100))
    session.flush()
    assert [x.as_dict() for x in board(session, quarter=Q4)] == before
    q1 = {x.company: x.score for x in board(session, quarter=Quarter(2027, 1))}
    assert q1 == {"嘉华物业": 100 - 2 - 5 + 1, "鑫海物业": 90, "世纪之星物业": 100}


@pytest.fixture
def ledger(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from redprop.core.db import session_scope

    with session_scope(engine) as s:
        quarter_history(s, monkeypatch)
        edit_staff(s)


def edit_staff(s) -> None:
    from redprop.units.staff import add_staff

    add_staff(s, name="周涛", role="community", unit="铁人路社区")
    add_staff(s, name="马丽", role="community", unit="龙源社区")
    add_staff(s, name="张建国", role="street", unit="新市区街道")
    add_staff(s, name="李娟", role="grid-worker", unit="G001")


def test_board_on_the_command_line(cli, ledger) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(cli("score", "board", "--quarter", "2026Q4", "--json").stdout)
    assert data["quarter"] == "2026Q4"
    got = [(c["company"], c["score"], c["rank"], c["board"]) for c in data["companies"]]
    assert got == EXPECTED
    zh = cli("score", "board", "-q", "2026年第四季度").stdout
    assert "2026Q4 物业服务量化积分" in zh
    assert "嘉华物业\t103\t红榜\t" in zh
    assert "世纪之星物业\t69\t黑榜\t" in zh
    en = cli("--lang", "en", "score", "board", "-q", "2026Q4").stdout
    assert "black list" in en and "substantiated complaint 2: -4" in en
    only = json.loads(cli("score", "board", "-q", "2026Q4", "-c", "龙源社区", "--json").stdout)
    assert [c["company"] for c in only["companies"]] == ["世纪之星物业"]


@pytest.mark.parametrize(
    ("actor", "company", "allowed"),
    [
        ("王敏", "世纪之星物业", True),  # the admin
        ("张建国", "世纪之星物业", True),  # street staff: a compound of the street
        ("周涛", "嘉华物业", True),  # community staff: a compound of their community
        ("周涛", "世纪之星物业", False),  # not a compound of theirs
        ("马丽", "世纪之星物业", True),
        ("李娟", "嘉华物业", False),  # grid workers don't score
    ],
)
def test_who_may_add_a_score_item(cli, ledger, actor, company, allowed) -> None:  # type: ignore[no-untyped-def]
    args = ["--as", actor, "score", "add", company, "--points", "2", "--reason", "及时维修"]
    result = cli(*args, code=0 if allowed else 1)
    items = json.loads(cli("score", "items", "--company", company, "--json").stdout)
    assert any(i["reason"] == "及时维修" for i in items) == allowed
    if not allowed:
        assert actor in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["score", "add", "无名物业", "--points", "2", "--reason", "x"],
            1,
            "没有名为“无名物业”的物业公司",
        ),
        (
            ["score", "add", "嘉华物业", "--points", "11", "--reason", "x"],
            2,
            "分值须在 -10 到 10 之间且不为 0，而不是 11",
        ),
        (["score", "add", "嘉华物业", "--points", "0", "--reason", "x"], 2, "不为 0"),
        (["score", "board", "--quarter", "2027Q1"], 2, "2027Q1 还没有开始，没有积分"),
        (["score", "board", "--quarter", "2026Q5"], 2, "季度“2026Q5”的格式不对：请写如 2026Q4"),
        (["score", "counter", "99", "--reason", "x"], 1, "没有编号为 99 的积分项"),
        (["score", "counter", "2", "--reason", "x"], 1, "积分项 2 已由 3 冲销过"),
        (["score", "counter", "3", "--reason", "x"], 1, "积分项 3 本身是冲销项"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(cli, ledger, args, code, message) -> None:  # type: ignore[no-untyped-def]
    before = cli("score", "items", "--json").stdout
    result = cli(*args, code=code)
    assert message in result.stderr
    assert cli("score", "items", "--json").stdout == before


def test_rules_show_and_import(cli, ledger, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(cli("score", "rules", "show", "--json").stdout)
    assert {r["rule"]: r["points"] for r in rows}["case_overdue"] == -3
    broken = tmp_path / "规则.csv"
    broken.write_text("规则,分值\n回访满意,2\n投诉曾超期,3\n不存在的规则,1\n基础分,abc\n", "utf-8")
    result = cli("--as", "王敏", "score", "rules", "import", str(broken), code=1)
    assert "规则.csv 有 3 处错误，没有修改任何规则" in result.stderr
    assert (
        "第 3 行，“分值”列：“投诉曾超期（另扣）”的分值须在 -100 到 0 之间，而不是 3"
        in result.stderr
    )
    assert "第 4 行，“规则”列：不认识的规则“不存在的规则”" in result.stderr
    assert "第 5 行，“分值”列：分值“abc”不是整数" in result.stderr
    same = json.loads(cli("score", "rules", "show", "--json").stdout)
    assert same == rows
    refused = cli("--as", "张建国", "score", "rules", "import", str(broken), code=1)
    assert "无权执行 score rules import" in refused.stderr
    good = tmp_path / "good.csv"
    good.write_text("规则,分值\nred_min,100\n回访满意,2\n", "utf-8")
    monkeypatch.setenv("REDPROP_NOW", "2027-01-15T09:00")  # after the quarter closed
    assert cli("--as", "王敏", "score", "rules", "import", str(good)).stdout == "已修改 2 条规则\n"
    now = {
        r["rule"]: r["points"] for r in json.loads(cli("score", "rules", "show", "--json").stdout)
    }
    assert now["red_min"] == 100 and now["visit_satisfied"] == 2
    # The quarter closed before the change keeps its rules; the current one uses the new.
    data = json.loads(cli("score", "board", "-q", "2026Q4", "--json").stdout)
    got = [(c["company"], c["score"], c["rank"], c["board"]) for c in data["companies"]]
    assert got == EXPECTED
    q1 = json.loads(cli("score", "board", "-q", "2027Q1", "--json").stdout)["companies"]
    assert {(c["score"], c["board"]) for c in q1} == {(100, "red")}  # the new line: ≥ 100


def test_the_exported_workbook_cell_by_cell(cli, ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    out = tmp_path / "积分.xlsx"
    assert cli("score", "export", "-q", "2026Q4", "-o", str(out)).stdout == f"已写入 {out}\n"
    wb = load_workbook(out)
    assert wb.sheetnames == ["积分榜", "1.嘉华物业", "2.鑫海物业", "3.世纪之星物业"]
    ws = wb["积分榜"]
    assert ws["A1"].value == "物业服务企业量化积分考评红黑榜（2026年第4季度）"
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=1)]
    header = next(i for i, row in enumerate(values) if row[0] == "名次")
    headers = [str(v).replace("\n", "") for v in values[header][:5]]
    assert headers == ["名次", "物业公司", "统一社会信用代码", "得分", "红黑榜"]
    assert values[header + 1] == [1, "嘉华物业", None, 103, "红榜", 3, 1, 2, 1, 12, 0, 5]
    assert values[header + 2] == [2, "鑫海物业", None, 95, "红榜", 1, 0, 1, 0, 0, 0, -4]
    assert values[header + 3] == [3, "世纪之星物业", None, 69, "黑榜", 2, 2, 0, 2, 0, 0, -11]
    items = [[c.value for c in row] for row in wb["1.嘉华物业"].iter_rows()]
    first = next(i for i, row in enumerate(items) if row[0] == "序号")
    assert items[first + 1][:4] == [1, "基础分", None, 100]
    assert items[first + 2][:4] == [2, "有效投诉（已化解）", 3, -6]
    assert items[first + 6][:4] == [6, "提供服务记录", 12, 10]
    assert items[first + 10][1:4] == ["冲销第 2 项（第 3 项）", None, 3]
    assert items[first + 11][1:5] == ["合计", None, 103, "红榜"]


def test_the_month_workbook_property_sheet(session, monkeypatch, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from redprop.excel.book import write_ledger
    from redprop.figures.book import build
    from redprop.figures.period import month_period
    from redprop.figures.sheets import sheets

    quarter_history(session, monkeypatch)
    out = tmp_path / "台账.xlsx"
    write_ledger(sheets(build(session, period=month_period("2026-11"))), out)
    ws = load_workbook(out)["物业服务"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "新市区街道物业服务情况（2026年11月）"
    first = next(i for i, row in enumerate(rows) if row[0] == "物业公司")
    # November: 嘉华 a1, a2, a3 registered; a1, a2 resolved, a1 on time; a1 visit satisfied,
    # a2 not. 世纪之星: two registered, resolved late, their visits in December. 鑫海: none.
    assert rows[first + 1 : first + 5] == [
        ["世纪之星物业", 2, 2, 0, 0, 0, 0, "-"],
        ["嘉华物业", 3, 2, 1, 0.5, 2, 1, 0.5],
        ["鑫海物业", 0, 0, 0, "-", 0, 0, "-"],
        ["合计", 5, 4, 1, 0.25, 2, 1, 0.5],
    ]
