"""Faults a district's database has (issue 20): transient failures retried with bounded backoff
and never acted on twice (a request key per command invocation), a real serialization failure
on PostgreSQL retried, and a writer killed with SIGKILL in the middle of its transaction leaving
nothing half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from tests.conftest import PG_URL, ledger_url, small_tree

from redprop.cases.actions import NewCase, act, register_case
from redprop.cases.rules import Action
from redprop.core.config import parse_time
from redprop.core.errors import LedgerError, NotFound
from redprop.core.models import Case, CaseEvent
from redprop.core.retry import retryable, retrying
from redprop.ledger.upkeep import check_ledger

ADMIN = "王敏"
NEW = NewCase(grid="G001", category="邻里纠纷", severity="small", summary="漏水", parties=["甲"])


class Driver(Exception):
    def __init__(self, sqlstate: str | None, text: str = "") -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


def failing(times: int, sqlstate: str | None = "40001", text: str = "") -> Any:
    calls = {"n": 0}

    def attempt() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise OperationalError("COMMIT", {}, Driver(sqlstate, text))
        return "done"

    return attempt, calls


def test_transient_failures_are_retried_with_bounded_backoff() -> None:
    waits: list[float] = []
    attempt, calls = failing(3)
    assert retrying(attempt, sleep=waits.append) == "done"
    assert calls["n"] == 4 and len(waits) == 3
    assert all(0 < w <= 3.0 for w in waits) and waits[0] <= 0.1
    for code in ("40P01", "57P01", "08006", "53300"):
        assert retryable(OperationalError("x", {}, Driver(code)))
    assert retryable(OperationalError("x", {}, Driver(None, "connection refused")))
    # A connection refused at start-up for the server's max_connections has no SQLSTATE yet.
    full = "connection failed: FATAL:  sorry, too many clients already"
    assert retryable(OperationalError("x", {}, Driver(None, full)))
    assert not retryable(OperationalError("x", {}, Driver("23505", "duplicate key")))


def test_a_refusal_is_not_retried_and_a_dead_database_is_said_once() -> None:
    calls = {"n": 0}

    def refused() -> None:
        calls["n"] += 1
        raise NotFound("没有这件案件", "no such case")

    with pytest.raises(NotFound):
        retrying(refused, sleep=lambda _: None)
    assert calls["n"] == 1
    attempt, calls = failing(99, "57P03")
    with pytest.raises(LedgerError) as err:
        retrying(attempt, sleep=lambda _: None)
    assert calls["n"] == 6
    assert err.value.zh.startswith(
        "数据库暂时不可用（服务器重启、网络中断或连接数已满），已重试 6 次仍未成功"
    )


@pytest.fixture
def ledger(session: Session) -> Session:
    small_tree(session)
    session.commit()
    return session


def test_a_retried_command_finds_its_own_event_and_acts_once(ledger: Session) -> None:
    at = parse_time("2026-11-03T09:00")
    first = register_case(ledger, new=NEW, actor=ADMIN, at=at, request="a" * 32)
    again = register_case(ledger, new=NEW, actor=ADMIN, at=at, request="a" * 32)
    assert (again.id, again.number) == (first.id, first.number)
    later = parse_time("2026-11-03T10:00")
    step = act(ledger, number=first.number, action=Action.accept, actor=ADMIN, at=later, request="b" * 32)  # fmt: skip
    same = act(ledger, number=first.number, action=Action.accept, actor=ADMIN, at=later, request="b" * 32)  # fmt: skip
    assert (same.seq, same.hash, same.number) == (step.seq, step.hash, first.number)
    assert ledger.scalar(select(func.count()).select_from(Case)) == 1
    assert ledger.scalar(select(func.count()).select_from(CaseEvent)) == 2


@pytest.mark.skipif(not PG_URL, reason="a serialization failure is PostgreSQL's")
def test_a_real_serialization_failure_is_retried(ledger: Session) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(ledger_url(), isolation_level="SERIALIZABLE")
    tries = {"n": 0}

    def bump() -> int:
        tries["n"] += 1
        with engine.begin() as a:
            a.execute(text("SELECT name FROM street")).all()
            if tries["n"] == 1:  # another writer commits the same row in between
                with engine.begin() as b:
                    b.execute(text("UPDATE street SET name = name"))
            a.execute(text("UPDATE street SET name = name"))
        return tries["n"]

    assert retrying(bump, sleep=lambda _: None) == 2
    engine.dispose()


KILLED = textwrap.dedent(
    """
    import sys, time
    from redprop.cases.actions import NewCase, register_case
    from redprop.core.config import database_url, parse_time
    from redprop.core.db import open_ledger, session_scope

    engine = open_ledger(database_url(None), create=False)
    with session_scope(engine) as s:
        for i in range(3):
            new = NewCase(grid="G001", category="邻里纠纷", severity="small", summary=f"半截{i}", parties=["甲"])
            register_case(s, new=new, actor="王敏", at=parse_time("2026-11-03T09:00"))
        s.flush()
        print("in the middle", flush=True)
        time.sleep(60)
    """
)


def test_a_writer_killed_in_its_transaction_leaves_nothing_half_written(ledger: Session) -> None:
    register_case(ledger, new=NEW, actor=ADMIN, at=parse_time("2026-11-02T09:00"))
    before = ledger.scalar(select(func.count()).select_from(CaseEvent))
    ledger.commit()  # and holds no lock while the writer works (SQLite has one writer)
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "in the middle"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    assert ledger.scalar(select(func.count()).select_from(CaseEvent)) == before
    assert ledger.scalar(select(func.count()).select_from(Case)) == 1
    ledger.commit()
    assert check_ledger(ledger.get_bind()).problems == []  # type: ignore[arg-type]
    # and the next writer goes on with the next number
    again = register_case(ledger, new=NEW, actor=ADMIN, at=parse_time("2026-11-04T09:00"))
    assert again.number == "2026-00002"


@pytest.mark.skipif(PG_URL is not None, reason="about SQLite's planner")
def test_a_request_key_is_found_by_its_index_after_analyze(ledger: Session) -> None:
    """Most events carry no request key; once ANALYZE has counted their NULLs, the lookup of a
    key must still use its (partial) index, not scan every event (schema 0017)."""
    from sqlalchemy import text

    at = parse_time("2026-11-03T09:00")
    for _ in range(30):
        register_case(ledger, new=NEW, actor=ADMIN, at=at)
    register_case(ledger, new=NEW, actor=ADMIN, at=at, request="c" * 32)
    ledger.commit()
    ledger.execute(text("ANALYZE"))
    plan = " ".join(
        str(row[-1])
        for row in ledger.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT case_event.id, dispute.number FROM case_event "
                "JOIN dispute ON dispute.id = case_event.case_id WHERE case_event.request = :k"
            ),
            {"k": "c" * 32},
        )
    )
    assert "USING INDEX ix_case_event_request (request=?)" in plan, plan
    assert "SCAN case_event" not in plan, plan
