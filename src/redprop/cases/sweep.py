"""The overdue sweep (docs/design.md §3.5): each overdue open case goes up one level as the
system (超期自动上报), or is marked for 督办 once at the top level or under the supervise-only
policy. Run daily from cron; idempotent for a given time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from redprop.cases.clock import RUNNING
from redprop.cases.log import append, apply_status, status_of
from redprop.cases.rows import CaseRow
from redprop.cases.rules import SWEEP_REASONS, SYSTEM_ACTOR, Settings, Step, step, sweep_action
from redprop.cases.settings import load_calendar, load_settings
from redprop.core import tables as t
from redprop.core.config import local, local_now
from redprop.core.errors import UsageProblem
from redprop.core.workdays import Calendar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass
class Swept:
    number: str
    action: str  # escalate | supervise
    from_level: str
    level: str
    due_on: date | None


def sweep(session: Session, *, at: datetime | None = None) -> list[Swept]:
    """Escalate each overdue open case one level (as the system, 超期自动上报); at the top level,
    or under the supervise-only policy, mark it for 督办 once. Idempotent for a given time."""
    settings, cal = load_settings(session), load_calendar(session)
    moment = local(at) if at is not None else local_now()
    if moment > local_now():
        raise UsageProblem("清理时间不能晚于现在", "The sweep time can't be in the future")
    today = moment.date()
    d = t.dispute.c
    is_overdue = (d.state.in_(sorted(RUNNING)), d.due_on < today, d.last_at <= moment)
    # Only the cases the sweep will step are locked: most overdue cases of a large ledger sit
    # at the top level already marked for 督办 (30,962 of 5,000,000), and locking them all for
    # the sweep's whole transaction held up everyone acting on any of them.
    due = [
        r.id
        for r in session.execute(select(d.id, d.level, d.supervised).where(*is_overdue))
        if sweep_action(r.level, bool(r.supervised), settings) is not None
    ]
    overdue: list[Any] = []
    for start in range(0, len(due), 500):
        overdue += session.execute(
            select(t.dispute)
            .where(d.id.in_(due[start : start + 500]), *is_overdue)
            .order_by(d.id)
            # Rows another writer holds are left to the next sweep rather than waited for.
            .with_for_update(skip_locked=True)
        ).all()
    done: list[Swept] = []
    for row in overdue:
        case = CaseRow(**row._mapping)
        swept = sweep_case(session, case, moment, settings, cal)
        if swept is not None:
            done.append(swept)
    return done


def sweep_case(
    session: Session, case: CaseRow, moment: datetime, settings: Settings, cal: Calendar
) -> Swept | None:
    """The sweep's one step on one overdue case, as the system (also what replaying an
    exported history does with a swept event, cases/history)."""
    before = status_of(case)
    action = sweep_action(before.level, case.supervised, settings)  # type: ignore[arg-type]
    if action is None:
        return None
    after = step(
        before, Step(action, moment.date()), number=case.number, settings=settings, cal=cal
    )
    due_before = case.due_on
    apply_status(case, after, cal)
    append(
        session,
        case,
        action=action,
        before=before,
        after=after,
        at=moment,
        actor=SYSTEM_ACTOR,
        staff_id=None,
        reason=SWEEP_REASONS[action],
        data={"swept": True},
    )
    return Swept(case.number, action.value, str(before.level), str(after.level), due_before)
