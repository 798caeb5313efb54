"""a queue of events waiting for their link of the ledger-wide chain

Why: issue 20. On PostgreSQL the chain's head is a counter row, locked from its update to
COMMIT, that every writer of a district wanted; at 32 workers every write queued behind every
other, and a registration, holding the year's case counter while it waited, stalled every
registration behind it (p99 2.8 s). A writer now queues its event here and links only if the
head is free (SELECT … FOR UPDATE SKIP LOCKED); whoever holds the head links the queue in order.
SQLite, with one writer at a time, links at once and never uses it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chain_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "event_id"),
    )


def downgrade() -> None:
    op.drop_table("chain_pending")
