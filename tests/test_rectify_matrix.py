"""The rectification task's table, tried pair by pair (issue 17, docs/design.md §14): every
(state, step) the table allows moves the task to the issue's state; every other pair is refused,
writes nothing, and says what the state allows. And who may write, as a matrix: community staff
for their community's meetings, street staff and the admin above them, no one else."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from meetings_helpers import (
    ADMIN,
    DONE,
    LI,
    LIU,
    REJECT,
    START,
    STREET,
    TIEREN,
    VERIFY,
    ZHANG,
    ZHAO,
    clock_fixture,  # noqa: F401  (the fixture `clock`, autouse: REDPROP_NOW)
    item,
    ledger_fixture,  # noqa: F401  (the fixture `ledger`)
    meeting,
    snapshot,
    step,
    t,
    task,
)
from redprop.core.errors import RedpropError
from redprop.core.vocab import TaskAction, TaskState
from redprop.meetings.meetings import add_item, new_meeting
from redprop.meetings.rules import TRANSITIONS, TaskRefused
from redprop.meetings.tasks import decide, get_task, step_task

OPEN, WORK, FINISHED, OK = (
    TaskState.open,
    TaskState.in_progress,
    TaskState.done,
    TaskState.verified,
)
STEPS = (START, DONE, VERIFY, REJECT)
# The issue's table, by hand.
EXPECTED: dict[tuple[TaskState | None, TaskAction], TaskState] = {
    (None, TaskAction.decide): OPEN,
    (OPEN, START): WORK,
    (WORK, DONE): FINISHED,
    (FINISHED, VERIFY): OK,
    (FINISHED, REJECT): WORK,
}
PATHS: dict[TaskState, list[TaskAction]] = {
    OPEN: [],
    WORK: [START],
    FINISHED: [START, DONE],
    OK: [START, DONE, VERIFY],
}
STATE_ZH = {OPEN: "待整改", WORK: "整改中", FINISHED: "已完成", OK: "已验收"}
ACTION_ZH = {START: "开始整改", DONE: "完成整改", VERIFY: "验收", REJECT: "退回整改"}
ALLOWED_ZH = {OPEN: "开始整改", WORK: "完成整改", FINISHED: "验收、退回整改", OK: "无"}
ALLOWED_EN = {OPEN: "start", WORK: "mark done", FINISHED: "verify, reject", OK: "none"}
REASON = {REJECT: "通道仍有杂物"}


def test_the_table_is_the_issues() -> None:
    assert TRANSITIONS == EXPECTED


def reach(s: Session, state: TaskState) -> str:
    a = meeting(s)
    wt = item(s, a, "2026-11-04T15:10", text="楼道堆物")
    number = task(s, wt, "2026-11-04T16:00", owner="嘉华物业", due="2026-11-20", text="清理")
    for day, action in enumerate(PATHS[state], start=5):
        step(s, number, action, f"2026-11-{day:02d}T10:00", reason=REASON.get(action))
    assert get_task(s, number).state == state.value
    return number


@pytest.mark.parametrize(
    ("state", "action"),
    list(itertools.product(PATHS, STEPS)),
    ids=lambda v: str(v),
)
def test_every_state_and_step(ledger: Session, state: TaskState, action: TaskAction) -> None:
    number = reach(ledger, state)
    at = "2026-11-15T10:00"
    if (state, action) in EXPECTED:
        step(ledger, number, action, at, reason=REASON.get(action))
        moved = get_task(ledger, number)
        assert moved.state == EXPECTED[(state, action)].value
        assert moved.event_count == len(PATHS[state]) + 2
        assert (moved.verified_by == LI) is (action is VERIFY)
        return
    before = snapshot(ledger)
    with pytest.raises(TaskRefused) as caught:
        step(ledger, number, action, at, reason=REASON.get(action))
    assert snapshot(ledger) == before
    assert caught.value.zh == (
        f"不能对{STATE_ZH[state]}的整改任务 {number} 执行{ACTION_ZH[action]}；"
        f"此状态下可以：{ALLOWED_ZH[state]}"
    )
    assert caught.value.en.endswith(f"allowed now: {ALLOWED_EN[state]}")


def test_a_reject_needs_its_reason(ledger: Session) -> None:
    number = reach(ledger, FINISHED)
    before = snapshot(ledger)
    with pytest.raises(TaskRefused) as caught:
        step_task(ledger, number=number, action=REJECT, actor=LI, at=t("2026-11-15T10:00"))
    assert "需要 --reason（退回原因）" in caught.value.zh
    assert snapshot(ledger) == before


def test_a_step_before_the_last_one_is_refused(ledger: Session) -> None:
    number = reach(ledger, WORK)
    before = snapshot(ledger)
    with pytest.raises(TaskRefused, match="早于该任务上一次办理"):
        step(ledger, number, DONE, "2026-11-04T17:00")
    assert snapshot(ledger) == before


# -- who may write -----------------------------------------------------------------------------

# Each write, on a community's meeting (铁人路社区) and on the street's: who may take it.
ON_COMMUNITY = {ADMIN: True, ZHAO: True, LI: True, ZHANG: False, LIU: False}
ON_STREET = {ADMIN: True, ZHAO: True, LI: False, ZHANG: False, LIU: False}


def _setup(s: Session, unit: str) -> dict[str, str]:
    """A meeting of `unit`, an item, and tasks at each state a write needs."""
    a = meeting(s, unit=unit, actor=ADMIN)
    wt = item(s, a, "2026-11-04T15:10", text="楼道堆物", actor=ADMIN)
    numbers = {"meeting": a, "item": wt}
    for name, path in (("open", []), ("work", [START]), ("done", [START, DONE])):
        zg = task(
            s, wt, "2026-11-04T16:00", owner="嘉华物业", due="2026-11-20", text="清理", actor=ADMIN
        )
        for day, action in enumerate(path, start=5):
            step(s, zg, action, f"2026-11-{day:02d}T10:00", actor=ADMIN)
        numbers[name] = zg
    return numbers


WRITES: dict[str, Callable[[Session, str, str, dict[str, str]], Any]] = {
    "meeting new": lambda s, who, unit, n: new_meeting(
        s, kind="weekly", unit=unit, on=t("2026-11-06T09:00"), attendees="业委会", actor=who
    ),
    "meeting item add": lambda s, who, unit, n: add_item(
        s, meeting=n["meeting"], text="新问题", actor=who, at=t("2026-11-06T09:00")
    ),
    "meeting decide": lambda s, who, unit, n: decide(
        s, item=n["item"], task="新任务", owner="业委会", due=date(2026, 11, 30), actor=who
    ),
    "rectify start": lambda s, who, unit, n: step(s, n["open"], START, "2026-11-08T10:00", who),
    "rectify done": lambda s, who, unit, n: step(s, n["work"], DONE, "2026-11-08T10:00", who),
    "rectify verify": lambda s, who, unit, n: step(s, n["done"], VERIFY, "2026-11-08T10:00", who),
    "rectify reject": lambda s, who, unit, n: step(
        s, n["done"], REJECT, "2026-11-08T10:00", who, reason="不合格"
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize(
    ("unit", "who", "allowed"),
    [(TIEREN, w, ok) for w, ok in ON_COMMUNITY.items()]
    + [(STREET, w, ok) for w, ok in ON_STREET.items()],
)
def test_who_may_write(ledger: Session, write: str, unit: str, who: str, allowed: bool) -> None:
    numbers = _setup(ledger, unit)
    before = snapshot(ledger)
    if allowed:
        WRITES[write](ledger, who, unit, numbers)
        assert snapshot(ledger) != before
        return
    with pytest.raises(RedpropError) as caught:
        WRITES[write](ledger, who, unit, numbers)
    assert snapshot(ledger) == before
    assert who in caught.value.zh and caught.value.exit_code == 1


def test_the_owners_unit_records_its_own_steps_but_does_not_verify(ledger: Session) -> None:
    """A task of the street's meeting owned by 龙源社区: its staff start and finish it; only
    the street (the meeting's unit) verifies it."""
    b = meeting(ledger, unit=STREET, actor=ZHAO, attendees="龙源社区,司法所")
    wt = item(ledger, b, "2026-11-04T15:10", text="停车难", actor=ZHAO)
    zg = task(
        ledger, wt, "2026-11-04T16:00", owner="龙源社区", due="2026-11-20", text="划线", actor=ZHAO
    )
    step(ledger, zg, START, "2026-11-05T10:00", actor=ZHANG)
    step(ledger, zg, DONE, "2026-11-06T10:00", actor=ZHANG)
    before = snapshot(ledger)
    with pytest.raises(TaskRefused, match="验收须由召开会议的新市区街道"):
        step(ledger, zg, VERIFY, "2026-11-07T10:00", actor=ZHANG)
    assert snapshot(ledger) == before
    step(ledger, zg, VERIFY, "2026-11-07T10:00", actor=ZHAO)
    assert get_task(ledger, zg).verified_by == ZHAO


def test_the_readme_task_table_is_the_task_table() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    lines = readme[readme.index("| task step | from | to |") :].splitlines()[2:]
    documented = {}
    for line in itertools.takewhile(lambda x: x.strip().startswith("|"), lines):
        action, sources, target = (c.strip() for c in line.strip().strip("|").split("|"))
        to = TaskState(target.split("`")[1])
        for source in sources.split(","):
            code = source.strip().strip("`")
            state = None if code == "—" else TaskState(code)
            documented[(state, TaskAction(action.split("`")[1]))] = to
    assert documented == EXPECTED
