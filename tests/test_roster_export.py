"""`roster export` re-imports with no change and never writes a formula; the errors workbook
holds rejected and warned rows masked and imports again once corrected."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl

from redprop.core.ids import mask_id, mask_phone
from redprop.roster.households import export_roster
from redprop.roster.importer import import_roster
from roster_files import bad_check
from roster_helpers import (
    CANON,
    CLEAN,
    DATES,
    ID,
    MESSY_REJECTED,
    MESSY_STORED,
    MESSY_WARNED,
    PH,
    clean_xlsx,
    counts,
    db_households,
    ledger_fixture,  # noqa: F401  (the fixture `ledger`)
    messy_workbook,
    serial,
    stored,
    tree_fixture,  # noqa: F401  (the fixture `tree`)
    where,
)

# ---------------------------------------------------------------------------------------------
# Export and the errors workbook.

FORMULA_NOTES = ["=1+2", "+86 转接", "-3楼", "@张三"]


def test_export_reimports_with_no_change_and_never_writes_a_formula(tree, tmp_path) -> None:
    rows = [list(r) for r in CLEAN]
    for r, note in zip(rows, FORMULA_NOTES, strict=False):
        r[12] = note
    import_roster(tree, path=clean_xlsx(tmp_path / "a.xlsx", rows))
    before = stored(tree)
    assert [before[k][7] for k in sorted(before)][:4] == ["=1+2", "+86 转接", "-3楼", "@张三"]

    xlsx = tmp_path / "export.xlsx"
    assert export_roster(tree, out=xlsx) == 5
    ws = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in ws[1]]
    assert header == [*CANON, "标签"]  # the household tags (issue 18) come last
    notes = {ws.cell(r, 13).value: ws.cell(r, 13).data_type for r in range(2, 7)}
    assert {n: notes[n] for n in FORMULA_NOTES} == dict.fromkeys(FORMULA_NOTES, "s")
    ids = [ws.cell(r, 8).value for r in range(2, 7)]
    assert sorted(i for i in ids if i) == sorted(mask_id(ID(n)) for n in (1, 2, 7, 4))
    report = import_roster(tree, path=xlsx)
    assert report.counts() == counts(read=5, unchanged=5, warned=1)
    assert stored(tree) == before

    csv_path = tmp_path / "export.csv"
    assert export_roster(tree, out=csv_path) == 5
    text = csv_path.read_bytes().decode("utf-8-sig")
    assert "'=1+2" in text and "'@张三" in text
    report = import_roster(tree, path=csv_path)
    assert report.counts() == counts(read=5, unchanged=5, warned=1)
    assert stored(tree) == before


def test_export_of_flagged_households_reimports_with_no_change(tree, tmp_path) -> None:
    """Households imported with warnings keep their flags when their masked export comes back."""
    import_roster(tree, path=messy_workbook(tmp_path / "m.xlsx"))
    for name in ("export.xlsx", "export.csv"):
        out = tmp_path / name
        export_roster(tree, out=out)
        report = import_roster(tree, path=out)
        assert (report.read, report.rejected, report.new) == (7, 0, 0), name
        assert (report.updated, report.unchanged) == (0, 7), name
        assert stored(tree) == MESSY_STORED, name


def errors_rows(path: Path) -> tuple[list[str], list[list[Any]]]:
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["待改正"]
    ws = wb["待改正"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    return values[0], values[1:]


ERRORS_HEADER = [*CANON, "原行号", "问题", "还原凭据"]


def test_errors_workbook_holds_rejected_and_warned_rows_masked(cli, ledger, tmp_path) -> None:
    path = messy_workbook(tmp_path / "m.xlsx")
    out = tmp_path / "待改正.xlsx"
    result = cli("roster", "import", str(path), "--errors", str(out), code=3)
    assert f"已把 16 行写到 {out}，改正后可重新导入" in result.stdout
    header, rows = errors_rows(out)
    assert header == ERRORS_HEADER
    by_row = {r[14]: dict(zip(ERRORS_HEADER, r, strict=True)) for r in rows}
    assert list(by_row) == sorted(MESSY_REJECTED + MESSY_WARNED)
    assert not by_row[8]["社区"] and by_row[8]["身份证号"] == mask_id(ID(4))
    assert by_row[8]["联系电话"] == mask_phone(PH(4))
    assert by_row[8]["问题"] == "社区为空；请填写社区名称"
    assert by_row[9]["身份证号"] == mask_id(bad_check(ID(5)))
    assert by_row[11]["身份证号"] == mask_id(str(int(float(int(ID(8))))))
    assert by_row[16]["身份证号"] == mask_id(ID(13)[:17])
    assert by_row[17]["联系电话"] == "*****"
    assert not by_row[19]["联系电话"]
    assert by_row[24]["备注"] == "=SUM(A1:A3)"
    # A row that gave a full ID or phone carries the reference to the values held for it.
    assert re.fullmatch(r"[0-9A-F]{8}-8", by_row[8]["还原凭据"])
    wb = openpyxl.load_workbook(out)
    note_cell = wb.active.cell(list(by_row).index(24) + 2, 13)
    assert (note_cell.value, note_cell.data_type) == ("=SUM(A1:A3)", "s")


def test_errors_workbook_imports_again_once_corrected(cli, ledger, tmp_path) -> None:
    path = messy_workbook(tmp_path / "m.xlsx")
    out = tmp_path / "errors.xlsx"
    cli("roster", "import", str(path), "--errors", str(out), code=3)
    fixes: dict[int, dict[str, Any]] = {
        8: {"社区": "铁人路社区", "身份证号": ID(4), "联系电话": PH(4)},
        10: {"网格": "G001", "身份证号": ID(6), "联系电话": PH(6)},
        11: {"身份证号": ID(8), "联系电话": PH(8)},
        12: {"人口数": "1", "身份证号": ID(9), "联系电话": PH(9)},
        13: {"户主姓名": "郑十", "身份证号": ID(10), "联系电话": PH(10)},
        14: {"房号": "507", "身份证号": ID(11), "联系电话": PH(11)},
        15: {"社区": "龙源社区", "网格": "G014", "楼栋": "1", "房号": "506", "身份证号": ID(12),
             "联系电话": PH(12)},
        16: {"身份证号": ID(13), "联系电话": PH(13)},
        19: {"身份证号": ID(16), "联系电话": PH(16)},
        21: {"房号": "305", "身份证号": ID(17), "联系电话": PH(17)},
        22: {"身份证号": ID(18), "联系电话": PH(19)},
        23: {"网格": "G001", "身份证号": ID(20), "联系电话": PH(20)},
    }  # fmt: skip
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    for r in range(ws.max_row, 1, -1):
        original = ws.cell(r, 15).value
        if original not in fixes:
            ws.delete_rows(r)  # the clerk keeps only the rows that were fixed
            continue
        for name, value in fixes[original].items():
            ws.cell(r, ERRORS_HEADER.index(name) + 1).value = value
    wb.save(out)
    report = json.loads(cli("roster", "import", str(out), "--json").stdout)
    assert report["problems"] == []
    assert report["counts"] == counts(read=12, new=12)
    assert report["ignored_columns"] == ["原行号", "问题"]
    households = db_households(ledger)
    assert len(households) == 7 + 12
    assert households["龙源社区/1-1-501"] == (
        "G014", "周九", ID(8), PH(8), 1, None, None, None, None, "",
    )  # fmt: skip
    assert households["铁人路社区/5-2-305"][1:4] == ("李四四", ID(17), PH(17))


def test_errors_workbook_keeps_dates_of_every_style(tree, tmp_path) -> None:
    from redprop.roster.errorsbook import write_errors_workbook

    rows = [
        [*CLEAN[0][:9], 0, *CLEAN[0][10:13], DATES[0]],  # a real date
        [*CLEAN[1][:9], 0, *CLEAN[1][10:13], serial(DATES[1])],  # a serial number
        [*CLEAN[2][:9], 0, *CLEAN[2][10:13], "2022年12月31日"],
    ]
    report = import_roster(tree, path=clean_xlsx(tmp_path / "d.xlsx", rows))
    assert report.counts() == counts(read=3, rejected=3, skipped=2)
    out = tmp_path / "errors.xlsx"
    assert write_errors_workbook(report, out, tree) == 3
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    for r, full in ((2, ID(1)), (3, ID(2)), (4, ID(7))):
        ws.cell(r, 10).value = 2
        ws.cell(r, 8).value = full
    wb.save(out)
    again = import_roster(tree, path=out)
    assert where(again) == []
    assert again.counts() == counts(read=3, new=3)
    assert [stored(tree)[k][8] for k in sorted(stored(tree))] == [DATES[0], DATES[1], DATES[2]]


def test_warned_rows_from_the_errors_workbook_reimport_unchanged(tree, tmp_path) -> None:
    from redprop.roster.errorsbook import write_errors_workbook

    report = import_roster(tree, path=messy_workbook(tmp_path / "m.xlsx"))
    out = tmp_path / "errors.xlsx"
    write_errors_workbook(report, out, tree)
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    for r in range(ws.max_row, 1, -1):
        if ws.cell(r, 15).value not in MESSY_WARNED:
            ws.delete_rows(r)
    wb.save(out)
    again = import_roster(tree, path=out)
    assert (again.read, again.rejected, again.new) == (4, 0, 0)
    assert (again.updated, again.unchanged) == (0, 4)
    assert stored(tree) == MESSY_STORED
