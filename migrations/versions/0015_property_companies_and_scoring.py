"""property companies, owners' committees and quarterly scoring

Why: issue 16. 红色物业 holds property companies to account: a company becomes a unit of its
own (property_company, with its 统一社会信用代码), a compound names it instead of holding its name
as text (the stored names become companies here, one per distinct name), a complaint is linked
to the company when registered (dispute.company_id, filled here for the cases at an address of
a compound with a company), owners' committees are kept with their terms (owners_committee),
and the quarterly score (量化积分) reads a rule table kept as data (score_rule, seeded with the
issue's defaults) and manual items (score_item, append-only, hashed and chained).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 19:35:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of property/rules.DEFAULT_RULES as it stood: a migration never changes with the code.
SEED = (
    ("base", 100),
    ("case_substantiated", -2),
    ("case_overdue", -3),
    ("visit_unsatisfied", -5),
    ("visit_satisfied", 1),
    ("service_record", 1),
    ("service_cap", 10),
    ("rectify_overdue", -2),
    ("manual_min", -10),
    ("manual_max", 10),
    ("red_min", 95),
    ("black_below", 70),
)


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], ondelete="RESTRICT")


def _companies() -> None:
    op.create_table(
        "property_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("party_branch", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("credit_code"),
    )
    # The stored names become companies (names were up to 200 characters; a longer one is cut).
    op.execute(
        "INSERT INTO property_company (name, party_branch) "
        "SELECT DISTINCT substr(property_company, 1, 100), false FROM compound "
        "WHERE property_company IS NOT NULL AND property_company <> ''"
    )
    with op.batch_alter_table("compound", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_compound_company_id"), ["company_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_compound_company_id",
            "property_company",
            ["company_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    op.execute(
        "UPDATE compound SET company_id = (SELECT p.id FROM property_company p "
        "WHERE p.name = substr(compound.property_company, 1, 100))"
    )
    with op.batch_alter_table("compound", schema=None) as batch_op:
        batch_op.drop_column("property_company")
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.add_column(sa.Column("company_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_dispute_company_id"), ["company_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_dispute_company_id", "property_company", ["company_id"], ["id"], ondelete="RESTRICT"
        )
    op.execute(
        "UPDATE dispute SET company_id = (SELECT c.company_id FROM building b "
        "JOIN compound c ON c.id = b.compound_id WHERE b.id = dispute.building_id) "
        "WHERE building_id IS NOT NULL"
    )


def upgrade() -> None:
    _companies()
    op.create_table(
        "owners_committee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("party_members", sa.Integer(), nullable=False),
        _fk("compound_id", "compound.id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_owners_committee_compound_id", "owners_committee", ["compound_id"])
    rules = op.create_table(
        "score_rule",
        sa.Column("key", sa.String(length=30), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "since"),
    )
    since = datetime(1900, 1, 1)  # the defaults hold for every quarter before a change
    op.bulk_insert(rules, [{"key": k, "since": since, "points": p} for k, p in SEED])
    op.create_table(
        "score_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("counter_of", sa.Integer(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        _fk("company_id", "property_company.id"),
        _fk("staff_id", "staff.id"),
        _fk("counter_of", "score_item.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("counter_of"),
    )
    for column in ("company_id", "staff_id", "at"):
        op.create_index(f"ix_score_item_{column}", "score_item", [column])


def downgrade() -> None:
    op.drop_table("score_item")
    op.drop_table("score_rule")
    op.drop_table("owners_committee")
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.drop_constraint("fk_dispute_company_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_dispute_company_id"))
        batch_op.drop_column("company_id")
    with op.batch_alter_table("compound", schema=None) as batch_op:
        batch_op.add_column(sa.Column("property_company", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE compound SET property_company = (SELECT p.name FROM property_company p "
        "WHERE p.id = compound.company_id)"
    )
    with op.batch_alter_table("compound", schema=None) as batch_op:
        batch_op.drop_constraint("fk_compound_company_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_compound_company_id"))
        batch_op.drop_column("company_id")
    op.drop_table("property_company")
