"""The service lists (issue 6): demands through their transition matrix on a real ledger, random
demand histories against a model, monthly figures on constructed histories, the Excel round trip
into a fresh ledger, and the `service` commands through CliRunner. REDPROP_NOW fixes the clock."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from conftest import PG_URL, STREET, new_ledger_url, small_tree
from redprop.core.config import parse_time
from redprop.core.db import open_ledger, session_scope
from redprop.core.errors import NotFound, RedpropError, UsageProblem
from redprop.core.ids import mask_phone
from redprop.core.models import Counter, Demand, DemandEvent, ServiceRecord
from redprop.figures.period import month_period
from redprop.ledger.upkeep import init_ledger
from redprop.servicelists.demands import (
    DemandFacts,
    add_demand,
    demand_detail,
    get_demand,
    list_demands,
    open_demands,
    step_demand,
)
from redprop.servicelists.figures import service_figures
from redprop.servicelists.io import export_lists, import_lists
from redprop.servicelists.provision import (
    add_item,
    add_record,
    add_resource,
    list_items,
    list_records,
    list_resources,
)
from redprop.servicelists.rules import (
    PENDING,
    TRANSITIONS,
    DemandAction,
    DemandRefused,
    DemandState,
)

NOW = "2026-12-31T23:00"
ADMIN = "王敏"
T0 = datetime(2026, 11, 2, 9, 0)  # the demand is added
TRY_AT = datetime(2026, 11, 10, 10, 0)  # the step under test

OPEN, CLAIMED = DemandState.open, DemandState.claimed
FULFILLED, CANCELLED = DemandState.fulfilled, DemandState.cancelled
ADD, CLAIM, FULFIL = DemandAction.add, DemandAction.claim, DemandAction.fulfil
CANCEL, REOPEN = DemandAction.cancel, DemandAction.reopen

FACTS: dict[DemandAction, DemandFacts] = {
    ADD: DemandFacts(),
    CLAIM: DemandFacts(by="杨红军"),
    FULFIL: DemandFacts(feedback="药品已送到家", satisfaction="satisfied"),
    CANCEL: DemandFacts(reason="居民已自行解决"),
    REOPEN: DemandFacts(reason="需求再次出现"),
}

# Canonical paths: added at T0, then one step a day at 10:00 from 11-03.
PATHS: dict[DemandState, list[DemandAction]] = {
    OPEN: [],
    CLAIMED: [CLAIM],
    FULFILLED: [CLAIM, FULFIL],
    CANCELLED: [CANCEL],
}
LAST_AT = {
    OPEN: T0,
    CLAIMED: datetime(2026, 11, 3, 10, 0),
    FULFILLED: datetime(2026, 11, 4, 10, 0),
    CANCELLED: datetime(2026, 11, 3, 10, 0),
}

# The issue's transitions, by hand.
EXPECTED: dict[tuple[DemandState | None, DemandAction], DemandState] = {
    (None, ADD): OPEN,
    (OPEN, CLAIM): CLAIMED,
    (CLAIMED, FULFIL): FULFILLED,
    (OPEN, CANCEL): CANCELLED,
    (CLAIMED, CANCEL): CANCELLED,
    (FULFILLED, REOPEN): OPEN,
    (CANCELLED, REOPEN): OPEN,
}
ALLOWED = [pair for pair in EXPECTED if pair[0] is not None]

STATE_ZH = {OPEN: "待认领", CLAIMED: "已认领", FULFILLED: "已完成", CANCELLED: "已取消"}
ACTION_ZH = {ADD: "登记", CLAIM: "认领", FULFIL: "完成", CANCEL: "取消", REOPEN: "重新打开"}
ALLOWED_ZH = {
    OPEN: "认领、取消",
    CLAIMED: "完成、取消",
    FULFILLED: "重新打开",
    CANCELLED: "重新打开",
}
ALLOWED_EN = {
    OPEN: "claim, cancel",
    CLAIMED: "fulfil, cancel",
    FULFILLED: "reopen",
    CANCELLED: "reopen",
}


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", NOW)


@pytest.fixture
def ledger(session: Session) -> Session:
    small_tree(session)
    return session


def t(text: str) -> datetime:
    return parse_time(text)


def add(
    s: Session,
    at: str | datetime,
    *,
    grid: str = "G001",
    category: str = "助老",
    wish: bool = False,
    summary: str = "代购药品",
) -> str:
    when = t(at) if isinstance(at, str) else at
    return add_demand(
        s, grid=grid, category=category, summary=summary, actor=ADMIN, wish=wish, at=when
    ).number


def step(s: Session, number: str, action: DemandAction, at: str | datetime, **facts: Any) -> None:
    when = t(at) if isinstance(at, str) else at
    step_demand(s, number=number, action=action, actor=ADMIN, facts=DemandFacts(**facts), at=when)


def reach(s: Session, state: DemandState) -> str:
    number = add(s, T0)
    for day, action in enumerate(PATHS[state], start=1):
        step_demand(
            s,
            number=number,
            action=action,
            actor=ADMIN,
            facts=FACTS[action],
            at=datetime(2026, 11, 2 + day, 10, 0),
        )
    assert get_demand(s, number).state == state.value
    return number


def snapshot(s: Session, number: str | None) -> tuple[Any, ...]:
    """Everything a refusal must leave alone. Reading autoflushes, so a refusal that changed the
    demand in memory shows here too."""
    counts = tuple(
        s.scalar(select(func.count()).select_from(model))
        for model in (Demand, DemandEvent, ServiceRecord)
    )
    counters = tuple(s.execute(select(Counter.name, Counter.last).order_by(Counter.name)).all())
    row = (
        s.execute(
            select(
                Demand.state,
                Demand.claimed_by,
                Demand.resource_id,
                Demand.last_at,
                Demand.event_count,
            ).where(Demand.number == number)
        ).one()
        if number
        else None
    )
    return (*counts, counters, tuple(row) if row else None)


def assert_nothing_written(s: Session, before: tuple[Any, ...], number: str | None) -> None:
    assert not s.new
    assert not [o for o in s.dirty if s.is_modified(o)]
    assert snapshot(s, number) == before


def month(s: Session, name: str, community: str | None = None) -> dict[str, Any]:
    p = month_period(name)
    return service_figures(s, start=p.start, end=p.end, community=community)


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


# ---------------------------------------------------------------------------------------------
# 2. Random demand histories against a model


RANDOM_STEPS: list[tuple[DemandAction, DemandFacts, bool]] = [
    (CLAIM, DemandFacts(by="杨红军"), True),
    (CLAIM, DemandFacts(by="ZY-0001"), True),
    (CLAIM, DemandFacts(), False),
    (FULFIL, DemandFacts(feedback="已送达", satisfaction="satisfied"), True),
    (FULFIL, DemandFacts(feedback="已送达"), False),
    (CANCEL, DemandFacts(reason="自行解决"), True),
    (REOPEN, DemandFacts(reason="再次反映"), True),
    (REOPEN, DemandFacts(), False),
    (ADD, DemandFacts(), False),
]
MONTHS = ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
KEYS = {
    "add": "new",
    "claim": "claimed",
    "fulfil": "fulfilled",
    "cancel": "cancelled",
    "reopen": "reopened",
}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A migrated ledger with the unit tree and one resource, copied for every example."""
    path = tmp_path / "template.db"
    engine = open_ledger(new_ledger_url(tmp_path, "template.db"))
    with session_scope(engine) as s:
        init_ledger(s, street=STREET, admin=ADMIN)
        small_tree(s)
        add_resource(s, provider="嘉华物业", provider_type="company", kind="people", summary="维修")
    engine.dispose()
    return path


