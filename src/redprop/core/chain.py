"""The ledger-wide chain (docs/design.md §11): every event of every log (case events, demand
events, the admin log) gets one link, numbered 1, 2, 3 … across the whole ledger, each link
hashing its event's own hash with the link before it. A per-case chain shows an event changed
inside one case; this one shows a case deleted whole, an event dropped with its case's counters
set back, or one log rewritten and re-hashed: the links stop matching, and a fingerprint
(a link's number and hash) printed on a signed month's workbook proves the chain up to that
point is the one that was signed.

Appending takes the next number from a counter row inside the command's transaction, so no
two links share a number or a predecessor. On PostgreSQL a writer that finds that row held by
another does not wait for it: its event is queued and linked by the next writer to hold the
head (`link`, `settle`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from redprop.core.eventlog import GENESIS, digest

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

COUNTER = "ledger-chain"
SOURCES = ("case", "demand", "admin", "rectify", "visit", "score")  # which log a link's event is in


def link_hash(seq: int, source: str, event_id: int, event_hash: str, prev: str) -> str:
    """A link's hash. The payload's fields and their order are fixed for good."""
    return digest([seq, source, event_id, event_hash, prev])


def link(
    db: Any,
    source: str,
    event_id: int,
    event_hash: str,
    recorded_at: datetime,
    *,
    defer: bool = False,
) -> None:
    """Link one event (already written, so it has its id) into the chain. SQLAlchemy Core on an
    ORM session or a plain connection alike (core/tables.py).

    SQLite has one writer at a time: the link is made at once. On PostgreSQL the head is a
    counter row, locked from its update to COMMIT, which every writer of the district wants;
    waiting for it made every write queue behind every other. So the event is queued
    (chain_pending) and the head taken only if it is free (SKIP LOCKED): whoever holds it
    links every queued event it can see, its own among them, in the order they were queued.
    An event waits in the queue only until the next write of anyone; `settle` empties it.
    With `defer` the event is only queued: a registration, holding the year's case counter
    until COMMIT, keeps that short."""
    from sqlalchemy import insert

    from redprop.core import tables as t
    from redprop.core.db import dialect_name

    if dialect_name(db) != "postgresql":
        _append(db, [(source, event_id, event_hash, recorded_at)])
        return
    db.execute(
        insert(t.chain_pending).values(
            source=source, event_id=event_id, event_hash=event_hash, recorded_at=recorded_at
        )
    )
    if not defer and _take_head(db, wait=False):
        _link_pending(db)


def settle(db: Any) -> None:
    """Link every queued event now, waiting for the head if need be (before a fingerprint is
    printed, and by db check). Nothing to do on SQLite."""
    from redprop.core.db import dialect_name

    if dialect_name(db) == "postgresql" and _take_head(db, wait=True):
        _link_pending(db)


def _take_head(db: Any, *, wait: bool) -> bool:
    """Lock the head's counter row until COMMIT; without `wait`, only if no one holds it."""
    from sqlalchemy.dialects.postgresql import insert

    from redprop.core import tables as t

    c = t.counter.c
    query = select(c.last).where(c.name == COUNTER).with_for_update(skip_locked=not wait)
    if db.execute(query).first() is not None:
        return True
    if db.execute(select(c.last).where(c.name == COUNTER)).first() is not None:
        return False  # there, and held by another writer
    # A ledger's first link: make the head, then take it like anyone.
    db.execute(insert(t.counter).values(name=COUNTER, last=0).on_conflict_do_nothing())
    return db.execute(query.with_for_update()).first() is not None


def _link_pending(db: Any) -> None:
    """Link the whole queue, in the order it was queued, holding the head, in one go (three
    round trips per link made the head's holder the slowest writer of a busy district)."""
    from sqlalchemy import delete

    from redprop.core import tables as t

    p = t.chain_pending.c
    rows = db.execute(
        select(p.id, p.source, p.event_id, p.event_hash, p.recorded_at).order_by(p.id)
    ).all()
    if rows:
        _append(db, [(r.source, r.event_id, r.event_hash, r.recorded_at) for r in rows])
        db.execute(delete(t.chain_pending).where(p.id.in_([row.id for row in rows])))


def _append(db: Any, events: list[tuple[str, int, str, datetime]]) -> None:
    """Append the next links, one per (source, event id, event hash, recorded at), in order:
    the counter moved once by their number, the links inserted in one statement."""
    from sqlalchemy import insert

    from redprop.core import tables as t
    from redprop.core.db import bump_counter

    first = bump_counter(db, t.counter, by=len(events), name=COUNTER) - len(events) + 1
    links = t.chain_link
    prev = GENESIS
    if first > 1:
        prev = db.scalar(select(links.c.hash).where(links.c.seq == first - 1)) or GENESIS
    values = []
    for seq, (source, event_id, event_hash, recorded_at) in enumerate(events, start=first):
        hash_ = link_hash(seq, source, event_id, event_hash, prev)
        values.append(
            {
                "seq": seq,
                "source": source,
                "event_id": event_id,
                "event_hash": event_hash,
                "recorded_at": recorded_at,
                "prev_hash": prev,
                "hash": hash_,
            }
        )
        prev = hash_
    db.execute(insert(links), values)


# -- the fingerprint ---------------------------------------------------------------------------


def fingerprint_text(seq: int, hash_: str) -> str:
    """How a fingerprint is printed: the link's number and the first 16 hex digits of its hash
    (64 bits: no one finds another chain that matches them)."""
    return f"{seq}-{hash_[:16]}"


