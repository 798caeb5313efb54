"""Taking back one's own last step (`case undo`, issue 19; docs/design.md §3.9).

The log is append-only, so an undo is an event too: `undo`, naming the step it cancels. It is
allowed on the acting person's own step when that step is the case's last and was recorded less
than the undo window ago (30 minutes unless an admin says otherwise: `ladder set
--undo-minutes`). The case's status becomes what replaying its history without that step gives;
the chain is untouched. Registration (withdraw the case instead), attachments and the sweep's
steps are not undone; nor is an undo.

Figures treat an undone step as never having happened, except in a period that closed before
the undo (figures/replay: a closed month never moves).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from redprop.cases.log import UNDO, append, apply_status, replay, status_of
from redprop.cases.rows import EventRow
from redprop.cases.rules import Action
from redprop.core import tables as t
from redprop.core.config import local_now
from redprop.core.errors import RedpropError
from redprop.core.vocab import EVENT_ACTIONS, label

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    Db = Connection | Session

UNDO_KEY = "undo_minutes"
DEFAULT_MINUTES = 30
# Steps a person takes that can be taken back: every ladder action but registration (a case
# registered by mistake is withdrawn) and the system's supervision.
UNDOABLE = frozenset(a.value for a in Action) - {Action.register.value, Action.supervise.value}


def undo_minutes(db: Db) -> int:
    value = db.scalar(select(t.setting.c.value).where(t.setting.c.key == UNDO_KEY))
    return int(value) if value else DEFAULT_MINUTES


def _events(db: Db, case_id: int) -> list[Any]:
    e = t.case_event.c
    return list(db.execute(select(t.case_event).where(e.case_id == case_id).order_by(e.seq)))


class UndoRefused(RedpropError):
    """The step can't be taken back (someone else's, not the last, too old, an undo, a
    registration); nothing was written."""


def _refuse(number: str, zh: str, en: str) -> UndoRefused:
    return UndoRefused(
        f"不能撤回案件 {number} 的步骤：{zh}", f"Can't undo a step of case {number}: {en}"
    )


def why_not_undo(
    last: Any, mine: Any, *, staff_id: int, now: datetime, minutes: int
) -> tuple[str, str] | None:
    """Why the acting person (staff `staff_id`) can't take back their step `mine` of a case
    whose last event is `last`, or None. `mine` is None when they have no step on it."""
    if last.action == UNDO:
        return "最后一步已是撤回，不能再撤回", "the last step is already an undo"
    if mine is None:
        return "您没有办理过这件案件", "you have taken no step on this case"
    done = label(EVENT_ACTIONS, mine.action)
    if mine.seq != last.seq:
        return (
            f"您的第 {mine.seq} 步（{done}）之后，{last.actor} 又办理了（第 {last.seq} 步）；只能撤回案件的最后一步",
            f"your step {mine.seq} ({mine.action}) was followed by {last.actor}'s step {last.seq}; only a case's last step can be undone",
        )
    if mine.action not in UNDOABLE:
        if mine.action == Action.register.value:
            return (
                "登记不能撤回；登记错了请用 redprop case withdraw 撤销",
                "a registration can't be undone; withdraw the case",
            )
        return f"{done}不能撤回", f"a {mine.action} step can't be undone"
    if now - mine.recorded_at > timedelta(minutes=minutes):
        return (
            f"第 {mine.seq} 步（{done}）已超过 {minutes} 分钟，不能撤回；请按办理流程更正（如 reopen）",
            f"step {mine.seq} ({mine.action}) is more than {minutes} minutes old; correct it through the ladder",
        )  # fmt: skip
    return None


def undo(
    db: Db,
    *,
    number: str,
    actor: str | None,
    at: datetime | None = None,
    request: str | None = None,
) -> EventRow:
    """Take back the acting person's last step on case `number`: one `undo` event, dated `at`
    (now unless a replayed history says when). The window counts from when the step was
    recorded to now."""
    from redprop.cases.actions import get_case, resolve_actor
    from redprop.cases.rows import done_before
    from redprop.cases.settings import load_calendar, load_settings
    from redprop.core.eventlog import when

    earlier = done_before(db, request)  # a retry of this very command (core/retry)
    if earlier is not None:
        return earlier

    case = get_case(db, number, lock=True)
    who, staff_id = resolve_actor(db, actor, action=Action.note, case=case)
    events = _events(db, case.id)
    last = events[-1]
    mine = next((e for e in reversed(events) if e.staff_id == staff_id), None)
    why = why_not_undo(last, mine, staff_id=staff_id, now=local_now(), minutes=undo_minutes(db))
    if why is not None:
        raise _refuse(case.number, *why)
    moment = when(at, last_at=case.last_at, refuse=lambda zh, en: _refuse(case.number, zh, en))
    settings, cal = load_settings(db), load_calendar(db)
    before = status_of(case)
    after = replay(events[:-1], severity=case.severity, number=case.number, settings=settings, cal=cal)  # fmt: skip
    apply_status(case, after, cal)
    return append(
        db,
        case,
        action=UNDO,
        before=before,
        after=after,
        at=moment,
        actor=who.name,
        staff_id=staff_id,
        reason=None,  # said from its data, in the reader's language (cli/render)
        data={"undoes": last.seq, "action": last.action},
        request=request,
    )


def my_history(
    db: Db, *, actor: str | None, limit: int = 50, now: datetime | None = None
) -> list[dict[str, Any]]:
    """`history --mine`: the acting person's own recent steps, newest first, each with whether
    it was undone, can be undone now (and for how many more minutes), or why not."""
    from redprop.cases.actions import resolve_actor

    _, staff_id = resolve_actor(db, actor, action=Action.note, case=None)
    e, d = t.case_event.c, t.dispute.c
    mine = db.execute(
        select(t.case_event, d.number.label("number"), d.event_count.label("count"))
        .join(t.dispute, d.id == e.case_id)
        .where(e.staff_id == staff_id, e.action != UNDO)
        .order_by(e.recorded_at.desc(), e.id.desc())
        .limit(limit)
    ).all()
    now, minutes = now or local_now(), undo_minutes(db)
    rows = []
    for ev in mine:
        nxt = db.execute(
            select(e.action, e.data).where(e.case_id == ev.case_id, e.seq == ev.seq + 1)
        ).first()
        undone = (
            nxt is not None and nxt.action == UNDO and json.loads(nxt.data).get("undoes") == ev.seq
        )
        status, left = "undone", None
        if not undone:
            last = _last(db, ev.case_id) if ev.seq != ev.count else ev
            why = why_not_undo(last, ev, staff_id=staff_id, now=now, minutes=minutes)
            status = "undoable" if why is None else "final"
            if why is None:
                left = max(0, minutes - int((now - ev.recorded_at).total_seconds() // 60))
        rows.append(_history_row(ev, status, left))
    return rows


def _last(db: Db, case_id: int) -> Any:
    e = t.case_event.c
    return db.execute(
        select(t.case_event).where(e.case_id == case_id).order_by(e.seq.desc()).limit(1)
    ).first()


def _history_row(ev: Any, status: str, left: int | None) -> dict[str, Any]:
    return {
        "number": ev.number,
        "seq": ev.seq,
        "action": ev.action,
        "state": ev.state,
        "level": ev.level,
        "at": ev.at.isoformat(timespec="minutes"),
        "recorded_at": ev.recorded_at.isoformat(timespec="seconds"),
        "undo": status,  # undone | undoable | final
        "minutes_left": left,
    }