def state_before(events: list[tuple[str, str, datetime]], end: datetime) -> str | None:
    states = [state for _, state, at in events if at < end]
    return states[-1] if states else None


def expected_figures(
    model: dict[str, list[tuple[str, str, datetime]]],
    wish: dict[str, bool],
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    counts = dict.fromkeys(KEYS.values(), 0)
    at_end: dict[str, str] = {}
    for number, events in model.items():
        for action, _, at in events:
            if start <= at < end:
                counts[KEYS[action]] += 1
        state = state_before(events, end)
        if state:
            at_end[number] = state
    live = [n for n, s in at_end.items() if s != "cancelled"]
    done = [n for n in live if at_end[n] == "fulfilled"]
    wishes = [n for n in live if wish[n]]
    return counts | {
        "open_at_end": sum(1 for s in at_end.values() if s in PENDING),
        "fulfilment_rate": len(done) / len(live) if live else None,
        "wish_fulfilment_rate": (
            sum(1 for n in wishes if at_end[n] == "fulfilled") / len(wishes) if wishes else None
        ),
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 7),  # which demand
            st.integers(0, len(RANDOM_STEPS)),  # the step; the last index adds a demand
            st.integers(0, 60 * 24 * 2),  # minutes since the previous step (ties included)
            st.booleans(),  # a new demand: a wish?
            st.booleans(),  # a new demand: which community
        ),
        min_size=1,
        max_size=50,
    )
)
def test_random_demand_histories_match_the_model(tmp_path_factory, template: Path, steps) -> None:
    if PG_URL:  # a fresh database with the template's contents
        engine = open_ledger(new_ledger_url(template.parent))
        with session_scope(engine) as s:
            init_ledger(s, street=STREET, admin=ADMIN)
            small_tree(s)
            add_resource(
                s, provider="嘉华物业", provider_type="company", kind="people", summary="维修"
            )
    else:
        path = tmp_path_factory.mktemp("demands") / "l.db"
        shutil.copy(template, path)
        engine = open_ledger(f"sqlite:///{path}")
    clock = datetime(2026, 8, 30, 9, 0)  # 50 steps of at most 2 days end before REDPROP_NOW
    model: dict[str, list[tuple[str, str, datetime]]] = {}
    claimed_by: dict[str, str | None] = {}
    wish: dict[str, bool] = {}
    community: dict[str, str] = {}
    numbers: list[str] = []
    with session_scope(engine) as s:
        for pick, index, minutes, is_wish, second in steps:
            clock += timedelta(minutes=minutes)
            if index == len(RANDOM_STEPS) or not numbers:
                grid = "G014" if second else "G001"
                number = add_demand(
                    s,
                    grid=grid,
                    category="助老",
                    summary="代购",
                    actor=ADMIN,
                    wish=is_wish,
                    at=clock,
                ).number
                numbers.append(number)
                model[number] = [("add", "open", clock)]
                claimed_by[number], wish[number] = None, is_wish
                community[number] = "龙源社区" if second else "铁人路社区"
                continue
            action, facts, valid = RANDOM_STEPS[index]
            number = numbers[pick % len(numbers)]
            current = DemandState(model[number][-1][1])
            target = TRANSITIONS.get((current, action)) if valid else None
            try:
                with s.begin_nested():
                    step_demand(s, number=number, action=action, actor=ADMIN, facts=facts, at=clock)
                accepted = True
            except RedpropError:
                accepted = False
            assert accepted == (target is not None), (number, current, action, facts)
            if target is not None:
                model[number].append((action.value, target.value, clock))
                if action is CLAIM:
                    claimed_by[number] = "嘉华物业" if facts.by == "ZY-0001" else facts.by
                elif action is REOPEN:
                    claimed_by[number] = None

        # Each demand: its events are exactly the accepted steps, seq 1..n, state = last event.
        for number, expected in model.items():
            demand = get_demand(s, number)
            events = s.scalars(
                select(DemandEvent)
                .where(DemandEvent.demand_id == demand.id)
                .order_by(DemandEvent.seq)
            ).all()
            assert [e.seq for e in events] == list(range(1, len(expected) + 1))
            assert [(e.action, e.state, e.at) for e in events] == expected
            assert demand.state == events[-1].state
            assert (demand.event_count, demand.last_at) == (len(events), events[-1].at)
            assert demand.claimed_by == claimed_by[number]
        assert s.scalar(select(func.count()).select_from(DemandEvent)) == sum(
            len(v) for v in model.values()
        )
        for name in MONTHS:
            p = month_period(name)
            figures = service_figures(s, start=p.start, end=p.end)
            want = expected_figures(model, wish, p.start, p.end)
            assert {k: figures[k] for k in want} == pytest.approx(want)
            for unit in ("铁人路社区", "龙源社区"):
                mine = {n: e for n, e in model.items() if community[n] == unit}
                scoped = service_figures(s, start=p.start, end=p.end, community=unit)
                want = expected_figures(mine, wish, p.start, p.end)
                assert {k: scoped[k] for k in want} == pytest.approx(want)
            pending = [n for n, e in model.items() if state_before(e, p.end) in PENDING]
            assert [d["number"] for d in open_demands(s, end=p.end)] == pending
    engine.dispose()


