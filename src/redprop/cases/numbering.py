"""Case numbers (docs/design.md §17): 2026-00001, 2026-00002 … each year, never reused, and
every number given out accounted for, which `db check` verifies.

A number is taken from the year's counter row. Inside the registering transaction (SQLite,
and every bulk registration) it is rolled back with it, so a number missing from the ledger is
a deleted case. On a district's PostgreSQL that row would be held from the number to COMMIT by
every registration of the district in turn: at 32 workers registrations queued for seconds.
So a registration made by a command invocation (one with a request key, core/retry) takes its
number in a statement of its own, committed at once, which leaves the number *reserved* under
the request key (number_reservation); the registration deletes the reservation in its own
transaction. A retry of the same invocation finds its reservation and uses the same number.
A reservation left behind (the terminal killed, the connection lost for good, the disk full
between the number and the case) is a void number (作废编号), which db check lists with who
and when, as a receipt book shows a voided receipt; only a number with neither a case nor a
reservation is a deleted case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, literal, select

from redprop.core import tables as t
from redprop.core.config import now
from redprop.core.db import bump_counter, counter_bump, dialect_name
from redprop.core.eventlog import ChainProblem

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

    Db = Connection | Session


def number_text(year: int, serial: int) -> str:
    return f"{year}-{serial:05d}"


def take_number(db: Db, year: int, *, request: str | None, actor: str) -> str:
    """The year's next case number for a registration in `db`'s transaction. On PostgreSQL
    with a request key, reserved in a transaction of its own (the module's docstring); a
    retry of the same request gets the number its first attempt reserved."""
    if request is None or dialect_name(db) != "postgresql":
        return number_text(year, bump_counter(db, t.case_counter, year=year))
    r = t.number_reservation.c
    # Deleted here, so the reservation goes exactly when the case is committed.
    earlier = db.execute(
        delete(t.number_reservation).where(r.request == request, r.year == year).returning(r.serial)
    ).scalar()
    if earlier is not None:
        return number_text(year, earlier)
    serial = _reserve(_engine_of(db), year, request=request, actor=actor)
    db.execute(delete(t.number_reservation).where(r.year == year, r.serial == serial))
    return number_text(year, serial)


def _reserve(engine: Engine, year: int, *, request: str, actor: str) -> int:
    """Bump the counter and record the reservation in one statement, committed at once: the
    counter row is held only while the server runs it and flushes its commit, never across a
    round trip to a terminal."""
    from sqlalchemy import insert

    bump = counter_bump(t.case_counter, postgres=True, year=year).cte("bump")
    reserve = (
        insert(t.number_reservation)
        .from_select(
            ["year", "serial", "request", "actor", "reserved_at"],
            select(literal(year), bump.c.last, literal(request), literal(actor), literal(now())),
        )
        .returning(t.number_reservation.c.serial)
    )
    # AUTOCOMMIT: the statement is its own transaction, committed by the server before it
    # answers; a BEGIN … COMMIT would hold the counter across the round trip to COMMIT.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return int(conn.execute(reserve).scalar_one())


def _engine_of(db: Any) -> Engine:
    engine = getattr(db, "engine", None)  # a Connection has it; a Session has its bind
    if engine is None:
        bind = db.get_bind()
        engine = getattr(bind, "engine", bind)
    return engine  # type: ignore[no-any-return]


@dataclass(frozen=True)
class VoidNumber:
    """A number reserved for a registration that never completed."""

    number: str
    actor: str
    reserved_at: datetime


def void_numbers(db: Db) -> list[VoidNumber]:
    r = t.number_reservation.c
    rows = db.execute(
        select(r.year, r.serial, r.actor, r.reserved_at).order_by(r.year, r.serial)
    ).all()
    return [VoidNumber(number_text(y, s), actor, at) for y, s, actor, at in rows]


def number_gaps(db: Db) -> list[ChainProblem]:
    """Every number up to each year's counter is a case's or a void one's; any other missing
    number is a deleted case."""
    taken: dict[int, set[int]] = {}
    for number in db.scalars(select(t.dispute.c.number)):
        year, _, serial = number.partition("-")
        if year.isdigit() and serial.isdigit():
            taken.setdefault(int(year), set()).add(int(serial))
    r = t.number_reservation.c
    for year, serial in db.execute(select(r.year, r.serial)):
        taken.setdefault(year, set()).add(serial)
    problems = []
    for year, last in db.execute(select(t.case_counter.c.year, t.case_counter.c.last)):
        missing = sorted(set(range(1, last + 1)) - taken.get(year, set()))
        if missing:
            shown = "、".join(number_text(year, n) for n in missing[:5])
            more = f" 等 {len(missing)} 个" if len(missing) > 5 else ""
            problems.append(
                ChainProblem(
                    f"{year}",
                    f"案件编号 {shown}{more} 缺失（案件被删除）",
                    f"case number(s) {shown} are missing (cases deleted)",
                )
            )
    return problems
