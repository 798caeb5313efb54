"""meetings, their problem lists and the rectification ledger

Why: issue 17. Communities and streets settle at regular meetings (联席会议, 每周说事, 五+X,
听证会) what a grid can't alone; each meeting draws up a problem list (meeting_item) and every
decision becomes a rectification task (rectify_task) tracked to verification through its own
append-only, hash-chained log (rectify_event), linked into the ledger chain like every log.
Purely additive: no existing row changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], ondelete="RESTRICT")


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("on", sa.DateTime(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        _fk("street_id", "street.id"),
        _fk("community_id", "community.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_street_id"), ["street_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_community_id"), ["community_id"])
        batch_op.create_index(batch_op.f("ix_meeting_on"), ["on"], unique=False)

    op.create_table(
        "meeting_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        _fk("meeting_id", "meeting.id"),
        _fk("case_id", "dispute.id"),
        _fk("demand_id", "demand.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("meeting_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_item_meeting_id"), ["meeting_id"])
        batch_op.create_index(batch_op.f("ix_meeting_item_case_id"), ["case_id"])
        batch_op.create_index(batch_op.f("ix_meeting_item_demand_id"), ["demand_id"])
        batch_op.create_index(batch_op.f("ix_meeting_item_at"), ["at"], unique=False)

    op.create_table(
        "rectify_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("owner_kind", sa.String(length=10), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=True),
        _fk("item_id", "meeting_item.id"),
        _fk("meeting_id", "meeting.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("rectify_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectify_task_item_id"), ["item_id"])
        batch_op.create_index(batch_op.f("ix_rectify_task_meeting_id"), ["meeting_id"])
        batch_op.create_index(batch_op.f("ix_rectify_task_owner"), ["owner"], unique=False)
        batch_op.create_index("ix_rectify_task_state_due", ["state", "due"], unique=False)

    op.create_table(
        "rectify_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        _fk("task_id", "rectify_task.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "seq"),
    )
    with op.batch_alter_table("rectify_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectify_event_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("rectify_event")
    op.drop_table("rectify_task")
    op.drop_table("meeting_item")
    op.drop_table("meeting")
    op.execute("DELETE FROM counter WHERE name LIKE 'HY:%' OR name LIKE 'WT:%' OR name LIKE 'ZG:%'")
