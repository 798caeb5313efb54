"""household tags, visit plans, building heads' buildings and visits

Why: issue 18. Grid work is personal: party-member households look after their neighbours,
building heads (楼栋长) help the grid, and the elderly living alone, the disabled, the sick and
the poor are visited on a schedule. Tags on households come from a vocabulary kept as data
(tag_kind, seeded here from core/vocab.TAG_KINDS with their visit intervals; the admin adds
tags and changes the days), a household's tags are kept from when they were added until they
were removed (household_tag), a 党员中心户 names the households it looks after
(household_link), a building head names the buildings they look after (staff_building), and
each visit is an append-only, hashed record linked into the ledger chain (visit). Purely
additive.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of core/vocab.TAG_KINDS as it stood: a migration never changes with the code.
SEED = (
    ("党员户", "party member", False, None),
    ("党员中心户", "party centre household", False, None),
    ("独居老人", "elderly living alone", True, 7),
    ("空巢老人", "empty-nest elderly", True, 14),
    ("高龄老人", "very elderly", True, 14),
    ("残疾人", "disabled", True, 30),
    ("低保户", "minimum allowance", True, 30),
    ("特困人员", "extreme poverty", True, 30),
    ("重病患者", "seriously ill", True, 14),
    ("留守儿童", "left-behind child", True, 30),
    ("退役军人", "veteran", True, None),
    ("其他", "other", True, None),
)


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], ondelete="RESTRICT")


def upgrade() -> None:
    kinds = op.create_table(
        "tag_kind",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("name_en", sa.String(length=50), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("visit_days", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.bulk_insert(
        kinds,
        [
            {"name": zh, "name_en": en, "sensitive": sensitive, "visit_days": days}
            for zh, en, sensitive, days in SEED
        ],
    )
    op.create_table(
        "household_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by", sa.String(length=100), nullable=True),
        _fk("household_id", "household.id"),
        _fk("tag_id", "tag_kind.id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("household_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_tag_household_id"), ["household_id"])
        batch_op.create_index(batch_op.f("ix_household_tag_tag_id"), ["tag_id"])
        batch_op.create_index(
            "ix_household_tag_live", ["removed_at", "household_id", "tag_id"], unique=False
        )
    op.create_table(
        "household_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("served_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        _fk("center_id", "household.id"),
        _fk("served_id", "household.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("center_id", "served_id"),
    )
    with op.batch_alter_table("household_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_link_center_id"), ["center_id"])
        batch_op.create_index(batch_op.f("ix_household_link_served_id"), ["served_id"])
    op.create_table(
        "staff_building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        _fk("staff_id", "staff.id"),
        _fk("building_id", "building.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "building_id"),
    )
    with op.batch_alter_table("staff_building", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_building_staff_id"), ["staff_id"])
        batch_op.create_index(batch_op.f("ix_staff_building_building_id"), ["building_id"])
    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        _fk("household_id", "household.id"),
        _fk("demand_id", "demand.id"),
        _fk("staff_id", "staff.id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_on"), ["on"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_demand_id"), ["demand_id"])
        batch_op.create_index(batch_op.f("ix_visit_staff_id"), ["staff_id"])
        batch_op.create_index("ix_visit_household_on", ["household_id", "on"], unique=False)


def downgrade() -> None:
    op.drop_table("visit")
    op.drop_table("staff_building")
    op.drop_table("household_link")
    op.drop_table("household_tag")
    op.drop_table("tag_kind")
