"""A demand's log is hash-chained like a case's (migration 0008): every step extends the chain,
`db check` finds an event edited, deleted or inserted behind redprop's back and a state that its
events don't give, and the migration chains the events of older ledgers exactly as redprop
would have."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from conftest import new_ledger_url, small_tree
from redprop.core.db import SCHEMA_HEAD, _alembic_config, open_ledger, session_scope, upgrade
from redprop.core.eventlog import GENESIS, ChainProblem
from redprop.core.models import Demand, DemandEvent
from redprop.ledger.upkeep import check_ledger, init_ledger
from redprop.servicelists.log import event_hash, verify_demands
from service_lists_helpers import (
    FULFILLED,
    OPEN,
    clock_fixture,  # noqa: F401  (the fixture `clock`, autouse: REDPROP_NOW)
    ledger_fixture,  # noqa: F401  (the fixture `ledger`)
    reach,
)


def chain(s: Session, number: str) -> list[DemandEvent]:
    demand = s.scalars(select(Demand).where(Demand.number == number)).one()
    return list(
        s.scalars(
            select(DemandEvent).where(DemandEvent.demand_id == demand.id).order_by(DemandEvent.seq)
        )
    )


def test_every_step_extends_the_chain(ledger: Session) -> None:
    number = reach(ledger, FULFILLED)
    events = chain(ledger, number)
    assert [e.action for e in events] == ["add", "claim", "fulfil"]
    assert events[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    for event in events:
        assert event.hash == event_hash(number, event)
    demand = ledger.scalars(select(Demand).where(Demand.number == number)).one()
    assert demand.last_hash == events[-1].hash
    assert verify_demands(ledger) == []


def test_an_edited_event_is_found(ledger: Session) -> None:
    number = reach(ledger, FULFILLED)
    claim = chain(ledger, number)[1]
    ledger.execute(update(DemandEvent).where(DemandEvent.id == claim.id).values(actor="某人"))
    ledger.expire_all()
    assert verify_demands(ledger) == [
        ChainProblem(number, "第 2 条事件（claim）被改动", "event 2 (claim) was altered")
    ]


def test_a_deleted_last_event_is_found(ledger: Session) -> None:
    number = reach(ledger, FULFILLED)
    ledger.execute(delete(DemandEvent).where(DemandEvent.id == chain(ledger, number)[-1].id))
    ledger.expire_all()
    assert verify_demands(ledger) == [
        ChainProblem(
            number,
            "事件被删除或插入（与需求记录的事件数或末条哈希不符）",
            "events were deleted or inserted (count or last hash does not match the demand)",
        )
    ]


def test_a_state_its_events_do_not_give_is_found(ledger: Session) -> None:
    number = reach(ledger, OPEN)
    ledger.execute(update(Demand).where(Demand.number == number).values(state="fulfilled"))
    ledger.expire_all()
    assert verify_demands(ledger) == [
        ChainProblem(
            number,
            "重放事件得到的状态与需求记录不符",
            "replaying the events does not give the demand's state",
        )
    ]


def test_db_check_reports_an_edited_demand(ledger: Session) -> None:
    number = reach(ledger, FULFILLED)
    ledger.execute(update(DemandEvent).where(DemandEvent.seq == 3).values(reason="改过"))
    ledger.commit()
    result = check_ledger(ledger.get_bind())  # type: ignore[arg-type]
    assert (
        f"需求 {number} 的办理记录被绕过 redprop 改动：第 3 条事件（fulfil）被改动；请从备份核对恢复",
        f"Demand {number}: its events were changed outside redprop: event 3 (fulfil) was "
        "altered; compare with a backup",
    ) in result.problems


def test_the_migration_chains_older_events_as_redprop_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-12-31T23:00")
    engine = open_ledger(new_ledger_url(tmp_path, "old.db"))
    with session_scope(engine) as s:
        init_ledger(s, street="新市区街道", admin="王敏")
        small_tree(s)
        numbers = [reach(s, FULFILLED), reach(s, OPEN)]
    with session_scope(engine) as s:
        written = {n: [(e.prev_hash, e.hash) for e in chain(s, n)] for n in numbers}
    # Back to the schema before 0008 (its downgrade drops the hashes), then up again.
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # batch mode rebuilds `demand`; the pragma only works outside a transaction
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        command.downgrade(_alembic_config(conn), "0007")
        conn.commit()
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
    with engine.connect() as conn:
        assert "hash" not in {c["name"] for c in conn.dialect.get_columns(conn, "demand_event")}
    assert upgrade(engine) == ("0007", SCHEMA_HEAD)
    with session_scope(engine) as s:
        assert {n: [(e.prev_hash, e.hash) for e in chain(s, n)] for n in numbers} == written
        assert verify_demands(s) == []
    engine.dispose()
