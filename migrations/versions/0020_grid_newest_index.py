"""a grid's cases newest first from an index

Why: issue 20. `case list --grid G` (a grid worker's own list, 15 % of the district load) asks
for the newest 50 of a grid's cases. SQLite answered from ix_dispute_grid_state (grid, state),
which holds a grid's cases out of order, and sorted all of them: 58,000 cases of one grid of a
5,000,000-case ledger took 225 ms, and 0.5-1 s under load. With (grid_id, id) both databases
read the grid's cases backwards and stop after the page.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 04:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_dispute_grid_newest", "dispute", ["grid_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_dispute_grid_newest", table_name="dispute")
