"""What `roster import` stores: updates, --atomic, --dry-run, --strict, --create-units, IDs held
by other households, masked values keeping what is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from redprop.core.ids import mask_id, mask_phone
from redprop.core.models import Building, Community, Compound, Grid
from redprop.roster.importer import import_roster
from roster_helpers import (
    CLEAN,
    CLEAN_STORED,
    DATES,
    ID,
    MESSY_COUNTS,
    MESSY_PROBLEMS,
    MESSY_REJECTED,
    PH,
    clean_xlsx,
    counts,
    household_count,
    messy_workbook,
    stored,
    tree_fixture,  # noqa: F401  (the fixture `tree`)
    where,
)

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
    # The masked phone is lost too, and said so like the ID (issue 13).
    assert where(report) == [(5, "身份证号", "warning"), (5, "联系电话", "warning")]
    assert stored(tree)["铁人路社区/5-2-301"][9] == "no_id"
