"""The service lists: random demand histories against a model, replayed into a real ledger, and
their monthly figures."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conftest import PG_URL, STREET, new_ledger_url, small_tree
from redprop.core.db import open_ledger, session_scope
from redprop.core.errors import RedpropError
from redprop.core.models import DemandEvent
from redprop.figures.period import month_period
from redprop.ledger.upkeep import init_ledger
from redprop.servicelists.demands import (
    DemandFacts,
    add_demand,
    get_demand,
    open_demands,
    step_demand,
)
from redprop.servicelists.figures import service_figures
from redprop.servicelists.provision import add_resource
from redprop.servicelists.rules import PENDING, TRANSITIONS, DemandAction, DemandState
from service_lists_helpers import (
    ADD,
    ADMIN,
    CANCEL,
    CLAIM,
    FULFIL,
    REOPEN,
    clock_fixture,  # noqa: F401  (the fixture `clock`, autouse: REDPROP_NOW)
)

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
