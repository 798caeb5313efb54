"""The escalation ladder as data: levels, severities, states, actions and the transition table of
docs/design.md §3, the clock rules, and who may act. Pure: no I/O, no database, no printing.

小事网格议、大事社区议、难事街道议、特事市级议.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from redprop.cases.clock import LEVELS, OPEN, YELLOW_SHARE, warning
from redprop.core import vocab as labels
from redprop.core.machine import Machine, Need, Row
from redprop.core.machine import Refused as MachineRefused
from redprop.core.vocab import Action, Label, Level, Severity, State
from redprop.core.workdays import Calendar

INTAKE = {
    Severity.small: Level.grid,
    Severity.major: Level.community,
    Severity.hard: Level.street,
    Severity.special: Level.city,
}
DEFAULT_LIMITS = {Level.grid: 5, Level.community: 10, Level.street: 15, Level.city: 20}
ESCALATION_REASON = "超期自动上报"
SYSTEM_ACTOR = "系统"
# What the overdue sweep writes as the reason of each of its actions.
SWEEP_REASONS = {Action.escalate: ESCALATION_REASON, Action.supervise: "超期督办"}


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
class Effect:
    """What a ladder row does besides the state: the level move and the clock. `reopened` is
    where a visit leads instead when it finds the case unsatisfied or its agreement not
    honoured (`Step.reopens`); `from_above`: only staff above the case's level may take it;
    `supervises`: the case is marked for 督办 (until a new clock starts)."""

    move: Move = Move.same
    clock: Clock = Clock.keep
    reopened: tuple[State, Clock] | None = None
    from_above: bool = False
    supervises: bool = False


Rule = Row[State, Action]

R, IP, S = State.registered, State.in_progress, State.suspended
ANY_OPEN: set[State | None] = {R, IP, S}
REASON = Need("reason", "--reason", "原因", free=True)


def _row(
    action: Action,
    sources: Collection[State | None],
    target: State | None,
    *needs: Need,
    move: Move = Move.same,
    clock: Clock = Clock.keep,
    **effect: Any,
) -> Rule:
    return Row(action, frozenset(sources), target, needs, Effect(move, clock, **effect))


# docs/design.md §3, one row per action: from → to, the facts it needs, the level move, the clock.
LADDER_ROWS = (
    _row(
        Action.register,
        {None},
        R,
        Need("summary", "--summary", "简要情况", "a short account", free=True),
        Need("parties", "--party", "当事人，可多次使用", "repeatable"),
        move=Move.intake,
        clock=Clock.start,
    ),
    _row(Action.accept, {R}, IP),
    _row(Action.escalate, {R, IP}, R, REASON, move=Move.up, clock=Clock.start),
    _row(
        Action.assign,
        {R, IP},
        R,
        REASON,
        Need("to_level", "--to-level", "交办到的层级"),
        move=Move.down,
        clock=Clock.start,
    ),
    _row(Action.note, ANY_OPEN, None, Need("text", "--text", "调解记录内容", free=True)),
    _row(
        Action.extend,
        {R, IP},
        None,
        Need("reason", "--reason", "延期原因", free=True),
        Need("days", "--days", "延期的工作日数，正整数", "a positive number of working days"),
        clock=Clock.extend,
        from_above=True,
    ),
    _row(Action.suspend, {IP}, S, REASON, clock=Clock.pause),
    _row(
        Action.resume,
        {S},
        IP,
        Need("reason", "--reason", "原因", optional=True, free=True),
        clock=Clock.resume,
    ),
    _row(
        Action.resolve,
        {IP},
        State.resolved,
        Need("outcome", "--outcome", "化解结果"),
        Need("agreement", "--agreement", "协议形式 oral|written"),
        Need("summary", "--summary", "协议摘要", optional=True, free=True),
    ),
    _row(
        Action.refer,
        {R, IP},
        State.referred,
        Need("to", "--to", "接收单位：法院|检察院|公安|仲裁|部门"),
        Need("body", "--body", "接收机关", optional=True),
    ),
    _row(
        Action.withdraw,
        {R, IP},
        State.withdrawn,
        REASON,
        Need("duplicate_of", "--duplicate-of", "重复案件编号", optional=True),
    ),
    # visit → closed, or back to in_progress on a new clock when unsatisfied or not honoured.
    _row(
        Action.visit,
        {State.resolved},
        State.closed,
        Need("satisfaction", "--satisfaction", "满意度"),
        Need("fulfilled", "--fulfilled", "协议履行情况"),
        reopened=(IP, Clock.start),
    ),
    _row(
        Action.reopen,
        {State.resolved, State.closed, State.referred, State.withdrawn},
        IP,
        REASON,
        clock=Clock.start,
    ),
    _row(Action.supervise, {R, IP}, None, supervises=True),
)

# Chinese and English names, for messages.
STATE_NAMES: dict[State | None, Label] = {None: ("未登记", "unregistered")} | {
    State(code): names for code, names in labels.STATES.items()
}
ACTION_NAMES: dict[Action, Label] = {Action(c): n for c, n in labels.ACTIONS.items()}
LEVEL_NAMES: dict[Level, Label] = {Level(c): n for c, n in labels.LEVELS.items()}


class Refused(MachineRefused):
    """The ladder does not allow this action now; nothing was written."""


LADDER: Machine[State, Action] = Machine(
    noun=("案件", "case"),
    rows=LADDER_ROWS,
    state_names=STATE_NAMES,
    action_names=ACTION_NAMES,
    refused=Refused,
    hidden=frozenset({Action.supervise}),  # the sweep's own
    sort_hints=True,
    en_state=True,
)
RULES: dict[Action, Rule] = LADDER.rows
TRANSITIONS: dict[tuple[State | None, Action], Rule] = LADDER.transitions


def refuse_pair(number: str, state: State | None, action: Action) -> Refused:
    return LADDER.refusal(number, state, action)  # type: ignore[return-value]


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
    """The status after one action, or Refused. The only place the ladder's rows are applied."""
    rule = LADDER.rule(number, status.state, move.action)
    effect: Effect = rule.effect
    state, clock = rule.target or status.state, effect.clock
    if move.reopens and effect.reopened is not None:
        state, clock = effect.reopened
    level = _level_after(status, move, effect.move, number=number, settings=settings)
    new = replace(status, state=state, level=level)
    if clock is Clock.start:
        assert level is not None
        new = replace(
            new,
            clock_start=move.on,
            limit_days=settings.limits[level],
            paused_days=0,
            suspended_on=None,
            supervised=False,
        )
    elif clock is Clock.extend:
        if move.days < 1:
            raise Refused(
                f"案件 {number} 的延期天数必须是正整数",
                f"Case {number}: the extension must be a positive number of days",
            )
        new = replace(new, limit_days=status.limit_days + move.days)
    elif clock is Clock.pause:
        new = replace(new, suspended_on=move.on)
    elif clock is Clock.resume:
        assert status.suspended_on is not None
        paused = cal.workdays_between(status.suspended_on, move.on)
        new = replace(new, paused_days=status.paused_days + paused, suspended_on=None)
    if effect.supervises:
        new = replace(new, supervised=True)
    return new


