"""case attachments

Why: the signed paper comes back (issue 14): a scan of the 人民调解协议书, a photo, a record is
kept with its case, content-addressed by SHA-256 (attachment_blob holds each content once) and
numbered per case (case_attachment). The file lives in the database, so a PostgreSQL ledger
shared by a district needs no shared folder; each attachment is also a case event (action
attach), so the hash chain covers it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "case_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["dispute.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["sha256"], ["attachment_blob.sha256"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("case_attachment")
    op.drop_table("attachment_blob")
