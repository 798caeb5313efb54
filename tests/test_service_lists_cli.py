"""The `service` commands through CliRunner: demands, the report, export and import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import STREET
from service_lists_helpers import (
    ADMIN,
    PHONES,
    clock_fixture,  # noqa: F401  (the fixture `clock`, autouse: REDPROP_NOW)
)

# ---------------------------------------------------------------------------------------------
# 5. The commands


@pytest.fixture
def street(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:00")
    cli("init", "--street", STREET, "--admin", ADMIN)
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")
    cli("staff", "add", "李娟", "--role", "grid-worker", "--unit", "G003")


def shown(cli, number: str) -> dict[str, Any]:
    return json.loads(cli("service", "demand", "show", number, "--json").stdout)


def test_demand_commands(cli, street) -> None:
    out = cli(
        "--as",
        "李娟",
        "service",
        "demand",
        "add",
        "--grid",
        "G003",
        "--category",
        "助老",
        "--summary",
        "代购药品",
        "--at",
        "2026-11-03T09:30",
        "--json",
    ).stdout
    assert json.loads(out) == {"number": "XQ2026-00001"}
    wish = cli(
        "--as", "李娟", "service", "demand", "add", "-g", "G003", "--wish", "--summary", "一个书包"
    )
    assert wish.stdout == "XQ2026-00002\n"
    n = "XQ2026-00001"
    cli("service", "item", "add", "--name", "幸福食堂", "--community", "铁人路社区")
    base = ("--as", "李娟", "service", "demand")
    assert cli(*base, "claim", n, "--by", "杨红军", "--at", "2026-11-04T10:00").stdout == (
        f"{n}：已认领\n"
    )
    fulfil = cli(
        *base,
        "fulfil",
        n,
        "--feedback",
        "已送达",
        "--satisfaction",
        "satisfied",
        "--item",
        "幸福食堂",
        "--served",
        "2",
        "--at",
        "2026-11-05T10:00",
    )
    assert fulfil.stdout == f"{n}：已完成\n"
    assert cli(*base, "reopen", n, "--reason", "又缺药了", "--at", "2026-11-06T10:00").stdout == (
        f"{n}：待认领\n"
    )
    assert cli(*base, "cancel", n, "--reason", "家属代办", "--at", "2026-11-07T10:00").stdout == (
        f"{n}：已取消\n"
    )
    en = cli("--lang", "en", *base, "claim", "XQ2026-00002", "--by", "杨红军")
    assert en.stdout == "XQ2026-00002: claimed\n"

    detail = shown(cli, n)
    assert [(e["action"], e["state"], e["actor"], e["at"]) for e in detail["events"]] == [
        ("add", "open", "李娟", "2026-11-03T09:30"),
        ("claim", "claimed", "李娟", "2026-11-04T10:00"),
        ("fulfil", "fulfilled", "李娟", "2026-11-05T10:00"),
        ("reopen", "open", "李娟", "2026-11-06T10:00"),
        ("cancel", "cancelled", "李娟", "2026-11-07T10:00"),
    ]

    # Refusals: exit 1, the message on stderr, nothing on stdout, nothing written.
    refused = cli(*base, "fulfil", n, "--feedback", "x", "--satisfaction", "basic", code=1)
    assert refused.stdout == ""
    assert refused.stderr == (f"错误：不能对已取消的需求 {n} 执行完成；此状态下可以：重新打开\n")
    refused = cli("--lang", "en", *base, "claim", n, "--by", "杨红军", code=1)
    assert refused.stderr == (
        f"Error: Can't claim demand {n}: it is cancelled; allowed now: reopen\n"
    )
    no_actor = cli("--as", "", "service", "demand", "reopen", n, "--reason", "再来", code=1)
    assert "--as" in no_actor.stderr and no_actor.stdout == ""
    no_reason = cli(*base, "reopen", n, code=1)
    assert "--reason" in no_reason.stderr
    early = cli(*base, "reopen", n, "--reason", "再来", "--at", "2026-11-07T09:59", code=1)
    assert "2026-11-07 10:00" in early.stderr
    future = cli(*base, "reopen", n, "--reason", "再来", "--at", "2026-11-21T09:00", code=1)
    assert "晚于现在" in future.stderr
    cli(*base, "fulfil", "XQ2026-00002", "--feedback", "x", "--satisfaction", "很好", code=2)
    cli(*base, "claim", "XQ2026-00099", "--by", "杨红军", code=1)
    assert shown(cli, n) == detail

    listed = json.loads(cli("service", "demand", "list", "--json").stdout)
    assert [(d["number"], d["state"], d["wish"]) for d in listed] == [
        (n, "cancelled", False),
        ("XQ2026-00002", "claimed", True),
    ]
    wishes = json.loads(cli("service", "demand", "list", "--wish", "--json").stdout)
    assert [d["number"] for d in wishes] == ["XQ2026-00002"]


def test_report_command(cli, street) -> None:
    base = ("--as", "李娟", "service")
    cli("service", "item", "add", "--name", "幸福食堂", "--community", "铁人路社区")
    for at in ("2026-10-30T09:00", "2026-10-31T09:00"):
        cli(
            *base, "demand", "add", "-g", "G003", "--category", "助老", "--summary", "x", "--at", at
        )
    cli(*base, "demand", "add", "-g", "G003", "--wish", "--summary", "书包", "--at", "2026-11-02")
    cli(*base, "demand", "claim", "XQ2026-00003", "--by", "杨红军", "--at", "2026-11-03")
    cli(
        *base,
        "demand",
        "fulfil",
        "XQ2026-00003",
        "--feedback",
        "已送到",
        "--satisfaction",
        "satisfied",
        "--at",
        "2026-11-04",
    )
    cli(*base, "demand", "cancel", "XQ2026-00001", "--reason", "x", "--at", "2026-11-05")
    cli(
        "--as",
        ADMIN,  # records and imports are the community's (units.authority)
        "service",
        "record",
        "add",
        "--item",
        "幸福食堂",
        "--on",
        "2026-11-06",
        "--served",
        "30",
        "--volunteers",
        "4",
    )
    out = cli("service", "report", "--month", "2026-11", "--json").stdout
    assert json.loads(out) == {
        "period": {"from": "2026-11-01", "to": "2026-12-01"},
        "figures": {
            "new": 1,
            "claimed": 1,
            "fulfilled": 1,
            "cancelled": 1,
            "reopened": 0,
            "open_at_end": 1,
            "fulfilment_rate": 0.5,
            "wish_fulfilment_rate": 1.0,
            "served": 30,
            "volunteer_turns": 4,
            "by_item": [
                {
                    "item": "幸福食堂",
                    "community": "铁人路社区",
                    "records": 1,
                    "served": 30,
                    "volunteers": 4,
                }
            ],
        },
    }
    october = json.loads(cli("service", "report", "--month", "2026-10", "--json").stdout)
    assert (october["figures"]["new"], october["figures"]["open_at_end"]) == (2, 2)
    text = cli("service", "report", "--month", "2026-11").stdout
    assert "需求新增 1" in text and "月末待办 1" in text
    cli("service", "report", "--month", "2026-13", code=2)


def test_export_and_import_commands(cli, street, tmp_path: Path) -> None:
    base = ("--as", "李娟", "service")
    cli(
        *base,
        "demand",
        "add",
        "-g",
        "G003",
        "--category",
        "维修",
        "--summary",
        "=1+1",
        "--at",
        "2026-11-02",
    )
    cli(
        "service",
        "resource",
        "add",
        "--provider",
        "嘉华物业",
        "--provider-type",
        "company",
        "--kind",
        "people",
        "--summary",
        "水电维修",
        "--phone",
        PHONES[0],
    )
    resources = json.loads(cli("service", "resource", "list", "--json").stdout)
    assert resources[0]["phone"] == "138****5678"
    out = tmp_path / "清单.xlsx"
    assert cli("service", "export", str(out)).exit_code == 0
    assert out.exists()
    cli("service", "export", str(tmp_path / "清单.csv"), code=2)
    # Into the same ledger: everything is already there.
    again = cli("--as", ADMIN, "service", "import", str(out), "--json")
    assert json.loads(again.stdout)["counts"] == {
        "read": 2,
        "new": 0,
        "unchanged": 2,
        "rejected": 0,
        "skipped": 0,
    }
    # Into a fresh ledger.
    fresh = tmp_path / "fresh.db"
    cli("--db", str(fresh), "init", "--street", STREET, "--admin", ADMIN)
    cli("--db", str(fresh), "org", "community", "add", "铁人路社区")
    cli(
        "--db",
        str(fresh),
        "org",
        "grid",
        "add",
        "G003",
        "--name",
        "铁人路第3网格",
        "-c",
        "铁人路社区",
    )
    done = cli("--db", str(fresh), "--as", ADMIN, "service", "import", str(out), "--json")
    assert json.loads(done.stdout)["counts"]["new"] == 2
    listed = json.loads(cli("--db", str(fresh), "service", "demand", "list", "--json").stdout)
    assert [(d["number"], d["summary"]) for d in listed] == [("XQ2026-00001", "=1+1")]
    cli("--as", ADMIN, "service", "import", str(tmp_path / "nothing.xlsx"), code=1)
    # Some rows rejected, the rest stored: exit 3, like the roster import.
    from openpyxl import Workbook

    mixed = tmp_path / "mixed.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "需求清单"
    ws.append(["编号", "网格", "需求类型", "需求内容", "登记时间"])
    ws.append(["", "G003", "助老", "代购", "2026-11-02 09:00"])
    ws.append(["", "G999", "助老", "代购", "2026-11-02 09:00"])
    wb.save(mixed)
    partly = cli("--as", ADMIN, "service", "import", str(mixed), "--json", code=3)
    body = json.loads(partly.stdout)
    assert (body["counts"]["new"], body["counts"]["rejected"]) == (1, 1)
    assert [p["row"] for p in body["problems"]] == [3]
    listed = json.loads(cli("service", "demand", "list", "--json").stdout)
    assert [d["number"] for d in listed] == ["XQ2026-00001", "XQ2026-00002"]