def sweep_action(level: Level | str, supervised: bool, settings: Settings) -> Action | None:
    """What the overdue sweep does to an overdue case at `level` (docs/design.md §3.5): escalate
    it one level, or at the top level (or under the supervise-only policy) mark it for 督办
    once; None when it is already marked."""
    if settings.policy == "escalate" and level != settings.top:
        return Action.escalate
    return None if supervised else Action.supervise


def _level_after(
    status: Status, move: Step, how: Move, *, number: str, settings: Settings
) -> Level | None:
    level = status.level
    if how is Move.intake:
        assert move.severity is not None
        # A replayed registration keeps the level it was given then (the city level may have
        # been turned on or off since).
        return move.to_level or settings.intake(move.severity)
    if how is Move.up:
        assert level is not None
        up = move.to_level or settings.above(level)
        if up is None:
            raise Refused(
                f"案件 {number} 已在最高层级（{LEVEL_NAMES[level][0]}），不能再上报；可移交或申请延期",
                f"Case {number} is at the top level ({level}); it can't be escalated. "
                "Refer it, or extend its deadline",
            )
        return up
    if how is Move.down:
        assert level is not None and move.to_level is not None
        # Ranks come from the fixed order of all four levels, so a case left at city level
        # after the city level was turned off can still be assigned (and replayed) down.
        rank = LEVELS.index
        if move.to_level not in settings.levels or rank(move.to_level) >= rank(level):
            below = [lv for lv in settings.levels if rank(lv) < rank(level)]
            names = "、".join(LEVEL_NAMES[lv][0] for lv in below) or "无"
            raise Refused(
                f"案件 {number} 在{LEVEL_NAMES[level][0]}层级，只能交办到更低的层级（{names}）",
                f"Case {number} is at {level} level; it can only be assigned to a lower level "
                f"({', '.join(below) or 'none'})",
            )
        return move.to_level
    return level


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


