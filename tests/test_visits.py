"""Visits (issue 18): the hand-computed month of one grid (eight tagged households, visits on
and off schedule) gives the exact due lists on given days and the exact figures; a building head
sees and logs visits for their buildings only; bad input says what is wrong and writes nothing;
visits are hashed and linked into the ledger chain."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select, update

from redprop.core.db import session_scope
from redprop.core.models import ChainLink, Demand, Visit
from redprop.visits.figures import totals, visit_figures
from visits_helpers import LI, VISITS, ZHANG, ZHAO, at, hand_month, ledger_fixture  # noqa: F401


def due(cli, who: str, day: str, *more: str) -> list[tuple[int, int]]:
    out = cli("--as", who, "visit", "due", "--on", day, "--json", *more).stdout
    return [(r["household"], r["overdue_days"]) for r in json.loads(out)]


def test_due_lists_on_given_days(cli, ledger, monkeypatch) -> None:
    hand_month(cli, monkeypatch)
    assert due(cli, LI, "2026-10-26") == []
    assert due(cli, LI, "2026-10-28") == [(8, 1)]  # 10-20 + 7 days
    assert due(cli, LI, "2026-11-09") == [(2, 1)]  # 11-01 + 7, visited late on 11-10
    assert due(cli, LI, "2026-11-25") == [(2, 1), (4, 1)]  # 11-17 + 7; 10-25 + 30
    assert due(cli, LI, "2026-12-01") == [(2, 7), (4, 7)]
    # The building head sees building 6 only: 6-1-204 (11-26 + 7), 6-1-203 (tagged 11-20 + 14).
    assert due(cli, ZHAO, "2026-12-04") == [(8, 1), (7, 0)]
    # Community staff of another community: their own household only (10-01 + 30), none of G001.
    assert due(cli, ZHANG, "2026-12-01") == [(9, 31)]
    rows = json.loads(cli("--as", LI, "visit", "due", "--on", "2026-12-01", "--json").stdout)
    assert rows[0] | {"household": 2} == {
        "household": 2,
        "community": "铁人路社区",
        "grid": "G001",
        "address": "5-1-102",
        "days": 7,
        "last_visit": "2026-11-17",
        "due_on": "2026-11-24",
        "overdue_days": 7,
        "tags": ["独居老人", "低保户"],
    }
    table = cli("--as", LI, "visit", "due", "--on", "2026-12-01").stdout
    assert "5-1-104\t残疾人\t30\t-\t2026-11-24\t7" in table


def test_the_month_figures_by_hand(cli, ledger, monkeypatch, engine) -> None:
    hand_month(cli, monkeypatch)
    at(monkeypatch, "2026-12-02T09:00")
    with session_scope(engine) as session:  # type: ignore[arg-type]
        rows = visit_figures(
            session, start=date(2026, 11, 1), end=date(2026, 12, 1), today=date(2026, 12, 2)
        )
    g001 = next(r for r in rows if r["grid"] == "G001")
    # Due: 101 (on time), 102 (late 11-10, open 11-24), 103 (on time), 104 (never visited),
    # 201 (11-05 before its 11-24), 204 (10-27 met late on 11-05). In time: 101, 103, 201.
    # Overdue at the end: 102 and 104 (both due 11-24). 203 was tagged 11-20 (due 12-04).
    assert {k: v for k, v in g001.items() if k != "tags"} == {
        "community": "铁人路社区",
        "grid": "G001",
        "tagged": 8,
        "visits": 16,
        "visited": 6,
        "due": 6,
        "covered": 3,
        "coverage": 0.5,
        "overdue_at_end": 2,
    }
    assert g001["tags"] == {
        "独居老人": 3,
        "空巢老人": 1,
        "高龄老人": 1,
        "残疾人": 1,
        "低保户": 2,
        "党员户": 1,
    }
    g014 = next(r for r in rows if r["grid"] == "G014")
    assert (g014["tagged"], g014["due"], g014["visits"]) == (1, 1, 0)  # 10-01 + 30, unvisited
    community = {r["community"]: r for r in totals(rows, "community")}
    assert community["铁人路社区"]["due"] == 6 and community["龙源社区"]["overdue_at_end"] == 1
    # The command line says the same; October, before most tags, differs.
    out = json.loads(cli("visit", "report", "--month", "2026-11", "--json").stdout)
    assert next(u for u in out["units"] if u["grid"] == "G001")["covered"] == 3
    assert (out["total"]["due"], out["total"]["covered"], out["total"]["visits"]) == (7, 3, 16)
    one = json.loads(
        cli("visit", "report", "--month", "2026-11", "-c", "龙源社区", "--json").stdout
    )
    assert [u["grid"] for u in one["units"]] == ["G014"]
    table = cli("visit", "report", "--month", "2026-11").stdout
    assert "合计\t\t9\t16\t6\t7\t3\t42.9%\t3" in table
    october = json.loads(cli("visit", "report", "--month", "2026-10", "--json").stdout)
    g001_oct = next(u for u in october["units"] if u["grid"] == "G001")
    assert (g001_oct["tagged"], g001_oct["visits"], g001_oct["due"]) == (7, 2, 1)


def test_a_removed_tag_leaves_the_closed_month_alone(cli, ledger, monkeypatch, engine) -> None:
    hand_month(cli, monkeypatch)
    at(monkeypatch, "2026-12-02T09:00")
    cli("--as", LI, "roster", "tag", "remove", "5-1-104", "--tag", "残疾人")
    november = json.loads(cli("visit", "report", "--month", "2026-11", "--json").stdout)
    g001 = next(u for u in november["units"] if u["grid"] == "G001")
    assert (g001["tagged"], g001["due"], g001["overdue_at_end"]) == (8, 6, 2)
    assert [h for h, _ in due(cli, LI, "2026-12-02")] == [2]


def test_building_head_logs_for_their_buildings_only(cli, ledger, monkeypatch, engine) -> None:
    at(monkeypatch, "2026-11-03T10:00")
    out = cli("--as", ZHAO, "visit", "log", "6-1-204", "--needs", "代购降压药", "--kind", "phone")
    assert "XQ2026-00001" in out.stdout
    refused = cli("--as", ZHAO, "visit", "log", "5-1-101", code=1)
    assert "5-1-101" in refused.stderr and "辖区" in refused.stderr
    listed = json.loads(cli("--as", ZHAO, "visit", "list", "6-1-204", "--json").stdout)
    assert [(v["kind"], v["demand"], v["actor"]) for v in listed] == [
        ("phone", "XQ2026-00001", ZHAO)
    ]
    with session_scope(engine) as session:  # type: ignore[arg-type]
        demand = session.scalar(select(Demand))
        assert demand.wish and demand.household_id == 8 and demand.summary == "代购降压药"


def test_bad_input_writes_nothing(cli, ledger, monkeypatch, engine) -> None:
    at(monkeypatch, "2026-11-03T10:00")

    def links() -> tuple[int, int]:
        with session_scope(engine) as session:  # type: ignore[arg-type]
            return (
                session.scalar(select(func.count()).select_from(Visit)),
                session.scalar(select(func.count()).select_from(ChainLink)),
            )

    before = links()
    future = cli("--as", LI, "visit", "log", "5-1-101", "--on", "2026-11-04", code=1)
    assert "2026-11-04" in future.stderr and "--on" in future.stderr
    early = cli("--as", ZHANG, "visit", "log", "龙源社区/1-1-101", "--on", "2026-09-01", code=1)
    assert "登记日期 2026-09-20" in early.stderr
    outside = cli("--as", ZHANG, "visit", "log", "5-1-101", code=1)
    assert "不在 张强 的辖区内" in outside.stderr
    # A refused --needs leaves no demand either: the visit and the wish are one transaction.
    cli("--as", LI, "visit", "log", "5-1-101", "--on", "2030-01-01", "--needs", "轮椅", code=1)
    kind = cli("--as", LI, "visit", "log", "5-1-101", "--kind", "letter", code=2)
    assert "letter" in kind.stderr and "home" in kind.stderr
    english = cli(
        "--lang", "en", "--as", LI, "visit", "log", "5-1-101", "--on", "2027-01-01", code=1
    )
    assert "after today" in english.stderr
    assert links() == before
    with session_scope(engine) as session:  # type: ignore[arg-type]
        assert session.scalar(select(func.count()).select_from(Demand)) == 0


def test_visits_are_chained_and_checked(cli, ledger, monkeypatch, engine) -> None:
    at(monkeypatch, "2026-11-03T10:00")
    cli("--as", LI, "visit", "log", "5-1-101", "--note", "身体还好")
    assert cli("db", "check").exit_code == 0
    with session_scope(engine) as session:  # type: ignore[arg-type]
        session.execute(update(Visit).values(note="未走访"))
    checked = cli("db", "check", code=None)
    assert checked.exit_code != 0 and "走访记录 #1" in checked.stdout + checked.stderr


def test_plans_are_data_the_admin_changes(cli, ledger, monkeypatch) -> None:
    hand_month(cli, monkeypatch)
    cli("--as", LI, "visit", "plan", "残疾人", "--days", "60", code=1)  # not the admin's
    cli("visit", "plan", "残疾人", "--days", "60")
    assert due(cli, LI, "2026-12-01") == [(2, 7)]  # 10-25 + 60 is not due yet
    plans = json.loads(cli("visit", "plan", "--json").stdout)
    assert next(p for p in plans if p["tag"] == "残疾人")["days"] == 60
    cli("visit", "plan", "残疾人", code=2)  # neither --days nor --none
    cli("roster", "tag", "define", "失独家庭", "--en", "bereaved", "--days", "10")
    cli("--as", LI, "roster", "tag", "add", "5-1-104", "--tag", "失独家庭")
    assert "失独家庭" in cli("roster", "tag", "list").stdout
    assert len(VISITS) == 18


def test_the_month_workbook_has_the_visit_sheet_with_counts_only(
    cli, ledger, monkeypatch, tmp_path
) -> None:
    from openpyxl import load_workbook

    hand_month(cli, monkeypatch)
    at(monkeypatch, "2026-12-02T09:00")
    out = tmp_path / "台账.xlsx"
    cli("ledger", "export", "--month", "2026-11", "-o", str(out))
    sheet = load_workbook(out)["重点人群走访"]
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    header = [str(c).replace("\n", "") for c in next(r for r in rows if "网格" in r)]
    g001 = next(r for r in rows if "G001" in r)
    shown = dict(zip(header, g001, strict=True))
    assert shown["独居老人"] == 3 and shown["低保户"] == 2 and shown["党员户"] == 1
    assert (shown["重点户"], shown["走访次数"], shown["应访户数"], shown["按期走访户数"]) == (
        8,
        16,
        6,
        3,
    )
    assert shown["走访覆盖率"] == 0.5 and shown["期末逾期"] == 2
    text = " ".join(str(c) for r in rows for c in r)
    assert not any(name in text for name in ("张二", "5-1-102", "龙一"))


def test_visit_due_never_imports_the_orm(cli, ledger, monkeypatch) -> None:
    from test_startup import _run

    hand_month(cli, monkeypatch)
    monkeypatch.setenv("REDPROP_USER", LI)
    code, loaded, out, _ = _run("visit", "due", "--on", "2026-12-01")
    assert (code, loaded) == (0, []) and "5-1-104" in out
    code, loaded, out, _ = _run("--lang", "en", "visit", "due", "--on", "2026-12-01")
    assert (code, loaded) == (0, []) and "elderly living alone, minimum allowance" in out


def test_building_heads_are_attached_on_the_command_line(cli, ledger, monkeypatch) -> None:
    at(monkeypatch, "2026-11-03T10:00")
    cli("staff", "add", "钱楼", "--role", "building-head", "--unit", "G001", "--buildings", "5,6")
    cli("--as", "钱楼", "visit", "log", "5-1-101")
    cli("--as", "钱楼", "visit", "log", "6-1-201")
    missing = cli("staff", "add", "孙楼", "--role", "building-head", "--unit", "G001",
                  "--buildings", "5,9", code=2)  # fmt: skip
    assert "9" in missing.stderr and "org building list" in missing.stderr
    wrong = cli("staff", "add", "周网", "--role", "grid-worker", "--unit", "G001",
                "--buildings", "5", code=2)  # fmt: skip
    assert "building-head" in wrong.stderr
    assert "孙楼" not in cli("staff", "list").stdout  # refused whole: nobody registered


def test_a_deleted_visit_shows_in_db_check(cli, ledger, monkeypatch, engine) -> None:
    from sqlalchemy import delete

    at(monkeypatch, "2026-11-03T10:00")
    cli("--as", LI, "visit", "log", "5-1-101")
    with session_scope(engine) as session:  # type: ignore[arg-type]
        session.execute(delete(Visit))
    checked = cli("db", "check", code=None)
    assert checked.exit_code != 0 and "走访记录 #1" in checked.stdout + checked.stderr


def test_a_visit_note_is_bounded(cli, ledger, monkeypatch) -> None:
    at(monkeypatch, "2026-11-03T10:00")
    said = cli("--as", LI, "visit", "log", "5-1-101", "--note", "好" * 2001, code=2).stderr
    assert "2001" in said and "2000" in said
    assert json.loads(cli("--as", LI, "visit", "list", "5-1-101", "--json").stdout) == []
