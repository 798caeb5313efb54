"""The service lists (issue 6): demands through their transition matrix on a real ledger, facts,
who and when checked before anything is written, wishes and numbers. REDPROP_NOW fixes the
clock. Random histories, figures, the Excel round trip and the commands: test_service_lists_*."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from redprop.core.errors import NotFound, RedpropError, UsageProblem
from redprop.core.models import DemandEvent, ServiceRecord
from redprop.servicelists.demands import (
    DemandFacts,
    add_demand,
    get_demand,
    list_demands,
    step_demand,
)
from redprop.servicelists.provision import add_resource
from redprop.servicelists.rules import TRANSITIONS, DemandAction, DemandRefused, DemandState
from service_lists_helpers import (
    ACTION_ZH,
    ADD,
    ADMIN,
    ALLOWED,
    ALLOWED_EN,
    ALLOWED_ZH,
    CANCEL,
    CANCELLED,
    CLAIM,
    CLAIMED,
    EXPECTED,
    FACTS,
    FULFIL,
    FULFILLED,
    LAST_AT,
    OPEN,
    PATHS,
    REOPEN,
    STATE_ZH,
    TRY_AT,
    add,
    assert_nothing_written,
    clock_fixture,  # noqa: F401  (the fixture `clock`, autouse: REDPROP_NOW)
    ledger_fixture,  # noqa: F401  (the fixture `ledger`)
    reach,
    snapshot,
    step,
    t,
)

# ---------------------------------------------------------------------------------------------
# 1. The transition matrix through the real service


def test_the_table_is_the_issue_s_table() -> None:
    assert dict(TRANSITIONS) == EXPECTED


def test_paths_reach_their_states(ledger: Session) -> None:
    for state, path in PATHS.items():
        number = reach(ledger, state)
        demand = get_demand(ledger, number)
        assert (demand.event_count, demand.last_at) == (1 + len(path), LAST_AT[state])


MATRIX = [(s, a) for s in [None, *DemandState] for a in DemandAction]


@pytest.mark.parametrize(
    ("source", "action"),
    MATRIX,
    ids=[f"{s.value if s else 'none'}-{a.value}" for s, a in MATRIX],
)
def test_demand_matrix(ledger: Session, source: DemandState | None, action: DemandAction) -> None:
    if source is None:
        if action is ADD:
            before = snapshot(ledger, None)
            demand = add_demand(
                ledger, grid="G001", category="助老", summary="代购药品", actor=ADMIN, at=TRY_AT
            )
            assert demand.number == "XQ2026-00001"
            assert (demand.state, demand.event_count, demand.last_at) == ("open", 1, TRY_AT)
            assert (demand.created_at, demand.wish, demand.claimed_by) == (TRY_AT, False, None)
            event = ledger.scalars(select(DemandEvent)).one()
            assert (event.seq, event.action, event.from_state, event.state) == (
                1,
                "add",
                None,
                "open",
            )
            assert (event.actor, event.at, json.loads(event.data)) == (
                ADMIN,
                TRY_AT,
                {"wish": False},
            )
            assert snapshot(ledger, None)[:3] == (before[0] + 1, before[1] + 1, before[2])
            return
        # No such demand: refused by name, nothing written.
        before = snapshot(ledger, None)
        with pytest.raises(NotFound) as err:
            step_demand(
                ledger,
                number="XQ2026-00099",
                action=action,
                actor=ADMIN,
                facts=FACTS[action],
                at=TRY_AT,
            )
        assert "XQ2026-00099" in err.value.zh and "XQ2026-00099" in err.value.en
        assert_nothing_written(ledger, before, None)
        return

    number = reach(ledger, source)
    demand = get_demand(ledger, number)
    expected = EXPECTED.get((source, action))
    if expected is None:
        before = snapshot(ledger, number)
        with pytest.raises(DemandRefused) as err:
            step_demand(
                ledger, number=number, action=action, actor=ADMIN, facts=FACTS[action], at=TRY_AT
            )
        assert err.value.zh == (
            f"不能对{STATE_ZH[source]}的需求 {number} 执行{ACTION_ZH[action]}；"
            f"此状态下可以：{ALLOWED_ZH[source]}"
        )
        assert err.value.en == (
            f"Can't {action.value} demand {number}: it is {source.value}; "
            f"allowed now: {ALLOWED_EN[source]}"
        )
        assert_nothing_written(ledger, before, number)
        return

    count = demand.event_count
    records = ledger.scalar(select(func.count()).select_from(ServiceRecord))
    event = step_demand(
        ledger, number=number, action=action, actor=ADMIN, facts=FACTS[action], at=TRY_AT
    )
    assert (demand.state, demand.event_count, demand.last_at) == (expected.value, count + 1, TRY_AT)
    assert (event.seq, event.action, event.from_state, event.state) == (
        count + 1,
        action.value,
        source.value,
        expected.value,
    )
    assert (event.actor, event.at) == (ADMIN, TRY_AT)
    reason, data, claimed_by = {
        CLAIM: ("杨红军", {"by": "杨红军", "resource": None}, "杨红军"),
        FULFIL: ("药品已送到家", {"satisfaction": "satisfied"}, "杨红军"),
        CANCEL: ("居民已自行解决", {}, "杨红军" if source is CLAIMED else None),
        REOPEN: ("需求再次出现", {}, None),
    }[action]
    assert (event.reason, json.loads(event.data), demand.claimed_by) == (reason, data, claimed_by)
    # Stored, in order, with nothing else.
    assert [
        (e.seq, e.state) for e in ledger.scalars(select(DemandEvent).order_by(DemandEvent.seq))
    ][-1] == (count + 1, expected.value)
    assert ledger.scalar(select(func.count()).select_from(ServiceRecord)) == records


def test_a_claim_by_a_resource_number_records_the_provider(ledger: Session) -> None:
    resource = add_resource(
        ledger, provider="嘉华物业", provider_type="company", kind="people", summary="水电维修"
    )
    number = reach(ledger, OPEN)
    event = step_demand(
        ledger,
        number=number,
        action=CLAIM,
        actor=ADMIN,
        facts=DemandFacts(by=resource.number),
        at=TRY_AT,
    )
    demand = get_demand(ledger, number)
    assert (demand.claimed_by, demand.resource_id) == ("嘉华物业", resource.id)
    assert json.loads(event.data) == {"by": "嘉华物业", "resource": "ZY-0001"}
    step(ledger, number, CANCEL, TRY_AT, reason="撤回")
    step(ledger, number, REOPEN, TRY_AT, reason="再次反映")
    assert (demand.claimed_by, demand.resource_id) == (None, None)


MISSING = [
    (OPEN, CLAIM, DemandFacts(), "--by"),
    (OPEN, CLAIM, DemandFacts(by="   "), "--by"),
    (CLAIMED, FULFIL, DemandFacts(satisfaction="satisfied"), "--feedback"),
    (CLAIMED, FULFIL, DemandFacts(feedback="已送达"), "--satisfaction"),
    (CLAIMED, FULFIL, DemandFacts(feedback="已送达", satisfaction=" "), "--satisfaction"),
    (OPEN, CANCEL, DemandFacts(), "--reason"),
    (CLAIMED, CANCEL, DemandFacts(reason="  "), "--reason"),
    (FULFILLED, REOPEN, DemandFacts(), "--reason"),
    (CANCELLED, REOPEN, DemandFacts(feedback="not a reason"), "--reason"),
]


@pytest.mark.parametrize(
    ("source", "action", "facts", "option"),
    MISSING,
    ids=[f"{s.value}-{a.value}-{i}" for i, (s, a, _, _) in enumerate(MISSING)],
)
def test_missing_facts_are_refused(
    ledger: Session,
    source: DemandState,
    action: DemandAction,
    facts: DemandFacts,
    option: str,
) -> None:
    number = reach(ledger, source)
    before = snapshot(ledger, number)
    with pytest.raises(DemandRefused) as err:
        step_demand(ledger, number=number, action=action, actor=ADMIN, facts=facts, at=TRY_AT)
    assert err.value.zh.startswith(
        f"不能对{STATE_ZH[source]}的需求 {number} 执行{ACTION_ZH[action]}：需要 {option}"
    )
    assert err.value.en == f"Can't {action.value} demand {number}: {option} is required"
    assert_nothing_written(ledger, before, number)


def test_a_bad_satisfaction_value_is_refused(ledger: Session) -> None:
    number = reach(ledger, CLAIMED)
    before = snapshot(ledger, number)
    with pytest.raises(UsageProblem) as err:
        step_demand(
            ledger,
            number=number,
            action=FULFIL,
            actor=ADMIN,
            facts=DemandFacts(feedback="已送达", satisfaction="很好"),
            at=TRY_AT,
        )
    assert "满意度" in err.value.zh and "很好" in err.value.zh
    assert "satisfied, basic, unsatisfied" in err.value.en
    assert_nothing_written(ledger, before, number)


WHO_AND_WHEN = ["no actor", "empty actor", "unregistered actor", "future", "before last step"]


@pytest.mark.parametrize(
    ("source", "action"), ALLOWED, ids=[f"{s.value}-{a.value}" for s, a in ALLOWED]
)
def test_who_and_when_are_checked_before_anything_is_written(
    ledger: Session, source: DemandState, action: DemandAction
) -> None:
    """No actor, an empty or unregistered actor, a future time, a time before the last step:
    each refused with a clear message, and each leaves the demand exactly as it was (also in
    memory: a later flush must not write half a step)."""
    wrote = []
    for problem in WHO_AND_WHEN:
        number = reach(ledger, source)
        actor: str | None = ADMIN
        at = TRY_AT
        if problem == "no actor":
            actor = None
        elif problem == "empty actor":
            actor = ""
        elif problem == "unregistered actor":
            actor = "路人甲"
        elif problem == "future":
            at = datetime(2027, 1, 1, 9, 0)
        else:
            at = LAST_AT[source] - timedelta(minutes=1)
        before = snapshot(ledger, number)
        with pytest.raises(DemandRefused) as err:
            step_demand(
                ledger, number=number, action=action, actor=actor, facts=FACTS[action], at=at
            )
        message = err.value.zh
        if problem in ("no actor", "empty actor"):
            assert number in message and "--as" in message
        elif problem == "unregistered actor":
            assert number in message and "路人甲" in message and "路人甲" in err.value.en
        elif problem == "future":
            assert "2027-01-01 09:00" in message and "in the future" in err.value.en
        else:
            assert number in message and number in err.value.en
            assert f"{LAST_AT[source]:%Y-%m-%d %H:%M}" in message
        assert not ledger.new
        changed = [
            {k: v for k, v in inspect(o).attrs.items() if v.history.has_changes()}
            for o in ledger.dirty
            if ledger.is_modified(o)
        ]
        after = snapshot(ledger, number)
        if changed or after != before:
            wrote.append((problem, [sorted(c) for c in changed], before[-1], after[-1]))
    assert wrote == []


def test_a_step_at_the_same_time_as_the_last_is_accepted(ledger: Session) -> None:
    number = reach(ledger, CLAIMED)
    step(ledger, number, FULFIL, LAST_AT[CLAIMED], feedback="已送达", satisfaction="basic")
    assert get_demand(ledger, number).state == "fulfilled"


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"actor": None}, DemandRefused, "--as"),
        ({"actor": "路人甲"}, DemandRefused, "路人甲"),
        ({"at": datetime(2027, 1, 1, 9, 0)}, DemandRefused, "晚于现在"),
        ({"grid": "G999"}, NotFound, "G999"),
        ({"category": "唱歌"}, NotFound, "唱歌"),
        ({"summary": "   "}, UsageProblem, "--summary"),
    ],
    ids=["no-actor", "unregistered", "future", "grid", "category", "summary"],
)
def test_add_refusals_write_nothing(
    ledger: Session, kwargs: dict[str, Any], error: type[RedpropError], text: str
) -> None:
    args: dict[str, Any] = {
        "grid": "G001",
        "category": "助老",
        "summary": "代购药品",
        "actor": ADMIN,
        "at": TRY_AT,
    } | kwargs
    before = snapshot(ledger, None)
    with pytest.raises(error) as err:
        add_demand(ledger, **args)
    assert text in err.value.zh
    assert_nothing_written(ledger, before, None)
    # The number was not used up either.
    assert add(ledger, TRY_AT) == "XQ2026-00001"


def test_wishes_and_numbers(ledger: Session) -> None:
    a = add_demand(ledger, grid="G014", category="", summary="想要一套书", actor=ADMIN, wish=True)
    b = add_demand(ledger, grid="G002", category="微心愿", summary="一个书包", actor=ADMIN)
    c = add_demand(
        ledger, grid="G001", category="助残", summary="轮椅", actor=ADMIN, at=t("2025-12-31")
    )
    rows = {r["number"]: r for r in list_demands(ledger)}
    assert (a.number, b.number, c.number) == ("XQ2026-00001", "XQ2026-00002", "XQ2025-00001")
    assert (rows[a.number]["category"], rows[a.number]["wish"]) == ("微心愿", True)
    assert (rows[b.number]["category"], rows[b.number]["wish"]) == ("微心愿", True)
    assert (rows[c.number]["wish"], rows[c.number]["community"]) == (False, "铁人路社区")
    assert (rows[a.number]["community"], rows[a.number]["grid"]) == ("龙源社区", "G014")
    assert a.created_at == datetime(2026, 12, 31, 23, 0)  # default: now
    assert [r["number"] for r in list_demands(ledger, wish=True)] == [a.number, b.number]
    assert [r["number"] for r in list_demands(ledger, community="龙源社区")] == [a.number]
