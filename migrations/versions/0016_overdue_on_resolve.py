"""whether a case had run late, and had been resolved before, kept on each resolve event

Why: issue 16. The quarterly score (量化积分) counts a complaint in the quarter of its first
resolve and takes 3 more points when it ran late at any level before it. Walking every resolved
case's history to find out took 5 s on a million-case ledger; both answers are fixed when the
resolve is appended, so they are kept there (case_event.overdue and resolved_before, not hashed,
walked again by db check), with two partial indexes that hold what the score reads of a quarter's
resolves and visits. Filled here for the resolves of every case without an undo, by the rule
cases/lateness walks: a step came after the due day of a running clock (registered,
in_progress), or the case was supervised. Cases with an undo keep None and are walked when read.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each step is late when the clock it ran (a running state with a due day) was past due when
# the next step came; a resolve ran late when any step before it was late or a supervision.
FILL = """
WITH walked AS (
    SELECT id, case_id, seq, action,
           CASE WHEN action = 'supervise'
                  OR (state IN ('registered', 'in_progress') AND due_on IS NOT NULL
                      AND due_on < {next_day})
                THEN 1 ELSE 0 END AS late
    FROM case_event
    WHERE case_id NOT IN (SELECT case_id FROM case_event WHERE action = 'undo')
), marked AS (
    SELECT id, action,
           MAX(late) OVER earlier AS late_before,
           SUM(CASE WHEN action = 'resolve' THEN 1 ELSE 0 END) OVER earlier AS resolves
    FROM walked
    WINDOW earlier AS (PARTITION BY case_id ORDER BY seq
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
UPDATE case_event
SET overdue = (COALESCE(marked.late_before, 0) = 1),
    resolved_before = (COALESCE(marked.resolves, 0) > 0)
FROM marked
WHERE marked.id = case_event.id AND marked.action = 'resolve'
"""
NEXT = "LEAD(at) OVER (PARTITION BY case_id ORDER BY seq)"


def upgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overdue", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("resolved_before", sa.Boolean(), nullable=True))
    bind = op.get_bind()
    next_day = f"date({NEXT})" if bind.dialect.name == "sqlite" else f"CAST({NEXT} AS DATE)"
    op.execute(FILL.format(next_day=next_day))
    # After the fill: its UPDATE would otherwise write every index entry twice.
    for name, columns, action in (
        (
            "ix_case_event_resolves",
            ["action", "at", "case_id", "seq", "overdue", "resolved_before"],
            "resolve",
        ),
        ("ix_case_event_visits", ["action", "at", "case_id", "data"], "visit"),
    ):
        where = sa.text(f"action = '{action}'")
        op.create_index(name, "case_event", columns, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    op.drop_index("ix_case_event_visits", table_name="case_event")
    op.drop_index("ix_case_event_resolves", table_name="case_event")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_column("resolved_before")
        batch_op.drop_column("overdue")
