"""The ladder's matrix through the real case service on a real (Alembic-migrated) SQLite ledger.

Each reachable state is reached by a canonical path of act() calls as the admin 王敏; then every
action is tried with valid facts. Either the case lands in the exact state and level of docs/design.md §3,
or the action is refused and nothing at all was written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import small_tree
from redprop.cases import actions as cases
from redprop.cases import settings
from redprop.cases.actions import Facts, NewCase
from redprop.cases.log import verify_events
from redprop.cases.rules import Action, Level, Refused, State
from redprop.core.errors import RedpropError
from redprop.core.models import Case, CaseEvent
from redprop.units import staff

NOW = "2026-11-20T18:00:00"
ADMIN = "王敏"
T0 = datetime(2026, 11, 2, 9, 0)  # Monday: registration
TRY_AT = datetime(2026, 11, 10, 10, 0)  # Tuesday: the action under test

R, IP, S = State.registered, State.in_progress, State.suspended
RES, CL, REF, WD = State.resolved, State.closed, State.referred, State.withdrawn
GRID, COMM, STREET = Level.grid, Level.community, Level.street

# Valid facts for each action (as typed on the command line).
FACTS: dict[Action, Facts] = {
    Action.accept: Facts(),
    Action.escalate: Facts(reason="双方分歧大，网格无法调处"),
    Action.assign: Facts(reason="交由网格就近调处", to_level="grid"),
    Action.note: Facts(text="组织双方当面协商"),
    Action.extend: Facts(days=3, reason="当事人外出务工"),
    Action.suspend: Facts(reason="等待司法鉴定"),
    Action.resume: Facts(reason="鉴定结果已出"),
    Action.resolve: Facts(outcome="双方达成协议", agreement="written", summary="赔偿 800 元"),
    Action.refer: Facts(to="法院", body="玉门市人民法院"),
    Action.withdraw: Facts(reason="当事人撤回"),
    Action.visit: Facts(satisfaction="satisfied", fulfilled="yes"),
    Action.reopen: Facts(reason="协议未履行，当事人再次反映"),
    Action.register: Facts(),
    Action.supervise: Facts(),
}

# Canonical paths from a major case (intake: community), one action a day at 10:00 from 11-03.
PATHS: dict[State, list[Action]] = {
    R: [],
    IP: [Action.accept],
    S: [Action.accept, Action.suspend],  # suspended on Wednesday 11-04
    RES: [Action.accept, Action.resolve],
    CL: [Action.accept, Action.resolve, Action.visit],
    REF: [Action.refer],
    WD: [Action.withdraw],
}

KEEP = object()  # the due date is not asserted

# docs/design.md §3.2, by hand: (source, action) → (state, level, due date after the action on 11-10).
# The case stands at community level (limit 10) with its clock started Monday 11-02: due 11-16.
EXPECTED: dict[tuple[State, Action], tuple[State, Level, Any]] = {
    (R, Action.accept): (IP, COMM, date(2026, 11, 16)),
    (R, Action.escalate): (R, STREET, date(2026, 12, 1)),  # new clock: 11-10 + 15
    (R, Action.assign): (R, GRID, date(2026, 11, 17)),  # new clock: 11-10 + 5
    (R, Action.note): (R, COMM, date(2026, 11, 16)),
    (R, Action.extend): (R, COMM, date(2026, 11, 19)),  # 10 + 3 from 11-02
    (R, Action.refer): (REF, COMM, None),
    (R, Action.withdraw): (WD, COMM, None),
    (IP, Action.escalate): (R, STREET, date(2026, 12, 1)),
    (IP, Action.assign): (R, GRID, date(2026, 11, 17)),
    (IP, Action.note): (IP, COMM, date(2026, 11, 16)),
    (IP, Action.extend): (IP, COMM, date(2026, 11, 19)),
    (IP, Action.suspend): (S, COMM, KEEP),
    (IP, Action.resolve): (RES, COMM, None),
    (IP, Action.refer): (REF, COMM, None),
    (IP, Action.withdraw): (WD, COMM, None),
    (S, Action.note): (S, COMM, KEEP),
    (S, Action.resume): (IP, COMM, date(2026, 11, 20)),  # 4 working days paused (11-05..11-10)
    (RES, Action.visit): (CL, COMM, None),
    (RES, Action.reopen): (IP, COMM, date(2026, 11, 24)),  # new clock: 11-10 + 10
    (CL, Action.reopen): (IP, COMM, date(2026, 11, 24)),
    (REF, Action.reopen): (IP, COMM, date(2026, 11, 24)),
    (WD, Action.reopen): (IP, COMM, date(2026, 11, 24)),
}

STATE_ZH = {
    R: "待受理",
    IP: "办理中",
    S: "挂起",
    RES: "已化解",
    CL: "已办结",
    REF: "已移交",
    WD: "已撤销",
}
ACTION_ZH = {
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
}


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture
def ledger(session: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setenv("REDPROP_NOW", NOW)
    small_tree(session)
    staff.add_staff(session, name="赵网格", role="grid-worker", unit="G001")
    staff.add_staff(session, name="李网格", role="grid-worker", unit="G014")
    staff.add_staff(session, name="孙楼长", role="building-head", unit="G001")
    staff.add_staff(session, name="周社区", role="community", unit="铁人路社区")
    staff.add_staff(session, name="吴街道", role="street", unit="新市区街道")
    return session


def register(session: Session, severity: str = "major", *, actor: str = ADMIN, grid="G001"):
    return cases.register_case(
        session,
        new=NewCase(
            grid=grid,
            category="邻里纠纷",
            severity=severity,
            summary="楼上漏水殃及楼下",
            parties=["张三", "李四"],
            building="5号楼" if grid == "G001" else None,
        ),
        actor=actor,
        at=T0,
    )


def reach(session: Session, state: State, severity: str = "major") -> str:
    case = register(session, severity)
    for day, action in enumerate(PATHS[state], start=1):
        cases.act(
            session,
            number=case.number,
            action=action,
            actor=ADMIN,
            facts=FACTS[action],
            at=datetime(2026, 11, 2 + day, 10, 0),
        )
    assert cases.get_case(session, case.number).state == state.value
    return case.number


def snapshot(session: Session, number: str) -> tuple[Any, ...]:
    """Everything a refusal must leave alone. Reading flushes pending changes first (autoflush),
    so a refusal that had changed the case object in memory would show here too."""
    events = session.scalar(select(func.count()).select_from(CaseEvent))
    row = session.execute(
        select(
            Case.state,
            Case.level,
            Case.event_count,
            Case.last_hash,
            Case.last_at,
            Case.due_on,
            Case.yellow_on,
            Case.clock_start,
            Case.limit_days,
            Case.paused_days,
            Case.suspended_on,
            Case.supervised,
        ).where(Case.number == number)
    ).one()
    return (events, *row)


def assert_refused(
    session: Session,
    number: str,
    *,
    action: Action,
    actor: str = ADMIN,
    facts: Facts | None = None,
    at: datetime = TRY_AT,
    error: type[RedpropError] = Refused,
    names_case: bool = True,
) -> RedpropError:
    before = snapshot(session, number)
    with pytest.raises(error) as err:
        cases.act(session, number=number, action=action, actor=actor, facts=facts, at=at)
    assert not session.new
    assert not [o for o in session.dirty if session.is_modified(o)]
    assert snapshot(session, number) == before
    assert verify_events(session) == []
    if names_case:
        assert number in err.value.zh
        assert number in err.value.en
    return err.value


# ---------------------------------------------------------------------------------------------
# The matrix


def test_paths_reach_their_states(ledger: Session) -> None:
    for state in PATHS:
        number = reach(ledger, state)
        case = cases.get_case(ledger, number)
        assert (case.state, case.level) == (state.value, "community")
        assert case.event_count == 1 + len(PATHS[state])
    assert verify_events(ledger) == []


@pytest.mark.parametrize(
    ("source", "action"),
    [(s, a) for s in PATHS for a in Action],
    ids=[f"{s.value}-{a.value}" for s in PATHS for a in Action],
)
def test_case_matrix(ledger: Session, source: State, action: Action) -> None:
    number = reach(ledger, source)
    case = cases.get_case(ledger, number)
    if action in (Action.register, Action.supervise):
        # Not actions a person applies to an existing case: a usage error, nothing written.
        assert_refused(ledger, number, action=action, error=RedpropError, names_case=False)
        return
    expected = EXPECTED.get((source, action))
    if expected is None:
        err = assert_refused(ledger, number, action=action, facts=FACTS[action])
        assert f"不能对{STATE_ZH[source]}的案件 {number} 执行{ACTION_ZH[action]}" in err.zh
        return
    count = case.event_count
    previous = case.last_hash
    event = cases.act(
        ledger, number=number, action=action, actor=ADMIN, facts=FACTS[action], at=TRY_AT
    )
    case = cases.get_case(ledger, number)  # a case is read as a row: read it again
    state, level, due = expected
    assert (case.state, case.level) == (state.value, level.value)
    if due is not KEEP:
        assert case.due_on == due
    assert case.event_count == count + 1
    assert (event.seq, event.action, event.actor, event.at) == (
        count + 1,
        action.value,
        ADMIN,
        TRY_AT,
    )
    assert (event.from_state, event.from_level) == (source.value, "community")
    assert (event.state, event.level) == (state.value, level.value)
    assert event.prev_hash == previous and case.last_hash == event.hash
    assert case.last_at == TRY_AT
    assert verify_events(ledger) == []


def test_visit_unsatisfied_or_unfulfilled_goes_back_to_work(ledger: Session) -> None:
    for facts in (
        Facts(satisfaction="unsatisfied", fulfilled="yes"),
        Facts(satisfaction="满意", fulfilled="部分履行"),
        Facts(satisfaction="basic", fulfilled="no"),
    ):
        number = reach(ledger, RES)
        cases.act(ledger, number=number, action=Action.visit, actor=ADMIN, facts=facts, at=TRY_AT)
        case = cases.get_case(ledger, number)
        assert (case.state, case.level) == ("in_progress", "community")
        assert (case.clock_start, case.limit_days) == (date(2026, 11, 10), 10)
        assert case.due_on == date(2026, 11, 24)
    assert verify_events(ledger) == []


def test_supervise_and_register_are_not_actions_of_act(ledger: Session) -> None:
    number = reach(ledger, IP)
    for action in (Action.supervise, Action.register):
        assert_refused(ledger, number, action=action, error=RedpropError, names_case=False)


# ---------------------------------------------------------------------------------------------
# Refusals other than the pair


@pytest.mark.parametrize(
    ("source", "action", "facts"),
    [
        (R, Action.escalate, Facts()),
        (R, Action.escalate, Facts(reason="   ")),
        (IP, Action.escalate, Facts(text="a note is not a reason")),
        (R, Action.assign, Facts(to_level="grid")),
        (R, Action.assign, Facts(reason="交办")),
        (R, Action.note, Facts(reason="not the text")),
        (IP, Action.extend, Facts(reason="延期")),
        (IP, Action.extend, Facts(days=0, reason="延期")),
        (IP, Action.extend, Facts(days=-1, reason="延期")),
        (IP, Action.extend, Facts(days=3)),
        (IP, Action.suspend, Facts()),
        (IP, Action.resolve, Facts(agreement="oral")),
        (IP, Action.resolve, Facts(outcome="达成协议")),
        (IP, Action.refer, Facts()),
        (IP, Action.refer, Facts(to="居委会")),
        (R, Action.withdraw, Facts()),
        (RES, Action.visit, Facts(fulfilled="yes")),
        (RES, Action.visit, Facts(satisfaction="satisfied")),
        (CL, Action.reopen, Facts()),
    ],
)
def test_missing_facts_are_refused(
    ledger: Session, source: State, action: Action, facts: Facts
) -> None:
    number = reach(ledger, source)
    assert_refused(ledger, number, action=action, facts=facts)


def test_escalate_without_reason_names_the_case(ledger: Session) -> None:
    number = reach(ledger, R)
    err = assert_refused(ledger, number, action=Action.escalate, facts=Facts())
    assert "--reason" in err.zh


def test_a_grid_worker_of_another_grid_is_refused(ledger: Session) -> None:
    number = register(ledger, "small").number  # a grid-level case of G001
    err = assert_refused(ledger, number, action=Action.accept, actor="李网格")
    assert "李网格" in err.zh
    # The case's own grid worker may.
    cases.act(ledger, number=number, action=Action.accept, actor="赵网格", at=TRY_AT)
    assert cases.get_case(ledger, number).state == "in_progress"


def test_a_building_head_may_not_accept(ledger: Session) -> None:
    number = register(ledger, "small").number
    err = assert_refused(ledger, number, action=Action.accept, actor="孙楼长")
    assert "孙楼长" in err.zh


def test_a_grid_worker_may_not_act_on_a_community_case_of_their_grid(ledger: Session) -> None:
    number = reach(ledger, R)  # major: community level, in G001
    assert_refused(ledger, number, action=Action.accept, actor="赵网格")


def test_extension_is_approved_from_above(ledger: Session) -> None:
    community_case = reach(ledger, IP)
    assert_refused(
        ledger, community_case, action=Action.extend, actor="周社区", facts=FACTS[Action.extend]
    )
    cases.act(
        ledger,
        number=community_case,
        action=Action.extend,
        actor="吴街道",
        facts=FACTS[Action.extend],
        at=TRY_AT,
    )
    grid_case = register(ledger, "small").number
    assert_refused(
        ledger, grid_case, action=Action.extend, actor="赵网格", facts=FACTS[Action.extend]
    )
    cases.act(
        ledger,
        number=grid_case,
        action=Action.extend,
        actor="周社区",
        facts=FACTS[Action.extend],
        at=TRY_AT,
    )
    assert cases.get_case(ledger, grid_case).limit_days == 8


@pytest.mark.parametrize("actor", [None, "", "不存在的人"])
def test_unknown_or_missing_actor(ledger: Session, actor: str | None) -> None:
    number = reach(ledger, R)
    assert_refused(ledger, number, action=Action.accept, actor=actor)  # type: ignore[arg-type]


def test_a_time_in_the_future_is_refused(ledger: Session) -> None:
    number = reach(ledger, IP)
    err = assert_refused(
        ledger,
        number,
        action=Action.note,
        facts=FACTS[Action.note],
        at=datetime(2026, 11, 20, 18, 1),
    )
    assert "晚于现在" in err.zh
    # Now itself is fine.
    cases.act(
        ledger,
        number=number,
        action=Action.note,
        actor=ADMIN,
        facts=FACTS[Action.note],
        at=datetime(2026, 11, 20, 18, 0),
    )


def test_a_time_before_the_last_event_is_refused(ledger: Session) -> None:
    number = reach(ledger, S)  # last event: suspend on 11-04 10:00
    err = assert_refused(
        ledger,
        number,
        action=Action.resume,
        facts=FACTS[Action.resume],
        at=datetime(2026, 11, 4, 9, 59),
    )
    assert "早于" in err.zh
    # The same minute as the last event is fine.
    cases.act(
        ledger,
        number=number,
        action=Action.resume,
        actor=ADMIN,
        facts=FACTS[Action.resume],
        at=datetime(2026, 11, 4, 10, 0),
    )
    assert cases.get_case(ledger, number).paused_days == 0


def test_escalate_at_the_top_is_refused(ledger: Session) -> None:
    number = reach(ledger, IP, severity="hard")  # street level: the top without city
    assert cases.get_case(ledger, number).level == "street"
    err = assert_refused(ledger, number, action=Action.escalate, facts=FACTS[Action.escalate])
    assert "最高层级" in err.zh


def test_escalate_to_city_when_enabled(ledger: Session) -> None:
    settings.update_settings(ledger, city=True)
    number = reach(ledger, IP, severity="hard")
    cases.act(
        ledger,
        number=number,
        action=Action.escalate,
        actor=ADMIN,
        facts=FACTS[Action.escalate],
        at=TRY_AT,
    )
    case = cases.get_case(ledger, number)
    assert (case.state, case.level, case.limit_days) == ("registered", "city", 20)
    assert_refused(ledger, number, action=Action.escalate, facts=FACTS[Action.escalate])


@pytest.mark.parametrize(
    ("severity", "to_level"), [("major", "community"), ("major", "street"), ("small", "grid")]
)
def test_assign_not_lower_is_refused(ledger: Session, severity: str, to_level: str) -> None:
    number = reach(ledger, IP, severity=severity)
    assert_refused(
        ledger,
        number,
        action=Action.assign,
        facts=Facts(reason="交办", to_level=to_level),
    )


def test_register_needs_permission_and_a_valid_time(ledger: Session) -> None:
    def count() -> tuple[int, int]:
        return (
            ledger.scalar(select(func.count()).select_from(Case)) or 0,
            ledger.scalar(select(func.count()).select_from(CaseEvent)) or 0,
        )

    before = count()
    with pytest.raises(Refused):
        register(ledger, "small", actor="孙楼长", grid="G014")  # not the building head's grid
    with pytest.raises(Refused):
        register(ledger, "small", actor="李网格", grid="G001")
    with pytest.raises(Refused):
        cases.register_case(
            ledger,
            new=NewCase(
                grid="G001", category="邻里纠纷", severity="small", summary="x", parties=["甲"]
            ),
            actor=ADMIN,
            at=datetime(2026, 11, 21, 9, 0),
        )
    assert count() == before
    case = register(ledger, "small", actor="孙楼长")
    assert (case.state, case.level, case.event_count) == ("registered", "grid", 1)
    assert case.due_on == date(2026, 11, 9)
    assert count() == (before[0] + 1, before[1] + 1)


# ---------------------------------------------------------------------------------------------
# The history must stay verifiable when the ledger's settings change afterwards. The events record
# the level each case actually reached; replaying them must not re-derive it from today's
# settings, or `db check` reports honest cases as altered.


def test_turning_the_city_level_on_keeps_old_cases_verifiable(ledger: Session) -> None:
    number = reach(ledger, IP, severity="special")  # no city level yet: intake at street
    assert cases.get_case(ledger, number).level == "street"
    settings.update_settings(ledger, city=True)
    assert verify_events(ledger) == []


def test_turning_the_city_level_off_keeps_old_cases_verifiable(ledger: Session) -> None:
    settings.update_settings(ledger, city=True)
    number = reach(ledger, R, severity="special")  # intake at city
    cases.act(
        ledger,
        number=number,
        action=Action.assign,
        actor=ADMIN,
        facts=Facts(reason="交街道办理", to_level="street"),
        at=TRY_AT,
    )
    settings.update_settings(ledger, city=False)  # allowed: no case is at city level now
    assert verify_events(ledger) == []
