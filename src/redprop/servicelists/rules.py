"""The demand (需求, 微心愿) states and transition table, as data; pure, like ladder.py.

open → claimed (by a resource or a person) → fulfilled (feedback, satisfaction) or cancelled;
fulfilled and cancelled demands can be reopened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from redprop.core.errors import RedpropError


class DemandState(StrEnum):
    open = "open"  # 待认领
    claimed = "claimed"  # 已认领
    fulfilled = "fulfilled"  # 已完成
    cancelled = "cancelled"  # 已取消


class DemandAction(StrEnum):
    add = "add"
    claim = "claim"
    fulfil = "fulfil"
    cancel = "cancel"
    reopen = "reopen"


@dataclass(frozen=True)
class Move:
    sources: frozenset[DemandState | None]
    target: DemandState
    requires: tuple[str, ...]


OPEN, C, F, X = DemandState.open, DemandState.claimed, DemandState.fulfilled, DemandState.cancelled

MOVES: dict[DemandAction, Move] = {
    DemandAction.add: Move(frozenset({None}), OPEN, ("grid", "category", "summary")),
    DemandAction.claim: Move(frozenset({OPEN}), C, ("by",)),
    DemandAction.fulfil: Move(frozenset({C}), F, ("feedback", "satisfaction")),
    DemandAction.cancel: Move(frozenset({OPEN, C}), X, ("reason",)),
    DemandAction.reopen: Move(frozenset({F, X}), OPEN, ("reason",)),
}
TRANSITIONS: dict[tuple[DemandState | None, DemandAction], DemandState] = {
    (source, action): move.target for action, move in MOVES.items() for source in move.sources
}
PENDING = frozenset({OPEN, C})

STATE_NAMES = {
    None: ("未登记", "unrecorded"),
    OPEN: ("待认领", "open"),
    C: ("已认领", "claimed"),
    F: ("已完成", "fulfilled"),
    X: ("已取消", "cancelled"),
}
ACTION_NAMES = {
    DemandAction.add: ("登记", "add"),
    DemandAction.claim: ("认领", "claim"),
    DemandAction.fulfil: ("完成", "fulfil"),
    DemandAction.cancel: ("取消", "cancel"),
    DemandAction.reopen: ("重新打开", "reopen"),
}


class DemandRefused(RedpropError):
    """The demand can't take this step now; nothing was written."""


def next_state(number: str, state: DemandState | None, action: DemandAction) -> DemandState:
    target = TRANSITIONS.get((state, action))
    if target is None:
        sz, se = STATE_NAMES[state]
        az, ae = ACTION_NAMES[action]
        allowed = [ACTION_NAMES[a] for (s, a) in TRANSITIONS if s == state]
        raise DemandRefused(
            f"不能对{sz}的需求 {number} 执行{az}；此状态下可以：{'、'.join(n[0] for n in allowed) or '无'}",
            f"Can't {ae} demand {number}: it is {se}; allowed now: {', '.join(n[1] for n in allowed) or 'none'}",
        )
    return target
