"""Issue 15: completion of grid codes, community and staff names, case numbers, states and
categories, read straight from the ledger (cli/complete.py): the completers on a real migrated
ledger, then the shell's own protocol (`_REDPROP_COMPLETE=complete_bash`) in a subprocess, which
must answer quickly, quietly and without loading SQLAlchemy."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from conftest import sqlite_only
from redprop.cli import app, complete

NOW = "2026-11-20T18:00"


def _new(cli: Any, grid: str, category: str = "邻里纠纷") -> str:
    return cli(
        "case", "new", "--grid", grid, "--category", category, "--severity", "small",
        "--summary", "楼上漏水", "--party", "张三",
    ).stdout.strip()  # fmt: skip


@pytest.fixture
def ledger(cli: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two communities, three grids, four staff (one retired) and twelve cases."""
    monkeypatch.setenv("REDPROP_NOW", NOW)
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "community", "add", "龙源社区")
    cli("org", "grid", "add", "G001", "--name", "天昊网格", "-c", "铁人路社区")
    cli("org", "grid", "add", "G002", "--name", "学校专属网格", "-c", "铁人路社区",
        "--kind", "special")  # fmt: skip
    cli("org", "grid", "add", "G014", "--name", "龙源第1网格", "-c", "龙源社区")
    cli("staff", "add", "李娟", "--role", "grid-worker", "--unit", "G001")
    cli("staff", "add", "李军", "--role", "grid-worker", "--unit", "G014")
    cli("staff", "add", "李霞", "--role", "community", "--unit", "铁人路社区")
    numbers = [_new(cli, "G014" if n % 2 else "G001") for n in range(12)]
    cli("--as", "李娟", "case", "accept", numbers[0])
    cli("staff", "remove", "李娟")  # she has acted: retired, no longer offered
    return numbers


def _ctx(*root: str) -> Any:
    """The root context a Tab builds: the root's options parsed, its callback not run."""
    return get_command(app).make_context("redprop", list(root), resilient_parsing=True)


def test_grids_communities_and_units(ledger: list[str]) -> None:
    ctx = _ctx()
    assert complete.grids(ctx, "") == [
        ("G001", "天昊网格"),
        ("G002", "学校专属网格"),
        ("G014", "龙源第1网格"),
    ]
    assert complete.grids(ctx, "g00") == [("G001", "天昊网格"), ("G002", "学校专属网格")]
    assert complete.grids(ctx, "G9") == []
    assert complete.communities(ctx, "") == [
        ("铁人路社区", "新市区街道"),
        ("龙源社区", "新市区街道"),
    ]
    assert complete.communities(ctx, "龙") == [("龙源社区", "新市区街道")]
    assert complete.streets(ctx, "新") == [("新市区街道", "街道")]
    assert [v for v, _ in complete.units(ctx, "")] == [
        "G001", "G002", "G014", "铁人路社区", "龙源社区", "新市区街道",
    ]  # fmt: skip


def test_staff_in_post_with_their_roles(ledger: list[str]) -> None:
    assert complete.staff(_ctx(), "") == [
        ("李军", "网格员"),
        ("李霞", "社区工作人员"),
        ("王敏", "管理员"),
    ]
    assert complete.staff(_ctx(), "李") == [("李军", "网格员"), ("李霞", "社区工作人员")]
    assert complete.staff(_ctx("--lang", "en"), "王") == [("王敏", "admin")]


def test_categories_in_their_seeded_order(ledger: list[str]) -> None:
    found = complete.categories(_ctx(), "")
    assert found[:2] == [("婚姻家庭", "纠纷类型"), ("邻里纠纷", "纠纷类型")]
    assert complete.categories(_ctx(), "邻") == [("邻里纠纷", "纠纷类型")]
    assert complete.demand_categories(_ctx(), "助老") == [("助老", "需求类型")]


