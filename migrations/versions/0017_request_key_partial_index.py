"""the request key's index holds only the events that have one

Why: issue 20. Most events carry no request key (those written before schema 0014, the bulk
loaders', the sweep's), so once SQLite's ANALYZE has seen a ledger, its statistics say a lookup
of the unique index on case_event.request finds tens of thousands of rows (all the NULLs), and
its planner scans the whole table instead: on a 100,000-case ledger, 17 ms for every write's
"did an earlier attempt of this command commit?" (cases/rows.done_before), seconds on a large
one. A partial index (request IS NOT NULL) holds only the keyed events, one per key, and is
still unique; a lookup by key implies the condition, on SQLite and PostgreSQL alike.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYED = sa.text("request IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_case_event_request", table_name="case_event")
    op.create_index(
        "ix_case_event_request",
        "case_event",
        ["request"],
        unique=True,
        sqlite_where=KEYED,
        postgresql_where=KEYED,
    )


def downgrade() -> None:
    op.drop_index("ix_case_event_request", table_name="case_event")
    op.create_index("ix_case_event_request", "case_event", ["request"], unique=True)
