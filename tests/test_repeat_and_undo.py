"""Repeat disputes and undo (issue 19) on real, Alembic-migrated ledgers: every step of the
ladder taken back right after it leaves the case as it was; the refusals write nothing; a year of
cases with three repeat pairs gives the exact 重复纠纷 figures; a step undone after its month
closed stays in that month; phones are never stored."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from tests.test_case_matrix import ADMIN, EXPECTED, FACTS, TRY_AT, ledger, reach

from redprop.cases import actions as cases
from redprop.cases.actions import Facts, NewCase
from redprop.cases.log import verify_events
from redprop.cases.parties import related_cases, relations_of
from redprop.cases.rules import Action, State
from redprop.cases.undo import UndoRefused, my_history, undo
from redprop.core.chain import verify_links
from redprop.core.config import parse_time
from redprop.core.models import Case, CaseEvent
from redprop.figures.period import Period, month_period
from redprop.figures.report import report
from redprop.roster.households import find_household

_ = ledger  # the fixture: the Yumen tree, its staff, REDPROP_NOW 2026-11-20 18:00

STATUS = (
    Case.state,
    Case.level,
    Case.due_on,
    Case.yellow_on,
    Case.clock_start,
    Case.limit_days,
    Case.paused_days,
    Case.suspended_on,
    Case.supervised,
)


def status(session: Session, number: str) -> tuple[Any, ...]:
    return tuple(session.execute(select(*STATUS).where(Case.number == number)).one())


def events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CaseEvent)) or 0


@pytest.mark.parametrize(
    ("source", "action"), sorted(EXPECTED, key=str), ids=[f"{s.value}-{a.value}" for s, a in sorted(EXPECTED, key=str)]
)  # fmt: skip
def test_every_step_undone_right_after_leaves_the_case_as_it_was(
    ledger: Session, source: State, action: Action
) -> None:
    number = reach(ledger, source)
    before = status(ledger, number)
    cases.act(ledger, number=number, action=action, actor=ADMIN, facts=FACTS[action], at=TRY_AT)
    assert status(ledger, number) != before or action in (Action.note,)
    event = undo(ledger, number=number, actor=ADMIN, at=TRY_AT + timedelta(minutes=1))
    assert status(ledger, number) == before
    assert json.loads(event.data) == {"undoes": event.seq - 1, "action": action.value}
    assert (event.action, event.state) == ("undo", before[0])
    assert verify_events(ledger) == []
    assert verify_links(ledger)[0] == []


def test_what_can_not_be_undone_is_refused_and_nothing_is_written(
    ledger: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = reach(ledger, State.registered)

    def refused(actor: str, why: str) -> None:
        count, before = events(ledger), status(ledger, number)
        with pytest.raises(UndoRefused) as err:
            undo(ledger, number=number, actor=actor, at=TRY_AT + timedelta(minutes=5))
        assert err.value.zh == f"不能撤回案件 {number} 的步骤：{why}"
        assert (events(ledger), status(ledger, number)) == (count, before)

    refused(ADMIN, "登记不能撤回；登记错了请用 redprop case withdraw 撤销")
    cases.act(ledger, number=number, action=Action.accept, actor=ADMIN, at=TRY_AT)
    refused("周社区", "您没有办理过这件案件")  # someone else's step
    cases.act(ledger, number=number, action=Action.note, actor="周社区", facts=FACTS[Action.note], at=TRY_AT)  # fmt: skip
    refused(ADMIN, "您的第 2 步（受理）之后，周社区 又办理了（第 3 步）；只能撤回案件的最后一步")
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:31:00")  # the note was recorded at 18:00
    refused("周社区", "第 3 步（调解记录）已超过 30 分钟，不能撤回；请按办理流程更正（如 reopen）")
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:29:00")
    undo(ledger, number=number, actor="周社区", at=TRY_AT + timedelta(minutes=1))
    refused("周社区", "最后一步已是撤回，不能再撤回")  # twice


def test_history_says_what_can_still_be_undone(
    ledger: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = reach(ledger, State.registered)
    cases.act(ledger, number=number, action=Action.accept, actor=ADMIN, at=TRY_AT)
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:12:00")
    rows = my_history(ledger, actor=ADMIN)
    assert [(r["seq"], r["action"], r["undo"], r["minutes_left"]) for r in rows] == [
        (2, "accept", "undoable", 18),
        (1, "register", "final", None),
    ]
    undo(ledger, number=number, actor=ADMIN, at=TRY_AT + timedelta(minutes=1))
    assert [r["undo"] for r in my_history(ledger, actor=ADMIN)] == ["undone", "final"]


# ---------------------------------------------------------------------------------------------
# Figures: an undone step never happened, unless its month closed before the undo


def _register(s: Session, at: str, **kw: Any) -> str:
    new = NewCase(
        grid=kw.pop("grid", "G001"),
        category="邻里纠纷",
        severity="small",
        summary=kw.pop("summary", "楼上漏水"),
        parties=kw.pop("parties", ["张三"]),
        **kw,
    )
    return cases.register_case(s, new=new, actor=ADMIN, at=parse_time(at)).number


def test_a_step_undone_after_its_month_closed_stays_in_that_month(
    ledger: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = _register(ledger, "2026-11-20T09:00")
    cases.act(ledger, number=number, action=Action.accept, actor=ADMIN, at=parse_time("2026-11-20T10:00"))  # fmt: skip
    resolved = Facts(outcome="达成协议", agreement="oral")
    monkeypatch.setenv("REDPROP_NOW", "2026-11-30T23:50:00")
    cases.act(ledger, number=number, action=Action.resolve, actor=ADMIN, facts=resolved, at=parse_time("2026-11-30T23:50"))  # fmt: skip
    november = report(ledger, period=month_period("2026-11"), today=date(2026, 12, 15))
    monkeypatch.setenv("REDPROP_NOW", "2026-12-01T00:05:00")
    undo(ledger, number=number, actor=ADMIN, at=parse_time("2026-12-01T00:05"))
    again = report(ledger, period=month_period("2026-11"), today=date(2026, 12, 15))
    assert again.as_json()["figures"] == november.as_json()["figures"]
    assert november.figures["resolved"] == 1
    december = report(ledger, period=month_period("2026-12"), today=date(2026, 12, 15))
    f = december.figures
    # December never saw the resolve: the case is open all month, carried over.
    assert (f["carried_over"], f["resolved"], f["open_at_end"]) == (1, 0, 1)


def test_a_step_undone_in_its_month_never_happened(ledger: Session) -> None:
    number = _register(ledger, "2026-11-20T09:00")
    cases.act(ledger, number=number, action=Action.accept, actor=ADMIN, at=parse_time("2026-11-20T10:00"))  # fmt: skip
    cases.act(ledger, number=number, action=Action.escalate, actor=ADMIN, facts=FACTS[Action.escalate], at=parse_time("2026-11-20T11:00"))  # fmt: skip
    undo(ledger, number=number, actor=ADMIN, at=parse_time("2026-11-20T11:05"))
    f = report(ledger, period=month_period("2026-11"), today=date(2026, 11, 30)).figures
    assert (f["registered"], f["escalations"], f["open_at_end"]) == (1, 0, 1)


# ---------------------------------------------------------------------------------------------
# Repeat disputes


@pytest.fixture
def roster(ledger: Session) -> Session:
    """Two households of 铁人路社区 in building 5 (grid G001)."""
    from redprop.core.models import Building, Household

    building = ledger.scalar(select(Building).where(Building.number == "5"))
    assert building is not None
    for room, head in (("301", "罗玉福"), ("302", "潘磊")):
        ledger.add(
            Household(
                community_id=building.community_id,
                grid_id=building.grid_id,
                building_id=building.id,
                unit="2",
                room=room,
                head_name=head,
            )
        )
    ledger.flush()
    return ledger


def test_a_year_with_three_repeat_pairs_gives_the_exact_figures(roster: Session) -> None:
    s = roster
    # Pair 1, the same address: building 5, unit 2, room 301, in March and June.
    _register(s, "2026-03-02T09:00", building="5", unit="2", room="301")
    june = _register(s, "2026-06-01T09:00", building="5", unit="2", room="301", summary="又漏水")
    # Pair 2, the same household named as a party: 5-2-302 in April and September.
    _register(s, "2026-04-01T09:00", parties=["铁人路社区/5-2-302", "李四"])
    september = _register(s, "2026-09-01T09:00", parties=["5-2-302"], summary="噪音")
    # Pair 3, the same phone under two names, in May and November, in two grids.
    _register(s, "2026-05-06T09:00", parties=["王强 13912345678"])
    november = _register(s, "2026-11-02T09:00", grid="G014", parties=["王小强（13912345678）"])
    # Not a pair: the same address thirteen months apart; unrelated cases.
    _register(s, "2025-01-05T09:00", building="6", room="101")
    _register(s, "2026-02-09T09:00", building="6", room="101")
    _register(s, "2026-07-01T09:00", parties=["赵六"])
    assert relations_of(s, s.scalar(select(Case.id).where(Case.number == june))) == {
        "2026-00001": "address"
    }
    assert list(relations_of(s, _id(s, september)).values()) == ["household"]
    assert list(relations_of(s, _id(s, november)).values()) == ["phone"]
    whole = Period(datetime(2026, 1, 1), datetime(2027, 1, 1))
    year = report(s, period=whole, today=date(2026, 12, 31)).figures
    assert (year["registered"], year["repeat"], year["repeat_rate"]) == (8, 3, 3 / 8)
    by_month = {
        m: report(s, period=month_period(f"2026-{m:02d}"), today=date(2026, 12, 31)).figures["repeat"]
        for m in range(1, 13)
    }  # fmt: skip
    assert by_month == {m: 1 if m in (6, 9, 11) else 0 for m in range(1, 13)}
    related = related_cases(s, "2026-00003")  # the April case sees September's after it
    assert [(r["number"], r["why"]) for r in related["related"]] == [(september, "household")]


def _id(s: Session, number: str) -> int:
    return s.scalar(select(Case.id).where(Case.number == number))  # type: ignore[return-value]


def test_a_link_by_hand_makes_a_repeat_and_a_later_case_can_not_be_linked(roster: Session) -> None:
    s = roster
    first = _register(s, "2026-11-02T09:00", parties=["钱七"])
    second = _register(s, "2026-11-09T09:00", parties=["孙八"], links=[first])
    assert relations_of(s, _id(s, second)) == {first: "link"}
    with pytest.raises(Exception, match="登记在本案之后"), s.begin_nested():
        _register(s, "2026-10-01T09:00", parties=["周九"], links=[second])


def test_phones_are_kept_only_as_keyed_hashes(roster: Session) -> None:
    s = roster
    _register(s, "2026-11-02T09:00", parties=["王强 13912345678"])
    s.flush()
    for table in ("dispute", "case_event", "case_party", "chain_link", "case_relation"):
        for row in s.execute(text(f"SELECT * FROM {table}")):
            assert "13912345678" not in " ".join(str(v) for v in row), table
    party = s.execute(text("SELECT name, phone_hash FROM case_party")).one()
    assert party[0] == "王强" and len(party[1]) == 64


def test_the_cli_says_a_repeat_on_registration_and_lists_repeats(roster: Session, cli: Any) -> None:
    roster.commit()
    args = ["case", "new", "--grid", "G001", "--category", "邻里纠纷", "--severity", "small"]
    args += ["--summary", "漏水", "--building", "5", "--unit", "2", "--room", "301"]
    first = cli(*args, "--party", "张三", "--at", "2026-11-02T09:00")
    assert first.stdout.strip() == "2026-00001" and "已有" not in first.stderr
    second = cli(*args, "--party", "铁人路社区/5-2-301", "--at", "2026-11-03T09:00")
    assert second.stdout.strip() == "2026-00002"
    assert second.stderr.strip() == (
        "同一住户近 12 个月已有 1 件纠纷：2026-00001；用 redprop case related 2026-00002 查看"
    )
    shown = cli("case", "show", "2")
    assert "罗玉福户（5号楼2单元301室）" in shown.stdout
    listed = cli("case", "list", "--repeat")
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()[1:]] == ["2026-00002"]
    related = cli("case", "related", "1", "--json")
    assert json.loads(related.stdout)["related"][0]["number"] == "2026-00002"
    undone = cli("case", "undo", "2", code=1)
    assert undone.exit_code == 1
    assert "登记不能撤回" in undone.stderr


def test_find_household_still_finds_by_number_and_address(roster: Session) -> None:
    assert find_household(roster, "铁人路社区/5-2-301").head_name == "罗玉福"
    assert find_household(roster, "5-2-302").head_name == "潘磊"
    with pytest.raises(Exception, match="没有名为“无此社区”的社区"):
        find_household(roster, "无此社区/5-2-301")
