"""Meetings (联席会议, 每周说事, 五+X, 听证会) and their problem lists (问题清单), docs/design.md
§14: recording a meeting of a community or a street with who attended and its minutes, taking
up a case, a demand or a problem in words as an item of its list (a case taken up gets a note
on its own log), and reading them back. Every write is authorized over the meeting's unit
(units/authority) and entered in the admin log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.adminlog import record
from redprop.core.config import local, local_now
from redprop.core.errors import NotFound, RedpropError, UsageProblem
from redprop.core.fields import FREE, check_line
from redprop.core.ids import clean_block, clean_text
from redprop.core.models import Community, Meeting, MeetingItem, RectifyTask, Street
from redprop.core.numbers import full_number, said_as
from redprop.core.vocab import MEETING_KINDS, parse_meeting_kind
from redprop.meetings.parties import resolve_attendees
from redprop.servicelists.common import next_number
from redprop.units.authority import Reach, authorize


class MeetingRefused(RedpropError):
    """A meeting, item or decision that can't be recorded as given; nothing was written."""


def meeting_reach(meeting: Meeting) -> Reach:
    """A community's meeting reaches its community (and street); a street's, its street."""
    return Reach(street_id=meeting.street_id, community_id=meeting.community_id)


def unit_name(session: Session, meeting: Meeting) -> str:
    if meeting.community_id is not None:
        return session.get(Community, meeting.community_id).name  # type: ignore[union-attr]
    return session.get(Street, meeting.street_id).name  # type: ignore[union-attr]


def kind_label(kind: str, lang: str = "zh") -> str:
    zh, en = MEETING_KINDS.get(kind, (kind, kind))
    return en if lang == "en" else zh


def _unit(session: Session, name: str) -> tuple[int, int | None]:
    """(street id, community id) of the unit a meeting is held by: a community or a street."""
    from redprop.units.org import resolve_unit

    unit = resolve_unit(session, name)
    if isinstance(unit, Community):
        return unit.street_id, unit.id
    if isinstance(unit, Street):
        return unit.id, None  # type: ignore[return-value]
    raise UsageProblem(
        f"会议由社区或街道召开：--unit 请写社区或街道的名称，不是网格“{name}”",
        f"Meetings are held by a community or a street: give --unit a community or street name, "
        f"not the grid '{name}'",
    )


def _moment(at: datetime | None, *, after: datetime, what: tuple[str, str]) -> datetime:
    """A time given for an item or a decision: now by default, never in the future, never before
    the meeting (or the item) it follows."""
    moment = local(at) if at is not None else local_now()
    if moment > local_now():
        raise MeetingRefused(
            f"时间 {moment:%Y-%m-%d %H:%M} 晚于现在，不能登记未来的事；没有写入任何内容",
            f"the time {moment:%Y-%m-%d %H:%M} is in the future; nothing was written",
        )
    if moment < after:
        raise MeetingRefused(
            f"时间 {moment:%Y-%m-%d %H:%M} 早于{what[0]}（{after:%Y-%m-%d %H:%M}）；"
            "请用 --at 给出之后的时间，没有写入任何内容",
            f"the time {moment:%Y-%m-%d %H:%M} is before {what[1]} ({after:%Y-%m-%d %H:%M}); "
            "give a later --at. Nothing was written",
        )
    return moment


