"""Bulk passes: the paused collector, and rows written on a second thread into a real SQLite file."""

from __future__ import annotations

import gc
import sqlite3

import pytest

from redprop.core.bulk import BackgroundInserts, paused_gc


def test_paused_gc_nests_and_restores_what_it_found() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # it was off before, so it stays off
    finally:
        gc.enable()


def _table(tmp_path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None, check_same_thread=False)
    conn.execute("CREATE TABLE t (a INTEGER UNIQUE, b TEXT, c TEXT)")
    conn.execute("BEGIN")
    return conn


def test_background_inserts_write_every_row_in_order_in_the_callers_transaction(tmp_path) -> None:
    conn = _table(tmp_path)
    writer = BackgroundInserts(conn, "t", ("a", "b", "c"))
    writer.per = 3  # several statements, and a short last one
    rows = [(i, f"b{i}", None if i % 2 else "=1+1") for i in range(10)]
    writer.add(rows[:4])
    writer.add(rows[4:])
    writer.finish()
    writer.close()
    assert conn.execute("SELECT a, b, c FROM t ORDER BY rowid").fetchall() == rows
    conn.execute("ROLLBACK")  # nothing was committed behind the caller's back
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_a_failed_batch_raises_in_finish(tmp_path) -> None:
    conn = _table(tmp_path)
    writer = BackgroundInserts(conn, "t", ("a", "b", "c"))
    writer.per = 2
    writer.add([(1, "x", "y"), (2, "x", "y"), (3, "x", "y"), (1, "again", "y")])
    with pytest.raises(sqlite3.IntegrityError):
        writer.finish()
    writer.close()
    assert conn.execute("SELECT a FROM t ORDER BY a").fetchall() == [(1,), (2,)]
