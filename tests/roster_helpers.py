"""What the roster tests share: the small ledger (fixtures tree and ledger), the messy workbook
with every row's expected outcome, the same clean data in every format, and readers of what was
stored. Fixtures are imported by the test modules that use them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import small_tree
from redprop.core.db import session_scope
from redprop.core.models import Building, Community, Grid, Household
from roster_files import (
    ErrorValue,
    Formula,
    SheetSpec,
    bad_check,
    full_width,
    ident,
    layout,
    phone,
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


@pytest.fixture(name="tree")
def tree_fixture(session):
    small_tree(session)
    session.flush()
    return session


@pytest.fixture(name="ledger")
def ledger_fixture(engine):
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