def fingerprint(session: Session, upto: datetime | None = None) -> str | None:
    """The fingerprint of the last link recorded at or before `upto` (the whole chain without
    it); None for a ledger with no events yet. Queued events are linked first (`settle`), so
    a month's fingerprint never moves when they are linked later."""
    settle(session)
    links = _table("chain_link")
    query = select(links.c.seq, links.c.hash).order_by(links.c.seq.desc()).limit(1)
    if upto is not None:
        query = query.where(links.c.recorded_at <= upto)
    row = session.execute(query).first()
    return fingerprint_text(row[0], row[1]) if row else None


def parse_fingerprint(text: str) -> tuple[int, str] | None:
    seq, _, prefix = text.strip().partition("-")
    if not seq.isdigit() or len(prefix) != 16 or any(c not in "0123456789abcdef" for c in prefix):
        return None
    return int(seq), prefix


# -- verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkProblem:
    where: str
    zh: str
    en: str


def _table(name: str) -> Any:
    from redprop.core.models import SQLModel

    return SQLModel.metadata.tables[name]


def _event_hashes(session: Session, source: str) -> Iterator[tuple[int, str]]:
    table = _table(
        {
            "case": "case_event",
            "demand": "demand_event",
            "admin": "admin_event",
            "rectify": "rectify_event",
            "visit": "visit",
            "score": "score_item",
        }[source]
    )
    yield from session.execute(select(table.c.id, table.c.hash).order_by(table.c.id))  # type: ignore[misc]


def verify_links(session: Session) -> tuple[list[LinkProblem], dict[int, str]]:
    """Every link numbered 1..n, pointing at the one before and hashing right; every event of
    every log linked exactly once, with the hash it has now. Returns the problems and, for the
    fingerprint check, each link's hash by number."""
    links = _table("chain_link")
    problems: list[LinkProblem] = []
    hashes: dict[int, str] = {}
    linked: dict[str, dict[int, str]] = {s: {} for s in SOURCES}
    prev = GENESIS
    c = links.c
    rows = session.execute(
        select(c.seq, c.source, c.event_id, c.event_hash, c.prev_hash, c.hash).order_by(c.seq)
    )
    for expected, (seq, source, event_id, event_hash, prev_hash, hash_) in enumerate(rows, 1):
        if seq != expected:
            problems.append(_gap(expected))
            break
        if prev_hash != prev or link_hash(seq, source, event_id, event_hash, prev) != hash_:
            problems.append(
                LinkProblem(f"链 #{seq}", f"第 {seq} 环被改动", f"link {seq} was altered")
            )
            break
        hashes[seq] = prev = hash_
        linked[source][event_id] = event_hash
    # Queued events (PostgreSQL: written, their link left to the next writer) are covered by
    # their queue row until then; settle() links them before db check reads.
    p = _table("chain_pending").c
    for source, event_id, event_hash in session.execute(select(p.source, p.event_id, p.event_hash)):
        if event_id in linked.get(source, {}):
            problems.append(
                LinkProblem(
                    f"{source} #{event_id}",
                    f"{source} #{event_id} 既已入链又在待入链队列中",
                    f"{source} #{event_id} is both linked and queued",
                )
            )
        linked.setdefault(source, {})[event_id] = event_hash
    for source in SOURCES:
        problems += _match_events(session, source, linked[source])
    return problems, hashes


def _gap(seq: int) -> LinkProblem:
    return LinkProblem(
        f"链 #{seq}", f"第 {seq} 环缺失或次序被改动", f"link {seq} is missing or out of order"
    )


def _match_events(session: Session, source: str, linked: dict[int, str]) -> list[LinkProblem]:
    noun = {
        "case": ("案件事件", "case event"),
        "demand": ("需求事件", "demand event"),
        "rectify": ("整改事件", "task event"),
        "visit": ("走访记录", "visit"),
        "score": ("积分项", "score item"),
    }.get(source, ("管理日志", "admin log entry"))
    problems = []
    for event_id, hash_ in _event_hashes(session, source):
        expected = linked.pop(event_id, None)
        if expected is None:
            problems.append(
                LinkProblem(
                    f"{source} #{event_id}",
                    f"{noun[0]} #{event_id} 不在账本链中（是后来插入的）",
                    f"{noun[1]} #{event_id} is not in the ledger chain (inserted later)",
                )
            )
        elif expected != hash_:
            problems.append(
                LinkProblem(
                    f"{source} #{event_id}",
                    f"{noun[0]} #{event_id} 与账本链记录的哈希不符（被改动后重算）",
                    f"{noun[1]} #{event_id} does not match its link's hash (altered, re-hashed)",
                )
            )
    for event_id in sorted(linked):
        problems.append(
            LinkProblem(
                f"{source} #{event_id}",
                f"{noun[0]} #{event_id} 在账本链中，却已被删除",
                f"{noun[1]} #{event_id} is in the ledger chain but was deleted",
            )
        )
    return problems


def check_fingerprint(hashes: dict[int, str], given: str) -> LinkProblem | None:
    """Whether the chain as it is now holds the link a signed workbook printed."""
    parsed = parse_fingerprint(given)
    if parsed is None:
        return LinkProblem(
            given,
            f"“{given}”不是账本指纹；指纹形如 1234-0123456789abcdef（见月度台账签字处）",
            f"'{given}' is not a ledger fingerprint; it looks like 1234-0123456789abcdef",
        )
    seq, prefix = parsed
    if hashes.get(seq, "")[:16] != prefix:
        return LinkProblem(
            given,
            f"指纹 {given} 与账本不符：签字时的记录之后被改动过（或不是这个账本）",
            f"the fingerprint {given} does not match: records up to the signed point were "
            "changed since (or this is another ledger)",
        )
    return None
