"""a request key on every case event

Why: issue 20. On a district's PostgreSQL a command can lose its connection after the server
committed (a restart, a network drop); the command then retries. Each command invocation carries
one random key, stored with the event it appends, so a retry finds its own event instead of
applying the action twice. Not part of the event's hash: it says which invocation wrote the
event, not what happened. Purely additive: older events have none.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_case_event_request"), ["request"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_event_request"))
        batch_op.drop_column("request")
