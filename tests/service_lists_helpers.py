"""What the service-list tests share: the fixed clock (REDPROP_NOW, an autouse fixture every
test module imports), the small ledger, the issue's transition table by hand, and helpers that
add and step demands and read the monthly figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import small_tree
from redprop.core.config import parse_time
from redprop.core.models import Counter, Demand, DemandEvent, ServiceRecord
from redprop.figures.period import month_period
from redprop.servicelists.demands import DemandFacts, add_demand, get_demand, step_demand
from redprop.servicelists.figures import service_figures
from redprop.servicelists.rules import DemandAction, DemandState

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

# The transitions, by hand.
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


@pytest.fixture(name="clock", autouse=True)
def clock_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", NOW)


@pytest.fixture(name="ledger")
def ledger_fixture(session: Session) -> Session:
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


PHONES = ("13812345678", "09371234567")
