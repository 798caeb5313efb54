"""Monthly figures from constructed histories, asserted exactly; the identity on random
histories; closed months unchanged by later events."""

from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import new_ledger_url
from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.rules import Action
from redprop.cases.undo import undo
from redprop.core.config import parse_time
from redprop.core.db import open_ledger, session_scope
from redprop.core.errors import RedpropError
from redprop.figures.period import month_period
from redprop.figures.report import report
from redprop.ledger.upkeep import init_ledger
from redprop.units import edit

ADMIN = "王敏"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-12-31T23:00")


def tree(s) -> None:
    edit.add_community(s, name="铁人路社区")
    edit.add_community(s, name="龙源社区")
    edit.add_grid(s, code="G001", name="天昊网格", community="铁人路社区")
    edit.add_grid(s, code="G014", name="龙源第1网格", community="龙源社区")


def new(
    s, at: str, *, grid: str = "G001", severity: str = "small", category: str = "邻里纠纷"
) -> str:
    case = NewCase(
        grid=grid, category=category, severity=severity, summary="纠纷", parties=["甲", "乙"]
    )
    return register_case(s, new=case, actor=ADMIN, at=parse_time(at)).number


def do(s, number: str, action: Action, at: str, **facts: object) -> None:
    act(s, number=number, action=action, actor=ADMIN, at=parse_time(at), facts=Facts(**facts))  # type: ignore[arg-type]


def resolve(s, number: str, at: str) -> None:
    do(s, number, Action.resolve, at, outcome="达成协议", agreement="oral")


def figures(s, month: str, **kw: str) -> dict:
    return report(s, period=month_period(month), **kw).as_json()


def test_the_yumen_figure_88_found_84_resolved_4_being_worked_on(session) -> None:
    tree(session)
    numbers = [new(session, f"2022-06-{1 + i % 28:02d}T09:00") for i in range(88)]
    for n in numbers:
        do(session, n, Action.accept, "2022-06-29T09:00")
    for n in numbers[:84]:
        resolve(session, n, "2022-06-30T10:00")
    f = figures(session, "2022-06")["figures"]
    assert {
        k: f[k]
        for k in (
            "carried_over",
            "registered",
            "reopened",
            "resolved",
            "referred",
            "withdrawn",
            "open_at_end",
        )
    } == {
        "carried_over": 0,
        "registered": 88,
        "reopened": 0,
        "resolved": 84,
        "referred": 0,
        "withdrawn": 0,
        "open_at_end": 4,
    }
    assert f["resolution_rate"] == pytest.approx(84 / 88)
    assert f["resolved_by_level"] == {"grid": 84, "community": 0, "street": 0, "city": 0}
    assert f["small_kept_in_grid_rate"] == 1.0 and f["kept_within_street_rate"] == 1.0
    # Registered 1-28 June, limit 5 working days: those registered before 23 June were late.
    assert f["on_time_rate"] == pytest.approx(sum(1 for i in range(84) if 1 + i % 28 >= 23) / 84)


def test_a_closed_month_is_unchanged_by_later_events(session) -> None:
    tree(session)
    a = new(session, "2026-10-05T09:00")
    b = new(session, "2026-10-06T09:00", grid="G014", severity="major", category="物业纠纷")
    c = new(session, "2026-10-07T09:00")
    do(session, a, Action.accept, "2026-10-08T09:00")
    resolve(session, a, "2026-10-09T09:00")
    do(session, b, Action.accept, "2026-10-08T09:00")
    do(session, c, Action.withdraw, "2026-10-20T09:00", reason="当事人撤回")
    october = figures(session, "2026-10")
    assert october["figures"] | {} == october["figures"]
    assert {
        k: october["figures"][k]
        for k in ("registered", "resolved", "withdrawn", "open_at_end", "overdue_at_end")
    } == {
        "registered": 3,
        "resolved": 1,
        "withdrawn": 1,
        "open_at_end": 1,
        "overdue_at_end": 1,
    }
    assert october["by_unit"] == [
        {
            "unit": "铁人路社区",
            "figures": figures(session, "2026-10", community="铁人路社区")["figures"],
        },
        {
            "unit": "龙源社区",
            "figures": figures(session, "2026-10", community="龙源社区")["figures"],
        },
    ]
    # November: everything changes.
    do(session, b, Action.escalate, "2026-11-02T09:00", reason="需街道协调")
    do(session, a, Action.reopen, "2026-11-03T09:00", reason="纠纷再起")
    do(session, c, Action.reopen, "2026-11-04T09:00", reason="误撤")
    resolve(session, a, "2026-11-05T09:00")
    assert figures(session, "2026-10") == october
    november = figures(session, "2026-11")["figures"]
    assert {
        k: november[k]
        for k in (
            "carried_over",
            "registered",
            "reopened",
            "resolved",
            "open_at_end",
            "escalations",
        )
    } == {
        "carried_over": 1,
        "registered": 0,
        "reopened": 2,
        "resolved": 1,
        "open_at_end": 2,
        "escalations": 1,
    }


