"""Who is acting, as the ladder sees them (their role, level and units), and the refusal that
names the case and its state. Light on purpose: `case todo` needs the acting person without the
ladder's services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from redprop.cases.rules import LADDER, Action, Actor, Level, Refused, State
from redprop.units.lookup import find_acting

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from redprop.cases.rows import CaseRow

    Db = Connection | Session


def refusal(case: CaseRow | None, action: Action, zh: str, en: str) -> Refused:
    """Refused for a reason other than the table: names the case and its state when there is one."""
    if case is None:
        return LADDER.refuse(None, None, action, zh, en)  # type: ignore[return-value]
    return LADDER.refuse(case.number, State(case.state), action, zh, en)  # type: ignore[return-value]


def resolve_actor(
    session: Db, name: str | None, *, action: Action, case: CaseRow | None
) -> tuple[Actor, int]:
    """The acting staff member as the ladder sees them: role, level and units."""
    member = find_acting(session, name, refuse=lambda zh, en: refusal(case, action, zh, en))
    if member.grid_id is not None:
        level = Level.grid
    elif member.community_id is not None:
        level = Level.community
    else:
        level = Level.street
    actor = Actor(
        member.name, member.role, level, member.in_street, member.in_community, member.grid_id
    )
    return actor, member.id
