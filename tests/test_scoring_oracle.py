"""The quarterly score against a brute-force oracle on random histories (as the figures' oracle
does): complaints of two companies, random steps (undo among them) across three quarters, and
each quarter's counts recomputed day by day from the raw events; and db check finds a score
item edited behind redprop's back."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import new_ledger_url, small_tree
from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.rules import Action
from redprop.cases.undo import undo
from redprop.core.db import open_ledger, session_scope
from redprop.core.errors import RedpropError
from redprop.core.models import Case, CaseEvent
from redprop.ledger.upkeep import init_ledger
from redprop.property.items import Quarter
from redprop.property.scores import board

ADMIN = "王敏"
ACTIONS = [
    (Action.accept, {}),
    (Action.escalate, {"reason": "上报"}),
    (Action.suspend, {"reason": "挂起"}),
    (Action.resume, {}),
    (Action.resolve, {"outcome": "维修", "agreement": "oral"}),
    (Action.resolve, {"outcome": "维修", "agreement": "oral"}),
    (Action.withdraw, {"reason": "撤回"}),
    (Action.visit, {"satisfaction": "satisfied", "fulfilled": "yes"}),
    (Action.visit, {"satisfaction": "basic", "fulfilled": "yes"}),
    (Action.visit, {"satisfaction": "unsatisfied", "fulfilled": "no"}),
    (Action.reopen, {"reason": "再起"}),
    ("undo", {}),
]
QUARTERS = [Quarter(2026, 3), Quarter(2026, 4), Quarter(2027, 1)]
RUNNING = {"registered", "in_progress"}


def _day_by_day_late(events: list[CaseEvent], resolved: date) -> bool:
    """Overdue before the resolve, found day by day: on some day up to the resolve's, the case
    stood (as of the days before) running with its due day already past; or it was supervised."""
    if any(e.action == "supervise" and e.at.date() <= resolved for e in events):
        return True
    day = events[0].at.date() + timedelta(days=1)
    while day <= resolved:
        standing = [e for e in events if e.at.date() < day]
        last = standing[-1]
        if last.state in RUNNING and last.due_on is not None and last.due_on < day:
            # the clock ran past due before the next step (which is dated this day or later)
            return True
        day += timedelta(days=1)
    return False


def oracle(s, quarter: Quarter) -> dict[str, Counter]:
    found: dict[str, Counter] = {}
    cases = s.execute(select(Case.id, Case.company_id)).all()
    names = {1: "嘉华物业", 2: "世纪之星物业"}
    for case_id, company_id in cases:
        if company_id is None:
            continue
        tally = found.setdefault(names[company_id], Counter())
        events = list(
            s.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case_id, CaseEvent.at < quarter.end)
                .order_by(CaseEvent.seq)
            )
        )
        if not events:
            continue
        undone = {json.loads(e.data).get("undoes") for e in events if e.action == "undo"}
        kept = [e for e in events if e.action != "undo" and e.seq not in undone]
        for e in kept:
            if e.action == "visit" and e.at >= quarter.start:
                sat = json.loads(e.data)["satisfaction"]
                tally["visit_unsatisfied" if sat == "unsatisfied" else "visit_satisfied"] += 1
        resolves = [e for e in kept if e.action == "resolve"]
        if not resolves or resolves[0].at < quarter.start or events[-1].state == "withdrawn":
            continue
        tally["case_substantiated"] += 1
        upto = [e for e in kept if e.seq <= resolves[0].seq]
        tally["case_overdue"] += _day_by_day_late(upto, resolves[0].at.date())
    return found


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(0, len(ACTIONS)),
            st.integers(60, 60 * 24 * 12),
        ),
        min_size=5,
        max_size=45,
    )
)
def test_the_score_matches_the_oracle(tmp_path_factory, monkeypatch, steps) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2027-03-31T20:00")
    engine = open_ledger(new_ledger_url(tmp_path_factory.mktemp("score")))
    clock = datetime(2026, 7, 6, 9, 0)
    numbers: list[str] = []
    with session_scope(engine) as s:
        init_ledger(s, street="新市区街道", admin=ADMIN)
        small_tree(s)
        for pick, index, minutes in steps:
            clock += timedelta(minutes=minutes)
            if index == len(ACTIONS) or not numbers:
                building, grid = ("5号楼", "G001") if pick % 2 else ("1栋", "G014")
                new = NewCase(
                    grid=grid,
                    category="物业纠纷",
                    severity="small",
                    summary="漏水",
                    parties=["甲"],
                    building=building,
                )
                numbers.append(register_case(s, new=new, actor=ADMIN, at=clock).number)
                continue
            action, facts = ACTIONS[index]
            number = numbers[pick % len(numbers)]
            try:
                with s.begin_nested():
                    if action == "undo":
                        undo(s, number=number, actor=ADMIN, at=clock)
                    else:
                        act(
                            s,
                            number=number,
                            action=action,
                            actor=ADMIN,
                            at=clock,
                            facts=Facts(**facts),
                        )  # type: ignore[arg-type]
            except RedpropError:
                pass
        for quarter in QUARTERS:
            expected = oracle(s, quarter)
            for score in board(s, quarter=quarter):
                want = expected.get(score.company, Counter())
                got = {
                    k: v for k, v in score.counts.items() if v and k.startswith(("case", "visit"))
                }
                assert got == {k: v for k, v in want.items() if v}, (quarter, score.company)
    engine.dispose()


def test_db_check_finds_an_edited_score_item(engine, monkeypatch) -> None:
    from sqlalchemy import text

    from redprop.core.models import Staff
    from redprop.ledger.upkeep import check_ledger
    from redprop.property.items import add_item
    from redprop.property.rules import load_rules

    with session_scope(engine) as s:
        small_tree(s)
        admin = s.scalar(select(Staff).where(Staff.name == ADMIN))
        add_item(
            s,
            company="嘉华物业",
            points=-5,
            reason="电梯停运",
            evidence=None,
            actor=admin,
            rules=load_rules(s),
        )
    assert check_ledger(engine).ok
    with engine.begin() as conn:
        conn.execute(text("UPDATE score_item SET points = 5"))
    problems = check_ledger(engine).problems
    assert (
        "积分项（#1）：积分项内容被改动；请从备份核对恢复",
        "Score items (#1): the score item was changed",
    ) in problems
