"""A rectification task's event log (docs/design.md §11, §14): appending one hash-chained event
per step (and its link in the ledger chain), and verifying every task's chain, state and the
facts its decision fixed (what `redprop db check` runs). Append-only: nothing here updates or
deletes an event."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.eventlog import ChainProblem, append_event, digest, verify_logs
from redprop.core.models import RectifyEvent, RectifyTask
from redprop.meetings.rules import TASKS, Refused, TaskAction, TaskState

SOURCE = "rectify"  # the task events' name in the ledger chain (core/chain)


def event_hash(number: str, ev: Any) -> str:
    """The hash of one task event. The payload's fields and order are fixed for good."""
    return digest(
        [
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
            ev.prev_hash,
        ]
    )


def decided(task: RectifyTask, meeting: str, item: str) -> dict[str, Any]:
    """What a decision fixes for good, kept in its event's data (so an edit of the task's row
    shows in `db check`)."""
    return {
        "meeting": meeting,
        "item": item,
        "task": task.task,
        "owner": task.owner,
        "owner_kind": task.owner_kind,
        "due": task.due.isoformat(),
    }


def append(
    session: Session,
    task: RectifyTask,
    *,
    action: TaskAction,
    before: TaskState | None,
    at: datetime,
    actor: str,
    reason: str | None,
    data: dict[str, Any],
) -> RectifyEvent:
    """Append one event to `task`'s log, its state already set to the state after it."""
    return append_event(
        session,
        task,
        RectifyEvent,
        owner="task_id",
        source=SOURCE,
        hash_of=event_hash,
        action=action.value,
        before=before.value if before else None,
        at=at,
        actor=actor,
        reason=reason,
        data=data,
    )


def verify_tasks(session: Session) -> list[ChainProblem]:
    """Recompute every task's chain, replay its steps through the task table, and compare what
    the row caches (state, verifier) and what its decision fixed with its events."""
    return verify_logs(
        session.execute(select(RectifyTask).order_by(col(RectifyTask.id))).scalars(),
        session.execute(
            select(RectifyEvent).order_by(col(RectifyEvent.task_id), col(RectifyEvent.seq))
        ).scalars(),
        owner="task_id",
        hash_of=event_hash,
        noun=("整改任务", "task"),
        replay=_replay,
    )


def _replay(task: RectifyTask, history: list[Any]) -> tuple[str, str] | None:
    state: TaskState | None = None
    verified: tuple[str, datetime] | None = None
    try:
        for ev in history:
            state = TASKS.rule(task.number, state, TaskAction(ev.action)).target
            if ev.action == TaskAction.verify:
                verified = (ev.actor, ev.at)
    except (Refused, ValueError):
        state = None
    cached = (task.verified_by, task.verified_at) if task.verified_by else None
    if state is None or state.value != task.state or verified != cached:
        return (
            "重放事件得到的状态或验收人与整改任务记录不符",
            "replaying the events does not give the task's state or verifier",
        )
    fixed = json.loads(history[0].data) if history else {}
    mine = {k: v for k, v in decided(task, "", "").items() if k not in ("meeting", "item")}
    if any(fixed.get(k) != v for k, v in mine.items()):
        return (
            "任务内容、责任方或整改时限与议定时的记录不符（被改动）",
            "the task, owner or due date differ from what was decided (altered)",
        )
    return None
