"""A case's row and its events' rows as SQLAlchemy Core reads and writes them (core/tables.py):
finding a case by its number (a short number too) and the event an earlier attempt of a command
invocation committed. Light on purpose: `case show` and `case todo` import this, not the
ladder's services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from redprop.core import tables as t

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    Db = Connection | Session


@dataclass
class CaseRow:
    """A case's row (the `dispute` table), read and written with SQLAlchemy Core: the ladder's
    commands never load the ORM (core/tables.py says why)."""

    id: int
    number: str
    street_id: int
    community_id: int
    grid_id: int
    building_id: int | None
    unit: str | None
    room: str | None
    category_id: int
    severity: str
    source: str
    summary: str
    parties: str
    state: str
    level: str
    supervised: bool
    clock_start: date | None
    limit_days: int
    paused_days: int
    suspended_on: date | None
    due_on: date | None
    yellow_on: date | None
    registered_at: datetime
    last_at: datetime
    event_count: int
    last_hash: str
    source_ref: str | None
    company_id: int | None = None  # the property company it reaches (docs/design.md §15)


@dataclass
class EventRow:
    """One event of a case's log (the `case_event` table) as appended; `number` is its case's."""

    case_id: int
    seq: int
    action: str
    from_state: str | None
    from_level: str | None
    state: str
    level: str
    at: datetime
    recorded_at: datetime
    actor: str
    staff_id: int | None
    reason: str | None
    data: str
    due_on: date | None
    yellow_on: date | None
    prev_hash: str
    hash: str = ""
    request: str | None = None  # the command invocation that wrote it (core/retry)
    # On a resolve: whether the case ran late, and had been resolved before (cases/lateness).
    overdue: bool | None = None
    resolved_before: bool | None = None
    id: int | None = None
    number: str = ""


def done_before(db: Db, request: str | None) -> EventRow | None:
    """The event an earlier attempt of this command invocation appended, if it was committed
    (a retry after a lost connection: core/retry), else None."""
    if request is None:
        return None
    e, d = t.case_event.c, t.dispute.c
    row = db.execute(
        select(t.case_event, d.number.label("number"))
        .join(t.dispute, d.id == e.case_id)
        .where(e.request == request)
    ).first()
    return None if row is None else EventRow(**row._mapping)


def read_case(db: Db, *where: Any, lock: bool = False) -> CaseRow | None:
    """The case matching `where` (on core/tables.dispute), or None; `lock` takes its row for
    this transaction (PostgreSQL FOR UPDATE; on SQLite the writer already holds the database)."""
    query = select(t.dispute).where(*where)
    if lock:
        query = query.with_for_update()
    row = db.execute(query).first()
    return None if row is None else CaseRow(**row._mapping)


def get_case(session: Db, number: str, *, lock: bool = False) -> CaseRow:
    """A case by number; `lock` takes its row for this transaction (PostgreSQL FOR UPDATE; on
    SQLite the writer already holds the database), so two writers append to its chain in turn."""
    from redprop.core.config import local_now
    from redprop.core.errors import NotFound
    from redprop.core.ids import clean_text
    from redprop.core.numbers import full_number, said_as

    # A short number: 87 is this year's 2026-00087, 2025-87 is 2025-00087 (core/numbers).
    full = full_number(clean_text(number), year=local_now().year)
    case = read_case(session, t.dispute.c.number == full, lock=lock)
    if case is None:
        zh, en = said_as(number, full)
        raise NotFound(
            f"没有编号为 {zh} 的案件：用 redprop case list 查看案件编号",
            f"No case numbered {en}: see redprop case list",
        )
    return case
