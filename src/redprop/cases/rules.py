"""The escalation ladder as data: levels, severities, states, actions and the transition table of
DESIGN §3, the clock rules, and who may act. Pure: no I/O, no database, no printing.

小事网格议、大事社区议、难事街道议、特事市级议.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any
from datetime import date
from enum import StrEnum

from redprop.core import vocab as labels
from redprop.core.errors import RedpropError
from redprop.core.vocab import Label
from redprop.core.workdays import Calendar


class Level(StrEnum):
    grid = "grid"
    community = "community"
    street = "street"
    city = "city"


class Severity(StrEnum):
    small = "small"  # 小事
    major = "major"  # 大事
    hard = "hard"  # 难事
    special = "special"  # 特事


class State(StrEnum):
    registered = "registered"  # 待受理
    in_progress = "in_progress"  # 办理中
    suspended = "suspended"  # 挂起
    resolved = "resolved"  # 已化解, awaiting the visit
    closed = "closed"  # 已办结
    referred = "referred"  # 已移交
    withdrawn = "withdrawn"  # 已撤销


class Action(StrEnum):
    register = "register"
    accept = "accept"
    escalate = "escalate"
    assign = "assign"
    note = "note"
    extend = "extend"
    suspend = "suspend"
    resume = "resume"
    resolve = "resolve"
    refer = "refer"
    withdraw = "withdraw"
    visit = "visit"
    reopen = "reopen"
    supervise = "supervise"  # the sweep marks an overdue top-level case for 督办


LEVELS = (Level.grid, Level.community, Level.street, Level.city)
INTAKE = {
    Severity.small: Level.grid,
    Severity.major: Level.community,
    Severity.hard: Level.street,
    Severity.special: Level.city,
}
DEFAULT_LIMITS = {Level.grid: 5, Level.community: 10, Level.street: 15, Level.city: 20}
YELLOW_SHARE = 0.7
OPEN = frozenset({State.registered, State.in_progress, State.suspended})
# The states whose clock runs (a suspended case's clock is paused): the ones warnings are for.
RUNNING = frozenset({State.registered, State.in_progress})
ESCALATION_REASON = "超期自动上报"
SYSTEM_ACTOR = "系统"


class Move(StrEnum):
    intake = "intake"  # the level of the severity
    same = "same"
    up = "up"  # the next level
    down = "down"  # a lower level named by the action


class Clock(StrEnum):
    start = "start"  # a new clock at the (new) level
    keep = "keep"
    pause = "pause"
    resume = "resume"
    extend = "extend"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[State | None]
    target: State | None  # None: the state does not change
    move: Move
    clock: Clock
    requires: tuple[str, ...] = ()


def _rule(
    sources: Collection[State | None],
    target: State | None,
    move: Move = Move.same,
    clock: Clock = Clock.keep,
    requires: tuple[str, ...] = (),
) -> Rule:
    return Rule(frozenset[State | None](sources), target, move, clock, requires)


R, IP, S = State.registered, State.in_progress, State.suspended
ANY_OPEN: set[State | None] = {R, IP, S}

# DESIGN §3, one row per action: from → to, the level move, the clock, what it requires.
RULES: dict[Action, Rule] = {
    Action.register: _rule(
        {None}, R, Move.intake, Clock.start, ("category", "grid", "parties", "summary")
    ),
    Action.accept: _rule({R}, IP),
    Action.escalate: _rule({R, IP}, R, Move.up, Clock.start, ("reason",)),
    Action.assign: _rule({R, IP}, R, Move.down, Clock.start, ("reason", "to_level")),
    Action.note: _rule(ANY_OPEN, None, requires=("text",)),
    Action.extend: _rule({R, IP}, None, clock=Clock.extend, requires=("days", "reason")),
    Action.suspend: _rule({IP}, S, clock=Clock.pause, requires=("reason",)),
    Action.resume: _rule({S}, IP, clock=Clock.resume),
    Action.resolve: _rule({IP}, State.resolved, requires=("outcome", "agreement")),
    Action.refer: _rule({R, IP}, State.referred, requires=("to",)),
    Action.withdraw: _rule({R, IP}, State.withdrawn, requires=("reason",)),
    # visit → closed, or back to in_progress (a new clock) when unsatisfied or not honoured.
    Action.visit: _rule({State.resolved}, State.closed, requires=("satisfaction", "fulfilled")),
    Action.reopen: _rule(
        {State.resolved, State.closed, State.referred, State.withdrawn},
        IP,
        clock=Clock.start,
        requires=("reason",),
    ),
    Action.supervise: _rule({R, IP}, None),
}

TRANSITIONS: dict[tuple[State | None, Action], Rule] = {
    (source, action): rule for action, rule in RULES.items() for source in rule.sources
}

# Chinese and English names, for messages.
STATE_NAMES: dict[State | None, Label] = {None: ("未登记", "unregistered")} | {
    State(code): names for code, names in labels.STATES.items()
}
ACTION_NAMES: dict[Action, Label] = {Action(c): n for c, n in labels.ACTIONS.items()}
LEVEL_NAMES: dict[Level, Label] = {Level(c): n for c, n in labels.LEVELS.items()}


class Refused(RedpropError):
    """The ladder does not allow this action now; nothing was written."""


def refuse_pair(number: str, state: State | None, action: Action) -> Refused:
    sz, se = STATE_NAMES[state]
    az, ae = ACTION_NAMES[action]
    allowed = sorted(
        (ACTION_NAMES[a] for (s, a) in TRANSITIONS if s == state and a != Action.supervise),
        key=lambda n: n[1],
    )
    hint_zh = "、".join(n[0] for n in allowed) or "无"
    hint_en = ", ".join(n[1] for n in allowed) or "none"
    return Refused(
        f"不能对{sz}的案件 {number} 执行{az}；此状态下可以：{hint_zh}",
        f"Can't {ae} case {number}: it is {se}; allowed now: {hint_en}",
    )


# ---------------------------------------------------------------------------------------------
# Ladder settings and the clock


@dataclass(frozen=True)
class Settings:
    limits: dict[Level, int]
    city_enabled: bool = False
    policy: str = "escalate"  # or "supervise": the sweep never escalates

    @property
    def levels(self) -> tuple[Level, ...]:
        return LEVELS if self.city_enabled else LEVELS[:3]

    @property
    def top(self) -> Level:
        return self.levels[-1]

    def intake(self, severity: Severity) -> Level:
        level = INTAKE[severity]
        return level if level in self.levels else self.top

    def above(self, level: Level) -> Level | None:
        idx = self.levels.index(level)
        return self.levels[idx + 1] if idx + 1 < len(self.levels) else None


DEFAULT_SETTINGS = Settings(limits=dict(DEFAULT_LIMITS))


@dataclass(frozen=True)
class Status:
    """Where a case stands: the result of replaying its events. Dates are local dates."""

    state: State | None = None
    level: Level | None = None
    clock_start: date | None = None
    limit_days: int = 0  # the level's limit plus approved extensions
    paused_days: int = 0  # working days spent suspended on this clock
    suspended_on: date | None = None
    supervised: bool = False

    def due_on(self, cal: Calendar) -> date | None:
        if self.clock_start is None or self.state not in OPEN:
            return None
        return cal.add_workdays(self.clock_start, self.limit_days + self.paused_days)

    def yellow_on(self, cal: Calendar) -> date | None:
        if self.clock_start is None or self.state not in OPEN:
            return None
        share = math.ceil(self.limit_days * YELLOW_SHARE)
        return cal.add_workdays(self.clock_start, share + self.paused_days)

    def warning(self, cal: Calendar, today: date) -> str:
        """none | yellow | red on `today` (see `warning`)."""
        return warning(self.state, self.due_on(cal), self.yellow_on(cal), today)


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


@dataclass(frozen=True)
class Step:
    """One action as the ladder sees it: what, when (local date), and its facts."""

    action: Action
    on: date
    severity: Severity | None = None  # register
    to_level: Level | None = None  # assign; and, when replaying, the level an event recorded
    days: int = 0  # extend
    reopens: bool = False  # visit: unsatisfied or not honoured


def step(status: Status, move: Step, *, number: str, settings: Settings, cal: Calendar) -> Status:
    """The status after one action, or Refused. The only place the ladder's rules are applied."""
    rule = TRANSITIONS.get((status.state, move.action))
    if rule is None:
        raise refuse_pair(number, status.state, move.action)
    state = rule.target or status.state
    level = status.level
    if rule.move is Move.intake:
        assert move.severity is not None
        # A replayed registration keeps the level it was given then (the city level may have
        # been turned on or off since).
        level = move.to_level or settings.intake(move.severity)
    elif rule.move is Move.up:
        assert level is not None
        level = move.to_level or settings.above(level)
        if level is None:
            raise Refused(
                f"案件 {number} 已在最高层级（{LEVEL_NAMES[status.level][0]}），不能再上报；可移交或申请延期",  # type: ignore[index]
                f"Case {number} is at the top level ({status.level}); it can't be escalated. "
                "Refer it, or extend its deadline",
            )
    elif rule.move is Move.down:
        assert level is not None and move.to_level is not None
        # Ranks come from the fixed order of all four levels, so a case left at city level
        # after the city level was turned off can still be assigned (and replayed) down.
        if move.to_level not in settings.levels or LEVELS.index(move.to_level) >= LEVELS.index(
            level
        ):
            below = [lv for lv in settings.levels if LEVELS.index(lv) < LEVELS.index(level)]
            names = "、".join(LEVEL_NAMES[lv][0] for lv in below) or "无"
            raise Refused(
                f"案件 {number} 在{LEVEL_NAMES[level][0]}层级，只能交办到更低的层级（{names}）",
                f"Case {number} is at {level} level; it can only be assigned to a lower level "
                f"({', '.join(below) or 'none'})",
            )
        level = move.to_level
    if move.action is Action.visit and move.reopens:
        state = IP
    new = replace(status, state=state, level=level)
    if rule.clock is Clock.start or (move.action is Action.visit and move.reopens):
        assert level is not None
        new = replace(
            new,
            clock_start=move.on,
            limit_days=settings.limits[level],
            paused_days=0,
            suspended_on=None,
            supervised=False,
        )
    elif rule.clock is Clock.extend:
        if move.days < 1:
            raise Refused(
                f"案件 {number} 的延期天数必须是正整数",
                f"Case {number}: the extension must be a positive number of days",
            )
        new = replace(new, limit_days=status.limit_days + move.days)
    elif rule.clock is Clock.pause:
        new = replace(new, suspended_on=move.on)
    elif rule.clock is Clock.resume:
        assert status.suspended_on is not None
        paused = cal.workdays_between(status.suspended_on, move.on)
        new = replace(new, paused_days=status.paused_days + paused, suspended_on=None)
    if move.action is Action.supervise:
        new = replace(new, supervised=True)
    return new


