"""The ledger-wide chain under many writers (core/chain, issue 20): on PostgreSQL a writer that
finds the chain's head held by another does not wait for it; its event is queued and linked by
the next writer to hold the head, in order. db check counts a queued event as covered, and a
fingerprint links the queue first. SQLite links at once and never queues."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from conftest import PG_URL, small_tree
from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.rules import Action
from redprop.core import tables as t
from redprop.core.chain import COUNTER, fingerprint
from redprop.core.config import parse_time
from redprop.core.db import connection_scope, session_scope
from redprop.ledger.upkeep import check_ledger

ADMIN = "王敏"
NEW = NewCase(grid="G001", category="邻里纠纷", severity="small", summary="漏水", parties=["甲"])


def _register(engine, minute: int) -> str:
    with connection_scope(engine, write=True) as conn:
        at = parse_time(f"2026-11-03T09:{minute:02d}")
        return register_case(conn, new=NEW, actor=ADMIN, at=at).number


def _queued(engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        p = t.chain_pending.c
        return [tuple(r) for r in conn.execute(select(p.source, p.event_id).order_by(p.id))]  # type: ignore[misc]


def _links(engine) -> list[tuple[int, str, int]]:
    with engine.connect() as conn:
        c = t.chain_link.c
        rows = conn.execute(select(c.seq, c.source, c.event_id).where(c.source == "case"))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _accept(engine, number: str, minute: int) -> int:
    with connection_scope(engine, write=True) as conn:
        at = parse_time(f"2026-11-03T10:{minute:02d}")
        return act(conn, number=number, action=Action.accept, actor=ADMIN, at=at).id  # type: ignore[return-value]


def _event_ids(engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.scalars(select(t.case_event.c.id).order_by(t.case_event.c.id)))


@pytest.mark.skipif(not PG_URL, reason="the queue is PostgreSQL's")
def test_a_writer_does_not_wait_for_a_held_head(engine) -> None:
    with session_scope(engine) as s:
        small_tree(s)
    first, second = _register(engine, 0), _register(engine, 1)
    # A registration holds the year's counter to COMMIT: it only queues its link.
    assert _queued(engine) == [("case", i) for i in _event_ids(engine)]
    _accept(engine, first, 0)  # the head is free: the queue is linked, then this step
    assert _queued(engine) == []
    held, release = threading.Event(), threading.Event()

    def hold_the_head() -> None:
        with engine.connect() as conn, conn.begin():
            conn.execute(
                text("SELECT last FROM counter WHERE name = :n FOR UPDATE"), {"n": COUNTER}
            )
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_head)
    holder.start()
    assert held.wait(10)
    started = time.monotonic()
    waiting = _accept(engine, second, 1)
    waited = time.monotonic() - started
    release.set()
    holder.join()
    assert waited < 5, f"the write waited {waited:.1f} s for the head"
    assert _queued(engine) == [("case", waiting)]
    assert check_ledger(engine).problems == []  # queued counts as covered
    with connection_scope(engine, write=True) as conn:
        act(conn, number=first, action=Action.note, actor=ADMIN, at=parse_time("2026-11-03T11:00"), facts=Facts(text="回访"))  # fmt: skip
    assert _queued(engine) == []
    links = _links(engine)
    assert [seq for seq, _, _ in links] == list(range(1, 6))
    assert [event for _, _, event in links] == _event_ids(engine)  # linked in the order queued
    assert check_ledger(engine).problems == []


@pytest.mark.skipif(not PG_URL, reason="the queue is PostgreSQL's")
def test_a_fingerprint_links_the_queue_first(engine) -> None:
    with session_scope(engine) as s:
        small_tree(s)
    _register(engine, 0)  # queued
    assert len(_queued(engine)) == 1
    with session_scope(engine) as s:
        printed = fingerprint(s)
    assert _queued(engine) == []
    assert printed is not None and printed.startswith(
        f"{len(_links(engine)) + _admin_links(engine)}-"
    )
    with session_scope(engine) as s:
        assert fingerprint(s) == printed
    assert check_ledger(engine).problems == []


def _admin_links(engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM chain_link WHERE source <> 'case'")))


@pytest.mark.skipif(not PG_URL, reason="the queue is PostgreSQL's")
def test_an_altered_queued_event_is_found(engine) -> None:
    with session_scope(engine) as s:
        small_tree(s)
    _register(engine, 0)  # queued
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_event SET hash = :h"), {"h": "0" * 64})
    problems = check_ledger(engine).problems
    assert any("与账本链记录的哈希不符" in zh for zh, _ in problems), problems


def test_sqlite_links_at_once(engine) -> None:
    if PG_URL:
        pytest.skip("about SQLite")
    with session_scope(engine) as s:
        small_tree(s)
    for minute in range(3):
        _accept(engine, _register(engine, minute), minute)
    assert _queued(engine) == []
    assert len(_links(engine)) == 6
