"""Household tags (issue 18): the vocabulary as data, tag add/remove, the 标签 column of roster
import and export (written to disk and read back), 党员中心户 links, and the PII matrix: no tag
other than 党员户/党员中心户 appears in any output for a reader outside the household's unit,
nor in any export without --unmask."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from redprop.core.db import session_scope
from redprop.core.models import HouseholdTag
from visits_helpers import ADMIN, LI, ZHANG, ZHAO, at, hand_month, ledger_fixture  # noqa: F401

PERSONAL = ("独居老人", "低保户", "高龄老人", "残疾人", "空巢老人")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_import_reads_the_tag_column_and_export_writes_it(cli, ledger, tmp_path) -> None:
    out = tmp_path / "导出.csv"
    cli("--as", LI, "roster", "export", str(out), "--grid", "G001", "--unmask")
    rows = {r["房号"]: r["标签"] for r in read_csv(out)}
    assert rows["204"] == "独居老人" and rows["101"] == ""
    masked = tmp_path / "脱敏.csv"
    cli("roster", "export", str(masked))
    assert {r["房号"]: r["标签"] for r in read_csv(masked) if r["社区"] == "龙源社区"} == {
        "101": "党员户"  # the 低保户 beside it is personal: left out without --unmask
    }
    # Both read back with no change: a cell only adds tags, so the masked one loses nothing.
    for path in (out, masked):
        report = json.loads(cli("roster", "import", str(path), "--json").stdout)
        assert report["counts"]["unchanged"] == report["counts"]["read"]
    shown = json.loads(cli("roster", "show", "龙源社区/1-1-101", "--json").stdout)
    assert shown["tags"] == ["党员户", "低保户"]


def test_import_adds_tags_and_rejects_an_unknown_one(cli, ledger, tmp_path, engine) -> None:
    more = tmp_path / "补充.csv"
    more.write_text(
        "社区,网格,楼栋,单元,房号,户主姓名,标签\n"
        '铁人路社区,G001,5,1,101,张一,"独居老人,党员户"\n'
        "铁人路社区,G001,5,1,102,张二,孤寡\n",
        encoding="utf-8",
    )
    report = json.loads(cli("roster", "import", str(more), "--json", code=3).stdout)
    problem = report["problems"][0]
    assert problem["row"] == 3 and problem["column"] == "标签" and "孤寡" in problem["message"]
    assert json.loads(cli("roster", "show", "5-1-101", "--json").stdout)["tags"] == [
        "党员户",
        "独居老人",
    ]
    assert json.loads(cli("roster", "show", "5-1-102", "--json").stdout)["tags"] == []


def test_tag_add_and_remove(cli, ledger, engine) -> None:
    cli("--as", LI, "roster", "tag", "add", "5-1-101", "--tag", "elderly living alone")
    again = cli("--as", LI, "roster", "tag", "add", "5-1-101", "--tag", "独居老人", code=1)
    assert "已有标签" in again.stderr
    unknown = cli("--as", LI, "roster", "tag", "add", "5-1-101", "--tag", "孤寡", code=1)
    assert "孤寡" in unknown.stderr and "roster tag define" in unknown.stderr
    outside = cli("--as", ZHANG, "roster", "tag", "add", "5-1-101", "--tag", "低保户", code=1)
    assert "辖区" in outside.stderr
    cli("--as", ZHAO, "roster", "tag", "add", "6-1-201", "--tag", "低保户", code=1)  # may not
    cli("--as", LI, "roster", "tag", "remove", "5-1-101", "--tag", "独居老人")
    cli("--as", LI, "roster", "tag", "remove", "5-1-101", "--tag", "独居老人", code=1)
    with session_scope(engine) as session:  # type: ignore[arg-type]
        kept = session.scalars(select(HouseholdTag).where(HouseholdTag.household_id == 1)).all()
        assert [(t.added_by, t.removed_by) for t in kept] == [(LI, LI)]
    # The admin log names the household, not the tag.
    log = cli("log").stdout
    assert "添加住户标签" in log and "独居老人" not in log


def test_party_centre_links(cli, ledger) -> None:
    refused = cli("--as", LI, "roster", "link", "5-1-101", "--serves", "5-1-102", code=2)
    assert "党员中心户" in refused.stderr
    cli("--as", LI, "roster", "tag", "add", "5-1-101", "--tag", "党员中心户")
    cli("--as", LI, "roster", "link", "5-1-101", "--serves", "5-1-102", "--serves", "6-1-201")
    cli("--as", LI, "roster", "link", "5-1-101", "--serves", "5-1-102")  # again: no change
    shown = json.loads(cli("roster", "show", "5-1-101", "--json").stdout)
    assert shown["serves"] == [2, 5]
    cli("--as", LI, "roster", "link", "5-1-101", "--serves", "龙源社区/1-1-101", code=1)


def outputs(cli, who: list[str], tmp_path: Path) -> dict[str, str]:
    """Every output of the roster and visits a reader gets, by name."""
    found = {
        "list": cli(*who, "roster", "list").stdout,
        "list --json": cli(*who, "roster", "list", "--json").stdout,
        "list en": cli(*who, "--lang", "en", "roster", "list").stdout,
        "show": cli(*who, "roster", "show", "5-1-102").stdout,
        "show --json": cli(*who, "roster", "show", "5-1-102", "--json").stdout,
        "show unmasked": cli(*who, "roster", "show", "5-1-102", "--unmask", code=None).stdout,
        "report": cli(*who, "visit", "report", "--month", "2026-11").stdout,
        "log": cli(*who, "log").stdout,
    }
    out = tmp_path / f"{who[-1] if who else 'none'}.csv"
    cli(*who, "roster", "export", str(out))
    found["export"] = out.read_text(encoding="utf-8-sig")
    book = tmp_path / "台账.xlsx"
    cli(*who, "ledger", "export", "--month", "2026-11", "-o", str(book), code=None)
    if book.exists():
        from openpyxl import load_workbook

        found["workbook"] = "\n".join(
            str(cell)
            for sheet in load_workbook(book, read_only=True)
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None and sheet.title != "重点人群走访"
        )
    return found


@pytest.mark.parametrize("reader", ["nobody", ZHANG, ZHAO])
def test_no_personal_tag_reaches_a_reader_outside(
    cli, ledger, monkeypatch, tmp_path, reader
) -> None:
    hand_month(cli, monkeypatch)
    monkeypatch.delenv("REDPROP_USER")
    who = [] if reader == "nobody" else ["--as", reader]
    for name, text in outputs(cli, who, tmp_path).items():
        if name.startswith("list"):
            text = _outside(text, reader)
        for tag in PERSONAL:
            assert tag not in text and "minimum allowance" not in text, (reader, name, tag)


def _outside(text: str, reader: str) -> str:
    """A list without the rows the reader's unit contains: 张强's own household (龙源 1-1-101),
    the building head's building 6."""
    own = {ZHANG: ("1-1-101", 9), ZHAO: ("6-1-", 5, 6, 7, 8)}.get(reader)
    if own is None:
        return text
    if text.startswith("["):
        return json.dumps(
            [r for r in json.loads(text) if r["id"] not in own[1:]], ensure_ascii=False
        )
    return "\n".join(line for line in text.splitlines() if own[0] not in line)