# ---------------------------------------------------------------------------------------------
# 3. Figures on a constructed history


def test_figures_on_a_constructed_history_and_a_regenerated_month(ledger: Session) -> None:
    s = ledger
    add_resource(s, provider="嘉华物业", provider_type="company", kind="people", summary="维修")
    add_item(s, name="幸福食堂", category="助餐", community="铁人路社区")
    add_item(s, name="直饮水站", category="便民", community="铁人路社区", compound="天昊小区")
    add_item(s, name="助老服务", category="助老", community="龙源社区")
    add_record(s, item="幸福食堂", community=None, on=date(2026, 9, 30), served=99, volunteers=9)
    add_record(s, item="幸福食堂", community=None, on=date(2026, 10, 1), served=40, volunteers=3)
    add_record(s, item="幸福食堂", community=None, on=date(2026, 10, 31), served=35, volunteers=2)
    add_record(s, item="直饮水站", community=None, on=date(2026, 10, 15), served=120)
    add_record(s, item="幸福食堂", community=None, on=date(2026, 11, 1), served=50, volunteers=4)
    add_record(
        s, item="助老服务", community="龙源社区", on=date(2026, 11, 15), served=6, volunteers=6
    )

    old = add(s, "2026-09-10T09:00", category="维修")  # fulfilled in September: not open
    step(s, old, CLAIM, "2026-09-11T09:00", by="嘉华物业")
    step(s, old, FULFIL, "2026-09-12T09:00", feedback="修好了", satisfaction="satisfied")

    a = add(s, "2026-10-02T09:00")
    step(s, a, CLAIM, "2026-10-03T09:00", by="杨红军")
    step_demand(
        s,
        number=a,
        action=FULFIL,
        actor=ADMIN,
        facts=DemandFacts(feedback="已送餐", satisfaction="satisfied", item="幸福食堂", served=2),
        at=t("2026-10-05T12:00"),
    )
    b = add(s, "2026-10-04T09:00", category="", wish=True, summary="想要一个书包")
    step(s, b, CLAIM, "2026-10-06T09:00", by="杨红军")
    c = add(s, "2026-10-08T09:00", grid="G014", category="微心愿", summary="一套课外书")
    step(s, c, CLAIM, "2026-10-09T09:00", by="李娟")
    step(s, c, FULFIL, "2026-10-31T23:59", feedback="已送到", satisfaction="basic")
    d = add(s, "2026-10-10T09:00", grid="G002", category="维修")
    step(s, d, CANCEL, "2026-10-12T09:00", reason="居民已自行解决")
    f = add(s, "2026-10-20T09:00", grid="G014", category="微心愿", summary="一双跑鞋")
    e = add(s, "2026-11-01T00:00")  # the first minute of November belongs to November

    october = month(s, "2026-10")
    assert october == {
        "new": 5,
        "claimed": 3,
        "fulfilled": 2,
        "cancelled": 1,
        "reopened": 0,
        "open_at_end": 2,  # b (claimed) and f (open)
        "fulfilment_rate": 3 / 5,  # old, a, c of old, a, b, c, f
        "wish_fulfilment_rate": 1 / 3,  # c of b, c, f
        "served": 197,
        "volunteer_turns": 5,
        "by_item": [
            {
                "item": "幸福食堂",
                "community": "铁人路社区",
                "records": 3,
                "served": 77,
                "volunteers": 5,
            },
            {
                "item": "直饮水站",
                "community": "铁人路社区",
                "records": 1,
                "served": 120,
                "volunteers": 0,
            },
            {
                "item": "助老服务",
                "community": "龙源社区",
                "records": 0,
                "served": 0,
                "volunteers": 0,
            },
        ],
    }
    assert (
        month(s, "2026-10", "铁人路社区")
        == {
            "new": 3,
            "claimed": 2,
            "fulfilled": 1,
            "cancelled": 1,
            "reopened": 0,
            "open_at_end": 1,
            "fulfilment_rate": 2 / 3,  # old, a of old, a, b
            "wish_fulfilment_rate": 0.0,
            "served": 197,
            "volunteer_turns": 5,
            "by_item": october["by_item"][:2],
        }
    )
    assert month(s, "2026-10", "龙源社区") == {
        "new": 2,
        "claimed": 1,
        "fulfilled": 1,
        "cancelled": 0,
        "reopened": 0,
        "open_at_end": 1,
        "fulfilment_rate": 0.5,
        "wish_fulfilment_rate": 0.5,
        "served": 0,
        "volunteer_turns": 0,
        "by_item": october["by_item"][2:],
    }
    october_open = open_demands(s, end=month_period("2026-10").end)
    assert [(r["number"], r["state"]) for r in october_open] == [(b, "claimed"), (f, "open")]
    # The fulfilment of a recorded a service under its item.
    assert [r for r in list_records(s) if r["demand"]] == [
        {
            "item": "幸福食堂",
            "community": "铁人路社区",
            "on": "2026-10-05",
            "served": 2,
            "volunteers": 0,
            "note": f"需求 {a}：代购药品",
            "demand": a,
        }
    ]

    # November: everything moves on.
    step(s, e, CLAIM, "2026-11-02T09:00", by="杨红军")
    step(s, c, REOPEN, "2026-11-03T09:00", reason="书发错了")
    step(s, c, CLAIM, "2026-11-04T09:00", by="ZY-0001")
    step(s, d, REOPEN, "2026-11-05T09:00", reason="又坏了")
    step(s, d, CANCEL, "2026-11-06T09:00", reason="物业已修")
    step_demand(
        s,
        number=b,
        action=FULFIL,
        actor=ADMIN,
        facts=DemandFacts(feedback="已送到", satisfaction="satisfied", item="幸福食堂", served=3),
        at=t("2026-11-07T09:00"),
    )
    step(s, f, CANCEL, "2026-11-08T09:00", reason="已有人捐赠")
    step(s, a, REOPEN, "2026-11-09T09:00", reason="还要再送")
    assert get_demand(s, c).claimed_by == "嘉华物业"

    assert month(s, "2026-10") == october
    assert open_demands(s, end=month_period("2026-10").end) == october_open
    assert month(s, "2026-11") == {
        "new": 1,
        "claimed": 2,
        "fulfilled": 1,
        "cancelled": 2,
        "reopened": 3,
        "open_at_end": 3,  # a (open), c and e (claimed)
        "fulfilment_rate": 2 / 5,  # old, b of old, a, b, c, e
        "wish_fulfilment_rate": 0.5,  # b of b, c
        "served": 59,
        "volunteer_turns": 10,
        "by_item": [
            {
                "item": "幸福食堂",
                "community": "铁人路社区",
                "records": 2,
                "served": 53,
                "volunteers": 4,
            },
            {
                "item": "直饮水站",
                "community": "铁人路社区",
                "records": 0,
                "served": 0,
                "volunteers": 0,
            },
            {
                "item": "助老服务",
                "community": "龙源社区",
                "records": 1,
                "served": 6,
                "volunteers": 6,
            },
        ],
    }
    assert [
        (r["number"], r["state"]) for r in open_demands(s, end=month_period("2026-11").end)
    ] == [
        (a, "open"),
        (c, "claimed"),
        (e, "claimed"),
    ]
    september = month(s, "2026-09")
    assert {k: september[k] for k in ("new", "claimed", "fulfilled", "open_at_end")} == {
        "new": 1,
        "claimed": 1,
        "fulfilled": 1,
        "open_at_end": 0,
    }
    assert (september["fulfilment_rate"], september["wish_fulfilment_rate"]) == (1.0, None)
    assert (september["served"], september["volunteer_turns"]) == (99, 9)
    december = month(s, "2026-12")
    assert {k: december[k] for k in ("new", "claimed", "fulfilled", "cancelled", "reopened")} == (
        dict.fromkeys(("new", "claimed", "fulfilled", "cancelled", "reopened"), 0)
    )
    assert december["open_at_end"] == 3 and december["served"] == 0


