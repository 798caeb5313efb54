"""`roster import` row by row against real, messy files written to disk: the messy workbook
(a merged banner, hint rows, alias headers, numeric and full-width IDs, merged cells, formulas,
Excel error values, footers, a hidden first sheet) with every row outcome and row number asserted
exactly, and rows checked alike across chunks. Shared data and fixtures: roster_helpers."""

from __future__ import annotations

from datetime import date
from typing import Any

from redprop.core.ids import id_check_char, mask_id
from redprop.roster.importer import import_roster
from roster_files import bad_check, write_csv
from roster_helpers import (
    BIRTH_2099,
    ID,
    MESSY_COUNTS,
    MESSY_PROBLEMS,
    MESSY_STORED,
    PH,
    counts,
    messy_workbook,
    stored,
    tree_fixture,  # noqa: F401  (the fixture `tree`)
    where,
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
