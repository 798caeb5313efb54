"""Rectification tasks (整改台账, docs/design.md §14): a decision on a meeting's item becomes a
task with an owner and a due date, moved through the task table (meetings/rules) with one
hash-chained event per step; listing them (overdue, by owner) and showing one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.config import local_now
from redprop.core.errors import NotFound
from redprop.core.eventlog import when
from redprop.core.ids import clean_text
from redprop.core.models import Meeting, MeetingItem, RectifyEvent, RectifyTask
from redprop.core.numbers import full_number, said_as
from redprop.meetings.log import append, decided
from redprop.meetings.meetings import (
    _moment,
    get_item,
    kind_label,
    meeting_reach,
    unit_name,
)
from redprop.meetings.parties import owner_reach, resolve_owner
from redprop.meetings.rules import CHECKS, PENDING, TASKS, TaskAction, TaskRefused, TaskState
from redprop.servicelists.common import next_number
from redprop.units.authority import NotAllowed, authorize


@dataclass
class TaskFacts:
    """What a step says, as typed: the task and owner of a decision, a step's reason."""

    task: str | None = None
    owner: str | None = None
    reason: str | None = None


def _refusal(task: RectifyTask | None, action: TaskAction, zh: str, en: str) -> TaskRefused:
    state = TaskState(task.state) if task is not None else None
    return TASKS.refuse(task.number if task else None, state, action, zh, en)  # type: ignore[return-value]


def _actor(
    session: Session,
    actor: str | None,
    meeting: Meeting,
    task: RectifyTask | None,
    action: TaskAction,
) -> str:
    """Who takes a step: staff whose unit holds the meeting's (PERMISSIONS), or for start and
    done the owner's, when the owner is a unit or staff of the ledger. Verifying and rejecting
    are the meeting's unit's own check, so the refusal names that unit."""
    command = {
        TaskAction.decide: "meeting decide",
        TaskAction.verify: "rectify verify",
        TaskAction.reject: "rectify verify",
    }.get(action, "rectify step")
    try:
        return authorize(session, actor, command, meeting_reach(meeting)).name
    except NotAllowed as exc:
        # The owner's own unit records the owner's steps too (a community owning a task of the
        # street's meeting starts and finishes it); verifying stays with the meeting's unit.
        owner = owner_reach(session, task.owner, task.owner_kind) if task else None
        if owner is not None and action not in CHECKS:
            try:
                return authorize(session, actor, command, owner).name
            except NotAllowed:
                pass
        if action not in CHECKS:
            raise _refusal(task, action, exc.zh, exc.en) from None
        unit = unit_name(session, meeting)
        raise _refusal(
            task,
            action,
            f"验收须由召开会议的{unit}（或其上级）的工作人员办理，{exc.zh}",
            f"verification is for staff of {unit}, which held the meeting (or above it): {exc.en}",
        ) from None


def decide(
    session: Session,
    *,
    item: str,
    task: str | None,
    owner: str | None,
    due: date,
    actor: str | None,
    at: datetime | None = None,
) -> RectifyTask:
    """A decision on an item: a new task, open, owned by a known party, due on or after the
    day of the meeting."""
    found = get_item(session, item)
    meeting = session.get(Meeting, found.meeting_id)
    assert meeting is not None
    row = TASKS.rule("", None, TaskAction.decide)
    who = _actor(session, actor, meeting, None, TaskAction.decide)
    given = TASKS.read(
        row,
        TaskFacts(task=task, owner=owner),
        clean=clean_text,
        refuse=lambda zh, en: _refusal(None, TaskAction.decide, zh, en),
    )
    name, kind = resolve_owner(session, given["owner"])
    if due < meeting.on.date():
        raise _refusal(
            None,
            TaskAction.decide,
            f"整改时限 {due:%Y-%m-%d} 早于会议 {meeting.number} 的日期 {meeting.on:%Y-%m-%d}；"
            "请用 --due 给出会议当天或之后的日期，没有写入任何内容",
            f"the due date {due:%Y-%m-%d} is before meeting {meeting.number} "
            f"({meeting.on:%Y-%m-%d}); give a --due on or after it. Nothing was written",
        )
    moment = _moment(at, after=found.at, what=("问题列入时间", "the item was raised"))
    rect = RectifyTask(
        number=next_number(session, "ZG", moment.year),
        item_id=found.id,  # type: ignore[arg-type]
        meeting_id=meeting.id,  # type: ignore[arg-type]
        task=given["task"],
        owner=name,
        owner_kind=kind,
        due=due,
        state=TaskState.open.value,
        created_at=moment,
        last_at=moment,
    )
    session.add(rect)
    session.flush()
    append(
        session,
        rect,
        action=TaskAction.decide,
        before=None,
        at=moment,
        actor=who,
        reason=None,
        data=decided(rect, meeting.number, found.number),
    )
    return rect


