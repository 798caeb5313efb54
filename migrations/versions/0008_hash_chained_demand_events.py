"""hash-chained demand events

Why: a demand's log is as much a record as a case's (a micro-wish fulfilled is a figure the
street office signs), so it gets the same tamper evidence: each event's hash covers its content
and the previous event's hash, and the demand keeps the last hash (docs/design.md §11). Events
written before this revision are chained here, in order, exactly as redprop would have chained
them; the hash function is copied (not imported) so this migration means the same forever.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:30:00
"""

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64

demand = sa.table(
    "demand",
    sa.column("id", sa.Integer),
    sa.column("number", sa.String),
    sa.column("last_hash", sa.String),
)
demand_event = sa.table(
    "demand_event",
    sa.column("id", sa.Integer),
    sa.column("demand_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("action", sa.String),
    sa.column("from_state", sa.String),
    sa.column("state", sa.String),
    sa.column("at", sa.DateTime),
    sa.column("recorded_at", sa.DateTime),
    sa.column("actor", sa.String),
    sa.column("reason", sa.Text),
    sa.column("data", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _hash(number: str, ev: sa.Row, prev: str) -> str:
    # The payload of servicelists.log.event_hash as of this revision.
    payload = [
        number,
        ev.seq,
        ev.action,
        ev.from_state,
        ev.state,
        ev.at.isoformat(),
        ev.recorded_at.isoformat(),
        ev.actor,
        ev.reason,
        ev.data,
        prev,
    ]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain_existing_events() -> None:
    conn = op.get_bind()
    numbers = dict(conn.execute(sa.select(demand.c.id, demand.c.number)).all())
    events = conn.execute(
        sa.select(demand_event).order_by(demand_event.c.demand_id, demand_event.c.seq)
    ).all()
    last: dict[int, str] = {}
    for ev in events:
        prev = last.get(ev.demand_id, GENESIS)
        digest = _hash(numbers[ev.demand_id], ev, prev)
        conn.execute(
            demand_event.update()
            .where(demand_event.c.id == ev.id)
            .values(prev_hash=prev, hash=digest)
        )
        last[ev.demand_id] = digest
    for demand_id, digest in last.items():
        conn.execute(demand.update().where(demand.c.id == demand_id).values(last_hash=digest))


def upgrade() -> None:
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("demand_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table("demand_event", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("demand_event", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    with op.batch_alter_table("demand", schema=None) as batch_op:
        batch_op.drop_column("last_hash")
