"""The load harness (benchmarks/load.py, issue 20) run briefly, as CI runs it: 4 workers on a
small ledger built in tmp (a new database on PostgreSQL when REDPROP_TEST_PG is set) must
verify clean, and so must a run with one worker killed by SIGKILL inside a transaction.

Measured on this 2-core machine (server and workers on it, PostgreSQL 15 with fsync on and
shared_buffers 6 GB), on the district's decade: 5,000,000 cases (ledgerbuild --since 2017,
copied in by db copy in 28 min), 70 s each with the first 10 s left out (--warmup 10); p99 in
ms (docs/design.md §17):

  32 workers with --think 0.5 (62 actions/s, more than 3,000 grid workers acting once a
  minute), three runs: every write <= 89 in each; medians register 68, accept 42, note 53,
  escalate 57, resolve 45, visit 47; case list 41, case show 38.
  Back to back (a closed loop on two cores: 130-170 actions/s whatever the database does):
  8 workers 168/s, writes 95-133, list 51; 32 workers 129-151/s, steps 380-480, register
  530-630 (3,224 while registrations queued for the year's counter, before schema 0019), list
  166-201; 100 workers 131/s, writes 1,300-2,300 (max_connections 300: two per worker).
  100 workers with --think 2 (47/s): writes 71-137, list 56.
  SQLite (WAL, one file), the same ledger: 8 workers back to back 242/s, p50 3-5, writes
  650-1,240; 32 workers 223/s, writes 2,900-3,700; 32 with --think 0.5, writes 1,500-1,700.
  Every run: zero errors, verification clean. Faults (PostgreSQL, 8 workers, 100,000 cases):
  the server restarted (pg_ctl restart -m fast) at 12 s and a worker killed with SIGKILL
  inside its transaction at 20 s: 23 transactions retried, zero errors, no request applied
  twice, the held action absent, verified clean. A full server disk: tests/test_pg_disk_full.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import ledger_url

pytestmark = pytest.mark.slow

HARNESS = Path(__file__).resolve().parents[1] / "benchmarks" / "load.py"
CLEAN = (
    "verify: every case number unique: ok",
    "verify: no request applied twice: ok",
    "verify: events by action == what the workers did: ok",
    "verify: the month's figures reconcile",
    "verify: every hash chain verifies: check_ledger problems == []",
    "verification: clean",
)


def _harness(*args: str, tmp_path: Path) -> str:
    logs = tmp_path / "logs"
    done = subprocess.run(
        [sys.executable, str(HARNESS), "--db", ledger_url(), "--logs", str(logs), *args],
        capture_output=True,
        text=True,
        timeout=150,
        env=os.environ | {"PYTHONPATH": str(HARNESS.parents[1] / "src")},
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, f"exit {done.returncode}\n{out}\n{done.stderr[-3000:]}"
    for line in CLEAN:
        assert line in out, f"{line!r} missing:\n{out}"
    # PostgreSQL reserves a registration's number: only an unfinished one may leave it void.
    void = next(ln for ln in out.splitlines() if ln.startswith("verify: void case numbers"))
    assert void.endswith(", each a registration left unfinished: ok"), void
    return out


def test_four_workers_verify_clean(tmp_path: Path) -> None:
    out = _harness(
        "--cases", "600", "--households", "300", "--workers", "4", "--seconds", "15",
        "--sweep-every", "5", "--report-every", "6",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert "errors: none" in out
    for action in ("register", "accept", "note", "resolve", "list", "show", "sweep", "report"):
        assert any(line.startswith(action) for line in out.splitlines()), action


def test_a_worker_killed_inside_a_transaction_leaves_nothing_half_written(tmp_path: Path) -> None:
    out = _harness(
        "--cases", "300", "--workers", "3", "--seconds", "7", "--kill-one-after", "3",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert "killed with SIGKILL at 3 s, inside a transaction" in out
    held = next(line for line in out.splitlines() if "held in a transaction" in line)
    assert held.endswith(": 1: ok"), held


def test_a_server_refusing_connections_while_it_restarts_is_retried() -> None:
    """What workers saw during pg_ctl restart -m fast: psycopg's refused start-up, text only."""
    from sqlalchemy.exc import OperationalError

    from redprop.core.retry import retryable

    for state in ("shutting down", "starting up"):
        orig = Exception(
            f'connection failed: server at "127.0.0.1" failed: FATAL:  the database system is {state}'
        )
        assert retryable(OperationalError("SELECT 1", {}, orig))
    assert not retryable(
        OperationalError("SELECT 1", {}, Exception("password authentication failed"))
    )
