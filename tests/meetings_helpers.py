"""What the meeting and rectification tests share: the fixed clock, a small ledger with staff
at each level, and the issue's hand-computed month of two meetings and five tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import small_tree
from redprop.cases.actions import NewCase, register_case
from redprop.core.config import parse_time
from redprop.core.models import (
    AdminEvent,
    CaseEvent,
    ChainLink,
    Counter,
    Meeting,
    MeetingItem,
    RectifyEvent,
    RectifyTask,
)
from redprop.core.vocab import TaskAction
from redprop.meetings.meetings import add_item, new_meeting
from redprop.meetings.tasks import decide, step_task
from redprop.servicelists.demands import add_demand
from redprop.units.staff import add_staff

NOW = "2026-12-31T23:00"
ADMIN = "王敏"
LI = "李娟"  # community staff, 铁人路社区
ZHANG = "张强"  # community staff, 龙源社区
ZHAO = "赵街"  # street staff, 新市区街道
LIU = "刘网格"  # grid worker, G001
STREET = "新市区街道"
TIEREN = "铁人路社区"


@pytest.fixture(name="clock", autouse=True)
def clock_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", NOW)


@pytest.fixture(name="ledger")
def ledger_fixture(session: Session) -> Session:
    small_tree(session)
    for name, role, unit in (
        (LI, "community", TIEREN),
        (ZHANG, "community", "龙源社区"),
        (ZHAO, "street", STREET),
        (LIU, "grid-worker", "G001"),
    ):
        add_staff(session, name=name, role=role, unit=unit)
    return session


def t(text: str) -> datetime:
    return parse_time(text)


def meeting(
    s: Session, *, unit: str = TIEREN, on: str = "2026-11-04T15:00", actor: str = LI, **kw: Any
) -> str:
    kw.setdefault("kind", "five-plus-x")
    kw.setdefault("attendees", f"社区党委,嘉华物业,业委会,派出所,{LI}")
    return new_meeting(s, unit=unit, on=t(on), actor=actor, **kw).number


def item(s: Session, number: str, at: str, *, actor: str = LI, **kw: Any) -> str:
    return add_item(s, meeting=number, actor=actor, at=t(at), **kw).number


def task(
    s: Session, item_number: str, at: str, *, owner: str, due: str, text: str, actor: str = LI
) -> str:
    rect = decide(
        s, item=item_number, task=text, owner=owner, due=t(due).date(), actor=actor, at=t(at)
    )
    return rect.number


def step(s: Session, number: str, action: TaskAction, at: str, actor: str = LI, **kw: Any) -> None:
    step_task(s, number=number, action=action, actor=actor, at=t(at), **kw)


START, DONE, VERIFY, REJECT = (
    TaskAction.start,
    TaskAction.done,
    TaskAction.verify,
    TaskAction.reject,
)


def build_month(s: Session) -> dict[str, str]:
    """The issue's month, by hand (November 2026): two meetings, five tasks; one verified late,
    one rejected then redone, one overdue at the month's end, one due next month."""
    case = register_case(
        s,
        new=NewCase(
            grid="G001", category="邻里纠纷", severity="small", summary="楼上漏水", parties=["张三"]
        ),
        actor=ADMIN,
        at=t("2026-11-03T09:30"),
    ).number
    demand = add_demand(
        s,
        grid="G014",
        category="助老",
        summary="老人出行不便",
        actor=ADMIN,
        at=t("2026-11-10T09:00"),
    ).number
    a = meeting(s)
    wt1 = item(s, a, "2026-11-04T15:10", case=case)
    wt2 = item(s, a, "2026-11-04T15:20", text="天昊小区消防通道堵塞")
    wt3 = item(s, a, "2026-11-04T15:30", text="5号楼楼道照明损坏")
    b = meeting(
        s,
        unit=STREET,
        on="2026-11-18T09:30",
        kind="joint",
        attendees="铁人路社区,龙源社区,司法所,世纪之星物业",
        actor=ZHAO,
    )
    wt4 = item(s, b, "2026-11-18T09:40", text="龙源小区停车难", actor=ZHAO)
    wt5 = item(s, b, "2026-11-18T09:50", demand=demand, actor=ZHAO)
    z1 = task(s, wt1, "2026-11-04T16:00", owner="嘉华物业", due="2026-11-10", text="维修漏水管道")
    z2 = task(s, wt2, "2026-11-04T16:05", owner="嘉华物业", due="2026-11-12", text="清理消防通道")
    z3 = task(s, wt3, "2026-11-04T16:10", owner=TIEREN, due="2026-11-20", text="更换楼道灯")
    z4 = task(
        s,
        wt4,
        "2026-11-18T10:00",
        owner="龙源社区",
        due="2026-11-25",
        text="划设临时停车位",
        actor=ZHAO,
    )
    z5 = task(
        s,
        wt5,
        "2026-11-18T10:05",
        owner="世纪之星物业",
        due="2026-12-05",
        text="安装楼道扶手",
        actor=ZHAO,
    )
    # ZG1: done on time, verified late (after its due date).
    step(s, z1, START, "2026-11-05T09:00")
    step(s, z1, DONE, "2026-11-08T17:00", reason="已更换管道")
    step(s, z1, VERIFY, "2026-11-16T10:00")
    # ZG2: done, rejected, done again after its due date, then verified.
    step(s, z2, START, "2026-11-05T09:30")
    step(s, z2, DONE, "2026-11-09T11:00")
    step(s, z2, REJECT, "2026-11-10T10:00", reason="通道仍有杂物")
    step(s, z2, DONE, "2026-11-14T16:00")
    step(s, z2, VERIFY, "2026-11-15T10:00")
    # ZG3: started, never finished: overdue at the month's end.
    step(s, z3, START, "2026-11-06T09:00")
    # ZG4: the street's task, on time, verified by street staff.
    step(s, z4, START, "2026-11-19T09:00", actor=ZHAO)
    step(s, z4, DONE, "2026-11-24T15:00", actor=ZHAO)
    step(s, z4, VERIFY, "2026-11-26T10:00", actor=ZHAO)
    # ZG5: due next month.
    step(s, z5, START, "2026-11-20T09:00", actor=ZHAO)
    return {
        "case": case,
        "demand": demand,
        "a": a,
        "b": b,
        **{f"z{i}": z for i, z in enumerate((z1, z2, z3, z4, z5), 1)},
    }


def december(s: Session, numbers: dict[str, str]) -> None:
    """Later steps, after November closed."""
    step(s, numbers["z3"], DONE, "2026-12-02T10:00")
    step(s, numbers["z3"], VERIFY, "2026-12-03T10:00")
    step(s, numbers["z5"], DONE, "2026-12-04T10:00", actor=ZHAO)


def snapshot(s: Session) -> tuple[Any, ...]:
    """Everything a refusal must leave alone (reading autoflushes, so a change in memory shows)."""
    counts = tuple(
        s.scalar(select(func.count()).select_from(model))
        for model in (
            Meeting,
            MeetingItem,
            RectifyTask,
            RectifyEvent,
            CaseEvent,
            AdminEvent,
            ChainLink,
        )
    )
    counters = tuple(s.execute(select(Counter.name, Counter.last).order_by(Counter.name)).all())
    tasks = tuple(
        s.execute(
            select(
                RectifyTask.number,
                RectifyTask.state,
                RectifyTask.event_count,
                RectifyTask.verified_by,
            )
        ).all()
    )
    return counts, counters, tasks
