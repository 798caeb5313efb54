"""Issue 15: short numbers. `87` is this year's case 2026-00087, `2025-87` is 2025-00087; `XQ87`
(or `87` where a demand is meant) this year's demand XQ2026-00087; `ZY1` the resource ZY-0001.
An unknown short number is refused naming the full number it stood for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from redprop.core.numbers import full_number, full_resource


@pytest.mark.parametrize(
    ("typed", "prefix", "full"),
    [
        ("87", "", "2026-00087"),
        ("00087", "", "2026-00087"),
        ("2025-87", "", "2025-00087"),
        ("2026-00087", "", "2026-00087"),
        (" 87 ", "", "2026-00087"),
        ("0", "", "0"),  # no case 0: left as typed, refused as unknown
        ("abc", "", "abc"),
        ("123456", "", "123456"),  # six digits: not a short number
        ("XQ87", "XQ", "XQ2026-00087"),
        ("xq87", "XQ", "XQ2026-00087"),
        ("87", "XQ", "XQ2026-00087"),
        ("XQ2025-3", "XQ", "XQ2025-00003"),
        ("XQ2026-00087", "XQ", "XQ2026-00087"),
    ],
)
def test_full_number(typed: str, prefix: str, full: str) -> None:
    assert full_number(typed, year=2026, prefix=prefix) == full


@pytest.mark.parametrize(
    ("typed", "full"),
    [("ZY1", "ZY-0001"), ("zy-7", "ZY-0007"), ("ZY-0007", "ZY-0007"), ("杨红军", "杨红军")],
)
def test_full_resource(typed: str, full: str) -> None:
    assert full_resource(typed) == full


@pytest.fixture
def cases(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:00")
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")
    for _ in range(3):
        cli("case", "new", "--grid", "G003", "--category", "邻里纠纷", "--severity", "small",
            "--summary", "漏水", "--party", "张三")  # fmt: skip
    cli("service", "resource", "add", "--provider", "嘉华物业", "--provider-type", "company",
        "--kind", "people", "--summary", "维修", "--community", "铁人路社区")  # fmt: skip
    cli("service", "demand", "add", "-g", "G003", "--category", "助老", "--summary", "代购")


def test_short_numbers_on_the_command_line(cli: Any, cases: None) -> None:
    shown = json.loads(cli("case", "show", "2", "--json").stdout)
    assert shown["number"] == "2026-00002"
    assert cli("case", "accept", "3").stdout.startswith("2026-00003：")
    assert json.loads(cli("case", "show", "2026-3", "--json").stdout)["state"] == "in_progress"
    said = cli("case", "show", "87", code=1).stderr
    assert said == "错误：没有编号为 2026-00087（“87”） 的案件：用 redprop case list 查看案件编号\n"
    said = cli("--lang", "en", "case", "show", "2025-1", code=1).stderr
    assert said == "Error: No case numbered 2025-00001 ('2025-1'): see redprop case list\n"
    cli("service", "demand", "claim", "XQ1", "--by", "ZY1")
    demand = json.loads(cli("service", "demand", "show", "1", "--json").stdout)
    assert (demand["number"], demand["state"], demand["claimed_by"]) == (
        "XQ2026-00001",
        "claimed",
        "嘉华物业",
    )
    said = cli("service", "demand", "show", "XQ9", code=1).stderr
    assert "没有编号为 XQ2026-00009（“XQ9”） 的需求" in said
