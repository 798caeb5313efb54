"""Whether a case ran late before it was resolved (docs/design.md §15): the quarterly score's
"overdue at any level". A step is late when it came after the due day of a running clock
(registered or in progress, with a due day); a case ran late when any step up to its resolve was
late, or a supervision (督办).

The answer is fixed once the resolve is appended (an undo only ever takes back the last step),
so `append` keeps it on the resolve event (case_event.overdue), with whether the case had been
resolved before (resolved_before: the score counts a complaint at its first resolve), and the
quarterly board reads two columns of an index instead of walking a quarter's histories; db
check walks each history again and compares.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from redprop.cases.clock import RUNNING
from redprop.core import tables as t
from redprop.core.vocab import UNDO

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

_RUNNING = frozenset(state.value for state in RUNNING)
SUPERVISE = "supervise"


def kept(events: Sequence[Any]) -> list[Any]:
    """The steps that stand: not undos, nor the steps they took back. Attachments stay: one
    added after the due day shows the case was running late then."""
    undone = {json.loads(e.data).get("undoes") for e in events if e.action == UNDO}
    return [e for e in events if e.action != UNDO and e.seq not in undone]


def ran_late(history: Sequence[Any]) -> bool:
    """Whether any step of `history` (kept steps, oldest first, ending with the resolve) was
    late or a supervision. Each step needs `action`, `state`, `due_on` and `at`."""
    for before, after in pairwise(history):
        if after.action == SUPERVISE:
            return True
        due = before.due_on if before.state in _RUNNING else None
        if due is not None and after.at.date() > due:
            return True
    return False


class _Resolve:
    """The resolve being appended, as the last step of the walk."""

    action, state, due_on = "resolve", "resolved", None

    def __init__(self, at: datetime) -> None:
        self.at = at


def resolve_facts(db: Connection | Session, case_id: int, at: datetime) -> tuple[bool, bool]:
    """For a resolve at `at`, from the case's kept steps so far: whether the case ran late,
    and whether it had been resolved before (a reopened case)."""
    e = t.case_event.c
    rows = db.execute(
        select(e.seq, e.action, e.state, e.due_on, e.at, e.data)
        .where(e.case_id == case_id)
        .order_by(e.seq)
    )
    steps = kept(list(rows))
    return ran_late([*steps, _Resolve(at)]), any(s.action == "resolve" for s in steps)


def wrong_facts(history: Sequence[Any]) -> int | None:
    """The seq of the first resolve of a case's whole log whose stored facts are not what
    walking the steps before it gives (db check), or None. Facts not stored are not judged."""
    for i, event in enumerate(history):
        if event.action != "resolve" or event.overdue is None:
            continue
        steps = kept(history[:i])
        again = any(s.action == "resolve" for s in steps)
        if (bool(event.overdue), bool(event.resolved_before)) != (
            ran_late([*steps, event]),
            again,
        ):
            return int(event.seq)
    return None