def new_meeting(
    session: Session,
    *,
    kind: str,
    unit: str,
    on: datetime,
    attendees: str,
    actor: str | None,
    minutes: str | None = None,
) -> Meeting:
    """Record a meeting held by a community or a street; every attendee must be known
    (meetings/parties)."""
    code = parse_meeting_kind(kind)
    street_id, community_id = _unit(session, unit)
    who = authorize(session, actor, "meeting new", Reach(street_id, community_id))
    moment = local(on)
    if moment > local_now():
        raise MeetingRefused(
            f"会议时间 {moment:%Y-%m-%d %H:%M} 晚于现在：请在会后登记，没有写入任何内容",
            f"the meeting's time {moment:%Y-%m-%d %H:%M} is in the future: record it after the "
            "meeting. Nothing was written",
        )
    present = resolve_attendees(session, attendees)
    text = clean_block(minutes or "") or None
    if text:
        check_line("--minutes", text, FREE)
    meeting = Meeting(
        number=next_number(session, "HY", moment.year),
        kind=code,
        street_id=street_id,
        community_id=community_id,
        on=moment,
        attendees=json.dumps(present, ensure_ascii=False),
        minutes=text,
        actor=who.name,
    )
    session.add(meeting)
    session.flush()
    # The admin log says who recorded which meeting of which unit, and how many attended (its
    # data is shown as counts, core/vocab.LOGGED_COUNTS).
    record(
        session,
        actor=who.name,
        command="meeting new",
        target=f"{meeting.number} {clean_text(unit)}",
        data={"attendees": len(present)},
    )
    return meeting


def get_meeting(session: Session, number: str) -> Meeting:
    full = full_number(clean_text(number), year=local_now().year, prefix="HY")
    found = session.scalar(select(Meeting).where(col(Meeting.number) == full))
    if found is None:
        zh, en = said_as(number, full)
        raise NotFound(
            f"没有编号为 {zh} 的会议：用 redprop meeting list 查看",
            f"No meeting numbered {en}: see redprop meeting list",
        )
    return found


def get_item(session: Session, number: str) -> MeetingItem:
    full = full_number(clean_text(number), year=local_now().year, prefix="WT")
    found = session.scalar(select(MeetingItem).where(col(MeetingItem.number) == full))
    if found is None:
        zh, en = said_as(number, full)
        raise NotFound(
            f"没有编号为 {zh} 的问题：用 redprop meeting show 会议编号 查看问题清单",
            f"No item numbered {en}: see the meeting's list with redprop meeting show",
        )
    return found


def _outside(what: tuple[str, str], number: str, unit: str) -> MeetingRefused:
    return MeetingRefused(
        f"{what[0]} {number} 不属于召开会议的{unit}：只能把本单位的{what[0]}列入问题清单；"
        "没有写入任何内容",
        f"{what[1]} {number} is not in {unit}, which held the meeting: only its own "
        f"{what[1]}s can be taken up. Nothing was written",
    )


def _taken_case(session: Session, meeting: Meeting, number: str) -> tuple[int, str, str]:
    from redprop.cases.actions import get_case

    case = get_case(session, number)
    inside = (
        case.community_id == meeting.community_id
        if meeting.community_id is not None
        else case.street_id == meeting.street_id
    )
    if not inside:
        raise _outside(("案件", "case"), case.number, unit_name(session, meeting))
    return case.id, case.number, case.summary


def _taken_demand(session: Session, meeting: Meeting, number: str) -> tuple[int, str, str]:
    from redprop.servicelists.demands import get_demand

    demand = get_demand(session, number)
    street = session.scalar(
        select(col(Community.street_id)).where(col(Community.id) == demand.community_id)
    )
    inside = (
        demand.community_id == meeting.community_id
        if meeting.community_id is not None
        else street == meeting.street_id
    )
    if not inside:
        raise _outside(("需求", "demand"), demand.number, unit_name(session, meeting))
    return demand.id, demand.number, demand.summary  # type: ignore[return-value]