def get_task(session: Session, number: str, *, lock: bool = False) -> RectifyTask:
    """A task by number; `lock` takes its row for this transaction (PostgreSQL FOR UPDATE; on
    SQLite the writer already holds the database), so two writers extend its chain in turn."""
    # A short number: ZG12 (or 12) is this year's ZG2026-00012 (core/numbers).
    full = full_number(clean_text(number), year=local_now().year, prefix="ZG")
    query = select(RectifyTask).where(col(RectifyTask.number) == full)
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        zh, en = said_as(number, full)
        raise NotFound(
            f"没有编号为 {zh} 的整改任务：用 redprop rectify list 查看",
            f"No task numbered {en}: see redprop rectify list",
        )
    return found


def step_task(
    session: Session,
    *,
    number: str,
    action: TaskAction,
    actor: str | None,
    reason: str | None = None,
    at: datetime | None = None,
) -> RectifyEvent:
    """One step of a task (start, done, verify, reject); refusals raise before anything is
    written, and a refused (state, step) says what the state allows."""
    task = get_task(session, number, lock=True)
    before = TaskState(task.state)
    row = TASKS.rule(task.number, before, action)
    moment = when(
        at,
        last_at=task.last_at,
        refuse=lambda zh, en: _refusal(task, action, zh, en),
        whose=("该任务", "the task's"),
    )
    meeting = session.get(Meeting, task.meeting_id)
    assert meeting is not None
    who = _actor(session, actor, meeting, task, action)
    given = TASKS.read(
        row,
        TaskFacts(reason=reason),
        clean=clean_text,
        refuse=lambda zh, en: _refusal(task, action, zh, en),
    )
    task.state = row.target.value  # type: ignore[union-attr]
    if action is TaskAction.verify:
        task.verified_by, task.verified_at = who, moment
    return append(
        session,
        task,
        action=action,
        before=before,
        at=moment,
        actor=who,
        reason=given.get("reason"),
        data={},
    )


def task_rows(
    session: Session,
    *,
    meeting_id: int | None = None,
    owner: str | None = None,
    overdue: bool = False,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Tasks by number, with their meeting, item, owner, due date and state now; `overdue`
    keeps those still owed (open, in progress) whose due date has passed."""
    today = today or local_now().date()
    query = (
        select(RectifyTask, Meeting, col(MeetingItem.number))
        .join(Meeting, col(Meeting.id) == col(RectifyTask.meeting_id))
        .join(MeetingItem, col(MeetingItem.id) == col(RectifyTask.item_id))
        .order_by(col(RectifyTask.number))
    )
    if meeting_id is not None:
        query = query.where(col(RectifyTask.meeting_id) == meeting_id)
    if owner:
        query = query.where(col(RectifyTask.owner) == clean_text(owner))
    if overdue:
        pending = [s.value for s in PENDING]
        query = query.where(col(RectifyTask.state).in_(pending), col(RectifyTask.due) < today)
    rows = []
    for task, meeting, item in session.execute(query):
        late = task.state in PENDING and task.due < today
        rows.append(
            {
                "number": task.number,
                "meeting": meeting.number,
                "meeting_kind": meeting.kind,
                "meeting_on": meeting.on.isoformat(timespec="minutes"),
                "unit": unit_name(session, meeting),
                "item": item,
                "task": task.task,
                "owner": task.owner,
                "owner_kind": task.owner_kind,
                "due": task.due.isoformat(),
                "state": task.state,
                "overdue": late,
                "verified_by": task.verified_by,
                "verified_at": task.verified_at.isoformat(timespec="minutes")
                if task.verified_at
                else None,
            }
        )
    return rows


def task_detail(session: Session, number: str) -> dict[str, Any]:
    task = get_task(session, number)
    row = next(
        r for r in task_rows(session, meeting_id=task.meeting_id) if r["number"] == task.number
    )
    row["meeting_label"] = kind_label(row["meeting_kind"])
    events = session.scalars(
        select(RectifyEvent)
        .where(col(RectifyEvent.task_id) == task.id)
        .order_by(col(RectifyEvent.seq))
    )
    row["events"] = [
        {
            "action": e.action,
            "state": e.state,
            "at": e.at.isoformat(timespec="minutes"),
            "actor": e.actor,
            "reason": e.reason,
            "data": json.loads(e.data),
        }
        for e in events
    ]
    return row