def test_an_empty_ledger_has_no_rates(ledger: Session) -> None:
    assert month(ledger, "2026-11") == {
        "new": 0,
        "claimed": 0,
        "fulfilled": 0,
        "cancelled": 0,
        "reopened": 0,
        "open_at_end": 0,
        "fulfilment_rate": None,
        "wish_fulfilment_rate": None,
        "served": 0,
        "volunteer_turns": 0,
        "by_item": [],
    }


def test_record_refusals(ledger: Session) -> None:
    add_item(ledger, name="幸福食堂", category="助餐", community="铁人路社区")
    add_item(ledger, name="幸福食堂", category="助餐", community="龙源社区")
    with pytest.raises(UsageProblem, match="--community"):
        add_record(ledger, item="幸福食堂", community=None, on=date(2026, 11, 1), served=3)
    with pytest.raises(UsageProblem):
        add_record(ledger, item="幸福食堂", community="龙源社区", on=date(2026, 11, 1), served=-1)
    with pytest.raises(UsageProblem):
        add_record(ledger, item="幸福食堂", community="龙源社区", on=date(2027, 1, 1), served=1)
    with pytest.raises(NotFound):
        add_record(ledger, item="洗衣房", community=None, on=date(2026, 11, 1), served=1)
    with pytest.raises(UsageProblem):
        add_item(ledger, name="幸福食堂", category="助餐", community="龙源社区")
    assert list_records(ledger) == []


