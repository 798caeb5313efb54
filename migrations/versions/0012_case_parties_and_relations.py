"""who a case's parties are, and the cases it relates to

Why: issue 19. A case's parties may name a household of the roster and carry a keyed hash of
their phone (case_party), so the ledger can tell that the same households quarrel again; the
cases a new case relates to in the 12 months before it (the same household, phone or address,
or linked by hand) are written when it is registered (case_relation), so a month's 重复纠纷
never moves. The key of the phone hashes is made here, once per ledger, at random (setting
party_key). Purely additive: cases registered before keep their parties as names only.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 19:30:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], ondelete="RESTRICT")


def upgrade() -> None:
    op.create_table(
        "case_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        _fk("case_id", "dispute.id"),
        _fk("household_id", "household.id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_party_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_party_household_id"), ["household_id"])
        batch_op.create_index(batch_op.f("ix_case_party_phone_hash"), ["phone_hash"])
    op.create_table(
        "case_relation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.Column("why", sa.String(length=10), nullable=False),
        _fk("case_id", "dispute.id"),
        _fk("related_id", "dispute.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "related_id", "why"),
    )
    with op.batch_alter_table("case_relation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_relation_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_relation_related_id"), ["related_id"])
    setting = sa.table("setting", sa.column("key", sa.String), sa.column("value", sa.String))
    op.execute(setting.insert().values(key="party_key", value=secrets.token_hex(32)))


def downgrade() -> None:
    setting = sa.table("setting", sa.column("key", sa.String))
    op.execute(setting.delete().where(setting.c.key == "party_key"))
    op.drop_table("case_relation")
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_party_phone_hash"))
        batch_op.drop_index(batch_op.f("ix_case_party_household_id"))
        batch_op.drop_index(batch_op.f("ix_case_party_case_id"))
    op.drop_table("case_party")
