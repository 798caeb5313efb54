"""`roster import/export/list/show` against real, messy files written to disk: a merged banner,
hint rows, alias and English headers, GBK and BOM CSV, legacy .xls, hand-made .ods, numeric and
scientific-notation IDs, full-width digits, merged cells, formulas with saved values, every date
style, footers, a hidden first sheet, Excel error values and broken files. Every row outcome and
every reported row number is asserted exactly, and every output is searched for unmasked IDs and
phones."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from conftest import small_tree
from redprop.core.db import session_scope
from redprop.core.errors import InputFileError
from redprop.core.ids import id_check_char, mask_id, mask_phone
from redprop.core.models import Building, Community, Compound, Grid, Household
from redprop.roster.households import export_roster
from redprop.roster.importer import import_roster
from roster_files import (
    ErrorValue,
    Formula,
    SheetSpec,
    bad_check,
    encrypted_looking,
    full_width,
    ident,
    layout,
    phone,
    write_csv,
    write_ods,
    write_xls,
    write_xlsx,
)

ID = ident
PH = phone
BIRTH_2099 = ident(21, base="62090220990101")  # a valid check character, an impossible birth
SERIAL_0 = date(1899, 12, 30)  # Excel's 1900-system day 0


def serial(d: date) -> int:
    return (d - SERIAL_0).days


def counts(**given: int) -> dict[str, int]:
    keys = ("read", "new", "updated", "unchanged", "merged", "warned", "rejected", "skipped")
    assert set(given) <= set(keys)
    return {k: given.get(k, 0) for k in keys}


def where(report) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.level) for p in report.problems]


def stored(session) -> dict[str, tuple[Any, ...]]:
    """Every household by address 社区/楼栋-单元-房号: (grid, head, id, phone, persons, hukou,
    housing, note, registered_on, flags)."""
    query = (
        select(
            Community.name,
            Building.number,
            Household.unit,
            Household.room,
            Grid.code,
            Household.head_name,
            Household.id_number,
            Household.phone,
            Household.persons,
            Household.hukou,
            Household.housing,
            Household.note,
            Household.registered_on,
            Household.flags,
        )
        .join(Community, Community.id == Household.community_id)
        .join(Building, Building.id == Household.building_id)
        .join(Grid, Grid.id == Household.grid_id)
    )
    return {f"{r[0]}/{r[1]}-{r[2]}-{r[3]}": tuple(r[4:]) for r in session.execute(query)}


def household_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Household))


@pytest.fixture
def tree(session):
    small_tree(session)
    session.flush()
    return session


@pytest.fixture
def ledger(engine):
    """The small tree committed, for tests that go through the command line."""
    with session_scope(engine) as s:  # type: ignore[arg-type]
        small_tree(s)
    return engine


def db_households(engine) -> dict[str, tuple[Any, ...]]:
    with session_scope(engine, write=False) as s:  # type: ignore[arg-type]
        return stored(s)


# ---------------------------------------------------------------------------------------------
# The messy workbook: every kind of row, each with the outcome asserted below.

MESSY_HEADER = [
    "序号",  # unknown: ignored
    "社区",
    "网格",
    "小区",
    "楼号",
    "单元",
    "门牌号",
    "姓名",
    "身份证号码",
    "手机号码",
    "家庭人口",
    "户籍",
    "房屋性质",
    "备注",
    "登记时间",
    "政治面貌",  # unknown: ignored
]
JAN5 = date(2023, 1, 5)
# fmt: off
MESSY_ROWS: list[list[Any]] = [
    # row 5: new; 社区 merged over rows 5-7; room, phone and persons typed as numbers; real date
    [1, "铁人路社区", "G001", "天昊小区", "5号楼", "2单元", 301, "张三", ID(1), int(PH(1)), 3,
     "本地", "自有", "老党员", JAN5, "党员"],
    # row 6: new; full-width ID and phone, "2人", unit typed as a number, a serial-number date
    [2, None, "G001", "天昊小区", "5栋", 2, "302", "李四", full_width(ID(2)), full_width(PH(2)),
     "2人", "外地", "租住", None, serial(JAN5), None],
    # row 7: new; lower-case x, persons a formula with its saved value, odd spaces, "2023/1/5"
    [3, None, "G001", "天昊小区", "5#", "2", "303", "王五", ID(7).lower(), PH(3),
     Formula("1+1", 2), "本地", "自有", "\u3000独居老人\u00a0", "2023/1/5", None],
    # row 8: rejected: an ordinary blank 社区 below a merged range is not filled down
    [4, None, "G001", "天昊小区", "5", "2", "304", "赵六", ID(4), PH(4), 1, "本地", "自有",
     None, "2023-01-05", None],
    # row 9: warned (wrong check character), imported; "2023年1月5日"
    [5, "铁人路社区", "G001", None, "6幢", None, "101", "钱七", bad_check(ID(5)), PH(5), 4,
     "本地", "自有", None, "2023年1月5日", None],
    # row 10: rejected: no grid G009
    [6, "铁人路社区", "G009", None, "6", None, "102", "孙八", ID(6), PH(6), 1, None, None, None,
     None, None],
    # row 11: rejected: the ID stored as a number
    [7, "龙源社区", "G014", "龙源小区", "1栋", 1, 501, "周九", int(ID(8)), PH(8), 1, None, None,
     None, None, None],
    # row 12: rejected: persons 0
    [8, "龙源社区", "G014", "龙源小区", "1", "1", "502", "吴十", ID(9), PH(9), 0, None, None,
     None, None, None],
    # row 13: rejected: no head's name
    [9, "龙源社区", "G014", "龙源小区", "1", "1", "503", None, ID(10), PH(10), 2, None, None,
     None, None, None],
    # row 14: rejected: no room
    [10, "龙源社区", "G014", "龙源小区", "1", "1", None, "郑十一", ID(11), PH(11), 2, None,
     None, None, None, None],
    # row 15: rejected: unknown community
    [11, "新华社区", "G020", None, "3", "1", "101", "冯十二", ID(12), PH(12), 2, None, None,
     None, None, None],
    # row 16: rejected: the ID has 17 characters
    [12, "龙源社区", "G014", "龙源小区", "1", "1", "504", "陈十三", ID(13)[:17], PH(13), 2,
     None, None, None, None, None],
    # row 17: warned (odd phone), imported
    [13, "龙源社区", "G014", "龙源小区", "1", "1", "505", "褚十四", ID(14), "12345", 3, None,
     None, None, None, None],
    # row 18: warned (no ID), imported
    [14, "龙源社区", "G014", "龙源小区", "1", "2", "601", "卫十五", None, PH(15), 3, None, None,
     None, None, None],
    # row 19: rejected: #N/A in the phone column
    [15, "龙源社区", "G014", "龙源小区", "1", "2", "602", "蒋十六", ID(16), ErrorValue("#N/A"),
     3, None, None, None, None, None],
    # row 20: merged: the same as row 5
    [16, "铁人路社区", "G001", "天昊小区", "5号楼", "2单元", 301, "张三", ID(1), int(PH(1)), 3,
     "本地", "自有", "老党员", JAN5, "党员"],
    # row 21: rejected: the address of row 6 with other values
    [17, "铁人路社区", "G001", "天昊小区", "5", "2", "302", "李四四", ID(17), PH(17), 2, None,
     None, None, None, None],
    # row 22: rejected: the ID of row 5 at another address
    [18, "铁人路社区", "G001", "天昊小区", "6", None, "103", "沈十九", ID(1), PH(19), 2, None,
     None, None, None, None],
    # row 23: rejected: building 6 is in grid G001, not G002
    [19, "铁人路社区", "G002", None, "6", "", "104", "韩二十", ID(20), PH(20), 2, None, None,
     None, None, None],
    # row 24: warned (birth date 2099), imported; a note that looks like a formula
    [20, "龙源社区", "G014", "龙源小区", "1", "2", "603", "杨廿一", BIRTH_2099, PH(21), "3",
     None, None, "=SUM(A1:A3)", None, None],
]
# fmt: on
# rows 25 (blank) and 26 (footer) are skipped

MESSY_COUNTS = counts(read=20, new=7, merged=1, warned=4, rejected=12, skipped=2)
MESSY_PROBLEMS = [
    (8, "社区", "error"),
    (9, "身份证号", "warning"),
    (10, "网格", "error"),
    (11, "身份证号", "error"),
    (12, "人口数", "error"),
    (13, "户主姓名", "error"),
    (14, "房号", "error"),
    (15, "社区", "error"),
    (16, "身份证号", "error"),
    (17, "联系电话", "warning"),
    (18, "身份证号", "warning"),
    (19, "联系电话", "error"),
    (20, "房号", "warning"),
    (21, "房号", "error"),
    (22, "身份证号", "error"),
    (23, "网格", "error"),
    (24, "身份证号", "warning"),
]
MESSY_REJECTED = [8, 10, 11, 12, 13, 14, 15, 16, 19, 21, 22, 23]
MESSY_WARNED = [9, 17, 18, 24]
# fmt: off
MESSY_STORED = {
    "铁人路社区/5-2-301": ("G001", "张三", ID(1), PH(1), 3, "本地", "自有", "老党员", JAN5, ""),
    "铁人路社区/5-2-302": ("G001", "李四", ID(2), PH(2), 2, "外地", "租住", None, JAN5, ""),
    "铁人路社区/5-2-303": ("G001", "王五", ID(7), PH(3), 2, "本地", "自有", "独居老人", JAN5, ""),
    "铁人路社区/6--101": (
        "G001", "钱七", bad_check(ID(5)), PH(5), 4, "本地", "自有", None, JAN5, "id_checksum",
    ),
    "龙源社区/1-1-505": ("G014", "褚十四", ID(14), "12345", 3, None, None, None, None, "phone"),
    "龙源社区/1-2-601": ("G014", "卫十五", None, PH(15), 3, None, None, None, None, "no_id"),
    "龙源社区/1-2-603": (
        "G014", "杨廿一", BIRTH_2099, PH(21), 3, None, None, "=SUM(A1:A3)", None, "id_birth",
    ),
}
# fmt: on


def messy_workbook(path: Path) -> Path:
    """A hidden first sheet that has a roster header (must not be chosen), a visible cover sheet
    without one, then the roster with banner, hint, header in row 4, data in rows 5-24, a blank
    row and a footer."""
    rows, merges, first = layout(MESSY_HEADER, MESSY_ROWS)
    assert first == 5
    old = [
        ["社区", "网格", "楼栋", "单元", "房号", "户主姓名"],
        ["铁人路社区", "G001", "5", "1", "999", "旧户主"],
    ]
    cover = [["2023年住户信息统计"], ["仅供内部使用"]]
    return write_xlsx(
        path,
        [
            SheetSpec("旧表", old, hidden=True),
            SheetSpec("封面", cover),
            SheetSpec("花名册", rows, merges=[*merges, "B5:B7"]),
        ],
    )


def test_messy_workbook_every_row_outcome_and_a_second_import_changes_nothing(
    tree, tmp_path
) -> None:
    path = messy_workbook(tmp_path / "铁人路社区花名册.xlsx")
    report = import_roster(tree, path=path)
    assert report.sheet == "花名册"
    assert report.ignored_columns == ["序号", "政治面貌"]
    assert report.counts() == MESSY_COUNTS
    assert where(report) == MESSY_PROBLEMS
    assert report.stored and report.exit_code == 3
    assert stored(tree) == MESSY_STORED

    messages = {(p.row, p.column): p.zh for p in report.problems}
    assert messages[(8, "社区")] == "社区为空；请填写社区名称"
    assert messages[(10, "网格")].startswith("社区“铁人路社区”没有网格“G009”")
    assert messages[(11, "身份证号")] == (
        "身份证号被存成了数字，后几位已丢失；请把该列设为“文本”格式后重新录入完整号码"
    )
    assert messages[(12, "人口数")] == "人口数“0”不是不小于 1 的整数；请填写人数（如 3）"
    assert messages[(15, "社区")].startswith("账本中没有社区“新华社区”")
    assert messages[(16, "身份证号")].startswith(f"身份证号 {mask_id(ID(13)[:17])} 应为 18 位")
    assert messages[(17, "联系电话")].startswith("电话 ***** 不像手机号")
    assert messages[(19, "联系电话")].startswith("单元格是 Excel 错误值")
    assert messages[(20, "房号")] == "与第 5 行完全相同，已合并"
    assert messages[(21, "房号")] == "与第 6 行是同一地址但内容不同；请保留一行"
    assert messages[(22, "身份证号")] == (
        f"身份证号 {mask_id(ID(1))} 在第 5 行已用于另一户；请核对"
    )
    assert messages[(23, "网格")] == "楼栋 6 属于另一个网格，不是“G002”；请核对网格"
    assert messages[(24, "身份证号")] == (
        f"身份证号 {mask_id(BIRTH_2099)} 中的出生日期不合理；请核对"
    )

    again = import_roster(tree, path=path)
    assert again.counts() == counts(
        read=20, unchanged=7, merged=1, warned=4, rejected=12, skipped=2
    )
    assert where(again) == MESSY_PROBLEMS
    assert stored(tree) == MESSY_STORED


# ---------------------------------------------------------------------------------------------
# The same clean data in every format and date style.

CANON = [
    "社区", "网格", "小区", "楼栋", "单元", "房号", "户主姓名", "身份证号", "联系电话", "人口数",
    "户籍类型", "房屋性质", "备注", "登记日期",
]  # fmt: skip
ENGLISH = [
    "community", "grid", "compound", "building", "unit", "room", "name", "id_number", "phone",
    "persons", "hukou", "housing", "note", "registered_on",
]  # fmt: skip
ALIASES = [
    "社区名称", "网格编号", "小区名称", "楼号", "单元号", "门牌号", "姓名", "公民身份号码",
    "手机号码", "家庭人口", "户口类型", "住房性质", "备注", "登记时间",
]  # fmt: skip
DATES = [date(2023, 1, 5), date(2023, 3, 15), date(2022, 12, 31), date(2020, 2, 29), JAN5]
LANDLINE = "0937-6221234"
# fmt: off
CLEAN = [
    ["铁人路社区", "G001", "天昊小区", "5号楼", 2, 301, "张三", ID(1), PH(1), 3, "本地", "自有",
     "老党员", DATES[0]],
    ["铁人路社区", "G001", "天昊小区", "5号楼", 2, 302, "李四", ID(2), PH(2), 2, "外地", "租住",
     None, DATES[1]],
    ["铁人路社区", "G001", "天昊小区", "6", None, 101, "王五", ID(7), PH(3), 1, "本地", "自有",
     "独居老人", DATES[2]],
    ["龙源社区", "G014", "龙源小区", "1栋", 1, 501, "赵六", ID(4), LANDLINE, 4, "本地", "公租房",
     None, DATES[3]],
    # warned every time: no ID
    ["龙源社区", "G014", "龙源小区", "1栋", 1, 502, "钱七", None, PH(5), 2, None, None, None,
     DATES[4]],
]
# fmt: on
# fmt: off
CLEAN_STORED = {
    "铁人路社区/5-2-301": ("G001", "张三", ID(1), PH(1), 3, "本地", "自有", "老党员", DATES[0], ""),
    "铁人路社区/5-2-302": ("G001", "李四", ID(2), PH(2), 2, "外地", "租住", None, DATES[1], ""),
    "铁人路社区/6--101": (
        "G001", "王五", ID(7), PH(3), 1, "本地", "自有", "独居老人", DATES[2], "",
    ),
    "龙源社区/1-1-501": ("G014", "赵六", ID(4), LANDLINE, 4, "本地", "公租房", None, DATES[3], ""),
    "龙源社区/1-1-502": ("G014", "钱七", None, PH(5), 2, None, None, None, DATES[4], "no_id"),
}
# fmt: on


def clean_xlsx(path: Path, rows: list[list[Any]] = CLEAN, **kw: Any) -> Path:
    """Canonical headers under a banner and a hint; data from row 5; numbers as numbers."""
    sheet, merges, first = layout(CANON, rows)
    assert first == 5
    return write_xlsx(path, [SheetSpec("Sheet1", sheet, merges=merges)], **kw)


def with_dates(rows: list[list[Any]], fmt) -> list[list[Any]]:
    return [[*r[:13], fmt(r[13]) if r[13] else r[13]] for r in rows]


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
# Storing: updates, atomic, dry run, strict, units, conflicts, masked values.


def test_a_changed_row_updates_the_household(tree, tmp_path) -> None:
    import_roster(tree, path=clean_xlsx(tmp_path / "a.xlsx"))
    changed = [list(r) for r in CLEAN]
    changed[1][8] = PH(22)
    changed[1][9] = 4
    changed[3][12] = "新装修"
    report = import_roster(tree, path=clean_xlsx(tmp_path / "b.xlsx", changed))
    assert report.counts() == counts(read=5, updated=2, unchanged=3, warned=1, skipped=2)
    after = stored(tree)
    assert after["铁人路社区/5-2-302"] == (
        "G001", "李四", ID(2), PH(22), 4, "外地", "租住", None, DATES[1], "",
    )  # fmt: skip
    assert after["龙源社区/1-1-501"][7] == "新装修"
    assert household_count(tree) == 5


def test_atomic_stores_nothing_and_reports_every_rejected_row(tree, tmp_path) -> None:
    path = messy_workbook(tmp_path / "m.xlsx")
    report = import_roster(tree, path=path, atomic=True)
    assert report.counts() == MESSY_COUNTS
    assert where(report) == MESSY_PROBLEMS
    assert [p.row for p in report.problems if p.level == "error"] == MESSY_REJECTED
    assert not report.stored and report.exit_code == 1
    assert household_count(tree) == 0
    # Nothing rejected: atomic stores everything.
    report = import_roster(tree, path=clean_xlsx(tmp_path / "c.xlsx"), atomic=True)
    assert report.stored and report.counts() == counts(read=5, new=5, warned=1, skipped=2)
    assert stored(tree) == CLEAN_STORED


def test_dry_run_stores_nothing(tree, tmp_path) -> None:
    report = import_roster(tree, path=messy_workbook(tmp_path / "m.xlsx"), dry_run=True)
    assert report.counts() == MESSY_COUNTS
    assert where(report) == MESSY_PROBLEMS
    assert not report.stored and report.dry_run
    assert household_count(tree) == 0
    report = import_roster(
        tree, path=messy_workbook(tmp_path / "m.xlsx"), dry_run=True, create_units=True
    )
    assert household_count(tree) == 0
    assert tree.scalar(select(func.count()).select_from(Community)) == 2


def test_strict_turns_warnings_into_rejections(tree, tmp_path) -> None:
    report = import_roster(tree, path=messy_workbook(tmp_path / "m.xlsx"), strict=True)
    assert report.counts() == counts(read=20, new=3, merged=1, rejected=16, skipped=2)
    assert where(report) == [
        (r, c, "error" if r != 20 else "warning") for r, c, _ in MESSY_PROBLEMS
    ]
    assert sorted(stored(tree)) == [
        "铁人路社区/5-2-301",
        "铁人路社区/5-2-302",
        "铁人路社区/5-2-303",
    ]


def test_create_units_creates_what_is_missing_and_lists_it(tree, tmp_path) -> None:
    rows = [
        ["新华社区", "G020", "新华小区", "3号楼", 1, 101, "冯一", ID(1), PH(1), 2, None, None, None, None],
        ["新华社区", "G020", "新华小区", "3号楼", 1, 102, "冯二", ID(2), PH(2), 2, None, None, None, None],
        ["新华社区", "G021", None, "4", None, 201, "冯三", ID(3), PH(3), 2, None, None, None, None],
        ["铁人路社区", "G001", "天昊小区", "7栋", 1, 101, "冯四", ID(4), PH(4), 2, None, None, None, None],
        ["铁人路社区", None, None, "8", 1, 101, "冯五", ID(5), PH(5), 2, None, None, None, None],
    ]  # fmt: skip
    path = clean_xlsx(tmp_path / "new.xlsx", rows)
    refused = import_roster(tree, path=path)
    assert refused.counts() == counts(read=5, rejected=5, skipped=2)
    assert where(refused) == [
        (5, "社区", "error"),
        (6, "社区", "error"),
        (7, "社区", "error"),
        (8, "楼栋", "error"),
        (9, "楼栋", "error"),
    ]
    report = import_roster(tree, path=path, create_units=True)
    assert report.counts() == counts(read=5, new=4, rejected=1, skipped=2)
    assert where(report) == [(9, "网格", "error")]
    assert report.created_units == [
        "社区 新华社区",
        "网格 G020",
        "小区 新华小区",
        "楼栋 新华社区 3",
        "网格 G021",
        "楼栋 新华社区 4",
        "楼栋 铁人路社区 7",
    ]
    assert sorted(stored(tree)) == [
        "新华社区/3-1-101",
        "新华社区/3-1-102",
        "新华社区/4--201",
        "铁人路社区/7-1-101",
    ]
    assert tree.scalar(select(Grid.community_id).where(Grid.code == "G021")) == tree.scalar(
        select(Community.id).where(Community.name == "新华社区")
    )
    assert tree.scalar(select(Compound.name).join(Building).where(Building.number == "7")) == (
        "天昊小区"
    )
    again = import_roster(tree, path=path, create_units=True)
    assert again.counts() == counts(read=5, unchanged=4, rejected=1, skipped=2)
    assert again.created_units == []


def test_an_id_held_by_another_household_in_the_ledger_is_rejected(tree, tmp_path) -> None:
    import_roster(tree, path=clean_xlsx(tmp_path / "a.xlsx"))
    before = stored(tree)
    rows = [
        ["铁人路社区", "G001", "天昊小区", "6", None, 102, "孙八", ID(1), PH(8), 2, None, None, None, None],
        # the same household may keep its own ID
        [*CLEAN[1]],
    ]  # fmt: skip
    report = import_roster(tree, path=clean_xlsx(tmp_path / "b.xlsx", rows))
    assert report.counts() == counts(read=2, unchanged=1, rejected=1, skipped=2)
    assert where(report) == [(5, "身份证号", "error")]
    assert report.problems[0].zh == (
        f"身份证号 {mask_id(ID(1))} 已登记在另一户（铁人路社区 5-2-301）；请核对，不会自动迁移"
    )
    assert stored(tree) == before


def test_two_rows_with_one_id_in_the_file_reject_the_later_one(tree, tmp_path) -> None:
    rows = [[*CLEAN[0]], [*CLEAN[1][:7], ID(1), *CLEAN[1][8:]], [*CLEAN[2]]]
    report = import_roster(tree, path=clean_xlsx(tmp_path / "a.xlsx", rows))
    assert report.counts() == counts(read=3, new=2, rejected=1, skipped=2)
    assert where(report) == [(6, "身份证号", "error")]
    assert "在第 5 行已用于另一户" in report.problems[0].zh
    assert stored(tree)["铁人路社区/5-2-301"][2] == ID(1)
    assert "铁人路社区/5-2-302" not in stored(tree)


def test_masked_values_keep_what_is_stored(tree, tmp_path) -> None:
    import_roster(tree, path=clean_xlsx(tmp_path / "a.xlsx"))
    masked = [list(r) for r in CLEAN]
    for r in masked:
        r[7] = mask_id(r[7]) or None
        r[8] = mask_phone(r[8])
    masked[0][9] = 5  # one real change
    report = import_roster(tree, path=clean_xlsx(tmp_path / "m.xlsx", masked))
    assert report.counts() == counts(read=5, updated=1, unchanged=4, warned=1, skipped=2)
    assert where(report) == [(9, "身份证号", "warning")]
    expected = dict(CLEAN_STORED)
    expected["铁人路社区/5-2-301"] = (
        "G001", "张三", ID(1), PH(1), 5, "本地", "自有", "老党员", DATES[0], "",
    )  # fmt: skip
    assert stored(tree) == expected


def test_a_masked_id_for_a_household_not_yet_stored_is_a_missing_id(tree, tmp_path) -> None:
    rows = [[*CLEAN[0][:7], mask_id(ID(1)), mask_phone(PH(1)), *CLEAN[0][9:]]]
    report = import_roster(tree, path=clean_xlsx(tmp_path / "m.xlsx", rows))
    assert stored(tree)["铁人路社区/5-2-301"][2:4] == (None, None)
    assert report.counts() == counts(read=1, new=1, warned=1, skipped=2)
    assert where(report) == [(5, "身份证号", "warning")]
    assert stored(tree)["铁人路社区/5-2-301"][9] == "no_id"


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
    assert header == CANON
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


ERRORS_HEADER = [*CANON, "原行号", "问题"]


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
    assert write_errors_workbook(report, out) == 3
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
    write_errors_workbook(report, out)
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
    refused = cli("roster", "show", "铁人路社区/5-2-301", "--unmask", code=2)
    assert "--as" in refused.stderr and ID(1) not in refused.stdout + refused.stderr
    full = cli("--as", "王敏", "roster", "show", "铁人路社区/5-2-301", "--unmask", "--json")
    assert (json.loads(full.stdout)["id_number"], json.loads(full.stdout)["phone"]) == (
        ID(1),
        PH(1),
    )

    out = tmp_path / "full.xlsx"
    not_written = tmp_path / "refused.xlsx"
    refused = cli("roster", "export", str(not_written), "--unmask", code=2)
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


def _chunky_rows(n: int) -> list[list[Any]]:
    """n good rows over two buildings of 铁人路社区, each its own household, ID and phone."""
    from datetime import timedelta

    rows = []
    for i in range(n):
        first17 = "620902" + f"{date(1950, 1, 1) + timedelta(days=i):%Y%m%d}" + "001"
        rows.append(
            ["铁人路社区", "G001", "天昊小区", "5号楼" if i % 2 == 0 else "6", str(1 + (i // 2) % 2),
             str(10000 + i), "王敏", first17 + id_check_char(first17), PH(i), 3, "本地", "自有",
             None, "2023-01-05"]
        )  # fmt: skip
    return rows


def test_rows_are_checked_alike_across_chunks(tree, tmp_path, monkeypatch) -> None:
    # More rows than one chunk, with a duplicate address, an exact duplicate, a reused ID and a
    # doubtful one far apart: each found where it is, and the same with tiny chunks.
    import redprop.roster.rows as roster_service

    header = ["社区", "网格", "小区", "楼栋", "单元", "房号", "户主姓名", "身份证号", "联系电话", "人口数", "户籍类型", "房屋性质", "备注", "登记日期"]  # fmt: skip
    rows = _chunky_rows(9000)
    rows[5000] = [*rows[100][:6], "李四", *rows[5000][7:]]  # the address of row 102
    rows[8000] = [*rows[10]]  # row 12 again
    rows[4500] = [*rows[4500][:7], rows[20][7], *rows[4500][8:]]  # the ID of row 22
    rows[6000] = [*rows[6000][:7], bad_check(rows[6000][7]), *rows[6000][8:]]
    path = write_csv(tmp_path / "big.csv", [header, *rows])

    def run(chunk: int) -> tuple[Any, ...]:
        monkeypatch.setattr(roster_service, "CHUNK", chunk)
        savepoint = tree.begin_nested()
        report = import_roster(tree, path=path)
        result = (report.counts(), [(p.row, p.column, p.level, p.zh) for p in report.problems])
        households = stored(tree)
        savepoint.rollback()
        return result, households

    (found, problems), households = run(4096)
    assert found == counts(read=9000, new=8997, merged=1, warned=1, rejected=2)
    assert problems == [
        (
            4502,
            "身份证号",
            "error",
            f"身份证号 {mask_id(rows[20][7])} 在第 22 行已用于另一户；请核对",
        ),
        (5002, "房号", "error", "与第 102 行是同一地址但内容不同；请保留一行"),
        (6002, "身份证号", "warning", f"身份证号 {mask_id(rows[6000][7])} 校验码不对；请核对原件"),
        (8002, "房号", "warning", "与第 12 行完全相同，已合并"),
    ]
    assert len(households) == 8997
    assert households["铁人路社区/5-1-10100"][1] == "王敏"
    assert households["铁人路社区/5-1-16000"][-1] == "id_checksum"
    assert run(7) == ((found, problems), households)
    # Stored for real, then again: nothing changes.
    import_roster(tree, path=path)
    again = import_roster(tree, path=path)
    assert again.counts() == counts(read=9000, unchanged=8997, merged=1, warned=1, rejected=2)
    assert stored(tree) == households
