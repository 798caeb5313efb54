"""Issue 15: my to-do list and finding a case. `case todo` (and `case list --mine`) lists the open
cases the acting person may act on now, overdue first, then yellow, then by due date, each with
what it waits for; `case list --search/--from/--to` find cases by words and registration date."""

from __future__ import annotations

import json
from typing import Any

import pytest


def _new(cli: Any, grid: str, summary: str, at: str, *extra: str) -> str:
    return cli(
        "--as", "王敏", "case", "new", "--grid", grid, "--category", "邻里纠纷",
        "--severity", "small", "--summary", summary, "--party", "张三", "--party", "欧阳娜",
        "--at", at, *extra,
    ).stdout.strip()  # fmt: skip


@pytest.fixture
def day(cli: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:00")
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")
    cli("org", "grid", "add", "G004", "--name", "铁人路第4网格", "-c", "铁人路社区")
    cli("org", "building", "add", "7", "--grid", "G003")
    cli("staff", "add", "李娟", "--role", "grid-worker", "--unit", "G003")
    cli("staff", "add", "吕艳", "--role", "community", "--unit", "铁人路社区")
    n = {
        "new": _new(
            cli, "G003", "楼上漏水", "2026-11-19T09:00", "--building", "7", "--room", "301"
        ),
        "late": _new(cli, "G003", "停车纠纷", "2026-11-02T09:00"),
        "yellow": _new(cli, "G003", "噪音扰民", "2026-11-13T09:00"),
        "done": _new(cli, "G003", "宠物扰民", "2026-11-05T09:00"),
        "other": _new(cli, "G004", "漏水", "2026-11-18T09:00"),
        "up": _new(cli, "G003", "物业费争议", "2026-11-10T09:00"),
    }
    for key, at in (("late", "03"), ("yellow", "13"), ("done", "05"), ("up", "10")):
        cli("--as", "李娟", "case", "accept", n[key], "--at", f"2026-11-{at}T10:00")
    cli("--as", "李娟", "case", "resolve", n["done"], "--outcome", "已调解", "--agreement",
        "oral", "--at", "2026-11-06T10:00")  # fmt: skip
    cli("--as", "李娟", "case", "escalate", n["up"], "--reason", "涉及物业", "--at",
        "2026-11-11T10:00")  # fmt: skip
    return n


def test_todo_lists_what_i_may_do_now_most_urgent_first(cli: Any, day: dict[str, str]) -> None:
    rows = json.loads(cli("--as", "李娟", "case", "todo", "--json").stdout)
    assert [(r["number"], r["waiting"], r["warning"]) for r in rows] == [
        (day["late"], "handle", "red"),
        (day["yellow"], "handle", "yellow"),
        (day["new"], "accept", "none"),  # a registered case has no running clock yet
        (day["done"], "visit", "none"),
    ]
    # The community-level case and the other grid's are not 李娟's to act on; they are 吕艳's
    # (the community case) and not the grid case's: community staff don't handle grid cases.
    community = json.loads(cli("--as", "吕艳", "case", "todo", "--json").stdout)
    assert day["up"] in [r["number"] for r in community]
    text = cli("--as", "李娟", "case", "todo").stdout
    assert "超期" in text and "黄灯" in text and "待受理" in text and "回访" in text
    mine = json.loads(cli("--as", "李娟", "case", "list", "--mine", "--json").stdout)
    assert sorted(r["number"] for r in mine) == sorted(r["number"] for r in rows)


def test_todo_without_an_actor_is_refused(cli: Any, day: dict[str, str]) -> None:
    said = cli("--as", "", "case", "todo", code=1).stderr
    assert "没有操作人" in said


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        (["--search", "漏水"], ["new", "other"]),
        (["--search", "欧阳"], ["new", "late", "yellow", "done", "other", "up"]),
        (["--search", "邻里"], ["new", "late", "yellow", "done", "other", "up"]),
        (["--search", "301"], ["new"]),
        (["--search", "漏水 G004"], []),  # every word must match
        (["--search", "100%"], []),
        (["--from", "2026-11-13", "--to", "2026-11-18"], ["yellow", "other"]),
        (["--search", "漏水", "--grid", "G003"], ["new"]),
    ],
)
def test_case_list_finds_by_words_and_dates(
    cli: Any, day: dict[str, str], args: list[str], keys: list[str]
) -> None:
    found = json.loads(cli("case", "list", *args, "--json").stdout)
    assert sorted(r["number"] for r in found) == sorted(day[k] for k in keys)