def test_a_case_suspended_over_the_month_end(session) -> None:
    tree(session)
    n = new(session, "2026-10-20T09:00")
    do(session, n, Action.accept, "2026-10-20T10:00")
    do(session, n, Action.suspend, "2026-10-22T10:00", reason="当事人外出")
    october = figures(session, "2026-10")["figures"]
    # Open at the end, but suspended: not overdue although its 5 days ran out on 27 October.
    assert (october["open_at_end"], october["overdue_at_end"], october["yellow_at_end"]) == (
        1,
        0,
        0,
    )
    do(session, n, Action.resume, "2026-11-10T09:00")
    november = figures(session, "2026-11")["figures"]
    assert (november["carried_over"], november["open_at_end"]) == (1, 1)
    # Resumed on 10 Nov having used 2 of 5 days (21, 22 Oct): due 13 Nov, so overdue by the 30th.
    assert november["overdue_at_end"] == 1
    assert figures(session, "2026-10")["figures"] == october


def test_a_case_reopened_in_the_month_after_being_resolved_before_it(session) -> None:
    tree(session)
    n = new(session, "2026-09-01T09:00")
    do(session, n, Action.accept, "2026-09-01T10:00")
    resolve(session, n, "2026-09-02T10:00")
    do(session, n, Action.visit, "2026-09-20T10:00", satisfaction="satisfied", fulfilled="yes")
    assert figures(session, "2026-10")["figures"]["carried_over"] == 0
    do(session, n, Action.reopen, "2026-11-05T09:00", reason="协议未履行")
    november = figures(session, "2026-11")["figures"]
    assert (
        november["carried_over"],
        november["registered"],
        november["reopened"],
        november["open_at_end"],
    ) == (0, 0, 1, 1)
    # A visit that sends a resolved case back to work counts as reopening too.
    m = new(session, "2026-09-03T09:00")
    do(session, m, Action.accept, "2026-09-03T10:00")
    resolve(session, m, "2026-09-04T10:00")
    do(session, m, Action.visit, "2026-11-06T10:00", satisfaction="unsatisfied", fulfilled="no")
    assert figures(session, "2026-11")["figures"]["reopened"] == 2


ORACLE_KEYS = (
    "carried_over",
    "registered",
    "reopened",
    "open_at_end",
    "resolved",
    "referred",
    "withdrawn",
    "escalations",
)
OPEN = ("registered", "in_progress", "suspended")
CLASS = {
    "registered": "open_at_end",
    "in_progress": "open_at_end",
    "suspended": "open_at_end",
    "resolved": "resolved",
    "closed": "resolved",
    "referred": "referred",
    "withdrawn": "withdrawn",
}


def _undone_across(s) -> set[str]:
    """The months that closed with a step their successor's undo took back."""
    from sqlalchemy import select

    from redprop.core.models import CaseEvent

    at = {(e.case_id, e.seq): e for e in s.scalars(select(CaseEvent))}
    return {
        f"{at[(cid, seq - 1)].at:%Y-%m}"
        for (cid, seq), e in at.items()
        if e.action == "undo" and f"{at[(cid, seq - 1)].at:%Y-%m}" != f"{e.at:%Y-%m}"
    }


