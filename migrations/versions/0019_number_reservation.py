"""case numbers reserved outside the registering transaction on PostgreSQL

Why: issue 20. A registration took the year's case number inside its own transaction, so the
counter row stayed locked from the number to COMMIT, across four round trips to the terminal:
every registration of a district queued behind the one before (32 workers: p50 0.5 s, p99
3.2 s). A command's registration on PostgreSQL now takes its number in one statement committed
at once, leaving a reservation under its request key that the registration deletes when it
commits; one left behind is a void number that db check lists (cases/numbering).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "number_reservation",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("serial", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("request", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reserved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", "serial"),
        sa.UniqueConstraint("request"),
    )


def downgrade() -> None:
    op.drop_table("number_reservation")