# ---------------------------------------------------------------------------------------------
# Who may act


@dataclass(frozen=True)
class Actor:
    """A staff member as the ladder sees them: role and unit (ids of their street/community/grid)."""

    name: str
    role: str
    level: Level  # the level of their unit
    street_id: int | None
    community_id: int | None
    grid_id: int | None


@dataclass(frozen=True)
class Place:
    """Where a case is: its grid, community and street."""

    street_id: int
    community_id: int
    grid_id: int


MEDIATOR_ACTIONS = {Action.note, Action.resolve, Action.visit, Action.register}
COMMUNITY_OVER_GRID = {Action.escalate, Action.assign, Action.extend, Action.note}


def may_act(actor: Actor, action: Action, level: Level | None, place: Place) -> bool:
    """DESIGN §3 and issue 3: where each role may act. `level` is the case's level before the
    action (for register: the intake level)."""
    if actor.role == "admin":
        return True
    if action is Action.supervise:
        return False  # only the sweep
    in_street = actor.street_id == place.street_id
    in_community = actor.community_id == place.community_id
    in_grid = actor.grid_id == place.grid_id
    rank = LEVELS.index
    if action is Action.extend and (level is None or rank(actor.level) <= rank(level)):
        return False  # an extension is approved from above the case's level
    if actor.role == "street":
        return in_street
    if actor.role == "community":
        if not in_community:
            return False
        if action is Action.register:
            return True
        return level is Level.community or (level is Level.grid and action in COMMUNITY_OVER_GRID)
    if actor.role in ("grid-worker", "grid-leader"):
        return in_grid and (action is Action.register or level is Level.grid)
    if actor.role == "building-head":
        return in_grid and action is Action.register
    if actor.role == "mediator":
        if action not in MEDIATOR_ACTIONS:
            return False
        here = {Level.grid: in_grid, Level.community: in_community, Level.street: in_street}
        if action is Action.register:
            return here.get(actor.level, False)
        return level is actor.level and here.get(actor.level, False)
    return False
