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


ID2 = "620981199001011234"
PHONE2 = "13800001111"


def _cells(path: Path) -> list[str]:
    if path.suffix == ".csv":
        return [path.read_text(encoding="utf-8-sig")]
    wb = openpyxl.load_workbook(path, read_only=True)
    return [
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    ]


def test_roster_free_text_is_masked_and_round_trips(cli, ledger_with_numbers, tmp_path) -> None:
    """Numbers typed into 户主姓名, 户籍 and 备注 are masked in roster list/show/JSON and both
    exports; the masked export imports again with nothing changed and nothing lost; the errors
    workbook masks every cell of a rejected row, 人口数 and 登记日期 included."""
    from roster_files import write_csv
    from roster_helpers import CANON

    cli("org", "building", "add", "5号楼", "--grid", "G003", "--units", "2")
    rows = [
        CANON,
        ["铁人路社区", "G003", None, "5号楼", 1, 301, f"张三{ID2}", None, PHONE2, 3,
         f"户籍 {PHONE}", None, f"身份证 {ID}，电话 {PHONE}", "2023-01-05"],
        ["铁人路社区", "G003", None, "5号楼", 1, 302, "李四", ID2, None, ID,
         None, None, None, PHONE],
    ]  # fmt: skip
    source = write_csv(tmp_path / "in.csv", rows)
    errors = tmp_path / "待改正.xlsx"
    out = cli("roster", "import", str(source), "--errors", str(errors), code=3).stdout
    assert "新增 1" in out and "拒绝 1" in out
    assert [c for c in _cells(errors) if WHOLE.search(c)] == []
    assert "620981********8776" in _cells(errors)
    for command in (
        ("roster", "list"),
        ("roster", "list", "--json"),
        ("roster", "show", "5-1-301"),
    ):
        assert WHOLE.findall(cli(*command).stdout) == [], command
    for name in ("roster.xlsx", "roster.csv"):
        exported = tmp_path / name
        cli("roster", "export", str(exported))
        assert [c for c in _cells(exported) if WHOLE.search(c)] == [], name
        again = cli("roster", "import", str(exported)).stdout
        assert "新增 0，更新 0，未变 1" in again, again
    shown = cli("--as", "王敏", "roster", "show", "5-1-301", "--json", "--unmask").stdout
    assert f"身份证 {ID}，电话 {PHONE}" in shown and f"张三{ID2}" in shown
    # An edit of a masked text is an edit: what the clerk typed is stored.
    rows[1][12] = "已核对"
    cli("roster", "import", str(write_csv(tmp_path / "edit.csv", rows[:2])))
    assert '"note": "已核对"' in cli("roster", "show", "5-1-301", "--json").stdout

    service = tmp_path / "service.xlsx"
    cli("service", "export", str(service))
    assert [c for c in _cells(service) if WHOLE.search(c)] == []
    assert any("139****5678" in c for c in _cells(service))