# ---------------------------------------------------------------------------------------------
# 4. The Excel round trip into a fresh ledger

PHONES = ("13812345678", "09371234567")


def build_lists(s: Session) -> dict[str, str]:
    small_tree(s)
    add_resource(
        s,
        provider="嘉华物业",
        provider_type="company",
        kind="people",
        summary="水电维修",
        community="铁人路社区",
        capacity=10,
        phone=PHONES[0],
    )
    add_resource(
        s,
        provider="杨红军",
        provider_type="party-member",
        kind="skill",
        summary="理发",
        phone=PHONES[1],
    )
    add_resource(
        s,
        provider="幸福食堂志愿服务队",
        provider_type="volunteer-team",
        kind="people",
        summary="-送餐上门",
        community="铁人路社区",
    )
    add_item(
        s,
        name="幸福食堂",
        category="助餐",
        community="铁人路社区",
        compound="天昊小区",
        resource="ZY-0003",
    )
    add_item(s, name="直饮水站", category="便民", community="铁人路社区", status="planned")
    add_item(s, name="助老服务", category="助老", community="龙源社区", status="retired")
    numbers = {
        "open": add(s, "2026-10-02T09:15"),
        "claimed": add(
            s, "2026-10-03T09:00", grid="G002", category="维修", summary="@物业 门锁坏了"
        ),
        "wish": add(
            s, "2026-10-04T10:30", grid="G014", category="", wish=True, summary="想要一套书"
        ),
        "cancelled": add(s, "2026-10-05T09:00", category="法律咨询"),
        "reopened": add(s, "2026-10-06T09:00", category="文体"),
        "open wish": add(s, "2026-10-07T09:00", category="微心愿", summary="一个书包"),
    }
    step(s, numbers["claimed"], CLAIM, "2026-10-03T10:00", by="ZY-0001")
    step(s, numbers["wish"], CLAIM, "2026-10-05T10:00", by="杨红军")
    step_demand(
        s,
        number=numbers["wish"],
        action=FULFIL,
        actor=ADMIN,
        facts=DemandFacts(feedback="书已送到", satisfaction="satisfied", item="助老服务", served=1),
        at=t("2026-10-08T10:00"),
    )
    step(s, numbers["cancelled"], CANCEL, "2026-10-06T10:00", reason="已自行解决")
    step(s, numbers["reopened"], CLAIM, "2026-10-07T10:00", by="李娟")
    step(s, numbers["reopened"], CANCEL, "2026-10-08T10:00", reason="活动取消")
    step(s, numbers["reopened"], REOPEN, "2026-10-09T10:00", reason="活动恢复")
    add_record(
        s,
        item="幸福食堂",
        community=None,
        on=date(2026, 10, 5),
        served=40,
        volunteers=3,
        note="=SUM(A1:A9) 是备注不是公式",
    )
    add_record(s, item="直饮水站", community=None, on=date(2026, 10, 6), served=12)
    return numbers


def lists(s: Session) -> dict[str, list[dict[str, Any]]]:
    return {
        "demands": list_demands(s),
        "resources": list_resources(s),
        "items": list_items(s),
        "records": list_records(s),
    }


def fresh_ledger(path: Path):
    engine = open_ledger(new_ledger_url(path.parent, path.name))
    with session_scope(engine) as s:
        init_ledger(s, street=STREET, admin=ADMIN)
        small_tree(s)
    return engine