def test_case_numbers_most_recent_first_and_short_numbers(
    ledger: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _ctx()
    assert ledger[0] == "2026-00001" and ledger[-1] == "2026-00012"
    assert [n for n, _ in complete.case_numbers(ctx, "")] == ledger[::-1]
    assert complete.case_numbers(ctx, "2026-0001") == [
        ("2026-00012", "待受理 · G014 · 邻里纠纷"),
        ("2026-00011", "待受理 · G001 · 邻里纠纷"),
        ("2026-00010", "待受理 · G014 · 邻里纠纷"),
    ]
    # Typed short, a number offers the case it stands for (this year's, or the year given).
    assert complete.case_numbers(ctx, "1") == [("2026-00001", "办理中 · G001 · 邻里纠纷")]
    assert complete.case_numbers(ctx, "12") == [("2026-00012", "待受理 · G014 · 邻里纠纷")]
    assert complete.case_numbers(ctx, "2026-7") == [("2026-00007", "待受理 · G001 · 邻里纠纷")]
    assert complete.case_numbers(ctx, "2025-7") == []
    assert complete.case_numbers(ctx, "13") == []
    assert complete.case_numbers(ctx, "x%") == []
    assert complete.case_numbers(_ctx("--lang", "en"), "1")[0][1] == (
        "in progress · G001 · 邻里纠纷"
    )
    monkeypatch.setattr(complete, "MAX_NUMBERS", 5)
    assert [n for n, _ in complete.case_numbers(ctx, "2026")] == ledger[:-6:-1]


def test_vocabulary_codes_with_their_labels(ledger: list[str]) -> None:
    ctx = _ctx()
    states = complete.vocabulary("STATES")
    assert states(ctx, "re") == [
        ("registered", "待受理"),
        ("resolved", "已化解"),
        ("referred", "已移交"),
    ]
    assert states(ctx, "待") == [("待受理", "registered")]  # the CLI takes labels too
    assert complete.vocabulary("SEVERITIES")(ctx, "") == [
        ("small", "小事"),
        ("major", "大事"),
        ("hard", "难事"),
        ("special", "特事"),
    ]
    assert complete.vocabulary("LEVELS")(_ctx("--lang", "en"), "c") == [
        ("community", "community"),
        ("city", "city"),
    ]
    assert complete.vocabulary("DEMAND_STATES", labels=False)(ctx, "待") == []


def test_the_db_option_decides_which_ledger(ledger: list[str], tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.db"
    assert complete.grids(_ctx("--db", str(other)), "") == []
    assert not other.exists()  # read-only: nothing is created


@sqlite_only
def test_no_ledger_an_old_one_or_a_busy_one_complete_quietly(
    ledger: list[str], db_path: Path, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    blank = tmp_path / "blank.db"
    sqlite3.connect(blank).close()
    for path in (tmp_path / "none.db", garbage, blank, tmp_path):
        ctx = _ctx("--db", str(path))
        assert complete.grids(ctx, "") == [] and complete.case_numbers(ctx, "1") == []
    # A writer in the middle of a transaction: the ledger (WAL) still reads.
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE grid SET name = '改名' WHERE code = 'G001'")
    try:
        assert complete.grids(_ctx(), "G001") == [("G001", "天昊网格")]
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_an_unreachable_server_completes_nothing() -> None:
    ctx = _ctx("--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert complete.grids(ctx, "") == []


# ---------------------------------------------------------------------------------------------
# The shell's protocol, in a real process


def _redprop() -> list[str]:
    found = shutil.which("redprop", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "redprop"]


def _tab(line: str, **env: str) -> tuple[list[str], float]:
    """What bash's Tab offers at the end of `line`, and how long it took."""
    words = line.split(" ")
    environ = {
        **os.environ,
        "_REDPROP_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
        **env,
    }
    start = time.perf_counter()
    done = subprocess.run(
        _redprop(), env=environ, capture_output=True, text=True, timeout=30, check=False
    )
    took = time.perf_counter() - start
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.split(), took


def test_bash_completes_values_from_the_ledger(ledger: list[str]) -> None:
    assert _tab("redprop case print 2026-0000")[0] == [f"2026-0000{n}" for n in range(9, 0, -1)]
    assert _tab("redprop case attachment list 7")[0] == ["2026-00007"]
    assert _tab("redprop case list --grid g00")[0] == ["G001", "G002"]
    assert _tab("redprop report --community 龙")[0] == ["龙源社区"]
    assert _tab("redprop staff remove 李")[0] == ["李军", "李霞"]
    assert _tab("redprop staff add 张 --unit 龙")[0] == ["龙源社区"]
    assert _tab("redprop staff list --role grid")[0] == ["grid-leader", "grid-worker"]
    assert _tab("redprop service demand list --status c")[0] == ["claimed", "cancelled"]
    assert _tab("redprop service demand add --category 助老")[0] == ["助老"]
    assert _tab("redprop org grid show G01")[0] == ["G014"]
    assert _tab("redprop case sh")[0] == ["show"]  # subcommands as before
    assert _tab("redprop case show 2026-0000")[0] == [f"2026-0000{n}" for n in range(9, 0, -1)]
    assert _tab("redprop case accept 7")[0] == ["2026-00007"]
    assert _tab("redprop case undo 7")[0] == ["2026-00007"]
    assert _tab("redprop case list --status re")[0] == ["registered", "resolved", "referred"]
    assert _tab("redprop case new --category 邻")[0] == ["邻里纠纷"]
    assert _tab("redprop --as 李")[0] == ["李军", "李霞"]


def test_bash_completion_is_quick_and_quiet(ledger: list[str], tmp_path: Path) -> None:
    offered, took = _tab("redprop case print 2026-0001")
    assert offered == ["2026-00012", "2026-00011", "2026-00010"]
    assert took < 5.0  # nothing pathological (on a busy CI machine): the figure is the benchmark's
    for db in (str(tmp_path / "none.db"), "postgresql+psycopg://nobody@127.0.0.1:1/none"):
        assert _tab("redprop case print 2026", REDPROP_DB=db)[0] == []  # no error, no traceback
    assert not (tmp_path / "none.db").exists()


def test_completion_loads_no_orm(ledger: list[str]) -> None:
    probe = (
        "import sys\n"
        "from redprop.cli import app\n"
        "try:\n"
        "    app(prog_name='redprop')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic') if m in sys.modules]\n"
        "print('loaded:', *heavy)\n"
    )
    line = "redprop case print 2026-0001"
    env = {
        **os.environ,
        "_REDPROP_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": "3",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.stdout.split("\n")[:3] == ["2026-00012", "2026-00011", "2026-00010"]
    assert done.stdout.split("\n")[3] == "loaded:"
