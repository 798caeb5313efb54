"""One language at a time (issue 15): over the demo ledger, every read command's output for
people says no English code, key or verb in Chinese mode, and writes no full-width punctuation
of its own in English mode. --json keeps the codes and keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from redprop.core import vocab

pytestmark = pytest.mark.any_database  # the words on the screen: the same on any database

TABLES = [
    vocab.STATES,
    vocab.LEVELS,
    vocab.SEVERITIES,
    vocab.ACTIONS,
    vocab.ROLES,
    vocab.GRID_KINDS,
    vocab.UNIT_KINDS,
    vocab.FLAGS,
    vocab.FIGURES,
    vocab.DEMAND_STATES,
    vocab.DEMAND_ACTIONS,
    vocab.SOURCES,
    vocab.AGREEMENTS,
    vocab.SATISFACTION,
    vocab.FULFILLED,
    vocab.DAY_KINDS,
    vocab.PROVIDER_TYPES,
    vocab.RESOURCE_KINDS,
    vocab.ITEM_STATUSES,
    vocab.HOUSEHOLD_FIELDS,
    vocab.DEMAND_FIELDS,
    vocab.UNIT_FIELDS,
    vocab.LOGGED_COUNTS,
    vocab.LOGGED_TARGET_WORDS,
    {k: v for k, v in vocab.WARNINGS.items() if k != "none"},
]
ENUMS = [
    vocab.Level,
    vocab.Severity,
    vocab.State,
    vocab.Action,
    vocab.Role,
    vocab.GridKind,
    vocab.DemandState,
    vocab.DemandAction,
]
# Every code and key the program has, and the English words it shows for them.
CODES = (
    {code.lower() for table in TABLES for code in table}
    | {member.value for enum in ENUMS for member in enum}
    | {en.lower() for table in TABLES for _, en in table.values() if en}
    | {command for command in vocab.LOGGED_COMMANDS}
)

FULL_WIDTH = "（）：，、。；“”"


def english_left(text: str) -> str:
    """What remains of `text` once the English a Chinese screen may carry is cut: command
    hints (redprop case list), options (--json), URLs and file names."""
    text = re.sub(r"\S+://\S+", " ", text)  # the ledger's URL
    text = re.sub(r"\S+\.(xlsx|csv|db|pdf)\b", " ", text)
    text = re.sub(r"redprop(\s+[a-z][a-z-]*)*", " ", text)
    return re.sub(r"--[a-z][a-z-]*", " ", text)


def codes_in(text: str) -> set[str]:
    left = english_left(text)
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z_-]*[A-Za-z]", left)}
    phrases = {c for c in CODES if " " in c and re.search(rf"\b{re.escape(c)}\b", left, re.I)}
    return (words & CODES) | phrases


@pytest.fixture
def demo(cli, tmp_path: Path) -> list[str]:
    """The demo ledger with a few admin log entries and unmask requests; returns --db."""
    cli("demo", "--dir", str(tmp_path / "demo"))
    db = ["--db", str(tmp_path / "demo" / "redprop-demo.db")]
    cli(*db, "staff", "add", "李四海", "--role", "grid-worker", "--unit", "G001")
    cli(*db, "calendar", "add", "2026-10-01", "--to", "2026-10-03", "--holiday", "--name", "国庆")
    cli(*db, "calendar", "add", "2026-10-10", "--workday", "--name", "调休")
    cli(*db, "ladder", "set", "--grid", "5")
    cli(*db, "roster", "show", "1", "--unmask")
    cli(*db, "roster", "export", str(tmp_path / "全部.xlsx"), "--unmask")
    cli(*db, "staff", "remove", "李四海")
    return db


def read_commands(cli, db: list[str]) -> list[tuple[str, ...]]:
    cases = json.loads(cli(*db, "case", "list", "--json").stdout)
    numbers = []
    for wanted in ("registered", "in_progress", "resolved", "closed", "referred", "withdrawn"):
        numbers += [c["number"] for c in cases if c["state"] == wanted][:1]
    numbers += [c["number"] for c in cases if c["warning"] != "none"][:1]
    demands = json.loads(cli(*db, "service", "demand", "list", "--json").stdout)
    buildings = json.loads(cli(*db, "org", "building", "list", "--json").stdout)
    building = ("org", "building", "show", buildings[0]["number"], "-c", buildings[0]["community"])
    return [
        ("case", "list"),
        *[("case", "show", n) for n in numbers],
        ("case", "attachment", "list", numbers[0]),
        ("case", "category", "list"),
        ("roster", "list", "--limit", "5"),
        ("roster", "list", "--flagged", "--limit", "5"),
        ("roster", "show", "1"),
        *[("roster", "show", str(h["id"])) for h in roster_flagged(cli, db)],
        ("service", "demand", "list"),
        *[("service", "demand", "show", d["number"]) for d in demands],
        ("service", "resource", "list"),
        ("service", "item", "list"),
        ("service", "report", "--month", "2026-11"),
        ("staff", "list"),
        ("org", "tree"),
        *[("org", kind, "list") for kind in ("street", "community", "grid", "compound")],
        ("org", "street", "show", "新市区街道"),
        ("org", "community", "show", "铁人路社区"),
        ("org", "grid", "show", "G001"),
        ("org", "compound", "show", "天昊小区"),
        building,
        ("calendar", "list"),
        ("calendar", "show", "--year", "2026"),
        ("ladder", "show"),
        ("report",),
        ("report", "--month", "2026-11"),
        ("log",),
        ("roster", "unmask-log"),
        ("roster", "tag", "list"),
        ("visit", "plan"),
        ("visit", "due", "--on", "2026-12-31"),
        ("visit", "report", "--month", "2026-11"),
        ("org", "company", "list"),
        ("org", "company", "show", "嘉华物业"),
        ("org", "committee", "list"),
        ("org", "committee", "coverage"),
        ("score", "board"),
        ("score", "items"),
        ("score", "rules", "show"),
        ("db", "current"),
        ("db", "check"),
    ]


def roster_flagged(cli, db: list[str]) -> list[dict]:
    return json.loads(cli(*db, "roster", "list", "--flagged", "--json").stdout)[:2]


def test_chinese_screens_say_no_code_or_key(cli, demo: list[str]) -> None:
    seen = []
    for command in read_commands(cli, demo):
        out = cli(*demo, *command).stdout
        assert out.strip(), command
        found = codes_in(out)
        assert not found, f"{' '.join(command)} shows {sorted(found)}:\n{out}"
        # No `key: value` line of the program's own in English either.
        keyed = re.findall(r"^\s*([A-Za-z_]+)\s*:", english_left(out), re.M)
        assert not keyed, f"{' '.join(command)} shows keys {keyed}:\n{out}"
        seen.append(out)
    everything = "\n".join(seen)
    # The known cases of issue 15, said in Chinese now.
    for said in (
        "户主：",
        "待核实：",
        "已完成",
        "认领",
        "志愿服务队",
        "企业",
        "被引用：",
        "网格员",
    ):
        assert said in everything, said


def test_english_screens_use_no_full_width_punctuation(cli, demo: list[str]) -> None:
    for command in read_commands(cli, demo):
        out = cli(*demo, "--lang", "en", *command).stdout
        # The ledger's data (names, summaries) is Chinese; the program's own brackets,
        # colons and separators never touch an English word.
        touching = re.findall(rf"[A-Za-z0-9][{FULL_WIDTH}]|[{FULL_WIDTH}][A-Za-z]", out)
        assert not touching, f"{' '.join(command)} shows {touching}:\n{out}"
        for line in out.splitlines():
            if line.startswith("Parties"):  # names joined by the program
                assert "、" not in line, line
    shown = cli(*demo, "--lang", "en", "case", "show", "2026-00084").stdout
    assert "referred (street)" in shown


def test_json_keeps_the_codes(cli, demo: list[str]) -> None:
    household = json.loads(cli(*demo, "roster", "show", "19", "--json").stdout)
    assert "head_name" in household and household["flags"] == ["id_checksum"]
    demand = json.loads(cli(*demo, "service", "demand", "show", "XQ2026-00002", "--json").stdout)
    assert demand["state"] == "fulfilled"
    assert [e["action"] for e in demand["events"]] == ["add", "claim", "fulfil"]
    grid = json.loads(cli(*demo, "org", "grid", "show", "G001", "--json").stdout)
    assert grid["kind"] == "base" and set(grid["referred_by"]) >= {"building", "household"}
    resources = json.loads(cli(*demo, "service", "resource", "list", "--json").stdout)
    assert {r["provider_type"] for r in resources} >= {"company", "volunteer-team"}
    log = json.loads(cli(*demo, "log", "--json").stdout)
    assert log[0]["command"] == "staff add" and "grid-worker" in log[0]["target"]
    assert any(e["command"] == "unmask: roster show" and e["data"] == {"rows": 1} for e in log)