def test_export_then_import_into_a_fresh_ledger_gives_the_same_lists(
    session: Session, tmp_path: Path
) -> None:
    numbers = build_lists(session)
    original = lists(session)
    assert [d["state"] for d in original["demands"]] == [
        "open",
        "claimed",
        "fulfilled",
        "cancelled",
        "open",
        "open",
    ]
    assert original["demands"][2]["wish"] is True
    assert [r["phone"] for r in original["resources"]] == [*PHONES, None]
    out = tmp_path / "清单.xlsx"
    assert export_lists(session, out=out) == {
        "需求清单": 6,
        "资源清单": 3,
        "服务清单": 3,
        "服务记录": 3,
    }

    # The file: Chinese headers, no formula anywhere, phones only masked.
    wb = load_workbook(out)
    assert wb.sheetnames == ["需求清单", "资源清单", "服务清单", "服务记录"]
    headers = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets}
    assert headers == {
        "需求清单": [
            "编号",
            "社区",
            "网格",
            "需求类型",
            "需求内容",
            "微心愿",
            "状态",
            "认领方",
            "登记时间",
        ],
        "资源清单": [
            "编号",
            "提供方",
            "提供方类型",
            "资源类型",
            "资源内容",
            "社区",
            "服务能力",
            "联系电话",
        ],
        "服务清单": ["项目名称", "类别", "社区", "小区", "资源编号", "状态"],
        "服务记录": ["服务项目", "社区", "服务日期", "服务人数", "志愿者人次", "备注", "需求编号"],
    }
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    values = [str(c.value) for c in cells if c.value is not None]
    assert not [v for v in values if any(p in v.replace("-", "") for p in PHONES)]
    assert [r[7].value for r in wb["资源清单"].iter_rows(min_row=2)] == [
        mask_phone(PHONES[0]),
        mask_phone(original["resources"][1]["phone"]),
        None,
    ]
    assert "138****5678" in values
    notes = [(r[5].value, r[5].data_type) for r in wb["服务记录"].iter_rows(min_row=2)]
    assert notes[1] == ("=SUM(A1:A9) 是备注不是公式", "s")
    assert wb["需求清单"]["G4"].value == "已完成" and wb["需求清单"]["F4"].value == "是"
    with zipfile.ZipFile(out) as z:
        raw = b"".join(z.read(n) for n in z.namelist())
    assert not [p for p in PHONES if p.encode() in raw]
    assert b"<f>" not in raw and b"<f " not in raw

    engine = fresh_ledger(tmp_path / "fresh.db")
    try:
        with session_scope(engine) as s:
            report = import_lists(s, path=out, actor=ADMIN)
            assert [p.zh for p in report.problems] == []
            assert (report.read, report.new, report.unchanged, report.rejected) == (15, 15, 0, 0)
            imported = lists(s)
            wish = demand_detail(s, numbers["wish"])
        # Phones were masked in the file: the fresh ledger has none.
        assert [r["phone"] for r in imported["resources"]] == [None, None, None]
        expected = original | {"resources": [r | {"phone": None} for r in original["resources"]]}
        assert imported == expected
        assert (wish["state"], wish["wish"], wish["claimed_by"]) == ("fulfilled", True, "杨红军")
        assert [e["action"] for e in wish["events"]] == ["add", "claim", "fulfil"]

        with session_scope(engine) as s:
            again = import_lists(s, path=out, actor=ADMIN)
            assert (again.read, again.new, again.unchanged, again.rejected) == (15, 0, 15, 0)
            assert lists(s) == expected
            assert s.scalar(select(func.count()).select_from(DemandEvent)) == 10
    finally:
        engine.dispose()


def test_a_claimed_then_cancelled_demand_keeps_its_claimant_through_the_round_trip(
    session: Session, tmp_path: Path
) -> None:
    small_tree(session)
    number = add(session, "2026-10-03T09:00")
    step(session, number, CLAIM, "2026-10-03T10:00", by="杨红军")
    step(session, number, CANCEL, "2026-10-04T10:00", reason="居民搬走了")
    original = list_demands(session)
    assert (original[0]["state"], original[0]["claimed_by"]) == ("cancelled", "杨红军")
    out = tmp_path / "清单.xlsx"
    export_lists(session, out=out)
    engine = fresh_ledger(tmp_path / "fresh.db")
    try:
        with session_scope(engine) as s:
            import_lists(s, path=out, actor=ADMIN)
            assert list_demands(s) == original
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["demand", "resource"])
def test_numbers_are_not_reused_after_an_import(
    session: Session, tmp_path: Path, kind: str
) -> None:
    """Imported rows keep their numbers; the next number given out must not be one of them."""
    numbers = build_lists(session)
    out = tmp_path / "清单.xlsx"
    export_lists(session, out=out)
    engine = fresh_ledger(tmp_path / "fresh.db")
    try:
        with session_scope(engine) as s:
            import_lists(s, path=out, actor=ADMIN)
            if kind == "demand":
                taken = set(numbers.values())
                number = add_demand(
                    s,
                    grid="G001",
                    category="助老",
                    summary="新需求",
                    actor=ADMIN,
                    at=t("2026-11-01"),
                ).number
            else:
                taken = {"ZY-0001", "ZY-0002", "ZY-0003"}
                number = add_resource(
                    s, provider="新商户", provider_type="shop", kind="goods", summary="米面"
                ).number
            assert number not in taken
    finally:
        engine.dispose()


