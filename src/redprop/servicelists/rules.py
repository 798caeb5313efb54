"""The demand (需求, 微心愿) states and transition table, as data; pure, like ladder.py.

open → claimed (by a resource or a person) → fulfilled (feedback, satisfaction) or cancelled;
fulfilled and cancelled demands can be reopened.
"""

from __future__ import annotations

from redprop.core.machine import Machine, Need, Refused, Row
from redprop.core.vocab import DEMAND_ACTIONS, DEMAND_STATES, DemandAction, DemandState, Label

OPEN, C, F, X = DemandState.open, DemandState.claimed, DemandState.fulfilled, DemandState.cancelled
REASON = Need("reason", "--reason", "原因", free=True)

# docs/design.md §7, one row per action: from → to and the facts it needs.
DEMAND_ROWS: tuple[Row[DemandState, DemandAction], ...] = (
    Row(DemandAction.add, frozenset({None}), OPEN),
    Row(
        DemandAction.claim,
        frozenset({OPEN}),
        C,
        (Need("by", "--by", "认领的资源编号或党员、志愿者姓名"),),
    ),
    Row(
        DemandAction.fulfil,
        frozenset({C}),
        F,
        (
            Need("feedback", "--feedback", "完成情况反馈", free=True),
            Need("satisfaction", "--satisfaction", "满意度"),
        ),
    ),
    Row(DemandAction.cancel, frozenset({OPEN, C}), X, (REASON,)),
    Row(DemandAction.reopen, frozenset({F, X}), OPEN, (REASON,)),
)
PENDING = frozenset({OPEN, C})

STATE_NAMES: dict[DemandState | None, Label] = {None: ("未登记", "unrecorded")} | {
    DemandState(code): names for code, names in DEMAND_STATES.items()
}
ACTION_NAMES: dict[DemandAction, Label] = {DemandAction(c): n for c, n in DEMAND_ACTIONS.items()}


class DemandRefused(Refused):
    """The demand can't take this step now; nothing was written."""


DEMANDS: Machine[DemandState, DemandAction] = Machine(
    noun=("需求", "demand"),
    rows=DEMAND_ROWS,
    state_names=STATE_NAMES,
    action_names=ACTION_NAMES,
    refused=DemandRefused,
)
MOVES = DEMANDS.rows
# (state, action) → the state after it: the table at a glance.
TRANSITIONS: dict[tuple[DemandState | None, DemandAction], DemandState] = {
    pair: row.target for pair, row in DEMANDS.transitions.items() if row.target is not None
}
