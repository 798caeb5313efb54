"""The append-only event logs every domain keeps (docs/design.md §11): when an action may be dated,
how an event is appended to its subject's log, and the hash chain that makes a rewritten log
detectable. A subject (a case, a demand) carries `event_count` and `last_at`, and `last_hash`
when its log is chained. Pure of any domain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from redprop.core.config import local, local_now

GENESIS = "0" * 64  # the prev_hash of a log's first event


class Subject(Protocol):
    event_count: int
    last_at: datetime


def when(
    at: datetime | None,
    *,
    last_at: datetime | None,
    refuse: Callable[[str, str], Exception],
    whose: tuple[str, str] = ("该案", "the case's"),
) -> datetime:
    """The time an action is dated: now by default; never in the future (nothing is logged
    before it happens), never before the subject's last event (a log reads in order)."""
    moment = local(at) if at is not None else local_now()
    if moment > local_now():
        raise refuse(
            f"时间 {moment:%Y-%m-%d %H:%M} 晚于现在，不能登记未来的事",
            f"the time {moment:%Y-%m-%d %H:%M} is in the future",
        )
    if last_at is not None and moment < last_at:
        raise refuse(
            f"时间 {moment:%Y-%m-%d %H:%M} 早于{whose[0]}上一次办理（{last_at:%Y-%m-%d %H:%M}）",
            f"the time {moment:%Y-%m-%d %H:%M} is before {whose[1]} last event "
            f"({last_at:%Y-%m-%d %H:%M})",
        )
    return moment


def data_text(data: dict[str, Any]) -> str:
    """An event's data as stored (and hashed): JSON with sorted keys, Chinese kept readable."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def digest(payload: list[Any]) -> str:
    """The hash of one event: SHA-256 of its payload as compact JSON. A domain fixes which
    fields, in which order, make the payload; that list can only grow (see cases.chain)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp(subject: Subject, at: datetime) -> tuple[int, datetime]:
    """The sequence number and recording time of the next event of `subject`'s log, dated `at`;
    moves the subject's counters on. Every domain appends through this, then adds the event."""
    seq = subject.event_count + 1
    subject.event_count, subject.last_at = seq, at
    return seq, local_now()


@dataclass(frozen=True)
class ChainProblem:
    """One subject whose log was changed behind redprop's back (`db check` reports it)."""

    number: str
    zh: str
    en: str


def check_chain(
    history: list[Any],
    *,
    count: int,
    last_hash: str | None,
    hash_of: Callable[[Any], str],
    noun: tuple[str, str] = ("案件", "case"),
) -> tuple[str, str] | None:
    """What is wrong with one subject's log, or None: its events numbered 1..n, each pointing at
    the hash before it and hashing to its own, and the subject's event count and last hash
    those of the last event (so a deleted or inserted event shows too)."""
    prev = GENESIS
    for expected_seq, ev in enumerate(history, start=1):
        if ev.seq != expected_seq:
            return (
                f"第 {expected_seq} 条事件缺失或次序被改动",
                f"event {expected_seq} is missing or out of order",
            )
        if ev.prev_hash != prev or hash_of(ev) != ev.hash:
            return (
                f"第 {ev.seq} 条事件（{ev.action}）被改动",
                f"event {ev.seq} ({ev.action}) was altered",
            )
        prev = ev.hash
    if len(history) != count or prev != (last_hash or GENESIS):
        return (
            f"事件被删除或插入（与{noun[0]}记录的事件数或末条哈希不符）",
            f"events were deleted or inserted (count or last hash does not match the {noun[1]})",
        )
    return None


def append_event(
    session: Any,
    subject: Any,
    model: type,
    *,
    owner: str,
    source: str,
    hash_of: Callable[[str, Any], str],
    action: str,
    before: str | None,
    at: datetime,
    actor: str,
    reason: str | None,
    data: dict[str, Any],
) -> Any:
    """Append one event of `model` to the log of `subject` (a demand, a rectification task: an
    ORM row with id, number, state, event_count, last_at and last_hash), its state already set to
    the state after it; the event names its subject in column `owner`, is hashed by `hash_of`
    (the domain's fixed payload) and linked into the ledger chain as `source` (core/chain)."""
    from redprop.core.chain import link

    prev_hash = subject.last_hash or GENESIS
    seq, recorded_at = stamp(subject, at)
    event = model(
        **{owner: subject.id},
        seq=seq,
        action=action,
        from_state=before,
        state=subject.state,
        at=at,
        recorded_at=recorded_at,
        actor=actor,
        reason=reason,
        data=data_text(data),
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = subject.last_hash = hash_of(subject.number, event)
    session.add(event)
    session.flush()
    link(session, source, event.id, event.hash, recorded_at)
    return event


def verify_logs(
    subjects: Iterable[Any],
    events: Iterable[Any],
    *,
    owner: str,
    hash_of: Callable[[str, Any], str],
    noun: tuple[str, str],
    replay: Callable[[Any, list[Any]], tuple[str, str] | None],
) -> list[ChainProblem]:
    """Every subject's chain recomputed (check_chain) and its history replayed (`replay`), and
    every event whose subject is gone: what `db check` runs for a state machine's log. `events`
    come ordered by subject and seq, each naming its subject in column `owner`."""
    by_subject: dict[int, list[Any]] = {}
    for ev in events:
        by_subject.setdefault(getattr(ev, owner), []).append(ev)
    problems: list[ChainProblem] = []
    for subject in subjects:
        history = by_subject.pop(subject.id, [])
        broken = check_chain(
            history,
            count=subject.event_count,
            last_hash=subject.last_hash,
            hash_of=partial(hash_of, subject.number),
            noun=noun,
        ) or replay(subject, history)
        if broken:
            problems.append(ChainProblem(subject.number, *broken))
    zh, en = noun
    problems += [
        ChainProblem(f"#{orphan}", f"有事件指向不存在的{zh}", f"events point to a missing {en}")
        for orphan in by_subject
    ]
    return problems
