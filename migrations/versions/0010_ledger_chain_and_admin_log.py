"""ledger chain, admin log and held values

Why: tamper evidence that holds (issue 13). Every event of every log gets one link of a
ledger-wide chain (chain_link), so a case deleted whole or an event dropped with its case's
counters set back no longer goes unseen; the admin log (admin_event) keeps staff, unit,
setting, calendar, import and unmask changes with who and when, in the same chain. held_value
keeps the ID and phone of rows an import rejected, under the token their errors workbook prints,
so the corrected workbook restores them (issue 13's lossless errors round trip).

The upgrade links the events already stored, in the order they were recorded (case events,
demand events, then the unmask requests of unmask_log, each copied into the admin log), so an
upgraded ledger verifies like a new one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:40:00
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
SOURCES = ("case", "demand", "admin")
BATCH = 20000


def _digest(payload: list[Any]) -> str:
    # The same rule as redprop.core.eventlog.digest, written out: a migration never imports the
    # code it migrates for, which may change later.
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    op.create_table(
        "admin_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("command", sa.String(length=50), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_admin_event_at", "admin_event", ["at"])
    op.create_table(
        "chain_link",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("source", "event_id"),
    )
    op.create_index("ix_chain_link_recorded_at", "chain_link", ["recorded_at"])
    op.create_table(
        "held_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token", "row"),
    )
    _unmask_requests_to_admin_log()
    _link_existing_events()


def _unmask_requests_to_admin_log() -> None:
    conn = op.get_bind()
    query = sa.text("SELECT at, actor, command, scope, rows FROM unmask_log ORDER BY id")
    rows = conn.execute(query.columns(at=sa.DateTime)).all()
    entries = []
    for at, actor, command, scope, count in rows:
        data = json.dumps({"rows": count}, ensure_ascii=False, sort_keys=True)
        entries.append(
            {
                "at": at,
                "actor": actor,
                "command": f"unmask: {command}",
                "target": scope,
                "data": data,
                "hash": _digest([at.isoformat(), actor, f"unmask: {command}", scope, data]),
            }
        )
    if entries:
        conn.execute(
            sa.text(
                "INSERT INTO admin_event (at, actor, command, target, data, hash) "
                "VALUES (:at, :actor, :command, :target, :data, :hash)"
            ),
            entries,
        )


def _link_existing_events() -> None:
    conn = op.get_bind()
    events: list[tuple[Any, ...]] = []
    for source, table, time in (
        ("case", "case_event", "recorded_at"),
        ("demand", "demand_event", "recorded_at"),
        ("admin", "admin_event", "at"),
    ):
        query = sa.text(f"SELECT id, hash, {time} AS at FROM {table}")
        rows = conn.execute(query.columns(at=sa.DateTime)).all()
        events += [(at, source, event_id, hash_) for event_id, hash_, at in rows]
    events.sort(key=lambda e: (e[0], SOURCES.index(e[1]), e[2]))
    prev, links = GENESIS, []
    for seq, (at, source, event_id, event_hash) in enumerate(events, start=1):
        hash_ = _digest([seq, source, event_id, event_hash, prev])
        links.append(
            {
                "seq": seq,
                "source": source,
                "event_id": event_id,
                "event_hash": event_hash,
                "recorded_at": at,
                "prev_hash": prev,
                "hash": hash_,
            }
        )
        prev = hash_
        if len(links) == BATCH:
            _insert_links(conn, links)
            links = []
    _insert_links(conn, links)
    if events:
        conn.execute(
            sa.text("INSERT INTO counter (name, last) VALUES ('ledger-chain', :n)"),
            {"n": len(events)},
        )


def _insert_links(conn: Any, links: list[dict[str, Any]]) -> None:
    if links:
        conn.execute(
            sa.text(
                "INSERT INTO chain_link (seq, source, event_id, event_hash, recorded_at, "
                "prev_hash, hash) VALUES (:seq, :source, :event_id, :event_hash, :recorded_at, "
                ":prev_hash, :hash)"
            ),
            links,
        )


def downgrade() -> None:
    op.drop_table("held_value")
    op.execute("DELETE FROM counter WHERE name = 'ledger-chain'")
    op.drop_index("ix_chain_link_recorded_at", table_name="chain_link")
    op.drop_table("chain_link")
    op.drop_index("ix_admin_event_at", table_name="admin_event")
    op.drop_table("admin_event")
