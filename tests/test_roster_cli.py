"""`roster import/list/show/export/unmask-log` through the command line: exit codes, masking,
unmasking recorded, and no full ID or phone in any output."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from pathlib import Path

import openpyxl

from redprop.core.ids import mask_id, mask_phone
from roster_files import SheetSpec, bad_check, layout, write_csv, write_xls
from roster_helpers import (
    BIRTH_2099,
    CANON,
    CLEAN,
    ENGLISH,
    ID,
    MESSY_COUNTS,
    MESSY_PROBLEMS,
    MESSY_STORED,
    PH,
    clean_xlsx,
    counts,
    db_households,
    ledger_fixture,  # noqa: F401  (the fixture `ledger`)
    messy_workbook,
    with_dates,
)

# ---------------------------------------------------------------------------------------------
# The command line: exit codes, list, show, export, unmask.


def test_exit_codes_through_the_command_line(cli, ledger, tmp_path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"")
    result = cli("roster", "import", str(broken), code=1)
    assert "文件是空的" in result.stderr and result.stdout == ""
    cli("roster", "import", str(tmp_path / "absent.csv"), code=1)

    messy = messy_workbook(tmp_path / "m.xlsx")
    dry = cli("roster", "import", str(messy), "--dry-run", code=3).stdout
    assert dry.startswith(
        "读取 20 行：新增 7，更新 0，未变 0，合并 1，警告 4，拒绝 12，跳过 2\n"
        "（试运行：未写入任何内容）\n"
    )
    assert db_households(ledger) == {}
    atomic = cli("roster", "import", str(messy), "--atomic", "--json", code=1)
    data = json.loads(atomic.stdout)
    assert (data["stored"], data["counts"]) == (False, MESSY_COUNTS)
    assert [(p["row"], p["column"], p["level"]) for p in data["problems"]] == MESSY_PROBLEMS
    assert db_households(ledger) == {}
    human = cli("roster", "import", str(messy), "--atomic", code=1).stdout
    assert "有被拒绝的行，按 --atomic 未写入任何内容" in human
    cli("roster", "import", str(messy), code=3)
    assert db_households(ledger) == MESSY_STORED
    again = cli("roster", "import", str(messy), code=3).stdout
    assert again.startswith("读取 20 行：新增 0，更新 0，未变 7，合并 1，警告 4，拒绝 12，跳过 2\n")

    clean = clean_xlsx(tmp_path / "clean.xlsx", CLEAN[3:])
    out = cli("roster", "import", str(clean)).stdout
    assert out.startswith("读取 2 行：新增 2，更新 0，未变 0，合并 0，警告 1，拒绝 0，跳过 2\n")
    out = cli("roster", "import", str(clean)).stdout
    assert out.startswith("读取 2 行：新增 0，更新 0，未变 2，合并 0，警告 1，拒绝 0，跳过 2\n")

    all_bad = clean_xlsx(tmp_path / "bad.xlsx", [[*r[:9], 0, *r[10:]] for r in CLEAN[:3]])
    result = cli("roster", "import", str(all_bad), "--json", code=1)
    assert json.loads(result.stdout)["counts"] == counts(read=3, rejected=3, skipped=2)
    assert len(db_households(ledger)) == 9


def test_list_json_returns_every_household_masked(cli, ledger, tmp_path) -> None:
    rows = [
        ["龙源社区", "G014", "龙源小区", "1", (n - 1) // 20 + 1, 100 + n, f"户主{n}", ID(100 + n),
         PH(100 + n), 1, None, None, None, None]
        for n in range(1, 61)
    ]  # fmt: skip
    header = layout(CANON, rows, title=False, hint=False, footer=False)[0]
    cli("roster", "import", str(write_csv(tmp_path / "many.csv", header)))
    data = json.loads(cli("roster", "list", "--json").stdout)
    assert len(data) == 60
    assert [(d["unit"], d["room"], d["id_number"], d["phone"]) for d in data[:2]] == [
        ("1", "101", mask_id(ID(101)), mask_phone(PH(101))),
        ("1", "102", mask_id(ID(102)), mask_phone(PH(102))),
    ]
    assert all(d["id_number"] == mask_id(ID(int(d["room"]))) for d in data)
    assert all(d["phone"] == mask_phone(PH(int(d["room"]))) for d in data)
    human = cli("roster", "list")
    assert "只显示前 50 户" in human.stderr
    assert (
        len(json.loads(cli("roster", "list", "--json", "-b", "1", "-c", "龙源社区").stdout)) == 60
    )


def test_show_and_export_unmask_need_as_and_are_recorded(cli, ledger, tmp_path) -> None:
    cli("roster", "import", str(clean_xlsx(tmp_path / "c.xlsx")))
    shown = json.loads(cli("roster", "show", "铁人路社区/5-2-301", "--json").stdout)
    assert (shown["id_number"], shown["phone"]) == (mask_id(ID(1)), mask_phone(PH(1)))
    refused = cli("--as", "", "roster", "show", "铁人路社区/5-2-301", "--unmask", code=2)
    assert "--as" in refused.stderr and ID(1) not in refused.stdout + refused.stderr
    full = cli("--as", "王敏", "roster", "show", "铁人路社区/5-2-301", "--unmask", "--json")
    assert (json.loads(full.stdout)["id_number"], json.loads(full.stdout)["phone"]) == (
        ID(1),
        PH(1),
    )

    out = tmp_path / "full.xlsx"
    not_written = tmp_path / "refused.xlsx"
    refused = cli("--as", "", "roster", "export", str(not_written), "--unmask", code=2)
    assert "--as" in refused.stderr
    cli("--as", "王敏", "roster", "export", str(out), "--unmask", "-c", "铁人路社区")
    ws = openpyxl.load_workbook(out).active
    assert sorted(ws.cell(r, 8).value for r in range(2, 5)) == sorted([ID(1), ID(2), ID(7)])

    log = json.loads(cli("roster", "unmask-log", "--json").stdout)
    assert [(e["actor"], e["command"], e["scope"], e["rows"]) for e in log] == [
        ("王敏", "roster show", "铁人路社区/5-2-301", 1),
        ("王敏", "roster export", "full.xlsx community=铁人路社区", 3),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", e["at"]) for e in log)
    # Refused for want of --as: the file with the full numbers must not be left behind.
    assert not not_written.exists()


# ---------------------------------------------------------------------------------------------
# Personal data never appears in full in any output.

FULL_VALUES = sorted(
    {
        *(ID(n) for n in range(1, 25)),
        bad_check(ID(5)),
        BIRTH_2099,
        ID(13)[:17],
        str(int(float(int(ID(8))))),
        *(PH(n) for n in range(1, 25)),
    }
)


def leaks(text: str) -> list[str]:
    """Full IDs or phones in text, after folding full-width digits and lower-case x."""
    folded = unicodedata.normalize("NFKC", text).upper()
    found = [v for v in FULL_VALUES if v in folded]
    found += re.findall(r"\d{11,}", folded)
    return found


def workbook_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )


def test_no_full_id_or_phone_in_any_output(cli, ledger, tmp_path) -> None:
    messy = messy_workbook(tmp_path / "m.xlsx")
    csv_rows, _, _ = layout(ENGLISH, with_dates(CLEAN, date.isoformat))
    csv_rows[5][7] = "6.20902E+17"
    csv_rows[6][7] = ID(13)[:16] + "ab"
    csv_rows[7][8] = PH(23) + "9"  # twelve digits
    gbk = write_csv(tmp_path / "gbk.csv", csv_rows, encoding="gbk")
    xls_rows, _, _ = layout(CANON, [list(r) for r in CLEAN])
    xls_rows[4][7] = int(ID(1))
    xls_rows[5][8] = int(PH(2))
    xls_rows[6][7] = ID(24) + "1"  # nineteen characters
    xls = write_xls(tmp_path / "n.xls", [SheetSpec("S", xls_rows)])

    outputs: list[str] = []
    for path in (messy, gbk, xls):
        for extra in (["-v"], ["-v", "--json"], ["--dry-run", "--strict", "-v"], ["--atomic"]):
            errors = tmp_path / f"errors-{path.stem}-{len(outputs)}.xlsx"
            result = cli("roster", "import", str(path), *extra, "--errors", str(errors), code=None)
            assert result.exit_code in (0, 1, 3), result.output
            outputs += [result.stdout, result.stderr]
            if errors.exists():
                outputs.append(workbook_text(errors))
        english = cli("--lang", "en", "roster", "import", str(path), "-v", code=None)
        outputs += [english.stdout, english.stderr]
    assert any("620902********0010" in o for o in outputs)  # the masks are there
    assert any("139****0004" in o for o in outputs)

    outputs.append(cli("roster", "list").stdout)
    outputs.append(cli("roster", "list", "--json").stdout)
    outputs.append(cli("roster", "list", "--flagged", "--json").stdout)
    outputs.append(cli("roster", "show", "铁人路社区/5-2-301").stdout)
    outputs.append(cli("roster", "show", "龙源社区/1-1-505", "--json").stdout)
    for name in ("masked.xlsx", "masked.csv"):
        cli("roster", "export", str(tmp_path / name))
    outputs.append(workbook_text(tmp_path / "masked.xlsx"))
    outputs.append((tmp_path / "masked.csv").read_text(encoding="utf-8-sig"))
    for path in (tmp_path / "config").rglob("*"):  # any log the app keeps
        if path.is_file():
            outputs.append(path.read_text(encoding="utf-8", errors="replace"))

    assert [leak for o in outputs for leak in leaks(o)] == []


def test_ids_and_phones_in_the_wrong_column_are_not_echoed(cli, ledger, tmp_path) -> None:
    rows = [list(r) for r in CLEAN]
    rows[0][13] = int(PH(1))  # a phone typed in the date column
    rows[1][13] = PH(2)
    rows[2][9] = ID(7)  # an ID typed in the persons column
    path = clean_xlsx(tmp_path / "shifted.xlsx", rows)
    # The messages only: the errors workbook gives the clerk back the row's own cells to fix.
    as_json = cli("roster", "import", str(path), "--json", "--dry-run", code=3)
    assert [(p["row"], p["column"]) for p in json.loads(as_json.stdout)["problems"]] == [
        (5, "登记日期"),
        (6, "登记日期"),
        (7, "人口数"),
        (9, "身份证号"),
    ]
    result = cli("roster", "import", str(path), "-v", code=3)
    texts = [result.stdout, result.stderr, as_json.stdout]
    assert [leak for t in texts for leak in leaks(t)] == []


def test_a_command_never_echoes_the_id_or_phone_it_was_given(cli, ledger) -> None:
    # Issue 12: `roster show 620981199710148776` printed the ID back in its error.
    for value, masked in (
        ("620981199710148776", "620981********8776"),
        ("13912345678", "139****5678"),
    ):
        r = cli("roster", "show", value, code=1)
        assert r.stderr == f"错误：没有编号为 {masked} 的住户\n"
        r = cli("--lang", "en", "roster", "show", value, code=1)
        assert r.stderr == f"Error: No household numbered {masked}\n"
