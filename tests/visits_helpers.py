"""What the tag and visit tests share: a small ledger with staff at each level (a grid worker
and a building head in G001, community staff of the other community) and the issue's
hand-computed month: eight tagged households of grid G001, visited on and off schedule in
November 2026 (tests/test_visits.py works the figures out by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import small_tree
from redprop.core.db import session_scope
from redprop.units.scope import attach_buildings, parse_buildings
from redprop.units.staff import add_staff

ADMIN = "王敏"
LI = "李娟"  # grid worker, G001
ZHAO = "赵楼"  # building head, G001, building 6
ZHANG = "张强"  # community staff, 龙源社区 (not the households of G001)
TIEREN = "铁人路社区"

ROSTER = """社区,网格,楼栋,单元,房号,户主姓名,身份证号,登记日期,标签
铁人路社区,G001,5,1,101,张一,620902196001010011,2020-01-01,
铁人路社区,G001,5,1,102,张二,62090219600101002X,2020-01-01,
铁人路社区,G001,5,1,103,张三,620902196001010038,2020-01-01,
铁人路社区,G001,5,1,104,张四,620902196001010046,2020-01-01,
铁人路社区,G001,6,1,201,张五,620902196001010054,2020-01-01,
铁人路社区,G001,6,1,202,张六,620902196001010062,2020-01-01,
铁人路社区,G001,6,1,203,张七,620902196001010070,2020-01-01,
铁人路社区,G001,6,1,204,张八,620902196001010089,2020-01-01,独居老人
龙源社区,G014,1,1,101,龙一,620902196001010097,2026-09-20,低保户、党员户
"""


@pytest.fixture(name="ledger")
def ledger_fixture(engine: object, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tree, the staff, and the roster imported on 2026-10-01 with its 标签 column."""
    with session_scope(engine) as session:  # type: ignore[arg-type]
        small_tree(session)
        add_staff(session, name=LI, role="grid-worker", unit="G001")
        add_staff(session, name=ZHANG, role="community", unit="龙源社区")
        head = add_staff(session, name=ZHAO, role="building-head", unit="G001")
        attach_buildings(session, head, parse_buildings(session, "6", head))
    roster = tmp_path / "花名册.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    monkeypatch.setenv("REDPROP_NOW", "2026-10-01T09:00")
    cli("roster", "import", str(roster))
    return roster


def at(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("REDPROP_NOW", when)


# The month's visits, each (address, day); logged on 2026-12-01 by the grid worker.
VISITS = [
    ("5-1-101", d) for d in ("2026-11-01", "2026-11-08", "2026-11-15", "2026-11-22", "2026-11-29")
] + [
    ("5-1-102", "2026-11-01"),
    ("5-1-102", "2026-11-10"),  # due 11-08: late
    ("5-1-102", "2026-11-17"),
    ("5-1-103", "2026-10-30"),  # before the month
    ("5-1-103", "2026-11-12"),
    ("5-1-103", "2026-11-26"),
    ("6-1-201", "2026-11-05"),
    ("6-1-202", "2026-11-20"),  # a party member's household: no plan, still a visit
    ("6-1-204", "2026-10-20"),
    ("6-1-204", "2026-11-05"),  # due 10-27: late, carried into November
    ("6-1-204", "2026-11-12"),
    ("6-1-204", "2026-11-19"),
    ("6-1-204", "2026-11-26"),
]


TAGS = [
    ("5-1-101", "独居老人"),
    ("5-1-102", "独居老人"),
    ("5-1-102", "低保户"),
    ("5-1-103", "高龄老人"),
    ("5-1-104", "残疾人"),
    ("6-1-201", "低保户"),
    ("6-1-202", "党员户"),
]


def hand_month(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tags added on 2026-10-25 (6-1-204's came with the roster on 10-01), 6-1-203's on
    11-20, then the visits."""
    at(monkeypatch, "2026-10-25T09:00")
    for address, tag in TAGS:
        cli("--as", LI, "roster", "tag", "add", address, "--tag", tag)
    at(monkeypatch, "2026-11-20T09:00")
    cli("--as", LI, "roster", "tag", "add", "6-1-203", "--tag", "空巢老人")
    at(monkeypatch, "2026-12-01T18:00")
    for address, day in VISITS:
        cli("--as", LI, "visit", "log", address, "--on", day)
