"""The pure ladder (redprop.cases.rules): the transition matrix of docs/design.md §3, the clock, who may act.

The expected tables below are written out by hand from docs/design.md §3, not derived from ladder.RULES,
so that a wrong row in the table of the code is caught here.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from redprop.cases import rules as ladder
from redprop.cases.rules import (
    DEFAULT_SETTINGS,
    Action,
    Actor,
    Level,
    Place,
    Refused,
    Settings,
    Severity,
    State,
    Status,
    Step,
    may_act,
    step,
)
from redprop.core.workdays import Calendar

pytestmark = pytest.mark.nodb  # never opens a ledger: no database on PostgreSQL

NUMBER = "2026-00001"
PLAIN = Calendar.of()
NATIONAL_DAY = Calendar.of(
    holidays=[date(2026, 10, d) for d in range(1, 8)],
    workdays=[date(2026, 9, 27), date(2026, 10, 10)],
)
CITY = Settings(limits=dict(ladder.DEFAULT_LIMITS), city_enabled=True)
LIMITS = {Level.grid: 5, Level.community: 10, Level.street: 15, Level.city: 20}

R, IP, S = State.registered, State.in_progress, State.suspended
RES, CL, REF, WD = State.resolved, State.closed, State.referred, State.withdrawn
GRID, COMM, STREET, CITY_LV = Level.grid, Level.community, Level.street, Level.city

# Chinese names from docs/design.md §1/§3 (resume and the unregistered "state" are the code's words).
STATE_ZH = {
    None: "未登记",
    R: "待受理",
    IP: "办理中",
    S: "挂起",
    RES: "已化解",
    CL: "已办结",
    REF: "已移交",
    WD: "已撤销",
}
ACTION_ZH = {
    Action.register: "登记",
    Action.accept: "受理",
    Action.escalate: "上报",
    Action.assign: "交办",
    Action.note: "调解记录",
    Action.extend: "延期",
    Action.suspend: "挂起",
    Action.resume: "恢复",
    Action.resolve: "化解",
    Action.refer: "移交",
    Action.withdraw: "撤销",
    Action.visit: "回访",
    Action.reopen: "重新办理",
    Action.supervise: "督办",
}

# ---------------------------------------------------------------------------------------------
# The exhaustive matrix. Every source case stands at community level (so that both escalate, to
# street, and assign, to grid, are possible); register is a small case, so it lands at grid.
# Allowed pairs → (state, level) after the action; every pair not listed is refused.

EXPECTED: dict[tuple[State | None, Action], tuple[State, Level]] = {
    (None, Action.register): (R, GRID),
    # registered 待受理
    (R, Action.accept): (IP, COMM),
    (R, Action.escalate): (R, STREET),
    (R, Action.assign): (R, GRID),
    (R, Action.note): (R, COMM),
    (R, Action.extend): (R, COMM),
    (R, Action.refer): (REF, COMM),
    (R, Action.withdraw): (WD, COMM),
    (R, Action.supervise): (R, COMM),
    # in_progress 办理中
    (IP, Action.escalate): (R, STREET),
    (IP, Action.assign): (R, GRID),
    (IP, Action.note): (IP, COMM),
    (IP, Action.extend): (IP, COMM),
    (IP, Action.suspend): (S, COMM),
    (IP, Action.resolve): (RES, COMM),
    (IP, Action.refer): (REF, COMM),
    (IP, Action.withdraw): (WD, COMM),
    (IP, Action.supervise): (IP, COMM),
    # suspended 挂起
    (S, Action.note): (S, COMM),
    (S, Action.resume): (IP, COMM),
    # resolved 已化解
    (RES, Action.visit): (CL, COMM),
    (RES, Action.reopen): (IP, COMM),
    # closed, referred, withdrawn: only reopen
    (CL, Action.reopen): (IP, COMM),
    (REF, Action.reopen): (IP, COMM),
    (WD, Action.reopen): (IP, COMM),
}

SOURCES: list[State | None] = [None, *State]
CLOCK_START = date(2026, 11, 2)  # a Monday
ON = date(2026, 11, 5)  # a Thursday


def source_status(state: State | None) -> Status:
    if state is None:
        return Status()
    return Status(
        state=state,
        level=COMM,
        clock_start=CLOCK_START,
        limit_days=10,
        suspended_on=date(2026, 11, 4) if state is S else None,
    )


def move_for(action: Action, on: date = ON) -> Step:
    return Step(
        action,
        on,
        severity=Severity.small if action is Action.register else None,
        to_level=GRID if action is Action.assign else None,
        days=3 if action is Action.extend else 0,
    )


def test_the_matrix_covers_every_pair() -> None:
    assert len(SOURCES) == 8
    assert len(list(Action)) == 14
    assert set(EXPECTED) <= {(s, a) for s in SOURCES for a in Action}


@pytest.mark.parametrize(
    ("source", "action"),
    [(s, a) for s in SOURCES for a in Action],
    ids=[f"{s.value if s else 'none'}-{a.value}" for s in SOURCES for a in Action],
)
def test_matrix(source: State | None, action: Action) -> None:
    before = source_status(source)
    expected = EXPECTED.get((source, action))
    if expected is None:
        with pytest.raises(Refused) as err:
            step(before, move_for(action), number=NUMBER, settings=DEFAULT_SETTINGS, cal=PLAIN)
        msg = str(err.value)
        assert f"不能对{STATE_ZH[source]}的案件 {NUMBER} 执行{ACTION_ZH[action]}" in msg
        assert NUMBER in err.value.en
        assert action.value in err.value.en
        return
    after = step(before, move_for(action), number=NUMBER, settings=DEFAULT_SETTINGS, cal=PLAIN)
    assert (after.state, after.level) == expected
    assert after.supervised is (action is Action.supervise)


def test_refusal_message_example() -> None:
    with pytest.raises(Refused, match="不能对已化解的案件 2026-00001 执行上报"):
        step(
            source_status(RES),
            move_for(Action.escalate),
            number=NUMBER,
            settings=DEFAULT_SETTINGS,
            cal=PLAIN,
        )


def test_refusal_names_what_is_allowed_instead() -> None:
    with pytest.raises(Refused) as err:
        step(
            source_status(S),
            move_for(Action.accept),
            number=NUMBER,
            settings=DEFAULT_SETTINGS,
            cal=PLAIN,
        )
    assert "恢复" in err.value.zh and "调解记录" in err.value.zh
    assert "督办" not in err.value.zh  # the sweep's internal action is never offered


def test_visit_unsatisfied_goes_back_to_work() -> None:
    after = step(
        source_status(RES),
        Step(Action.visit, ON, reopens=True),
        number=NUMBER,
        settings=DEFAULT_SETTINGS,
        cal=PLAIN,
    )
    assert (after.state, after.level) == (IP, COMM)


# ---------------------------------------------------------------------------------------------
# Levels: intake, escalation to the top, assignment strictly down


@pytest.mark.parametrize(
    ("severity", "settings", "level"),
    [
        (Severity.small, DEFAULT_SETTINGS, GRID),
        (Severity.major, DEFAULT_SETTINGS, COMM),
        (Severity.hard, DEFAULT_SETTINGS, STREET),
        (Severity.special, DEFAULT_SETTINGS, STREET),  # no city level: the top
        (Severity.small, CITY, GRID),
        (Severity.special, CITY, CITY_LV),
    ],
)
def test_intake_level(severity: Severity, settings: Settings, level: Level) -> None:
    after = step(
        Status(),
        Step(Action.register, ON, severity=severity),
        number=NUMBER,
        settings=settings,
        cal=PLAIN,
    )
    assert (after.state, after.level) == (R, level)
    assert after.limit_days == LIMITS[level]


@pytest.mark.parametrize(
    ("settings", "start", "target"),
    [
        (DEFAULT_SETTINGS, GRID, COMM),
        (DEFAULT_SETTINGS, COMM, STREET),
        (DEFAULT_SETTINGS, STREET, None),
        (CITY, STREET, CITY_LV),
        (CITY, CITY_LV, None),
    ],
    ids=["grid", "community", "street-top", "street-city", "city-top"],
)
@pytest.mark.parametrize("state", [R, IP])
def test_escalate_one_level_up_refused_at_the_top(
    settings: Settings, start: Level, target: Level | None, state: State
) -> None:
    before = replace(source_status(state), level=start)
    if target is None:
        with pytest.raises(Refused) as err:
            step(before, move_for(Action.escalate), number=NUMBER, settings=settings, cal=PLAIN)
        assert NUMBER in err.value.zh and NUMBER in err.value.en
        assert "最高层级" in err.value.zh
        return
    after = step(before, move_for(Action.escalate), number=NUMBER, settings=settings, cal=PLAIN)
    assert (after.state, after.level) == (R, target)


@pytest.mark.parametrize(
    ("settings", "start", "to", "allowed"),
    [
        (DEFAULT_SETTINGS, GRID, GRID, False),
        (DEFAULT_SETTINGS, GRID, COMM, False),
        (DEFAULT_SETTINGS, COMM, GRID, True),
        (DEFAULT_SETTINGS, COMM, COMM, False),
        (DEFAULT_SETTINGS, COMM, STREET, False),
        (DEFAULT_SETTINGS, STREET, GRID, True),
        (DEFAULT_SETTINGS, STREET, COMM, True),
        (DEFAULT_SETTINGS, STREET, STREET, False),
        (DEFAULT_SETTINGS, STREET, CITY_LV, False),  # city not enabled, and not lower anyway
        (CITY, CITY_LV, STREET, True),
        (CITY, CITY_LV, GRID, True),
        (CITY, CITY_LV, CITY_LV, False),
        (CITY, STREET, CITY_LV, False),
    ],
)
def test_assign_strictly_down(settings: Settings, start: Level, to: Level, allowed: bool) -> None:
    before = replace(source_status(IP), level=start)
    move = Step(Action.assign, ON, to_level=to)
    if not allowed:
        with pytest.raises(Refused) as err:
            step(before, move, number=NUMBER, settings=settings, cal=PLAIN)
        assert NUMBER in err.value.zh and NUMBER in err.value.en
        return
    after = step(before, move, number=NUMBER, settings=settings, cal=PLAIN)
    assert (after.state, after.level) == (R, to)


def test_supervise_marks_and_a_new_clock_clears_the_mark() -> None:
    before = replace(source_status(IP), level=STREET)
    supervised = step(
        before, move_for(Action.supervise), number=NUMBER, settings=DEFAULT_SETTINGS, cal=PLAIN
    )
    assert supervised.supervised
    assert (supervised.state, supervised.level) == (IP, STREET)
    assert supervised.clock_start == before.clock_start
    assert supervised.limit_days == before.limit_days
    noted = step(
        supervised, move_for(Action.note), number=NUMBER, settings=DEFAULT_SETTINGS, cal=PLAIN
    )
    assert noted.supervised  # keeping the clock keeps the mark
    down = step(
        supervised, move_for(Action.assign), number=NUMBER, settings=DEFAULT_SETTINGS, cal=PLAIN
    )
    assert not down.supervised


def test_extend_needs_positive_days() -> None:
    for days in (0, -2):
        with pytest.raises(Refused) as err:
            step(
                source_status(IP),
                Step(Action.extend, ON, days=days),
                number=NUMBER,
                settings=DEFAULT_SETTINGS,
                cal=PLAIN,
            )
        assert NUMBER in err.value.zh


# ---------------------------------------------------------------------------------------------
# The clock


def run(status: Status, *moves: Step, settings: Settings = DEFAULT_SETTINGS, cal=PLAIN) -> Status:
    for move in moves:
        status = step(status, move, number=NUMBER, settings=settings, cal=cal)
    return status


def register(severity: Severity, on: date = CLOCK_START) -> Step:
    return Step(Action.register, on, severity=severity)


@pytest.mark.parametrize(
    ("severity", "settings", "level"),
    [
        (Severity.small, DEFAULT_SETTINGS, GRID),
        (Severity.major, DEFAULT_SETTINGS, COMM),
        (Severity.hard, DEFAULT_SETTINGS, STREET),
        (Severity.special, CITY, CITY_LV),
    ],
)
def test_register_starts_the_clock_at_the_intake_level(
    severity: Severity, settings: Settings, level: Level
) -> None:
    status = run(Status(), register(severity), settings=settings)
    assert status.clock_start == CLOCK_START
    assert status.limit_days == LIMITS[level]
    assert status.paused_days == 0
    assert status.suspended_on is None
    assert not status.supervised


# Registered on Monday 2026-11-02, plain weeks: (level limit, due date, yellow date).
# yellow = ceil(0.7 × limit) working days: grid 4, community 7, street 11, city 14.
@pytest.mark.parametrize(
    ("severity", "due", "yellow"),
    [
        (Severity.small, date(2026, 11, 9), date(2026, 11, 6)),
        (Severity.major, date(2026, 11, 16), date(2026, 11, 11)),
        (Severity.hard, date(2026, 11, 23), date(2026, 11, 17)),
        (Severity.special, date(2026, 11, 30), date(2026, 11, 20)),
    ],
)
def test_due_and_yellow_dates(severity: Severity, due: date, yellow: date) -> None:
    status = run(Status(), register(severity), settings=CITY)
    assert status.due_on(PLAIN) == due
    assert status.yellow_on(PLAIN) == yellow
    assert math.ceil(status.limit_days * 0.7) == PLAIN.workdays_between(CLOCK_START, yellow)


def test_warning_colours_around_the_dates() -> None:
    status = run(Status(), register(Severity.small))  # due 11-09, yellow 11-06
    assert status.warning(PLAIN, date(2026, 11, 2)) == "none"
    assert status.warning(PLAIN, date(2026, 11, 5)) == "none"
    assert status.warning(PLAIN, date(2026, 11, 6)) == "yellow"
    assert status.warning(PLAIN, date(2026, 11, 8)) == "yellow"
    assert status.warning(PLAIN, date(2026, 11, 9)) == "yellow"  # the due day itself is not late
    assert status.warning(PLAIN, date(2026, 11, 10)) == "red"
    accepted = run(status, Step(Action.accept, date(2026, 11, 3)))
    assert accepted.warning(PLAIN, date(2026, 11, 10)) == "red"


def test_closed_cases_have_no_dates_and_no_colour() -> None:
    base = run(
        Status(),
        register(Severity.small),
        Step(Action.accept, date(2026, 11, 3)),
        Step(Action.resolve, date(2026, 11, 4)),
    )
    assert base.due_on(PLAIN) is None and base.yellow_on(PLAIN) is None
    assert base.warning(PLAIN, date(2027, 1, 1)) == "none"
    closed = run(base, Step(Action.visit, date(2026, 11, 5)))
    assert closed.state is CL
    assert closed.warning(PLAIN, date(2027, 1, 1)) == "none"
    assert Status().warning(PLAIN, date(2027, 1, 1)) == "none"


def test_suspended_is_never_coloured() -> None:
    status = run(
        Status(),
        register(Severity.small),
        Step(Action.accept, date(2026, 11, 3)),
        Step(Action.suspend, date(2026, 11, 4), days=0),
    )
    assert status.state is S
    assert status.warning(PLAIN, date(2026, 12, 31)) == "none"


def test_escalate_starts_a_new_clock_at_the_new_level() -> None:
    status = run(
        Status(),
        register(Severity.small),
        Step(Action.extend, date(2026, 11, 3), days=2),
        Step(Action.escalate, date(2026, 11, 10)),
    )
    assert (status.state, status.level) == (R, COMM)
    assert status.clock_start == date(2026, 11, 10)
    assert status.limit_days == 10  # the extension belonged to the old clock
    assert status.due_on(PLAIN) == date(2026, 11, 24)
    status = run(status, Step(Action.escalate, date(2026, 11, 11)))
    assert status.level is STREET
    assert (status.clock_start, status.limit_days) == (date(2026, 11, 11), 15)
    assert status.due_on(PLAIN) == date(2026, 12, 2)


def test_assign_starts_a_new_clock_at_the_lower_level() -> None:
    status = run(
        Status(),
        register(Severity.hard),
        Step(Action.accept, date(2026, 11, 3)),
        Step(Action.assign, date(2026, 11, 4), to_level=GRID),
    )
    assert (status.state, status.level) == (R, GRID)
    assert (status.clock_start, status.limit_days) == (date(2026, 11, 4), 5)
    assert status.due_on(PLAIN) == date(2026, 11, 11)


@pytest.mark.parametrize("end", [Action.refer, Action.withdraw, "resolve", "visit"])
def test_reopen_starts_a_new_clock_at_the_current_level(end: str) -> None:
    moves = [register(Severity.major), Step(Action.accept, date(2026, 11, 3))]
    if end in ("resolve", "visit"):
        moves.append(Step(Action.resolve, date(2026, 11, 4)))
        if end == "visit":
            moves.append(Step(Action.visit, date(2026, 11, 5)))
    else:
        moves.append(Step(Action(end), date(2026, 11, 4)))
    status = run(Status(), *moves, Step(Action.reopen, date(2026, 11, 20)))
    assert (status.state, status.level) == (IP, COMM)
    assert (status.clock_start, status.limit_days, status.paused_days) == (
        date(2026, 11, 20),
        10,
        0,
    )
    assert status.due_on(PLAIN) == date(2026, 12, 4)


def test_visit_reopen_starts_a_new_clock_and_satisfied_visit_does_not() -> None:
    resolved = run(
        Status(),
        register(Severity.small),
        Step(Action.accept, date(2026, 11, 3)),
        Step(Action.extend, date(2026, 11, 3), days=4),
        Step(Action.resolve, date(2026, 11, 4)),
    )
    assert resolved.limit_days == 9
    back = run(resolved, Step(Action.visit, date(2026, 11, 16), reopens=True))
    assert (back.state, back.level) == (IP, GRID)
    assert (back.clock_start, back.limit_days) == (date(2026, 11, 16), 5)
    assert back.due_on(PLAIN) == date(2026, 11, 23)
    closed = run(resolved, Step(Action.visit, date(2026, 11, 16)))
    assert closed.state is CL
    assert (closed.clock_start, closed.limit_days) == (CLOCK_START, 9)


@pytest.mark.parametrize(
    "action", [Action.accept, Action.note, Action.supervise, Action.suspend, Action.refer]
)
def test_other_actions_keep_the_clock(action: Action) -> None:
    before = run(Status(), register(Severity.major), Step(Action.accept, date(2026, 11, 3)))
    if action is Action.accept:
        before = run(Status(), register(Severity.major))
    after = run(before, Step(action, date(2026, 11, 10)))
    assert (after.clock_start, after.limit_days, after.paused_days) == (CLOCK_START, 10, 0)


def test_extend_adds_working_days() -> None:
    status = run(Status(), register(Severity.small))
    assert status.due_on(PLAIN) == date(2026, 11, 9)
    status = run(status, Step(Action.extend, date(2026, 11, 5), days=3))
    assert status.limit_days == 8
    assert status.due_on(PLAIN) == date(2026, 11, 12)
    assert status.yellow_on(PLAIN) == date(2026, 11, 10)  # ceil(0.7 × 8) = 6
    status = run(status, Step(Action.extend, date(2026, 11, 6), days=2))
    assert status.limit_days == 10
    assert status.due_on(PLAIN) == date(2026, 11, 16)


def test_suspend_then_resume_pushes_the_due_date() -> None:
    status = run(
        Status(),
        register(Severity.small),  # Mon 11-02, due Mon 11-09
        Step(Action.accept, date(2026, 11, 2)),
        Step(Action.suspend, date(2026, 11, 4)),  # Wednesday
    )
    assert status.suspended_on == date(2026, 11, 4)
    status = run(status, Step(Action.resume, date(2026, 11, 9)))  # Thu Fri Mon: 3 working days
    assert status.state is IP
    assert status.paused_days == 3
    assert status.suspended_on is None
    assert status.due_on(PLAIN) == date(2026, 11, 12)
    assert status.yellow_on(PLAIN) == date(2026, 11, 11)  # 4 + 3 working days
    # A second suspension adds up; a same-day suspension costs nothing.
    status = run(
        status,
        Step(Action.suspend, date(2026, 11, 10)),
        Step(Action.resume, date(2026, 11, 10)),
        Step(Action.suspend, date(2026, 11, 10)),
        Step(Action.resume, date(2026, 11, 13)),
    )
    assert status.paused_days == 6
    assert status.due_on(PLAIN) == date(2026, 11, 17)


def test_suspension_over_national_day() -> None:
    status = run(
        Status(),
        register(Severity.small, date(2026, 9, 28)),
        Step(Action.accept, date(2026, 9, 28)),
        cal=NATIONAL_DAY,
    )
    # 29, 30, 10-08, 10-09, 10-10 (the make-up Saturday)
    assert status.due_on(NATIONAL_DAY) == date(2026, 10, 10)
    status = run(
        status,
        Step(Action.suspend, date(2026, 9, 29)),
        Step(Action.resume, date(2026, 10, 9)),  # 30, 10-08, 10-09: three working days
        cal=NATIONAL_DAY,
    )
    assert status.paused_days == 3
    assert status.due_on(NATIONAL_DAY) == date(2026, 10, 14)
    assert status.yellow_on(NATIONAL_DAY) == date(2026, 10, 13)
    assert status.warning(NATIONAL_DAY, date(2026, 10, 14)) == "yellow"
    assert status.warning(NATIONAL_DAY, date(2026, 10, 15)) == "red"


def test_custom_limits() -> None:
    settings = Settings(limits={GRID: 3, COMM: 7, STREET: 12, Level.city: 30})
    status = run(Status(), register(Severity.small), settings=settings)
    assert status.limit_days == 3
    assert status.due_on(PLAIN) == date(2026, 11, 5)
    assert status.yellow_on(PLAIN) == date(2026, 11, 5)  # ceil(2.1) = 3
    status = run(status, Step(Action.escalate, date(2026, 11, 6)), settings=settings)
    assert status.limit_days == 7
    assert status.due_on(PLAIN) == date(2026, 11, 17)


# ---------------------------------------------------------------------------------------------
# Who may act
#
# The unit tree of these tests: street 1 holds community 10 (grids 100 and 101) and community 20
# (grid 200); street 2 holds community 30 (grid 300).

ACTORS = {
    "admin": Actor("王敏", "admin", STREET, 1, None, None),
    "street": Actor("街道干部", "street", STREET, 1, None, None),
    "community": Actor("社区干部", "community", COMM, 1, 10, None),
    "grid-leader": Actor("网格长", "grid-leader", GRID, 1, 10, 100),
    "grid-worker": Actor("网格员", "grid-worker", GRID, 1, 10, 100),
    "building-head": Actor("楼栋长", "building-head", GRID, 1, 10, 100),
    "mediator-grid": Actor("网格调解员", "mediator", GRID, 1, 10, 100),
    "mediator-community": Actor("社区调解员", "mediator", COMM, 1, 10, None),
    "mediator-street": Actor("街道调解员", "mediator", STREET, 1, None, None),
}

SITUATIONS = {
    "grid@100": (GRID, Place(1, 10, 100)),  # the actor's own grid
    "grid@101": (GRID, Place(1, 10, 101)),  # another grid of the same community
    "grid@200": (GRID, Place(1, 20, 200)),  # a grid of another community
    "grid@300": (GRID, Place(2, 30, 300)),  # another street
    "community@100": (COMM, Place(1, 10, 100)),
    "community@200": (COMM, Place(1, 20, 200)),
    "community@300": (COMM, Place(2, 30, 300)),
    "street@100": (STREET, Place(1, 10, 100)),
    "street@300": (STREET, Place(2, 30, 300)),
    "city@100": (CITY_LV, Place(1, 10, 100)),
}

RANK = {GRID: 0, COMM: 1, STREET: 2, CITY_LV: 3}
MEDIATOR = {Action.note, Action.resolve, Action.visit, Action.register}
COMMUNITY_OVER_GRID = {Action.escalate, Action.assign, Action.extend, Action.note}


def expected_may_act(key: str, action: Action, level: Level, place: Place) -> bool:
    """The rules of the brief, stated plainly (not copied from may_act)."""
    actor = ACTORS[key]
    if actor.role == "admin":
        return True  # admin may do anything, even what only the sweep does
    if action is Action.supervise:
        return False  # nobody but the sweep
    if action is Action.extend and RANK[actor.level] <= RANK[level]:
        return False  # an extension is approved from above the case's level
    in_street = place.street_id == actor.street_id
    in_community = place.community_id == actor.community_id
    in_grid = place.grid_id == actor.grid_id
    if actor.role == "street":
        return in_street
    if actor.role == "community":
        if not in_community:
            return False
        if action is Action.register or level is COMM:
            return True
        return level is GRID and action in COMMUNITY_OVER_GRID
    if actor.role in ("grid-leader", "grid-worker"):
        return in_grid and (action is Action.register or level is GRID)
    if actor.role == "building-head":
        return in_grid and action is Action.register
    if actor.role == "mediator":
        mine = {GRID: in_grid, COMM: in_community, STREET: in_street}[actor.level]
        if action not in MEDIATOR or not mine:
            return False
        return action is Action.register or level is actor.level
    raise AssertionError(actor.role)


@pytest.mark.parametrize("situation", list(SITUATIONS))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("key", list(ACTORS))
def test_may_act(key: str, action: Action, situation: str) -> None:
    level, place = SITUATIONS[situation]
    assert may_act(ACTORS[key], action, level, place) is expected_may_act(key, action, level, place)


@pytest.mark.parametrize(
    ("key", "action", "situation", "allowed"),
    [
        # grid worker / leader: their own grid's grid-level cases; registering in their grid
        ("grid-worker", Action.accept, "grid@100", True),
        ("grid-worker", Action.resolve, "grid@100", True),
        ("grid-worker", Action.escalate, "grid@100", True),
        ("grid-worker", Action.accept, "grid@101", False),
        ("grid-worker", Action.accept, "community@100", False),
        ("grid-worker", Action.register, "grid@100", True),
        ("grid-worker", Action.register, "community@100", True),  # a major case in their grid
        ("grid-worker", Action.register, "grid@101", False),
        ("grid-worker", Action.extend, "grid@100", False),
        ("grid-leader", Action.withdraw, "grid@100", True),
        ("grid-leader", Action.withdraw, "grid@200", False),
        # community staff
        ("community", Action.accept, "community@100", True),
        ("community", Action.resolve, "community@200", False),
        ("community", Action.escalate, "grid@101", True),
        ("community", Action.assign, "grid@101", True),
        ("community", Action.extend, "grid@101", True),
        ("community", Action.note, "grid@101", True),
        ("community", Action.accept, "grid@101", False),
        ("community", Action.resolve, "grid@101", False),
        ("community", Action.extend, "community@100", False),
        ("community", Action.escalate, "grid@200", False),
        ("community", Action.accept, "street@100", False),
        ("community", Action.register, "grid@101", True),
        # street staff
        ("street", Action.accept, "grid@200", True),
        ("street", Action.resolve, "street@100", True),
        ("street", Action.extend, "community@200", True),
        ("street", Action.extend, "street@100", False),
        ("street", Action.accept, "grid@300", False),
        # mediators
        ("mediator-grid", Action.resolve, "grid@100", True),
        ("mediator-grid", Action.accept, "grid@100", False),
        ("mediator-grid", Action.note, "community@100", False),
        ("mediator-grid", Action.register, "grid@101", False),
        ("mediator-community", Action.visit, "community@100", True),
        ("mediator-community", Action.note, "grid@100", False),
        ("mediator-community", Action.register, "grid@101", True),
        ("mediator-street", Action.note, "street@100", True),
        ("mediator-street", Action.escalate, "street@100", False),
        ("mediator-street", Action.register, "grid@200", True),
        ("mediator-street", Action.register, "grid@300", False),
        # building heads only register, in their grid
        ("building-head", Action.register, "grid@100", True),
        ("building-head", Action.register, "grid@101", False),
        ("building-head", Action.accept, "grid@100", False),
        ("building-head", Action.note, "grid@100", False),
        # supervise: only the sweep (admin passes, as admin may do anything)
        ("street", Action.supervise, "grid@100", False),
        ("community", Action.supervise, "community@100", False),
        ("admin", Action.supervise, "street@100", True),
        # admin: anything
        ("admin", Action.extend, "street@300", True),
        ("admin", Action.extend, "city@100", True),
    ],
)
def test_may_act_examples(key: str, action: Action, situation: str, allowed: bool) -> None:
    level, place = SITUATIONS[situation]
    assert may_act(ACTORS[key], action, level, place) is allowed
