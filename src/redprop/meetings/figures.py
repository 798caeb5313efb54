"""The rectification ledger's figures and its month sheet rows (docs/design.md §14), read as of
a period's end from the tasks' events, so a closed month never moves: later steps are after its
end and are not read.

Per period [start, end): meetings held, items raised, tasks decided; tasks due in it; of those,
done on time (standing done or verified at the end of their due day); verifications and
rejections in it; and tasks still owed (open, in progress) at its end whose due day was over
by then (by today, for a period not yet over).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.config import local_now
from redprop.core.models import Community, Meeting, MeetingItem, RectifyEvent, RectifyTask, Street
from redprop.core.vocab import MEETING_KINDS, RECTIFY_FIGURES, TASK_STATES
from redprop.meetings.rules import PENDING

FIGURES = tuple(RECTIFY_FIGURES)  # the keys, in the order the sheet prints them
FINISHED = frozenset({"done", "verified"})


@dataclass
class _Task:
    """One task and its events up to the period's end."""

    row: Any
    meeting: Any
    item: str
    events: list[Any] = field(default_factory=list)

    def state_before(self, moment: datetime) -> str | None:
        state = None
        for ev in self.events:
            if ev.at >= moment:
                break
            state = ev.state
        return state

    def last(self, action: str, before: datetime) -> Any:
        found = None
        for ev in self.events:
            if ev.at < before and ev.action == action:
                found = ev
        return found


def _scope(session: Session, community: str | None) -> list[Any]:
    if not community:
        return []
    from redprop.units.org import get_community

    return [col(Meeting.community_id) == get_community(session, community).id]


def _tasks(session: Session, end: datetime, scope: list[Any]) -> list[_Task]:
    """The scope's tasks decided before `end`, with their events before it, by number."""
    tasks: dict[int, _Task] = {}
    query = (
        select(RectifyTask, Meeting, col(MeetingItem.text))
        .join(Meeting, col(Meeting.id) == col(RectifyTask.meeting_id))
        .join(MeetingItem, col(MeetingItem.id) == col(RectifyTask.item_id))
        .where(col(RectifyTask.created_at) < end, *scope)
        .order_by(col(RectifyTask.number))
    )
    for task, meeting, item in session.execute(query):
        tasks[task.id or 0] = _Task(task, meeting, item)
    if tasks:
        for ev in session.scalars(
            select(RectifyEvent)
            .where(col(RectifyEvent.task_id).in_(list(tasks)), col(RectifyEvent.at) < end)
            .order_by(col(RectifyEvent.task_id), col(RectifyEvent.seq))
        ):
            tasks[ev.task_id].events.append(ev)
    return list(tasks.values())


def _judged(end: datetime) -> date:
    """The day by which a due day must be over to count as overdue at the end: the period's
    end, or today for a period not yet over."""
    now = local_now()
    return now.date() if now < end else end.date()


def _on_time(task: _Task) -> bool:
    return (
        task.state_before(datetime.combine(task.row.due + timedelta(days=1), datetime.min.time()))
        in FINISHED
    )


def rectify_figures(
    session: Session, *, start: datetime, end: datetime, community: str | None = None
) -> dict[str, Any]:
    """The period's figures for the street (or one community's meetings)."""
    scope = _scope(session, community)
    held = (
        select(func.count())
        .select_from(Meeting)
        .where(col(Meeting.on) >= start, col(Meeting.on) < end, *scope)
    )
    raised = (
        select(func.count())
        .select_from(MeetingItem)
        .join(Meeting, col(Meeting.id) == col(MeetingItem.meeting_id))
        .where(col(MeetingItem.at) >= start, col(MeetingItem.at) < end, *scope)
    )
    tasks = _tasks(session, end, scope)
    judged = _judged(end)
    due = [t for t in tasks if start.date() <= t.row.due < end.date()]
    in_period = [ev for t in tasks for ev in t.events if ev.at >= start]
    on_time = sum(1 for t in due if _on_time(t))
    return {
        "meetings": session.scalar(held) or 0,
        "items_raised": session.scalar(raised) or 0,
        "tasks_decided": sum(1 for ev in in_period if ev.action == "decide"),
        "tasks_due": len(due),
        "done_on_time": on_time,
        "on_time_rate": round(on_time / len(due), 4) if due else None,
        "verified": sum(1 for ev in in_period if ev.action == "verify"),
        "rejected": sum(1 for ev in in_period if ev.action == "reject"),
        "overdue_at_end": sum(
            1 for t in tasks if t.state_before(end) in PENDING and t.row.due < judged
        ),
    }


def ledger_rows(
    session: Session, *, start: datetime, end: datetime, community: str | None = None
) -> list[list[Any]]:
    """整改台账: one row per task decided before the period's end and not verified before its
    start, as it stood at the end: 编号, 整改任务, 来源会议, 问题, 责任方, 整改时限, 状态,
    完成日期, 验收人, 验收时间, 是否按期."""
    judged = _judged(end)
    communities = dict(session.execute(select(col(Community.id), col(Community.name))).all())
    streets = dict(session.execute(select(col(Street.id), col(Street.name))).all())
    rows = []
    for t in _tasks(session, end, _scope(session, community)):
        if t.state_before(start) == "verified":
            continue
        state = t.state_before(end) or "open"
        done = t.last("done", end) if state in FINISHED else None
        checked = t.last("verify", end) if state == "verified" else None
        m = t.meeting
        held_by = communities[m.community_id] if m.community_id else streets[m.street_id]
        source = f"{m.number} {MEETING_KINDS[m.kind][0]}（{held_by}，{m.on:%Y-%m-%d}）"
        rows.append(
            [
                t.row.number,
                t.row.task,
                source,
                t.item,
                t.row.owner,
                t.row.due,
                TASK_STATES[state][0],
                done.at.date() if done else None,
                checked.actor if checked else "",
                checked.at if checked else None,
                _on_time_text(t, state, end, judged),
            ]
        )
    return rows


def _on_time_text(task: _Task, state: str, end: datetime, judged: date) -> str:
    """是否按期: 是 when it stood done by the end of its due day (within the period), 否（超期）
    when still owed past its due day, 否 when finished late, blank while its due day is ahead."""
    due_end = datetime.combine(task.row.due + timedelta(days=1), datetime.min.time())
    if task.state_before(min(due_end, end)) in FINISHED:
        return "是"
    if state in PENDING and task.row.due < judged:
        return "否（超期）"
    if due_end <= end:
        return "否"
    return ""


def overdue_by_owner(
    session: Session, *, start: datetime, end: datetime, kind: str | None = "company"
) -> dict[str, int]:
    """Tasks each owner (of `kind`: property companies by default) still owed at the period's
    end past their due day: what a property company's 量化积分 deducts for."""
    judged = _judged(end)
    counts: dict[str, int] = {}
    for t in _tasks(session, end, []):
        late = t.state_before(end) in PENDING and t.row.due < judged
        if late and (kind is None or t.row.owner_kind == kind):
            counts[t.row.owner] = counts.get(t.row.owner, 0) + 1
    return dict(sorted(counts.items()))
