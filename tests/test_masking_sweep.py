"""Issue 12: an ID or phone number typed into any free-text field (a case's summary, parties and
notes, a demand's summary) is masked in every listing, show, JSON and the month workbook; the
sweep runs each command over a ledger full of them and finds no whole number."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

NOW = "2026-11-20T18:00"
ID = "620981199710148776"
PHONE = "13912345678"
WHOLE = re.compile(r"(?<![\d*])(?:\d{17}[\dXx]|\d{15}|1[3-9]\d{9})(?![\d*])")


@pytest.fixture
def ledger_with_numbers(cli, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("REDPROP_NOW", NOW)
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")
    cli("staff", "add", "李娟", "--role", "grid-worker", "--unit", "G003")
    number = cli(
        "--as", "李娟", "case", "new", "--grid", "G003", "--category", "邻里纠纷",
        "--severity", "small", "--summary", f"张三（身份证 {ID}）与邻居争执，电话 {PHONE}",
        "--party", f"张三{ID}", "--party", f"李四 {PHONE}", "--at", "2026-11-03T09:30",
    ).stdout.strip()  # fmt: skip
    cli("--as", "李娟", "case", "accept", number, "--at", "2026-11-03T10:00")
    cli("--as", "李娟", "case", "note", number, "--text", f"回电 {PHONE}，核对 {ID}",
        "--at", "2026-11-04T10:00")  # fmt: skip
    cli("--as", "王敏", "service", "demand", "add", "--grid", "G003", "--category", "助老",
        "--summary", f"代购药品，联系 {PHONE}", "--at", "2026-11-05T09:00")  # fmt: skip
    return number


def test_no_whole_number_in_any_output(cli, ledger_with_numbers: str, tmp_path: Path) -> None:
    number = ledger_with_numbers
    commands = [
        ("case", "list"),
        ("case", "list", "--json"),
        ("case", "show", number),
        ("case", "show", number, "--json"),
        ("service", "demand", "list"),
        ("service", "demand", "list", "--json"),
        ("service", "demand", "show", "XQ2026-00001"),
        ("service", "demand", "show", "XQ2026-00001", "--json"),
        ("--lang", "en", "case", "show", number),
    ]
    for command in commands:
        out = cli(*command).stdout
        assert WHOLE.findall(out) == [], command
    assert "620981********8776" in cli("case", "show", number, "--json").stdout
    assert "139****5678" in cli("case", "list").stdout

    book = tmp_path / "台账.xlsx"
    cli("ledger", "export", "--month", "2026-11", "-o", str(book))
    wb = openpyxl.load_workbook(book, read_only=True)
    cells = [
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    ]
    assert [c for c in cells if WHOLE.search(c)] == []
    assert any("620981********8776" in c for c in cells)