def test_import_reports_bad_rows_by_number(session: Session, tmp_path: Path) -> None:
    from openpyxl import Workbook

    small_tree(session)
    path = tmp_path / "bad.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "需求清单"
    ws.append(
        ["编号", "社区", "网格", "需求类型", "需求内容", "微心愿", "状态", "认领方", "登记时间"]
    )
    ws.append(["", "铁人路社区", "G001", "助老", "代购", "否", "待认领", "", "2026-10-02 09:00"])
    ws.append(["", "铁人路社区", "G999", "助老", "代购", "否", "待认领", "", "2026-10-02 09:00"])
    ws.append(["", "铁人路社区", "G001", "助老", "代购", "否", "待认领", "", ""])
    wb.save(path)
    report = import_lists(session, path=path, actor=ADMIN)
    assert (report.read, report.new, report.rejected) == (3, 1, 2)
    assert [(p.row, p.column) for p in report.problems] == [(3, "需求清单"), (4, "需求清单")]
    assert [d["number"] for d in list_demands(session)] == ["XQ2026-00001"]


# ---------------------------------------------------------------------------------------------
# 5. The commands


@pytest.fixture
def street(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T18:00")
    cli("init", "--street", STREET, "--admin", ADMIN)
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")
    cli("staff", "add", "李娟", "--role", "grid-worker", "--unit", "G003")


def shown(cli, number: str) -> dict[str, Any]:
    return json.loads(cli("service", "demand", "show", number, "--json").stdout)


def test_demand_commands(cli, street) -> None:
    out = cli(
        "--as",
        "李娟",
        "service",
        "demand",
        "add",
        "--grid",
        "G003",
        "--category",
        "助老",
        "--summary",
        "代购药品",
        "--at",
        "2026-11-03T09:30",
        "--json",
    ).stdout
    assert json.loads(out) == {"number": "XQ2026-00001"}
    wish = cli(
        "--as", "李娟", "service", "demand", "add", "-g", "G003", "--wish", "--summary", "一个书包"
    )
    assert wish.stdout == "XQ2026-00002\n"
    n = "XQ2026-00001"
    cli("service", "item", "add", "--name", "幸福食堂", "--community", "铁人路社区")
    base = ("--as", "李娟", "service", "demand")
    assert cli(*base, "claim", n, "--by", "杨红军", "--at", "2026-11-04T10:00").stdout == (
        f"{n}：已认领\n"
    )
    fulfil = cli(
        *base,
        "fulfil",
        n,
        "--feedback",
        "已送达",
        "--satisfaction",
        "satisfied",
        "--item",
        "幸福食堂",
        "--served",
        "2",
        "--at",
        "2026-11-05T10:00",
    )
    assert fulfil.stdout == f"{n}：已完成\n"
    assert cli(*base, "reopen", n, "--reason", "又缺药了", "--at", "2026-11-06T10:00").stdout == (
        f"{n}：待认领\n"
    )
    assert cli(*base, "cancel", n, "--reason", "家属代办", "--at", "2026-11-07T10:00").stdout == (
        f"{n}：已取消\n"
    )
    en = cli("--lang", "en", *base, "claim", "XQ2026-00002", "--by", "杨红军")
    assert en.stdout == "XQ2026-00002: claimed\n"

    detail = shown(cli, n)
    assert [(e["action"], e["state"], e["actor"], e["at"]) for e in detail["events"]] == [
        ("add", "open", "李娟", "2026-11-03T09:30"),
        ("claim", "claimed", "李娟", "2026-11-04T10:00"),
        ("fulfil", "fulfilled", "李娟", "2026-11-05T10:00"),
        ("reopen", "open", "李娟", "2026-11-06T10:00"),
        ("cancel", "cancelled", "李娟", "2026-11-07T10:00"),
    ]

    # Refusals: exit 1, the message on stderr, nothing on stdout, nothing written.
    refused = cli(*base, "fulfil", n, "--feedback", "x", "--satisfaction", "basic", code=1)
    assert refused.stdout == ""
    assert refused.stderr == (f"错误：不能对已取消的需求 {n} 执行完成；此状态下可以：重新打开\n")
    refused = cli("--lang", "en", *base, "claim", n, "--by", "杨红军", code=1)
    assert refused.stderr == (
        f"Error: Can't claim demand {n}: it is cancelled; allowed now: reopen\n"
    )
    no_actor = cli("service", "demand", "reopen", n, "--reason", "再来", code=1)
    assert "--as" in no_actor.stderr and no_actor.stdout == ""
    no_reason = cli(*base, "reopen", n, code=1)
    assert "--reason" in no_reason.stderr
    early = cli(*base, "reopen", n, "--reason", "再来", "--at", "2026-11-07T09:59", code=1)
    assert "2026-11-07 10:00" in early.stderr
    future = cli(*base, "reopen", n, "--reason", "再来", "--at", "2026-11-21T09:00", code=1)
    assert "晚于现在" in future.stderr
    cli(*base, "fulfil", "XQ2026-00002", "--feedback", "x", "--satisfaction", "很好", code=2)
    cli(*base, "claim", "XQ2026-00099", "--by", "杨红军", code=1)
    assert shown(cli, n) == detail

    listed = json.loads(cli("service", "demand", "list", "--json").stdout)
    assert [(d["number"], d["state"], d["wish"]) for d in listed] == [
        (n, "cancelled", False),
        ("XQ2026-00002", "claimed", True),
    ]
    wishes = json.loads(cli("service", "demand", "list", "--wish", "--json").stdout)
    assert [d["number"] for d in wishes] == ["XQ2026-00002"]


def test_report_command(cli, street) -> None:
    base = ("--as", "李娟", "service")
    cli("service", "item", "add", "--name", "幸福食堂", "--community", "铁人路社区")
    for at in ("2026-10-30T09:00", "2026-10-31T09:00"):
        cli(
            *base, "demand", "add", "-g", "G003", "--category", "助老", "--summary", "x", "--at", at
        )
    cli(*base, "demand", "add", "-g", "G003", "--wish", "--summary", "书包", "--at", "2026-11-02")
    cli(*base, "demand", "claim", "XQ2026-00003", "--by", "杨红军", "--at", "2026-11-03")
    cli(
        *base,
        "demand",
        "fulfil",
        "XQ2026-00003",
        "--feedback",
        "已送到",
        "--satisfaction",
        "satisfied",
        "--at",
        "2026-11-04",
    )
    cli(*base, "demand", "cancel", "XQ2026-00001", "--reason", "x", "--at", "2026-11-05")
    cli(
        *base,
        "record",
        "add",
        "--item",
        "幸福食堂",
        "--on",
        "2026-11-06",
        "--served",
        "30",
        "--volunteers",
        "4",
    )
    out = cli("service", "report", "--month", "2026-11", "--json").stdout
    assert json.loads(out) == {
        "period": {"from": "2026-11-01", "to": "2026-12-01"},
        "figures": {
            "new": 1,
            "claimed": 1,
            "fulfilled": 1,
            "cancelled": 1,
            "reopened": 0,
            "open_at_end": 1,
            "fulfilment_rate": 0.5,
            "wish_fulfilment_rate": 1.0,
            "served": 30,
            "volunteer_turns": 4,
            "by_item": [
                {
                    "item": "幸福食堂",
                    "community": "铁人路社区",
                    "records": 1,
                    "served": 30,
                    "volunteers": 4,
                }
            ],
        },
    }
    october = json.loads(cli("service", "report", "--month", "2026-10", "--json").stdout)
    assert (october["figures"]["new"], october["figures"]["open_at_end"]) == (2, 2)
    text = cli("service", "report", "--month", "2026-11").stdout
    assert "需求新增 1" in text and "月末待办 1" in text
    cli("service", "report", "--month", "2026-13", code=2)


def test_export_and_import_commands(cli, street, tmp_path: Path) -> None:
    base = ("--as", "李娟", "service")
    cli(
        *base,
        "demand",
        "add",
        "-g",
        "G003",
        "--category",
        "维修",
        "--summary",
        "=1+1",
        "--at",
        "2026-11-02",
    )
    cli(
        "service",
        "resource",
        "add",
        "--provider",
        "嘉华物业",
        "--provider-type",
        "company",
        "--kind",
        "people",
        "--summary",
        "水电维修",
        "--phone",
        PHONES[0],
    )
    resources = json.loads(cli("service", "resource", "list", "--json").stdout)
    assert resources[0]["phone"] == "138****5678"
    out = tmp_path / "清单.xlsx"
    assert cli("service", "export", str(out)).exit_code == 0
    assert out.exists()
    cli("service", "export", str(tmp_path / "清单.csv"), code=2)
    # Into the same ledger: everything is already there.
    again = cli("--as", "李娟", "service", "import", str(out), "--json")
    assert json.loads(again.stdout)["counts"] == {
        "read": 2,
        "new": 0,
        "unchanged": 2,
        "rejected": 0,
        "skipped": 0,
    }
    # Into a fresh ledger.
    fresh = tmp_path / "fresh.db"
    cli("--db", str(fresh), "init", "--street", STREET, "--admin", ADMIN)
    cli("--db", str(fresh), "org", "community", "add", "铁人路社区")
    cli(
        "--db",
        str(fresh),
        "org",
        "grid",
        "add",
        "G003",
        "--name",
        "铁人路第3网格",
        "-c",
        "铁人路社区",
    )
    done = cli("--db", str(fresh), "--as", ADMIN, "service", "import", str(out), "--json")
    assert json.loads(done.stdout)["counts"]["new"] == 2
    listed = json.loads(cli("--db", str(fresh), "service", "demand", "list", "--json").stdout)
    assert [(d["number"], d["summary"]) for d in listed] == [("XQ2026-00001", "=1+1")]
    cli("--as", ADMIN, "service", "import", str(tmp_path / "nothing.xlsx"), code=1)
    # Some rows rejected, the rest stored: exit 3, like the roster import.
    from openpyxl import Workbook

    mixed = tmp_path / "mixed.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "需求清单"
    ws.append(["编号", "网格", "需求类型", "需求内容", "登记时间"])
    ws.append(["", "G003", "助老", "代购", "2026-11-02 09:00"])
    ws.append(["", "G999", "助老", "代购", "2026-11-02 09:00"])
    wb.save(mixed)
    partly = cli("--as", ADMIN, "service", "import", str(mixed), "--json", code=3)
    body = json.loads(partly.stdout)
    assert (body["counts"]["new"], body["counts"]["rejected"]) == (1, 1)
    assert [p["row"] for p in body["problems"]] == [3]
    listed = json.loads(cli("service", "demand", "list", "--json").stdout)
    assert [d["number"] for d in listed] == ["XQ2026-00001", "XQ2026-00002"]
