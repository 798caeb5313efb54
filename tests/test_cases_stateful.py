"""Random action sequences on a few cases in a real migrated SQLite ledger (hypothesis stateful).

Each machine run gets a fresh ledger with the 2026 国庆 calendar. Rules register cases, apply
random actions with random-but-plausible facts (many of them refused), advance a simulated clock
(REDPROP_NOW) and run the overdue sweep, each in its own transaction as the CLI does. After every
step: replaying each case's events gives its cached status and due date, a refusal left nothing
behind (even though its transaction is committed), and the hash chains verify.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import STREET, new_ledger_url, small_tree
from redprop.cases import actions as cases
from redprop.cases.actions import Facts, NewCase
from redprop.cases.log import replay, verify_events
from redprop.cases.rules import OPEN, Action, State
from redprop.cases.settings import add_days, load_calendar, load_settings, update_settings
from redprop.cases.sweep import sweep as sweep_cases
from redprop.core.db import open_ledger, session_scope
from redprop.core.errors import RedpropError
from redprop.core.models import Case, CaseEvent
from redprop.ledger.upkeep import init_ledger
from redprop.units import staff

ADMIN = "王敏"
START = datetime(2026, 9, 21, 9, 0)  # a Monday, ten days before 国庆
ACTORS = [ADMIN, ADMIN, ADMIN, "赵网格", "李网格", "孙楼长", "周社区", "吴街道", "钱调解", "无名氏"]

# What docs/design.md §3.2 allows in each state (for the rule that moves cases along their ladder).
ALLOWED: dict[State, list[Action]] = {
    State.registered: [
        Action.accept,
        Action.accept,
        Action.escalate,
        Action.assign,
        Action.note,
        Action.extend,
        Action.refer,
        Action.withdraw,
    ],
    State.in_progress: [
        Action.resolve,
        Action.resolve,
        Action.escalate,
        Action.assign,
        Action.note,
        Action.extend,
        Action.suspend,
        Action.refer,
        Action.withdraw,
    ],
    State.suspended: [Action.resume, Action.resume, Action.note],
    State.resolved: [Action.visit, Action.visit, Action.reopen],
    State.closed: [Action.reopen],
    State.referred: [Action.reopen],
    State.withdrawn: [Action.reopen],
}

VALID: dict[Action, Facts] = {
    Action.accept: Facts(),
    Action.escalate: Facts(reason="网格无法调处"),
    Action.assign: Facts(reason="交由下级就近调处", to_level="grid"),
    Action.note: Facts(text="组织双方协商"),
    Action.extend: Facts(days=2, reason="当事人外出"),
    Action.suspend: Facts(reason="等待鉴定"),
    Action.resume: Facts(),
    Action.resolve: Facts(outcome="达成协议", agreement="oral"),
    Action.refer: Facts(to="法院"),
    Action.withdraw: Facts(reason="当事人撤回"),
    Action.visit: Facts(satisfaction="satisfied", fulfilled="yes"),
    Action.reopen: Facts(reason="再次反映"),
    Action.register: Facts(),
    Action.supervise: Facts(),
}

RANDOM_FACTS = st.builds(
    Facts,
    reason=st.sampled_from([None, "", "  ", "原因"]),
    text=st.sampled_from([None, "", "调解记录"]),
    to_level=st.sampled_from([None, "grid", "community", "street", "city", "社区", "乡镇"]),
    days=st.sampled_from([None, -1, 0, 1, 3, 10]),
    outcome=st.sampled_from([None, "", "达成协议"]),
    agreement=st.sampled_from([None, "oral", "written", "书面", "握手"]),
    to=st.sampled_from([None, "法院", "公安", "部门", "居委会"]),
    satisfaction=st.sampled_from([None, "satisfied", "basic", "unsatisfied", "不满意", "一般"]),
    fulfilled=st.sampled_from([None, "yes", "no", "partly", "未履行", "也许"]),
    duplicate_of=st.sampled_from([None, None, None, "2026-99999"]),
)


def snapshot(session: Session) -> tuple[int, list[tuple[Any, ...]]]:
    events = session.scalar(select(func.count()).select_from(CaseEvent)) or 0
    rows = session.execute(select(Case.__table__).order_by(Case.id)).all()  # type: ignore[attr-defined]
    return events, [tuple(r) for r in rows]


class CaseLedger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.saved_now = os.environ.get("REDPROP_NOW")
        self.now = START
        self._set_now()
        self.dir = tempfile.mkdtemp(prefix="redprop-stateful-")
        self.engine = open_ledger(new_ledger_url(Path(self.dir)))
        with session_scope(self.engine) as s:
            init_ledger(s, street=STREET, admin=ADMIN)
            small_tree(s)
            for name, role, unit in (
                ("赵网格", "grid-worker", "G001"),
                ("李网格", "grid-worker", "G014"),
                ("孙楼长", "building-head", "G001"),
                ("周社区", "community", "铁人路社区"),
                ("吴街道", "street", STREET),
                ("钱调解", "mediator", "铁人路社区"),
            ):
                staff.add_staff(s, name=name, role=role, unit=unit)
            add_days(s, start=date(2026, 10, 1), end=date(2026, 10, 7), kind="holiday", name="国庆")
            for day in (date(2026, 9, 27), date(2026, 10, 10)):
                add_days(s, start=day, end=None, kind="workday", name="调休")
        self.numbers: list[str] = []
        self.accepted = 0
        self.refused = 0

    def teardown(self) -> None:
        self.engine.dispose()  # type: ignore[attr-defined]
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.saved_now is None:
            os.environ.pop("REDPROP_NOW", None)
        else:
            os.environ["REDPROP_NOW"] = self.saved_now

    def _set_now(self) -> None:
        os.environ["REDPROP_NOW"] = self.now.isoformat()

    def _attempt(self, what: str, work) -> Any:
        """Run `work(session)` in one committed transaction. A refusal must leave the session as
        it found it: the transaction is committed anyway, and the ledger must not change."""
        with session_scope(self.engine) as s:
            before = snapshot(s)
            try:
                result = work(s)
            except RedpropError as exc:
                assert not s.new, f"{what}: refused but added rows: {exc.zh}"
                assert snapshot(s) == before, f"{what}: refused but changed the ledger: {exc.zh}"
                self.refused += 1
                event(f"{what}: refused ({type(exc).__name__})")
                return None
            self.accepted += 1
            event(f"{what}: accepted")
            return result

    # -----------------------------------------------------------------------------------------
    # Rules

    @precondition(lambda self: len(self.numbers) < 4)
    @rule(
        severity=st.sampled_from(["small", "small", "major", "hard", "special"]),
        grid=st.sampled_from(["G001", "G001", "G002", "G014"]),
        actor=st.sampled_from(ACTORS),
        late=st.sampled_from([0, 0, 0, 1]),
    )
    def register(self, severity: str, grid: str, actor: str, late: int) -> None:
        at = self.now + timedelta(minutes=late)  # one minute in the future: refused
        new = NewCase(
            grid=grid, category="邻里纠纷", severity=severity, summary="漏水", parties=["张三"]
        )

        def work(s: Session) -> str:
            return cases.register_case(s, new=new, actor=actor, at=at).number

        number = self._attempt("register", work)
        if number is not None:
            assert late == 0
            self.numbers.append(number)

    @precondition(lambda self: bool(self.numbers))
    @rule(
        data=st.data(),
        action=st.sampled_from(list(Action)),
        actor=st.sampled_from(ACTORS),
        shift=st.sampled_from([0, 0, 0, 0, 0, -1, -30, -60 * 24, 1]),
    )
    def act(self, data: st.DataObject, action: Action, actor: str, shift: int) -> None:
        number = data.draw(st.sampled_from(self.numbers), label="case")
        facts = data.draw(st.one_of(st.just(VALID[action]), RANDOM_FACTS), label="facts")
        if action is Action.withdraw and data.draw(st.booleans(), label="duplicate"):
            facts = Facts(reason="重复登记", duplicate_of=data.draw(st.sampled_from(self.numbers)))
        at = self.now + timedelta(minutes=shift)

        def work(s: Session) -> None:
            cases.act(s, number=number, action=action, actor=actor, facts=facts, at=at)

        self._attempt(action.value, work)

    @precondition(lambda self: bool(self.numbers))
    @rule(data=st.data())
    def move_along(self, data: st.DataObject) -> None:
        """A plausible next step as the admin, with valid facts: drives cases deep into the
        ladder (escalating at the top and assigning to a level not below are still refused)."""
        number = data.draw(st.sampled_from(self.numbers), label="case")
        with session_scope(self.engine, write=False) as s:
            state = State(cases.get_case(s, number).state)
        action = data.draw(st.sampled_from(ALLOWED[state]), label="action")
        facts = VALID[action]
        if action is Action.assign:
            facts = Facts(reason="交办", to_level=data.draw(st.sampled_from(["grid", "community"])))
        elif action is Action.visit:
            facts = data.draw(
                st.sampled_from(
                    [
                        VALID[action],
                        Facts(satisfaction="unsatisfied", fulfilled="yes"),
                        Facts(satisfaction="basic", fulfilled="partly"),
                    ]
                ),
                label="visit",
            )

        def work(s: Session) -> None:
            cases.act(s, number=number, action=action, actor=ADMIN, facts=facts, at=self.now)

        self._attempt(f"move {action.value}", work)

    @rule(
        hours=st.sampled_from([1, 3, 8, 24, 24 * 2, 24 * 3, 24 * 7, 24 * 12]),
    )
    def advance(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        self._set_now()

    @rule()
    def sweep(self) -> None:
        with session_scope(self.engine) as s:
            done = sweep_cases(s, at=self.now)
            event(f"sweep: {len(done)} case(s)")
            today = self.now.date()
            for swept in done:
                assert swept.due_on is not None and swept.due_on < today
            # Nothing overdue is left unhandled: escalated (a new, later clock) or supervised.
            working = [State.registered.value, State.in_progress.value]
            for case in s.scalars(select(Case).where(Case.state.in_(working))):
                if case.last_at <= self.now and case.due_on < today:
                    assert case.supervised, case.number
        # Idempotent for a given time.
        with session_scope(self.engine) as s:
            assert sweep_cases(s, at=self.now) == []

    @rule(policy=st.sampled_from(["escalate", "supervise"]))
    def set_policy(self, policy: str) -> None:
        with session_scope(self.engine) as s:
            update_settings(s, policy=policy)

    # -----------------------------------------------------------------------------------------
    # Invariants

    @invariant()
    def replay_matches_the_case_rows(self) -> None:
        with session_scope(self.engine, write=False) as s:
            ladder_settings, cal = load_settings(s), load_calendar(s)
            for case in s.scalars(select(Case).order_by(Case.id)):
                events = list(
                    s.scalars(
                        select(CaseEvent)
                        .where(CaseEvent.case_id == case.id)
                        .order_by(CaseEvent.seq)
                    )
                )
                assert len(events) == case.event_count
                status = replay(
                    events,
                    severity=case.severity,
                    number=case.number,
                    settings=ladder_settings,
                    cal=cal,
                )
                assert (status.state, status.level) == (State(case.state), case.level)
                assert status.due_on(cal) == case.due_on
                assert status.yellow_on(cal) == case.yellow_on
                assert (
                    status.clock_start,
                    status.limit_days,
                    status.paused_days,
                    status.suspended_on,
                    status.supervised,
                ) == (
                    case.clock_start,
                    case.limit_days,
                    case.paused_days,
                    case.suspended_on,
                    case.supervised,
                )
                assert (case.due_on is None) == (status.state not in OPEN)
                # Each event's from-state is the previous event's state; times never go back.
                for prev, ev in pairwise(events):
                    assert (ev.from_state, ev.from_level) == (prev.state, prev.level)
                    assert ev.at >= prev.at
                assert case.last_at == events[-1].at
                assert events[-1].due_on == case.due_on

    @invariant()
    def chains_verify(self) -> None:
        with session_scope(self.engine, write=False) as s:
            assert verify_events(s) == []


CaseLedger.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestCaseLedger = CaseLedger.TestCase