def oracle(s, month: str) -> dict[str, int]:
    """The figures by brute force: every event of every case, replayed from the start."""
    from sqlalchemy import select

    from redprop.core.models import CaseEvent

    period = month_period(month)
    counts = dict.fromkeys(ORACLE_KEYS, 0)
    events: dict[int, list[CaseEvent]] = {}
    for e in s.scalars(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)):
        events.setdefault(e.case_id, []).append(e)
    for history in events.values():
        # As of the month's end: an undo made by then takes its step with it (it never
        # happened); a step undone only later stands in this month.
        history = [e for e in history if e.at < period.end]
        undone = {e.seq - 1 for e in history if e.action == "undo"}
        history = [e for e in history if e.action != "undo" and e.seq not in undone]
        before = [e for e in history if e.at < period.start]
        within = [e for e in history if period.start <= e.at < period.end]
        start_state = before[-1].state if before else None
        if start_state in OPEN:
            entry = "carried_over"
        elif any(e.action == "register" for e in within):
            entry = "registered"
        elif any(e.from_state and e.from_state not in OPEN and e.state in OPEN for e in within):
            entry = "reopened"
        else:
            continue
        counts[entry] += 1
        counts[CLASS[(before + within)[-1].state]] += 1
        counts["escalations"] += sum(e.action == "escalate" for e in within)
    return counts


ACTIONS = [
    (Action.accept, {}),
    (Action.escalate, {"reason": "上报"}),
    (Action.assign, {"to_level": "grid", "reason": "交办"}),
    (Action.suspend, {"reason": "挂起"}),
    (Action.resume, {}),
    (Action.resolve, {"outcome": "化解", "agreement": "written"}),
    (Action.refer, {"to": "法院"}),
    (Action.withdraw, {"reason": "撤回"}),
    (Action.visit, {"satisfaction": "satisfied", "fulfilled": "yes"}),
    (Action.visit, {"satisfaction": "unsatisfied", "fulfilled": "no"}),
    (Action.reopen, {"reason": "再起"}),
    ("undo", {}),  # one's own last step taken back (cases/undo): figures as if never taken
]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, len(ACTIONS)),
            st.integers(1, 60 * 24 * 4),
            st.sampled_from(["small", "major", "hard"]),
        ),
        min_size=5,
        max_size=60,
    )
)
def test_the_identity_holds_and_each_month_carries_into_the_next(tmp_path_factory, steps) -> None:
    engine = open_ledger(new_ledger_url(tmp_path_factory.mktemp("fig")))
    clock = datetime(2026, 8, 25, 9, 0)
    numbers: list[str] = []
    with session_scope(engine) as s:
        init_ledger(s, street="新市区街道", admin=ADMIN)
        tree(s)
        for pick, action_index, minutes, severity in steps:
            clock += timedelta(minutes=minutes)
            at = clock.isoformat(timespec="minutes")
            if action_index == len(ACTIONS) or not numbers:
                numbers.append(new(s, at, grid="G001" if pick % 2 else "G014", severity=severity))
                continue
            action, facts = ACTIONS[action_index]
            try:
                with s.begin_nested():
                    if action == "undo":
                        undo(s, number=numbers[pick % len(numbers)], actor=ADMIN, at=parse_time(at))
                    else:
                        do(s, numbers[pick % len(numbers)], action, at, **facts)
            except RedpropError:
                pass
        months = ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
        results = [figures(s, m) for m in months]
        for month, result in zip(months, results, strict=True):
            assert {k: result["figures"][k] for k in ORACLE_KEYS} == oracle(s, month)
        crossed = _undone_across(s)
    engine.dispose()
    for result in [r for r in results] + [u for r in results for u in r["by_unit"]]:
        f = result["figures"]
        assert f["carried_over"] + f["registered"] + f["reopened"] == (
            f["open_at_end"] + f["resolved"] + f["referred"] + f["withdrawn"]
        )
        assert sum(f["resolved_by_level"].values()) == f["resolved"]
    for (month, before), after in itertools.pairwise(zip(months, results, strict=True)):
        if month in crossed:
            continue  # a step of this month undone in the next: this month keeps it, the next not
        assert after[1]["figures"]["carried_over"] == before["figures"]["open_at_end"]
    assert sum(r["figures"]["registered"] for r in results) == len(numbers)
    assert os.environ["REDPROP_NOW"] == "2026-12-31T23:00"
