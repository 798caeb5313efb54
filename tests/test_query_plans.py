"""What SQLite's planner makes of the ledger's hot queries once ANALYZE has seen a ledger: each
must read its index in order and stop at the page, not sort a whole grid."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from tests.conftest import PG_URL, small_tree

from redprop.cases.actions import NewCase, register_case
from redprop.cases.query import CaseFilter, list_cases
from redprop.core import tables as t
from redprop.core.config import parse_time

ADMIN = "王敏"
NEW = NewCase(grid="G001", category="邻里纠纷", severity="small", summary="漏水", parties=["甲"])
AT = parse_time("2026-11-03T09:00")


@pytest.fixture
def ledger(session: Session) -> Session:
    small_tree(session)
    session.commit()
    return session


def _analyzed_with_cases(ledger: Session) -> tuple[Connection, list[str]]:
    """Thirty cases in G001, ANALYZE run, and the ledger's connection with the statements it
    runs from now on."""
    for _ in range(30):
        register_case(ledger, new=NEW, actor=ADMIN, at=AT)
    ledger.commit()
    ledger.execute(text("ANALYZE"))
    statements: list[str] = []
    conn = ledger.connection()

    @event.listens_for(conn, "before_cursor_execute")
    def seen(_c, _cur, statement, params, _ctx, _many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    return conn, statements


@pytest.mark.skipif(PG_URL is not None, reason="about SQLite's planner")
def test_a_grids_newest_cases_are_read_from_their_index_without_a_sort(ledger: Session) -> None:
    """`case list --grid` reads the grid's cases backwards and stops at the page (schema
    0020); by (grid, state) it sorted every case of the grid: 225 ms for 58,000 of them."""
    conn, statements = _analyzed_with_cases(ledger)

    listed = list_cases(conn, filt=CaseFilter(grid="G001"), today=AT.date(), limit=5)
    assert listed.total == 30 and [r["number"] for r in listed.rows] == [
        f"2026-{n:05d}" for n in range(30, 25, -1)
    ]
    query = next(s for s in statements if "ORDER BY" in s)
    grid_id = ledger.scalar(select(t.grid.c.id).where(t.grid.c.code == "G001"))
    plan = " ".join(
        str(row[-1])
        for row in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {query}",
            (grid_id, 5, 0) if query.count("?") == 3 else (grid_id, 5),
        )
    )
    assert "ix_dispute_grid_newest" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.skipif(PG_URL is not None, reason="about SQLite's planner")
def test_the_open_cases_are_read_from_their_partial_index(ledger: Session) -> None:
    """Every report reads the cases open now (figures/replay._quiet); on a district's ledger
    they are scattered over the whole table, so they come from the partial index of open
    cases alone (schema 0021), which the query must name its states to match."""
    from datetime import date

    from redprop.figures.period import parse_period
    from redprop.figures.replay import outcomes

    conn, statements = _analyzed_with_cases(ledger)

    period = parse_period(month="2026-12", start=None, end=None, today=date(2026, 12, 20))
    found = outcomes(conn, period=period, today=date(2026, 12, 20))
    assert len(found) == 30 and {o.entry for o in found} == {"carried_over"}
    query = next(s for s in statements if "WHERE dispute.state IN" in s)
    assert "('in_progress', 'registered', 'suspended')" in query, query
    plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}"))
    assert "USING COVERING INDEX ix_dispute_open" in plan, plan
