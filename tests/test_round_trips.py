"""Issue 13: lossless round trips. `service export` carries every demand's steps (when, who,
claimant, feedback, satisfaction), and importing it into an empty ledger gives the same figures
for every month as the ledger it came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STREET, ADMIN = "新市区街道", "王敏"
MONTHS = ("2026-09", "2026-10", "2026-11")


def _tree(cli: Any, *db: str) -> None:
    cli(*db, "init", "--street", STREET, "--admin", ADMIN)
    cli(*db, "org", "community", "add", "铁人路社区")
    cli(*db, "org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")


def _history(cli: Any) -> None:
    """Three months of the lists: demands registered, claimed, fulfilled, cancelled and reopened
    across month ends, a resource and an item with records."""
    as_ = ("--as", ADMIN, "service")
    cli(*as_, "resource", "add", "--provider", "嘉华物业", "--provider-type", "company",
        "--kind", "people", "--summary", "水电维修", "--community", "铁人路社区")  # fmt: skip
    cli(*as_, "item", "add", "--name", "幸福食堂", "--community", "铁人路社区")
    steps = [
        ("add", "2026-09-03T09:00", ["-g", "G003", "--category", "助老", "--summary", "代购药品"]),
        ("add", "2026-09-20T09:00", ["-g", "G003", "--wish", "--summary", "一个书包"]),
        ("add", "2026-09-29T09:00", ["-g", "G003", "--category", "助老", "--summary", "修水管"]),
        ("claim", "2026-09-25T10:00", ["XQ2026-00001", "--by", "ZY2026-00001"]),
        ("claim", "2026-09-30T10:00", ["XQ2026-00003", "--by", "杨红军"]),
        ("fulfil", "2026-10-02T10:00", ["XQ2026-00001", "--feedback", "已送到",
                                         "--satisfaction", "satisfied"]),
        ("cancel", "2026-10-05T10:00", ["XQ2026-00002", "--reason", "已由家人解决"]),
        ("reopen", "2026-10-20T10:00", ["XQ2026-00002", "--reason", "又需要了"]),
        ("fulfil", "2026-11-03T10:00", ["XQ2026-00003", "--feedback", "修好了",
                                         "--satisfaction", "basic"]),
        ("claim", "2026-11-10T10:00", ["XQ2026-00002", "--by", "杨红军"]),
    ]  # fmt: skip
    for action, at, args in sorted(steps, key=lambda s: s[1]):
        cli(*as_, "demand", action, *args, "--at", at)
    for on, served in (("2026-09-15", 30), ("2026-10-15", 42), ("2026-11-03", 38)):
        cli(*as_, "record", "add", "--item", "幸福食堂", "--on", on, "--served", str(served),
            "--volunteers", "3")  # fmt: skip


def _figures(cli: Any, *db: str) -> dict[str, Any]:
    return {
        month: json.loads(cli(*db, "service", "report", "--month", month, "--json").stdout)
        for month in MONTHS
    }


def test_service_lists_export_then_import_into_an_empty_ledger_keeps_every_figure(
    cli, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:00")
    _tree(cli)
    _history(cli)
    before = _figures(cli)
    assert before["2026-10"] != before["2026-11"]  # the history moves from month to month
    out = tmp_path / "清单.xlsx"
    cli("service", "export", str(out))

    fresh = ("--db", str(tmp_path / "fresh.db"))
    _tree(cli, *fresh)
    done = json.loads(cli(*fresh, "--as", ADMIN, "service", "import", str(out), "--json").stdout)
    assert done["problems"] == [] and done["counts"]["rejected"] == 0
    assert _figures(cli, *fresh) == before
    # Each demand's steps came across at their own times, with feedback and satisfaction.
    shown = json.loads(cli(*fresh, "service", "demand", "show", "XQ2026-00003", "--json").stdout)
    assert [(e["action"], e["at"][:16]) for e in shown["events"]] == [
        ("add", "2026-09-29T09:00"),
        ("claim", "2026-09-30T10:00"),
        ("fulfil", "2026-11-03T10:00"),
    ]
    # And importing the same file again changes nothing.
    again = json.loads(cli(*fresh, "--as", ADMIN, "service", "import", str(out), "--json").stdout)
    assert again["counts"]["new"] == 0
    assert _figures(cli, *fresh) == before


def test_the_case_ledger_export_then_import_into_an_empty_ledger_keeps_every_figure(
    cli, tmp_path: Path
) -> None:
    """The demo's months of disputes (registered, accepted, escalated by people and by the
    sweep, extended, suspended, resolved, referred, withdrawn, visited, reopened): exported,
    imported into a ledger with the same unit tree, every month's figures the same."""
    demo = tmp_path / "demo"
    cli("demo", "--dir", str(demo))
    source = ("--db", str(demo / "redprop-demo.db"))
    out = tmp_path / "案件.xlsx"
    said = cli(*source, "--as", ADMIN, "case", "export", str(out), "--unmask").stdout
    assert said.startswith("已导出 ") and "件案件" in said
    months = sorted(
        {e["at"][:7] for c in json.loads(cli(*source, "case", "list", "--json").stdout)
         for e in json.loads(cli(*source, "case", "show", c["number"], "--json").stdout)["events"]}
    )  # fmt: skip
    assert len(months) >= 3

    def figures(*db: str) -> dict[str, Any]:
        # The whole report: the figures, and their breakdowns by unit, category and severity.
        return {m: json.loads(cli(*db, "report", "--month", m, "--json").stdout) for m in months}

    before = figures(*source)
    assert sum(r["figures"]["registered"] for r in before.values()) >= 80
    assert sum(r["figures"]["escalations"] for r in before.values()) > 0
    # An empty ledger with the same units: the demo's tree, imported from its own export.
    fresh = ("--db", str(tmp_path / "fresh.db"))
    cli(*fresh, "init", "--street", STREET, "--admin", ADMIN)
    from redprop.ledger.demo import samples_dir

    cli(*fresh, "--as", ADMIN, "org", "import", str(samples_dir() / "street.csv"))
    done = json.loads(cli(*fresh, "--as", ADMIN, "case", "import", str(out), "--json").stdout)
    assert done["problems"] == [] and done["counts"]["rejected"] == 0
    assert figures(*fresh) == before
    assert cli(*fresh, "db", "check").exit_code == 0
    again = json.loads(cli(*fresh, "--as", ADMIN, "case", "import", str(out), "--json").stdout)
    assert again["counts"]["new"] == 0