def test_readers_inside_see_them_and_unmask_is_recorded(cli, ledger, monkeypatch, tmp_path) -> None:
    hand_month(cli, monkeypatch)
    listed = json.loads(cli("--as", LI, "roster", "list", "--json").stdout)
    assert next(r for r in listed if r["id"] == 2)["tags"] == ["独居老人", "低保户"]
    # Outside G001: the community's own household shows its party tag only.
    assert next(r for r in listed if r["id"] == 9)["tags"] == ["党员户"]
    out = tmp_path / "网格.xlsx"
    cli("--as", LI, "roster", "export", str(out), "--grid", "G001", "--unmask")
    from openpyxl import load_workbook

    cells = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row]
    assert "独居老人、低保户" in cells
    assert any(
        e["command"] == "unmask: roster export" for e in json.loads(cli("log", "--json").stdout)
    )
    # The admin reaches everything; an unmasked export shows every unit's tags.
    whole = tmp_path / "全部.csv"
    cli("roster", "export", str(whole), "--unmask")
    assert "党员户、低保户" in whole.read_text(encoding="utf-8-sig")


def test_list_by_tag_says_no_more_than_the_list_shows(cli, ledger, monkeypatch) -> None:
    hand_month(cli, monkeypatch)

    def ids(*who: str, tag: str) -> list[int]:
        out = cli(*who, "roster", "list", "--tag", tag, "--json").stdout
        return [r["id"] for r in json.loads(out)]

    assert ids("--as", LI, tag="独居老人") == [1, 2, 8]
    assert ids("--as", LI, tag="elderly living alone") == [1, 2, 8]
    assert ids("--as", ZHANG, tag="独居老人") == []
    assert ids("--as", ZHANG, tag="低保户") == [9]  # his own; not G001's 5-1-102 and 6-1-201
    assert ids("--as", ZHAO, tag="低保户") == [5]  # building 6 only
    monkeypatch.delenv("REDPROP_USER")
    assert ids(tag="低保户") == []
    assert ids(tag="党员户") == [6, 9]  # a party tag is no secret
    cli("roster", "list", "--tag", "孤寡", code=1)