def add_item(
    session: Session,
    *,
    meeting: str,
    actor: str | None,
    case: str | None = None,
    demand: str | None = None,
    text: str | None = None,
    at: datetime | None = None,
) -> MeetingItem:
    """Take up a case, a demand or a problem in words at a meeting; a case gets a note event on
    its own log saying so (the ladder decides whether the actor may note it)."""
    if case and demand:
        raise UsageProblem(
            "一个问题只能来自一个案件或一项需求：--case 与 --demand 只用其一",
            "An item comes from one case or one demand: give --case or --demand, not both",
        )
    words = clean_block(text or "")
    if not (case or demand or words):
        raise UsageProblem(
            "请用 --case 案件编号、--demand 需求编号 或 --text 问题描述 说明列入什么问题",
            "Say what is taken up: --case NUMBER, --demand NUMBER or --text TEXT",
        )
    found = get_meeting(session, meeting)
    who = authorize(session, actor, "meeting item add", meeting_reach(found))
    moment = _moment(at, after=found.on, what=("会议时间", "the meeting"))
    case_id = demand_id = None
    source = summary = ""
    if case:
        case_id, source, summary = _taken_case(session, found, case)
    elif demand:
        demand_id, source, summary = _taken_demand(session, found, demand)
    words = words or summary
    if words:
        check_line("--text", words, FREE)
    number = next_number(session, "WT", moment.year)
    if case_id is not None:
        from redprop.cases.actions import Action, Facts, act

        label = kind_label(found.kind)
        note = f"列入{label} {found.number}（{found.on:%Y-%m-%d}）问题清单 {number}：{words}"
        act(
            session,
            number=source,
            action=Action.note,
            actor=who.name,
            facts=Facts(text=note),
            at=moment,
        )
    item = MeetingItem(
        number=number,
        meeting_id=found.id,  # type: ignore[arg-type]
        case_id=case_id,
        demand_id=demand_id,
        text=words,
        at=moment,
        actor=who.name,
    )
    session.add(item)
    session.flush()
    target = f"{number} {found.number}" + (f" {source}" if source else "")
    record(session, actor=who.name, command="meeting item add", target=target)
    return item


def list_meetings(session: Session, *, unit: str | None = None) -> list[dict[str, Any]]:
    """Meetings, newest first, with their unit, attendees and how many items and tasks."""
    query = select(Meeting).order_by(col(Meeting.on).desc(), col(Meeting.id).desc())
    if unit:
        street_id, community_id = _unit(session, unit)
        query = query.where(
            col(Meeting.community_id) == community_id
            if community_id is not None
            else col(Meeting.street_id) == street_id
        )
    items: dict[int, int] = dict(
        session.execute(
            select(col(MeetingItem.meeting_id), func.count()).group_by(col(MeetingItem.meeting_id))
        ).all()
    )
    tasks: dict[int, int] = dict(
        session.execute(
            select(col(RectifyTask.meeting_id), func.count()).group_by(col(RectifyTask.meeting_id))
        ).all()
    )
    return [
        {
            "number": m.number,
            "kind": m.kind,
            "unit": unit_name(session, m),
            "on": m.on.isoformat(timespec="minutes"),
            "attendees": [p["name"] for p in json.loads(m.attendees)],
            "items": items.get(m.id or 0, 0),
            "tasks": tasks.get(m.id or 0, 0),
            "actor": m.actor,
        }
        for m in session.scalars(query)
    ]


def meeting_detail(session: Session, number: str) -> dict[str, Any]:
    """A meeting with its attendees (and their kinds), minutes, items and their tasks."""
    from redprop.meetings.tasks import task_rows

    found = get_meeting(session, number)
    head = next(m for m in list_meetings(session) if m["number"] == found.number)
    tasks = task_rows(session, meeting_id=found.id)
    items = []
    for item in session.scalars(
        select(MeetingItem)
        .where(col(MeetingItem.meeting_id) == found.id)
        .order_by(col(MeetingItem.id))
    ):
        items.append(
            {
                "number": item.number,
                "text": item.text,
                "case": _number_of(session, "dispute", item.case_id),
                "demand": _number_of(session, "demand", item.demand_id),
                "at": item.at.isoformat(timespec="minutes"),
                "actor": item.actor,
                "tasks": [t for t in tasks if t["item"] == item.number],
            }
        )
    attendees = json.loads(found.attendees)
    return head | {"attendees": attendees, "minutes": found.minutes, "items": items}


def _number_of(session: Session, table: str, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    from redprop.core.models import Case, Demand

    if table == "dispute":
        return session.scalar(select(col(Case.number)).where(col(Case.id) == row_id))
    return session.scalar(select(col(Demand.number)).where(col(Demand.id) == row_id))