ANY_LEVEL = frozenset(LEVELS)
OWN = None  # a grant's levels: the level of the actor's own unit (mediators)
EVERY_ACTION = frozenset(Action) - {Action.supervise}  # supervise is the sweep's alone


@dataclass(frozen=True)
class Grant:
    """One row of who may act (docs/design.md §3.6): a role may take `actions` on cases inside
    its `scope` (the unit of theirs that must contain the case: grid, community, street, "own"
    for the level of their unit, or "anywhere") while the case is at one of `levels` (for
    register: the intake level; OWN: the level of the actor's unit)."""

    role: str
    scope: str
    actions: frozenset[Action]
    levels: frozenset[Level] | None = ANY_LEVEL


GRID_TEAM = ("grid-worker", "grid-leader")
GRANTS: tuple[Grant, ...] = (
    Grant("admin", "anywhere", frozenset(Action)),
    Grant("street", "street", EVERY_ACTION),
    Grant("community", "community", frozenset({Action.register})),
    Grant("community", "community", EVERY_ACTION, frozenset({Level.community})),
    # Community staff steer a grid's case: send it up or down, approve more time, add notes.
    Grant(
        "community",
        "community",
        frozenset({Action.escalate, Action.assign, Action.extend, Action.note}),
        frozenset({Level.grid}),
    ),
    *(Grant(role, "grid", frozenset({Action.register})) for role in GRID_TEAM),
    *(Grant(role, "grid", EVERY_ACTION, frozenset({Level.grid})) for role in GRID_TEAM),
    Grant("building-head", "grid", frozenset({Action.register})),
    Grant("mediator", "own", frozenset({Action.register})),
    Grant("mediator", "own", frozenset({Action.note, Action.resolve, Action.visit}), OWN),
)


# Who may bring a whole case ledger in (case import): it registers and moves cases anywhere in
# the street, so only the roles whose grants cover every action street-wide.
IMPORT_ROLES = frozenset(
    g.role for g in GRANTS if g.scope in ("street", "anywhere") and g.actions >= EVERY_ACTION
)


def _within(actor: Actor, scope: str, place: Place) -> bool:
    if scope == "anywhere":
        return True
    if scope == "own":
        scope = actor.level.value
    return {
        "grid": actor.grid_id == place.grid_id,
        "community": actor.community_id == place.community_id,
        "street": actor.street_id == place.street_id,
    }.get(scope, False)


def _granted(actor: Actor, action: Action, level: Level | None, place: Place) -> bool:
    for grant in GRANTS:
        if grant.role != actor.role or action not in grant.actions:
            continue
        levels = frozenset({actor.level}) if grant.levels is OWN else grant.levels
        if (action is Action.register or level in levels) and _within(actor, grant.scope, place):
            return True
    return False


def why_not(actor: Actor, action: Action, level: Level | None, place: Place) -> Label | None:
    """None when `actor` may take `action` on a case at `level` in `place` (for register: the
    intake level); otherwise why not, in both languages."""
    from_above = RULES[action].effect.from_above and actor.role != "admin"
    above = level is not None and LEVELS.index(actor.level) > LEVELS.index(level)
    if (not from_above or above) and _granted(actor, action, level, place):
        return None
    role_zh, role_en = labels.both(labels.ROLES, actor.role)
    az, ae = ACTION_NAMES[action]
    if from_above:
        return (
            "延期须由案件所在层级的上级批准",
            "an extension is approved from above the case's level",
        )
    if not _within(actor, "own", place):
        return "案件不在其辖区内", "the case is outside their unit"
    if all(g.actions == {Action.register} for g in GRANTS if g.role == actor.role):
        return f"{role_zh}只能登记案件", f"a {role_en} may only register cases"
    lz = LEVEL_NAMES[level][0] if level else ""
    return (
        f"案件在{lz}层级，{role_zh}不能对它执行{az}",
        f"the case is at {level} level; a {role_en} can't {ae} it",
    )


def may_act(actor: Actor, action: Action, level: Level | None, place: Place) -> bool:
    """Whether `actor` may take `action` (see `why_not`, which says why not)."""
    return why_not(actor, action, level, place) is None
