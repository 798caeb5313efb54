"""A grid worker's to-do list (`case todo`, `case list --mine`): the open cases the acting person
may act on now, with what each is waiting for (受理 a registered case, 办理 one in progress,
回访 a resolved one), overdue first, then yellow, then by due date. "May act" is the ladder's
own grant table (rules.why_not), so the list never offers a case the person would be refused.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from redprop.cases.clock import warning
from redprop.cases.rules import Action, Level, Place, State, why_not
from redprop.core import tables as t

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

# What an open case waits for, and the action that answers it.
WAITING: dict[str, tuple[str, Action]] = {
    State.registered.value: ("accept", Action.accept),
    State.in_progress.value: ("handle", Action.resolve),
    State.suspended.value: ("handle", Action.resume),
    State.resolved.value: ("visit", Action.visit),
}
_ORDER = {"red": 0, "yellow": 1, "none": 2}


def todo(session: Connection | Session, *, actor: str | None, today: date) -> list[dict[str, Any]]:
    """The acting person's cases to act on now, most urgent first."""
    from redprop.cases.actors import resolve_actor

    who, _ = resolve_actor(session, actor, action=Action.note, case=None)
    d = t.dispute.c
    query = (
        select(t.dispute, t.grid.c.code, t.community.c.name, t.category.c.name.label("cat"))
        .join(t.grid, t.grid.c.id == d.grid_id)
        .join(t.community, t.community.c.id == d.community_id)
        .join(t.category, t.category.c.id == d.category_id)
        .where(d.state.in_(list(WAITING)))
    )
    if who.grid_id is not None:  # a unit's own cases: the grant table decides the rest
        query = query.where(d.grid_id == who.grid_id)
    elif who.community_id is not None:
        query = query.where(d.community_id == who.community_id)
    rows = []
    for case in session.execute(query):
        grid, community, category = case.code, case.name, case.cat
        waiting, action = WAITING[case.state]
        place = Place(case.street_id, case.community_id, case.grid_id)
        if why_not(who, action, Level(case.level), place) is not None:
            continue
        rows.append(
            {
                "number": case.number,
                "waiting": waiting,
                "state": case.state,
                "level": case.level,
                "community": community,
                "grid": grid,
                "category": category,
                "summary": case.summary,
                "due_at": case.due_on.isoformat() if case.due_on else None,
                "warning": warning(case.state, case.due_on, case.yellow_on, today),
            }
        )
    rows.sort(key=lambda r: (_ORDER.get(r["warning"], 2), r["due_at"] or "9999", r["number"]))
    return rows
