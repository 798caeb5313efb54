"""The admin log: staff added, retired or changed; units added, renamed or removed; settings,
calendar and category changes; imports; unmask requests. Each entry says who and when, is hashed
and linked into the ledger chain (core/chain), and is never updated or deleted.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.config import local_now
from redprop.core.eventlog import data_text, digest


def entry_hash(at: datetime, actor: str, command: str, target: str, data: str) -> str:
    """An entry's hash. The payload's fields and their order are fixed for good."""
    return digest([at.isoformat(), actor, command, target, data])


def record(
    session: Session,
    *,
    actor: str,
    command: str,
    target: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append one entry (and its link) inside the command's transaction, dated now (or `at`,
    for a record kept elsewhere too, like unmask_log)."""
    from redprop.core.chain import link
    from redprop.core.ids import scrub
    from redprop.core.models import AdminEvent

    at = (at or local_now()).replace(microsecond=0)
    target = scrub(target)[:300]  # a name typed as an ID is kept masked here too
    text = data_text(data or {})
    entry = AdminEvent(
        at=at,
        actor=actor,
        command=command,
        target=target,
        data=text,
        hash=entry_hash(at, actor, command, target, text),
    )
    session.add(entry)
    session.flush()
    link(session, "admin", entry.id, entry.hash, at)  # type: ignore[arg-type]


def entries(session: Session, *, since: datetime | None = None) -> list[dict[str, Any]]:
    from redprop.core.models import AdminEvent

    query = select(AdminEvent).order_by(AdminEvent.id)  # type: ignore[arg-type]
    if since is not None:
        query = query.where(AdminEvent.at >= since)  # type: ignore[arg-type]
    return [
        {
            "at": e.at.isoformat(),
            "actor": e.actor,
            "command": e.command,
            "target": e.target,
            "data": json.loads(e.data),
        }
        for e in session.scalars(query)
    ]


def verify_entries(session: Session) -> list[tuple[str, str, str]]:
    """Each entry hashing to what it holds, and each unmask request of unmask_log kept in the
    log (a deleted request shows). Returns (where, zh, en) problems."""
    from collections import Counter

    from redprop.core.ids import scrub
    from redprop.core.models import AdminEvent, UnmaskLog

    problems = []
    unmasked: Counter[tuple[Any, ...]] = Counter()
    for e in session.scalars(select(AdminEvent).order_by(AdminEvent.id)):  # type: ignore[arg-type]
        if entry_hash(e.at, e.actor, e.command, e.target, e.data) != e.hash:
            problems.append(
                (
                    f"admin #{e.id}",
                    f"管理日志第 {e.id} 条被改动",
                    f"admin log entry {e.id} was altered",
                )
            )
        if e.command.startswith("unmask: "):
            rows = json.loads(e.data).get("rows")
            unmasked[(e.at, e.actor, e.command.removeprefix("unmask: "), e.target, rows)] += 1
    for u in session.scalars(select(UnmaskLog).order_by(UnmaskLog.id)):  # type: ignore[arg-type]
        key = (u.at, u.actor, u.command, scrub(u.scope)[:300], u.rows)
        if unmasked[key] > 0:
            unmasked[key] -= 1
    missing = sum(unmasked.values())
    if missing:
        problems.append(
            (
                "unmask_log",
                f"查看完整号码的记录少了 {missing} 条（管理日志中有，unmask_log 中被删除）",
                f"{missing} unmask request(s) are in the admin log but were deleted from unmask_log",
            )
        )
    return problems
