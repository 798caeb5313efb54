"""What redprop sets on each PostgreSQL connection (core/db.make_engine): JIT off, since the
ledger's short index scans cost less to run than to compile (issue 20). The setting holds on
every pooled connection, after a rolled-back transaction too."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from conftest import PG_URL

pytestmark = pytest.mark.skipif(PG_URL is None, reason="about PostgreSQL's sessions")


def test_every_connection_runs_without_jit(engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"
        conn.execute(text("SELECT 1"))
        conn.rollback()
        assert conn.execute(text("SHOW jit")).scalar() == "off"
    engine.dispose()  # a new connection from a fresh pool
    with engine.begin() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"
