"""Issue 15: the official calendar. Due dates count the State Council's holidays and 调休 working
days from chinese-calendar; the ledger's own entries override them; a year the package doesn't
know is said once, on stderr; `calendar show --year` lists the year's days and where they
come from."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest

from redprop.core.workdays import Calendar


@pytest.fixture
def street(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:00")
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")


NEW = ["case", "new", "--grid", "G003", "--category", "邻里纠纷", "--severity", "small"]
NEW += ["--summary", "漏水", "--party", "张三", "--json"]


def _nth_workday(start: date, n: int) -> date:
    """The n-th working day after `start` by chinese_calendar itself."""
    day = start
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def test_due_dates_across_national_day_2026_follow_the_official_schedule(cli, street) -> None:
    # Registered on 2026-09-30; a grid case has 5 working days. 10-01..07 are holidays, and
    # 2026-10-10 (a Saturday) is a 调休 working day.
    due = json.loads(cli(*NEW, "--at", "2026-09-30T09:00").stdout)["due_at"]
    assert due == _nth_workday(date(2026, 9, 30), 5).isoformat() == "2026-10-13"
    # The ledger's own entry wins: the 调休 Saturday taken back makes it a day later.
    cli("calendar", "add", "2026-10-10", "--holiday", "--name", "本地调整")
    due = json.loads(cli(*NEW, "--at", "2026-09-30T10:00").stdout)["due_at"]
    assert due == "2026-10-14"


def test_the_calendar_matches_the_package_for_every_day_it_knows(cli, street) -> None:
    from conftest import ledger_url
    from redprop.cases.settings import load_calendar
    from redprop.core.db import open_ledger, session_scope

    engine = open_ledger(ledger_url())
    with session_scope(engine, write=False) as s:
        cal: Calendar = load_calendar(s)
    engine.dispose()
    day = date(2024, 1, 1)
    while day <= date(2026, 12, 31):
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_calendar_show_lists_the_year_and_its_sources(cli, street) -> None:
    cli("calendar", "add", "2026-11-26", "--holiday", "--name", "社区活动日")
    shown = json.loads(cli("calendar", "show", "--year", "2026", "--json").stdout)
    assert shown["official"] is True
    days = {d["day"]: d for d in shown["days"]}
    assert days["2026-10-01"] == {
        "day": "2026-10-01",
        "kind": "holiday",
        "name": "国庆节",
        "source": "official",
    }
    assert days["2026-10-10"]["kind"] == "workday"
    assert days["2026-11-26"]["source"] == "ledger"
    text = cli("calendar", "show", "--year", "2026").stdout
    assert "国庆节" in text and "国家安排" in text and "本账本" in text


def test_a_year_not_yet_published_is_said_once(cli, street, monkeypatch) -> None:
    year = max(chinese_calendar.constants.holidays).year + 1
    monkeypatch.setenv("REDPROP_NOW", f"{year}-03-02T18:00")
    result = cli(*NEW[:-1], "--at", f"{year}-03-02T09:00")
    assert result.stderr.count(f"提示：{year} 年的法定节假日安排尚未收录") == 1
    said = cli("calendar", "show", "--year", str(year)).stderr
    assert said.startswith(f"提示：{year} 年的法定节假日安排尚未收录")
