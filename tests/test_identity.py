"""Issue 13: identities don't drift. A roster row that names another head at an address whose
stored head has an ID the row doesn't carry in full is refused (unless --replace); a masked ID
or phone keeps the stored one only for the same person; losing a phone is said like losing an
ID; a head changing with a full ID is said."""

from __future__ import annotations

import json
from typing import Any

from redprop.core.ids import mask_id, mask_phone
from roster_files import write_csv
from roster_helpers import CANON, ID, PH, db_households, ledger_fixture  # noqa: F401

ROW = ["铁人路社区", "G001", "天昊小区", "5号楼", 2, 301]
ADDRESS = "铁人路社区/5-2-301"


def _import(cli: Any, tmp: Any, name: str, row: list[Any], *extra: str, code: int = 0) -> Any:
    path = write_csv(tmp / name, [CANON, [*ROW, *row]])
    return json.loads(cli("roster", "import", str(path), "--json", *extra, code=code).stdout)


def _stored(ledger: Any) -> tuple[Any, ...]:
    return db_households(ledger)[ADDRESS]


def _messages(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(p["column"], p["level"], p["message"]) for p in report["problems"]]


def test_another_head_without_a_full_id_is_refused(cli, ledger, tmp_path) -> None:
    _import(cli, tmp_path, "a.csv", ["肖明", ID(1), PH(1), 3, "本地", "自有", None, "2023-01-05"])
    before = _stored(ledger)
    # The export masks ID and phone; the clerk types the new tenant's name over the old one.
    moved = ["周杰", mask_id(ID(1)), mask_phone(PH(1)), 2, "外地", "租住", None, "2023-01-05"]
    report = _import(cli, tmp_path, "b.csv", moved, code=1)
    assert report["counts"]["rejected"] == 1 and report["counts"]["updated"] == 0
    assert _messages(report) == [
        (
            "户主姓名",
            "error",
            f"该地址登记的户主是“肖明”（身份证号 {mask_id(ID(1))}），本行户主“周杰”却没有完整身份证号；"
            "若确已换户主，请填写新户主的完整身份证号，或加 --replace 导入",
        )
    ]
    assert _stored(ledger) == before
    # An empty ID cell is the same: the stored person's ID can't silently become 周杰's.
    moved[1] = None
    assert _import(cli, tmp_path, "c.csv", moved, code=1)["counts"]["rejected"] == 1
    assert _stored(ledger) == before


def test_replace_moves_the_household_and_keeps_nothing_of_the_old_head(
    cli, ledger, tmp_path
) -> None:
    _import(cli, tmp_path, "a.csv", ["肖明", ID(1), PH(1), 3, "本地", "自有", None, "2023-01-05"])
    moved = ["周杰", mask_id(ID(1)), mask_phone(PH(1)), 2, "外地", "租住", None, "2024-03-01"]
    report = _import(cli, tmp_path, "b.csv", moved, "--replace")
    assert report["counts"]["updated"] == 1 and report["counts"]["warned"] == 1
    assert [m[0] for m in _messages(report)] == ["户主姓名", "身份证号", "联系电话"]
    assert _messages(report)[0][2] == "户主由“肖明”改为“周杰”"
    assert "电话是脱敏值" in _messages(report)[2][2]
    stored = _stored(ledger)
    assert stored[1:4] == ("周杰", None, None)
    assert "no_id" in stored[-1]


def test_a_new_head_with_a_full_id_is_an_update_said_so(cli, ledger, tmp_path) -> None:
    _import(cli, tmp_path, "a.csv", ["肖明", ID(1), PH(1), 3, "本地", "自有", None, "2023-01-05"])
    report = _import(
        cli, tmp_path, "b.csv", ["周杰", ID(2), PH(2), 2, "外地", "租住", None, "2024-03-01"]
    )
    assert report["counts"]["updated"] == 1
    assert _messages(report) == [("户主姓名", "warning", "户主由“肖明”改为“周杰”")]
    assert _stored(ledger)[1:4] == ("周杰", ID(2), PH(2))


def test_the_same_head_keeps_what_is_stored_for_masked_cells(cli, ledger, tmp_path) -> None:
    _import(cli, tmp_path, "a.csv", ["肖明", ID(1), PH(1), 3, "本地", "自有", None, "2023-01-05"])
    masked = ["肖明", mask_id(ID(1)), mask_phone(PH(1)), 4, "本地", "自有", None, "2023-01-05"]
    report = _import(cli, tmp_path, "b.csv", masked)
    assert report["counts"]["updated"] == 1 and report["problems"] == []
    assert _stored(ledger)[1:5] == ("肖明", ID(1), PH(1), 4)


def test_a_masked_phone_lost_on_a_new_household_is_said(cli, ledger, tmp_path) -> None:
    row = ["钱七", ID(3), mask_phone(PH(3)), 2, None, None, None, "2023-01-05"]
    report = _import(cli, tmp_path, "a.csv", row)
    assert report["counts"]["new"] == 1
    assert [(m[0], m[1]) for m in _messages(report)] == [("联系电话", "warning")]
    assert _stored(ledger)[3] is None


def test_the_errors_workbook_round_trip_loses_nothing(cli, ledger, tmp_path) -> None:
    """The errors workbook shows no whole ID or phone, yet the corrected workbook brings them
    back: they are held in the ledger under the row's 还原凭据, and purged once used."""
    import openpyxl

    from test_masking_sweep import WHOLE

    rows = [CANON, [*ROW, "肖明", ID(1), PH(1), 0, "本地", "自有", None, "2023-01-05"]]
    errors = tmp_path / "待改正.xlsx"
    cli("roster", "import", str(write_csv(tmp_path / "a.csv", rows)), "--errors", str(errors),
        code=1)  # fmt: skip
    wb = openpyxl.load_workbook(errors)
    ws = wb.active
    cells = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert [c for c in cells if WHOLE.search(c)] == []
    header = [c.value for c in ws[1]]
    assert header[-3:] == ["原行号", "问题", "还原凭据"]
    assert ws.cell(2, header.index("身份证号") + 1).value == mask_id(ID(1))
    ws.cell(2, header.index("人口数") + 1).value = 3  # the clerk's correction
    wb.save(errors)
    report = json.loads(cli("roster", "import", str(errors), "--json").stdout)
    assert report["counts"]["new"] == 1 and report["problems"] == []
    assert _stored(ledger)[1:5] == ("肖明", ID(1), PH(1), 3)
    # Used, then purged: the same workbook again restores nothing, so nothing changes.
    again = json.loads(cli("roster", "import", str(errors), "--json").stdout)
    assert again["counts"]["unchanged"] == 1


def test_held_values_are_purged_on_request(cli, ledger, tmp_path) -> None:
    rows = [CANON, [*ROW, "肖明", ID(1), PH(1), 0, None, None, None, None]]
    cli("roster", "import", str(write_csv(tmp_path / "a.csv", rows)), "--errors",
        str(tmp_path / "e.xlsx"), code=1)  # fmt: skip
    assert cli("roster", "errors", "purge").stdout == "已删除 1 行被暂存的完整号码\n"
    assert cli("roster", "errors", "purge").stdout == "已删除 0 行被暂存的完整号码\n"
