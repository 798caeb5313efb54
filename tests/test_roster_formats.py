"""`roster import` of the same clean data in every format and date style (GBK and BOM CSV,
legacy .xls, .ods, the 1904 date system), formulas and error values, IDs typed as numbers, and
broken files: a clear error, nothing stored."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from redprop.core.errors import InputFileError
from redprop.roster.importer import import_roster
from roster_files import (
    ErrorValue,
    Formula,
    SheetSpec,
    encrypted_looking,
    full_width,
    layout,
    write_csv,
    write_ods,
    write_xls,
    write_xlsx,
)
from roster_helpers import (
    ALIASES,
    CANON,
    CLEAN,
    CLEAN_STORED,
    ENGLISH,
    ID,
    clean_xlsx,
    counts,
    household_count,
    serial,
    stored,
    tree_fixture,  # noqa: F401  (the fixture `tree`)
    where,
    with_dates,
)

pytestmark = pytest.mark.any_database  # spreadsheet formats: the same on any database


def test_the_same_data_in_every_format_and_date_style_changes_nothing(tree, tmp_path) -> None:
    first = import_roster(tree, path=clean_xlsx(tmp_path / "a.xlsx"))
    assert first.counts() == counts(read=5, new=5, warned=1, skipped=2)
    assert where(first) == [(9, "身份证号", "warning")]
    assert stored(tree) == CLEAN_STORED
    unchanged = counts(read=5, unchanged=5, warned=1, skipped=2)

    # GBK CSV, English headers, "2023/1/5", no banner.
    gbk_rows, _, first_row = layout(
        ENGLISH, with_dates(CLEAN, lambda d: f"{d.year}/{d.month}/{d.day}"), title=False, hint=False
    )
    gbk = write_csv(tmp_path / "gbk.csv", gbk_rows, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")
    report = import_roster(tree, path=gbk)
    assert (report.counts(), where(report)) == (unchanged, [(first_row + 4, "身份证号", "warning")])
    assert first_row == 2

    # UTF-8 with BOM, alias headers, "2023年1月5日", full-width digits, lower-case x, 5号楼 → 5栋.
    def messy_text(r: list[Any]) -> list[Any]:
        r = list(r)
        r[3] = str(r[3]).replace("号楼", "栋")
        r[7] = full_width(r[7]).replace("Ｘ", "x") if r[7] else r[7]
        r[8] = full_width(r[8])
        return r

    bom_rows, _, _ = layout(
        ALIASES,
        [messy_text(r) for r in with_dates(CLEAN, lambda d: f"{d.year}年{d.month}月{d.day}日")],
    )
    bom = write_csv(tmp_path / "bom.csv", bom_rows, encoding="utf-8-sig")
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    report = import_roster(tree, path=bom)
    assert (report.counts(), where(report)) == (unchanged, [(9, "身份证号", "warning")])

    # UTF-8 without BOM, "2023-01-05".
    plain_rows, _, _ = layout(CANON, with_dates(CLEAN, date.isoformat), title=False)
    report = import_roster(
        tree, path=write_csv(tmp_path / "plain.csv", plain_rows, encoding="utf-8")
    )
    assert (report.counts(), where(report)) == (unchanged, [(7, "身份证号", "warning")])

    # Legacy .xls: serial-number dates, 社区 merged over each community's rows.
    xls_rows, merges, _ = layout(ALIASES, with_dates(CLEAN, serial))
    for r in (xls_rows[5], xls_rows[6], xls_rows[8]):
        r[0] = None
    xls = write_xls(
        tmp_path / "old.xls", [SheetSpec("Sheet1", xls_rows, merges=[*merges, "A5:A7", "A8:A9"])]
    )
    report = import_roster(tree, path=xls)
    assert (report.counts(), where(report)) == (unchanged, [(9, "身份证号", "warning")])

    # .ods with date cells.
    ods_rows, _, _ = layout(CANON, CLEAN)
    report = import_roster(
        tree, path=write_ods(tmp_path / "wps.ods", [SheetSpec("Sheet1", ods_rows)])
    )
    assert (report.counts(), where(report)) == (unchanged, [(9, "身份证号", "warning")])

    # A workbook in the 1904 date system.
    report = import_roster(tree, path=clean_xlsx(tmp_path / "mac.xlsx", epoch1904=True))
    assert (report.counts(), where(report)) == (unchanged, [(9, "身份证号", "warning")])

    assert stored(tree) == CLEAN_STORED


def test_the_1904_date_system_gives_the_same_dates(tree, tmp_path) -> None:
    import zipfile

    path = clean_xlsx(tmp_path / "mac.xlsx", epoch1904=True)
    with zipfile.ZipFile(path) as zf:
        assert b'date1904="1"' in zf.read("xl/workbook.xml")
    report = import_roster(tree, path=path)
    assert report.counts() == counts(read=5, new=5, warned=1, skipped=2)
    assert stored(tree) == CLEAN_STORED


def test_merged_cells_in_an_ods_file_give_their_value_to_every_row(tree, tmp_path) -> None:
    rows, _, _ = layout(CANON, CLEAN)
    for r in (rows[5], rows[6], rows[8]):
        r[0] = None
    path = write_ods(
        tmp_path / "merged.ods", [SheetSpec("Sheet1", rows, merges=["A5:A7", "A8:A9"])]
    )
    report = import_roster(tree, path=path)
    assert where(report) == [(9, "身份证号", "warning")]
    assert report.counts() == counts(read=5, new=5, warned=1, skipped=2)
    assert stored(tree) == CLEAN_STORED


def test_a_formula_gives_its_saved_value_and_an_error_value_is_rejected(tree, tmp_path) -> None:
    rows = [
        [*CLEAN[0][:9], Formula("1+2", 3), *CLEAN[0][10:]],
        [*CLEAN[1][:5], Formula("300+2", 302), *CLEAN[1][6:]],
        [*CLEAN[2][:6], Formula('"王"&"五"', "王五"), *CLEAN[2][7:]],
        [*CLEAN[3][:9], ErrorValue("#REF!"), *CLEAN[3][10:]],
        [*CLEAN[4][:2], ErrorValue("#N/A"), *CLEAN[4][3:]],
    ]
    report = import_roster(tree, path=clean_xlsx(tmp_path / "f.xlsx", rows))
    assert report.counts() == counts(read=5, new=3, rejected=2, skipped=2)
    assert where(report) == [
        (8, "人口数", "error"),
        (9, "小区", "error"),
        (9, "身份证号", "warning"),
    ]
    assert {k: v for k, v in stored(tree).items() if k.startswith("铁人路")} == {
        k: v for k, v in CLEAN_STORED.items() if k.startswith("铁人路")
    }


def test_ids_typed_as_numbers_or_scientific_notation_are_rejected(tree, tmp_path) -> None:
    rows, _, _ = layout(CANON, [list(r) for r in CLEAN], title=False, hint=False, footer=False)
    rows[1][7] = "6.20902E+17"  # what Excel saves in a CSV for a numeric ID
    rows[2][7] = "6.20902198001010E+17"
    csv_path = write_csv(tmp_path / "sci.csv", rows)
    report = import_roster(tree, path=csv_path)
    assert report.counts() == counts(read=5, new=3, warned=1, rejected=2)
    assert where(report) == [
        (2, "身份证号", "error"),
        (3, "身份证号", "error"),
        (6, "身份证号", "warning"),
    ]
    assert "科学计数法" in report.problems[0].zh and "文本" in report.problems[0].zh

    xls_rows, _, _ = layout(CANON, [list(r) for r in CLEAN])
    xls_rows[4][7] = int(ID(1))  # a number in .xls: the digits are gone
    report = import_roster(tree, path=write_xls(tmp_path / "n.xls", [SheetSpec("S", xls_rows)]))
    assert report.counts() == counts(read=5, new=1, unchanged=3, warned=1, rejected=1, skipped=2)
    assert where(report) == [(5, "身份证号", "error"), (9, "身份证号", "warning")]


# ---------------------------------------------------------------------------------------------
# Broken files and missing columns: a clear error, nothing stored.


def test_broken_files_get_a_clear_error_and_store_nothing(tree, tmp_path) -> None:
    whole = clean_xlsx(tmp_path / "whole.xlsx")
    cases: list[tuple[Path, str]] = []

    zero = tmp_path / "zero.xlsx"
    zero.write_bytes(b"")
    cases.append((zero, "文件是空的"))
    zero_csv = tmp_path / "zero.csv"
    zero_csv.write_bytes(b"")
    cases.append((zero_csv, "文件是空的"))
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    cases.append((truncated, "文件已损坏或不完整"))
    text = tmp_path / "text.xlsx"
    text.write_text("社区,楼栋,房号,户主姓名\n铁人路社区,5,301,张三\n", encoding="utf-8")
    cases.append((text, "内容不是 Excel/WPS 工作簿"))
    cases.append((encrypted_looking(tmp_path / "locked.xlsx"), "无法识别的工作簿格式"))
    no_header = write_csv(tmp_path / "nohead.csv", [["铁人路社区住户信息登记表"], ["张三", "301"]])
    cases.append((no_header, "找不到表头"))
    missing, _, _ = layout([c for c in CANON if c != "户主姓名"], [r[:6] + r[7:] for r in CLEAN])
    missing_xlsx = write_xlsx(tmp_path / "missing.xlsx", [SheetSpec("S", missing)])
    cases.append((missing_xlsx, "第 4 行的表头缺少必需的列：户主姓名"))
    cases.append((tmp_path / "absent.xlsx", "文件不存在"))

    for path, message in cases:
        with pytest.raises(InputFileError) as err:
            import_roster(tree, path=path)
        assert message in err.value.zh, (path.name, err.value.zh)
    with pytest.raises(InputFileError, match="没有名为“名单”的工作表"):
        import_roster(tree, path=whole, sheet="名单")
    assert household_count(tree) == 0


def test_sheet_option_picks_the_named_sheet(tree, tmp_path) -> None:
    rows, merges, _ = layout(CANON, CLEAN[:2])
    other, _, _ = layout(CANON, CLEAN[3:4], title=False, hint=False)
    path = write_xlsx(
        tmp_path / "two.xlsx", [SheetSpec("一月", rows, merges), SheetSpec("二月", other)]
    )
    report = import_roster(tree, path=path, sheet="二月")
    assert (report.sheet, report.counts()) == ("二月", counts(read=1, new=1, skipped=2))
    assert sorted(stored(tree)) == ["龙源社区/1-1-501"]
