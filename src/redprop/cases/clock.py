"""The ladder's clock rules that read paths need without the rest of the rules
(docs/design.md §3.4): the order of the levels, which states are open and which have a running clock, and the
one yellow/red rule. Tiny on purpose: `report` and `case list` import it at start-up."""

from __future__ import annotations

from typing import Any

from redprop.core.vocab import Level, State

LEVELS = (Level.grid, Level.community, Level.street, Level.city)
YELLOW_SHARE = 0.7  # yellow from the day 70 % of the limit is used
OPEN = frozenset({State.registered, State.in_progress, State.suspended})
# The states whose clock runs (a suspended case's clock is paused): the ones warnings are for.
RUNNING = frozenset({State.registered, State.in_progress})


def warning(state: str | None, due_on: Any, yellow_on: Any, today: Any) -> str:
    """The one yellow/red rule: none | yellow | red. Only a case being worked on (RUNNING) has a
    running clock; red past its due date, yellow from the day 70 % of its limit is used. The
    dates may be `date`s or ISO text (the figures read raw column values), as long as `today` is
    of the same kind."""
    if state not in RUNNING or due_on is None:
        return "none"
    if today > due_on:
        return "red"
    if yellow_on is not None and today >= yellow_on:
        return "yellow"
    return "none"
