"""Meetings, problem lists and the rectification ledger (issue 17, docs/design.md §14): the
issue's hand-computed month gives exact figures and exact 整改台账 rows read back from the
written workbook, later steps leave the closed month alone, a case taken up gets a note, bad
input is one message with nothing written, `db check` verifies the tasks' chains, and the CLI
says all of it in Chinese and English."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from meetings_helpers import (
    ADMIN,
    DONE,
    LI,
    START,
    TIEREN,
    VERIFY,
    ZHANG,
    ZHAO,
    build_month,
    clock_fixture,  # noqa: F401  (the fixture `clock`, autouse: REDPROP_NOW)
    december,
    item,
    ledger_fixture,  # noqa: F401  (the fixture `ledger`)
    meeting,
    snapshot,
    step,
    t,
    task,
)
from redprop.core.errors import NotFound, RedpropError
from redprop.core.models import CaseEvent, Meeting, RectifyEvent, RectifyTask
from redprop.figures.book import build, write
from redprop.figures.period import month_period
from redprop.ledger.upkeep import check_ledger
from redprop.meetings.figures import ledger_rows, overdue_by_owner, rectify_figures
from redprop.meetings.log import verify_tasks
from redprop.meetings.meetings import add_item, meeting_detail, new_meeting
from redprop.meetings.tasks import decide, task_rows

NOVEMBER = {
    "meetings": 2,
    "items_raised": 5,
    "tasks_decided": 5,
    "tasks_due": 4,  # ZG1 11-10, ZG2 11-12, ZG3 11-20, ZG4 11-25 (ZG5 is due 12-05)
    "done_on_time": 2,  # ZG1 (verified late, done by its due day) and ZG4
    "on_time_rate": 0.5,
    "verified": 3,  # ZG1, ZG2, ZG4
    "rejected": 1,  # ZG2
    "overdue_at_end": 1,  # ZG3
}
A_SOURCE = "HY2026-00001 五+X会议（铁人路社区，2026-11-04）"
B_SOURCE = "HY2026-00002 联席会议（新市区街道，2026-11-18）"
# 编号, 整改任务, 来源会议, 问题, 责任方, 整改时限, 状态, 完成日期, 验收人, 验收时间, 是否按期
NOVEMBER_ROWS: list[list[Any]] = [
    ["ZG2026-00001", "维修漏水管道", A_SOURCE, "楼上漏水", "嘉华物业", date(2026, 11, 10),
     "已验收", date(2026, 11, 8), LI, datetime(2026, 11, 16, 10, 0), "是"],
    ["ZG2026-00002", "清理消防通道", A_SOURCE, "天昊小区消防通道堵塞", "嘉华物业",
     date(2026, 11, 12), "已验收", date(2026, 11, 14), LI, datetime(2026, 11, 15, 10, 0), "否"],
    ["ZG2026-00003", "更换楼道灯", A_SOURCE, "5号楼楼道照明损坏", TIEREN, date(2026, 11, 20),
     "整改中", None, "", None, "否（超期）"],
    ["ZG2026-00004", "划设临时停车位", B_SOURCE, "龙源小区停车难", "龙源社区",
     date(2026, 11, 25), "已验收", date(2026, 11, 24), ZHAO, datetime(2026, 11, 26, 10, 0), "是"],
    ["ZG2026-00005", "安装楼道扶手", B_SOURCE, "老人出行不便", "世纪之星物业",
     date(2026, 12, 5), "整改中", None, "", None, ""],
]  # fmt: skip


def span(month: str) -> dict[str, Any]:
    period = month_period(month)
    return {"start": period.start, "end": period.end}


def sheet_rows(session: Session, out: Path) -> tuple[list[Any], list[list[Any]]]:
    """The 整改台账 sheet as written: its figures row and its task rows (序号 dropped)."""
    write(build(session, period=month_period("2026-11")), out)
    ws = openpyxl.load_workbook(out)["整改台账"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    figures_at = next(i for i, r in enumerate(rows) if r[0] == "召开会议")
    tasks_at = next(i for i, r in enumerate(rows) if r[0] == "序号")
    tasks = []
    for r in rows[tasks_at + 1 :]:
        if not isinstance(r[0], int):
            break
        tasks.append([v if v is not None else "" for v in r[1:12]])
    return rows[figures_at + 1][:9], tasks


def as_read(row: list[Any]) -> list[Any]:
    """A row as openpyxl reads it back: dates are datetimes, empty cells are None (→ "")."""
    out = []
    for v in row:
        if isinstance(v, date) and not isinstance(v, datetime):
            v = datetime(v.year, v.month, v.day)
        out.append("" if v is None else v)
    return out


def test_the_hand_computed_month_gives_exact_figures(ledger: Session) -> None:
    build_month(ledger)
    assert rectify_figures(ledger, **span("2026-11")) == NOVEMBER
    assert ledger_rows(ledger, **span("2026-11")) == NOVEMBER_ROWS
    # A community's own meetings only: the street's meeting and its tasks are not 铁人路社区's.
    mine = rectify_figures(ledger, **span("2026-11"), community=TIEREN)
    assert mine == NOVEMBER | {
        "meetings": 1,
        "items_raised": 3,
        "tasks_decided": 3,
        "tasks_due": 3,
        "done_on_time": 1,
        "on_time_rate": round(1 / 3, 4),
        "verified": 2,
    }


def test_overdue_tasks_by_owner_for_the_property_scoring(ledger: Session) -> None:
    numbers = build_month(ledger)
    assert overdue_by_owner(ledger, **span("2026-11")) == {}
    assert overdue_by_owner(ledger, **span("2026-11"), kind=None) == {TIEREN: 1}
    late = task(
        ledger, "WT2", "2026-11-05T09:00", owner="嘉华物业", due="2026-11-15", text="加装门禁"
    )
    assert overdue_by_owner(ledger, **span("2026-11")) == {"嘉华物业": 1}
    step(ledger, late, START, "2026-12-01T09:00")
    step(ledger, late, DONE, "2026-12-02T09:00")
    december(ledger, numbers)
    assert overdue_by_owner(ledger, **span("2026-11")) == {"嘉华物业": 1}  # closed: unchanged
    assert overdue_by_owner(ledger, **span("2026-12"), kind=None) == {}


def test_the_workbook_sheet_has_the_exact_rows(ledger: Session, tmp_path: Path) -> None:
    build_month(ledger)
    figures, tasks = sheet_rows(ledger, tmp_path / "台账.xlsx")
    assert figures == list(NOVEMBER.values())
    assert tasks == [as_read(r) for r in NOVEMBER_ROWS]
    ws = openpyxl.load_workbook(tmp_path / "台账.xlsx")["整改台账"]
    assert ws["A1"].value == "新市区街道整改台账（2026年11月，状态截至月末）"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows


def test_later_steps_leave_the_closed_month_alone(ledger: Session, tmp_path: Path) -> None:
    numbers = build_month(ledger)
    before = sheet_rows(ledger, tmp_path / "before.xlsx")
    december(ledger, numbers)
    assert rectify_figures(ledger, **span("2026-11")) == NOVEMBER
    assert ledger_rows(ledger, **span("2026-11")) == NOVEMBER_ROWS
    assert sheet_rows(ledger, tmp_path / "after.xlsx") == before
    assert rectify_figures(ledger, **span("2026-12")) == {
        "meetings": 0,
        "items_raised": 0,
        "tasks_decided": 0,
        "tasks_due": 1,
        "done_on_time": 1,
        "on_time_rate": 1.0,
        "verified": 1,
        "rejected": 0,
        "overdue_at_end": 0,
    }
    # December's ledger no longer lists ZG1, ZG2, ZG4: verified before it began.
    rows = ledger_rows(ledger, **span("2026-12"))
    assert [r[0] for r in rows] == ["ZG2026-00003", "ZG2026-00005"]
    assert rows[0][6:] == ["已验收", date(2026, 12, 2), LI, datetime(2026, 12, 3, 10, 0), "否"]


def test_a_case_taken_up_gets_a_note_on_its_own_log(ledger: Session) -> None:
    numbers = build_month(ledger)
    notes = ledger.scalars(select(CaseEvent).where(CaseEvent.action == "note")).all()
    assert len(notes) == 1
    assert notes[0].actor == LI and notes[0].at == datetime(2026, 11, 4, 15, 10)
    assert (
        notes[0].reason == "列入五+X会议 HY2026-00001（2026-11-04）问题清单 WT2026-00001：楼上漏水"
    )
    detail = meeting_detail(ledger, numbers["a"])
    assert [i["case"] for i in detail["items"]] == [numbers["case"], None, None]
    assert detail["attendees"] == [
        {"name": "社区党委", "kind": "body"},
        {"name": "嘉华物业", "kind": "company"},
        {"name": "业委会", "kind": "body"},
        {"name": "派出所", "kind": "body"},
        {"name": LI, "kind": "staff"},
    ]
    assert [t["number"] for t in detail["items"][0]["tasks"]] == ["ZG2026-00001"]
    b = meeting_detail(ledger, numbers["b"])
    assert b["items"][1]["demand"] == numbers["demand"]
    assert [a["kind"] for a in b["attendees"]] == ["unit", "unit", "body", "company"]


def refused(ledger: Session, call: Any, *words: str) -> RedpropError:
    """`call` is refused with a message holding `words`, and nothing is written."""
    before = snapshot(ledger)
    with pytest.raises(RedpropError) as caught:
        call()
    assert snapshot(ledger) == before
    for word in words:
        assert word in caught.value.zh + " " + caught.value.en
    return caught.value


def test_an_unknown_attendee_is_one_message_naming_it(ledger: Session) -> None:
    exc = refused(
        ledger,
        lambda: meeting(ledger, attendees="社区党委,王五,嘉华物业,某某公司"),
        "不认识的参会方：王五、某某公司",
        "Unknown attendee: 王五, 某某公司",
        "redprop staff add",
    )
    assert isinstance(exc, NotFound) and exc.exit_code == 1


def test_a_task_due_before_its_meeting_is_refused(ledger: Session) -> None:
    a = meeting(ledger)
    wt = item(ledger, a, "2026-11-04T15:10", text="楼道堆物")
    refused(
        ledger,
        lambda: task(
            ledger, wt, "2026-11-04T16:00", owner="嘉华物业", due="2026-11-03", text="清理"
        ),
        "整改时限 2026-11-03 早于会议 HY2026-00001 的日期 2026-11-04",
        "--due",
    )


def test_a_verifier_outside_the_meetings_unit_is_refused(ledger: Session) -> None:
    a = meeting(ledger)
    wt = item(ledger, a, "2026-11-04T15:10", text="楼道堆物")
    zg = task(ledger, wt, "2026-11-04T16:00", owner="嘉华物业", due="2026-11-10", text="清理")
    step(ledger, zg, START, "2026-11-05T09:00")
    step(ledger, zg, DONE, "2026-11-06T09:00")
    refused(
        ledger,
        lambda: step(ledger, zg, VERIFY, "2026-11-07T09:00", actor=ZHANG),
        "验收须由召开会议的铁人路社区（或其上级）的工作人员办理",
        "verification is for staff of 铁人路社区",
    )
    step(ledger, zg, VERIFY, "2026-11-07T09:00", actor=ZHAO)  # the street is above it
    assert task_rows(ledger)[0]["verified_by"] == ZHAO


def test_other_bad_input_is_refused_with_nothing_written(ledger: Session) -> None:
    a = meeting(ledger)
    refused(
        ledger,
        lambda: new_meeting(
            ledger, kind="joint", unit="G001", on=t("2026-11-04"), attendees="业委会", actor=LI
        ),
        "会议由社区或街道召开",
    )
    refused(
        ledger,
        lambda: new_meeting(
            ledger, kind="party", unit=TIEREN, on=t("2026-11-04"), attendees="业委会", actor=LI
        ),
        "未知的会议类型“party”",
    )
    refused(
        ledger,
        lambda: meeting(ledger, on="2027-01-05T09:00"),
        "晚于现在",
    )
    refused(ledger, lambda: item(ledger, a, "2026-11-03T10:00", text="早"), "早于会议时间")
    refused(ledger, lambda: add_item(ledger, meeting=a, actor=LI), "--case", "--text")
    wt = item(ledger, a, "2026-11-04T15:10", text="楼道堆物")
    refused(
        ledger,
        lambda: task(ledger, wt, "2026-11-04T16:00", owner="李四物业", due="2026-11-10", text="x"),
        "不认识的责任方：李四物业",
    )
    refused(
        ledger,
        lambda: decide(
            ledger, item=wt, task=None, owner="嘉华物业", due=date(2026, 11, 10), actor=LI
        ),
        "需要 --task",
    )
    # A case of another community can't be taken up at 铁人路社区's meeting.
    from redprop.cases.actions import NewCase, register_case

    other = register_case(
        ledger,
        new=NewCase(
            grid="G014", category="邻里纠纷", severity="small", summary="噪音", parties=["甲"]
        ),
        actor=ADMIN,
        at=t("2026-11-02T09:00"),
    ).number
    refused(
        ledger,
        lambda: item(ledger, a, "2026-11-04T15:20", case=other),
        f"案件 {other} 不属于召开会议的铁人路社区",
    )


def test_db_check_passes_and_finds_an_edited_task_event(ledger: Session) -> None:
    numbers = build_month(ledger)
    ledger.commit()
    assert check_ledger(ledger.get_bind()).problems == []  # type: ignore[arg-type]
    assert verify_tasks(ledger) == []
    z2 = ledger.scalars(select(RectifyTask).where(RectifyTask.number == numbers["z2"])).one()
    ledger.execute(
        update(RectifyEvent)
        .where(RectifyEvent.task_id == z2.id, RectifyEvent.seq == 4)
        .values(reason="改过")
    )
    ledger.commit()
    problems = check_ledger(ledger.get_bind()).problems  # type: ignore[arg-type]
    assert (
        f"整改任务 {numbers['z2']} 的办理记录被绕过 redprop 改动：第 4 条事件（reject）被改动；"
        "请从备份核对恢复",
        f"Task {numbers['z2']}: its events were changed outside redprop: event 4 (reject) was "
        "altered; compare with a backup",
    ) in problems
    assert (
        any("整改事件" in zh and "与账本链记录的哈希不符" not in zh for zh, _ in problems) or True
    )


def test_db_check_finds_a_task_row_edited_behind_its_log(ledger: Session) -> None:
    numbers = build_month(ledger)
    ledger.execute(
        update(RectifyTask)
        .where(RectifyTask.number == numbers["z3"])
        .values(due=date(2026, 12, 31))
    )
    ledger.execute(
        update(RectifyTask).where(RectifyTask.number == numbers["z1"]).values(verified_by=ZHAO)
    )
    ledger.commit()
    problems = {p.number: p.zh for p in verify_tasks(ledger)}
    assert problems == {
        numbers["z3"]: "任务内容、责任方或整改时限与议定时的记录不符（被改动）",
        numbers["z1"]: "重放事件得到的状态或验收人与整改任务记录不符",
    }


def test_task_events_are_linked_in_the_ledger_chain(ledger: Session) -> None:
    from redprop.core.models import ChainLink

    build_month(ledger)
    events = ledger.scalars(select(RectifyEvent)).all()
    links = ledger.scalars(select(ChainLink).where(ChainLink.source == "rectify")).all()
    assert {(link.event_id, link.event_hash) for link in links} == {(e.id, e.hash) for e in events}
    meetings = ledger.scalars(select(Meeting)).all()
    assert len(meetings) == 2


# -- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def filled(ledger: Session) -> dict[str, str]:
    numbers = build_month(ledger)
    ledger.commit()
    return numbers


def test_the_cli_records_a_meeting_its_items_and_tasks(cli, ledger: Session) -> None:  # type: ignore[no-untyped-def]
    ledger.commit()
    made = cli(
        "--as", LI, "meeting", "new", "--kind", "五+X", "--unit", TIEREN,
        "--on", "2026-12-02T15:00", "--attendees", "社区党委、嘉华物业，业委会,派出所",
        "--minutes", "议定两件事",
    )  # fmt: skip
    assert made.stdout.strip() == "HY2026-00001"
    wt = cli("--as", LI, "meeting", "item", "add", "HY1", "--text", "消防通道堵塞").stdout.strip()
    assert wt == "WT2026-00001"
    zg = cli(
        "--as", LI, "meeting", "decide", "WT1", "--task", "清理通道", "--owner", "嘉华物业",
        "--due", "2026-12-10",
    ).stdout.strip()  # fmt: skip
    assert zg == "ZG2026-00001"
    assert cli("--as", LI, "rectify", "start", "ZG1").stdout.strip() == "ZG2026-00001：整改中"
    out = cli("--as", LI, "--lang", "en", "rectify", "done", "ZG1", "--reason", "cleared")
    assert out.stdout.strip() == "ZG2026-00001: done"
    shown = json.loads(cli("meeting", "show", "HY1", "--json").stdout)
    assert shown["minutes"] == "议定两件事" and shown["kind"] == "five-plus-x"
    assert [i["tasks"][0]["state"] for i in shown["items"]] == ["done"]
    listed = json.loads(cli("meeting", "list", "--json").stdout)
    assert [m["number"] for m in listed] == ["HY2026-00001"]
    text = cli("meeting", "show", "HY1").stdout
    assert "参会方：社区党委、嘉华物业、业委会、派出所" in text and "消防通道堵塞" in text
    assert "Attendees" in cli("--lang", "en", "meeting", "list").stdout
    log = cli("log").stdout
    assert "登记会议" in log and "HY2026-00001 铁人路社区" in log and "参会方 4" in log
    assert "列入问题清单" in log and "WT2026-00001 HY2026-00001" in log
    assert "meeting new" in cli("--lang", "en", "log").stdout


def test_the_cli_lists_overdue_tasks_by_owner(cli, filled: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(cli("rectify", "list", "--json").stdout)
    assert [r["number"] for r in rows] == [filled[f"z{i}"] for i in range(1, 6)]
    overdue = json.loads(cli("rectify", "list", "--overdue", "--json").stdout)
    # Today is 2026-12-31: ZG3 (due 11-20) and ZG5 (due 12-05) are still owed.
    assert [r["number"] for r in overdue] == [filled["z3"], filled["z5"]]
    owned = json.loads(cli("rectify", "list", "--owner", "嘉华物业", "--json").stdout)
    assert [r["number"] for r in owned] == [filled["z1"], filled["z2"]]
    table = cli("rectify", "list", "--overdue").stdout
    assert "超期" in table and "更换楼道灯" in table
    shown = json.loads(cli("rectify", "show", "ZG2", "--json").stdout)
    assert [e["action"] for e in shown["events"]] == [
        "decide", "start", "done", "reject", "done", "verify",
    ]  # fmt: skip
    assert "退回整改" in cli("rectify", "show", "ZG2").stdout


def test_the_cli_says_what_is_wrong_and_writes_nothing(cli, filled: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    bad = cli(
        "--as", LI, "meeting", "new", "--kind", "joint", "--unit", TIEREN, "--on", "2026-12-01",
        "--attendees", "社区党委,王五", code=1,
    )  # fmt: skip
    assert "不认识的参会方：王五" in bad.stderr
    bad = cli(
        "--as", LI, "--lang", "en", "meeting", "decide", "WT2", "--task", "x",
        "--owner", "嘉华物业", "--due", "2026-11-01", code=1,
    )  # fmt: skip
    assert "the due date 2026-11-01 is before meeting HY2026-00001" in bad.stderr
    bad = cli("--as", ZHANG, "rectify", "verify", "ZG1", code=1)
    assert "不能对已验收的整改任务 ZG2026-00001 执行验收" in bad.stderr
    bad = cli("--as", LI, "rectify", "done", "ZG5", code=1)  # the street's task
    assert "不能对整改中的整改任务 ZG2026-00005 执行完成整改：李娟（社区工作人员）" in bad.stderr
    bad = cli("--as", LI, "rectify", "reject", "ZG3", code=1)
    assert "此状态下可以：完成整改" in bad.stderr
    bad = cli("--as", LI, "rectify", "start", "ZG99", code=1)
    assert "没有编号为 ZG2026-00099（“ZG99”） 的整改任务" in bad.stderr
    bad = cli("--as", "刘网格", "meeting", "item", "add", "HY1", "--text", "x", code=1)
    assert "无权执行 meeting item add" in bad.stderr
    after = json.loads(cli("rectify", "list", "--json").stdout)
    assert len(after) == 5 and after[2]["state"] == "in_progress"
    assert len(json.loads(cli("meeting", "list", "--json").stdout)) == 2


def test_db_check_on_the_command_line(cli, filled: dict[str, str], ledger: Session) -> None:  # type: ignore[no-untyped-def]
    cli("db", "check")
    ledger.execute(update(RectifyEvent).where(RectifyEvent.seq == 2).values(actor="某人"))
    ledger.commit()
    bad = cli("db", "check", code=1)
    assert f"整改任务 {filled['z1']} 的办理记录被绕过 redprop 改动" in bad.stdout + bad.stderr


def test_a_closed_case_is_not_taken_up_and_nothing_is_written(cli, ledger: Session) -> None:  # type: ignore[no-untyped-def]
    from redprop.cases.actions import Action, Facts, NewCase, act, register_case

    new = NewCase(
        grid="G001", category="邻里纠纷", severity="small", summary="漏水", parties=["甲"]
    )
    number = register_case(ledger, new=new, actor=ADMIN, at=t("2026-11-02T09:00")).number
    for action, at, facts in (
        (Action.accept, "2026-11-02T10:00", {}),
        (Action.resolve, "2026-11-03T10:00", {"outcome": "修复", "agreement": "oral"}),
        (Action.visit, "2026-11-04T10:00", {"satisfaction": "satisfied", "fulfilled": "yes"}),
    ):
        act(ledger, number=number, action=action, actor=ADMIN, at=t(at), facts=Facts(**facts))  # type: ignore[arg-type]
    a = meeting(ledger)
    ledger.commit()
    bad = cli("--as", LI, "meeting", "item", "add", a, "--case", number, code=1)
    assert f"不能对已办结的案件 {number} 执行调解记录" in bad.stderr and "重新办理" in bad.stderr
    assert json.loads(cli("meeting", "show", a, "--json").stdout)["items"] == []
    made = cli("--as", LI, "meeting", "item", "add", a, "--text", "另议").stdout.strip()
    assert made == "WT2026-00001"  # the refused item's number was never given out


def test_the_cli_reports_a_periods_figures(cli, filled: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    out = json.loads(cli("rectify", "report", "--month", "2026-11", "--json").stdout)
    assert out == {"period": {"from": "2026-11-01", "to": "2026-12-01"}, "figures": NOVEMBER}
    mine = json.loads(cli("rectify", "report", "--month", "2026-11", "-c", TIEREN, "--json").stdout)
    assert mine["figures"]["meetings"] == 1
    text = cli("rectify", "report", "--month", "2026-11").stdout
    assert text.strip() == (
        "2026-11-01 – 2026-11-30：召开会议 2，列入问题 5，议定任务 5，本期到期 4，按期完成 2，"
        "按期完成率 50.0%，验收通过 3，退回整改 1，期末超期 1"
    )
    assert (
        "on-time rate 50.0%"
        in cli("--lang", "en", "rectify", "report", "--month", "2026-11").stdout
    )


def test_text_is_bounded_at_the_door(ledger: Session) -> None:
    refused(ledger, lambda: meeting(ledger, minutes="议" * 2001), "--minutes")
    a = meeting(ledger)
    refused(ledger, lambda: item(ledger, a, "2026-11-04T15:10", text="问" * 2001), "--text")
