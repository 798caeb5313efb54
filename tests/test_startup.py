"""The commands people type all day never load the ORM (issue 15, docs/design.md §9): SQLModel,
sqlalchemy.orm and pydantic cost more to import than `case list` takes to run. Each command
runs in a fresh interpreter, as from a terminal, and says which heavy modules it loaded."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy.orm import Session
from tests.conftest import small_tree

pytestmark = pytest.mark.any_database  # what a command imports: the same on any database

HEAVY = ("sqlmodel", "sqlalchemy.orm", "pydantic", "openpyxl", "python_calamine", "alembic")

# Runs one command in this interpreter, then prints the heavy modules it imported.
PROBE = """
import sys
from redprop.cli import main

sys.argv = ["redprop", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted(m for m in {heavy!r} if m in sys.modules)
print("LOADED", code, ",".join(loaded), file=sys.stderr)
"""


def _run(*argv: str) -> tuple[int, list[str], str, str]:
    probe = PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("LOADED"))
    _, code, loaded = ([*line.split(" "), ""])[:3]
    said = "\n".join(ln for ln in done.stderr.splitlines() if not ln.startswith("LOADED"))
    return int(code or 0), [m for m in loaded.split(",") if m], done.stdout, said


@pytest.fixture
def ledger(session: Session) -> None:
    small_tree(session)
    session.commit()


def test_everyday_commands_never_import_the_orm(ledger: None) -> None:
    new = ["case", "new", "--grid", "G001", "--category", "邻里纠纷", "--severity", "small"]
    new += ["--summary", "楼上漏水", "--party", "张三", "--party", "李四"]
    code, loaded, out, _ = _run(*new)
    assert (code, loaded) == (0, [])
    number = out.strip()
    assert number.endswith("-00001")
    for argv in (
        ["case", "accept", "1"],
        ["case", "note", number, "--text", "已约双方面谈"],
        ["case", "list"],
        ["case", "list", "--mine"],
        ["case", "show", "1"],
        ["case", "todo"],
        # The month's figures: on a district's ledger the ORM's import was a tenth of it.
        ["report", "--month", "2026-11"],
        ["report", "--month", "2026-11", "--json"],
        ["--help"],
        ["case", "--help"],
    ):
        code, loaded, _, _ = _run(*argv)
        assert (argv, code, loaded) == (argv, 0, []), argv


def test_a_refusal_on_the_fast_path_is_still_one_message(ledger: None) -> None:
    """Core writes check their text as the ORM's guard would: too long a summary is refused
    with the column's name and bound, and nothing is written."""
    code, loaded, _, said = _run(
        "case", "new", "--grid", "G001", "--category", "邻里纠纷", "--severity", "small",
        "--summary", "漏" * 2001, "--party", "张三",
    )  # fmt: skip
    assert (code, loaded) == (2, [])
    assert said == "错误：--summary 有 2001 个字符，超过上限 2000 个；请缩短"
    code, _, out, _ = _run("case", "list")
    assert code == 0 and "-0000" not in out
