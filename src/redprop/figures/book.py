"""The monthly ledger workbook (台账, docs/design.md §6): the figures by unit with 小计 and 年度累计, the
figures by category and severity with a chart, one row per case of the month as it stood at the
month's end, the month's events, and the service lists.

Everything is read as of the period's end, and nothing in the workbook depends on when it is
generated, so a closed month's workbook has the same cell values whenever it is regenerated.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.models import Building, Case, CaseEvent, Category, Community, Grid
from redprop.core.vocab import ACTIONS, LEVELS, SEVERITIES, STATES, label
from redprop.figures.compute import Period, Report, report

SUMMARY_FIGURES = (
    ("carried_over", "结转"),
    ("registered", "新增"),
    ("reopened", "重开"),
    ("resolved", "化解"),
    ("referred", "移交"),
    ("withdrawn", "撤销"),
    ("open_at_end", "在办"),
    ("resolution_rate", "化解率"),
    ("on_time_rate", "按期化解率"),
    ("small_kept_in_grid_rate", "小事不出网格率"),
    ("kept_within_street_rate", "矛盾不上交率"),
    ("level:grid", "网格化解"),
    ("level:community", "社区化解"),
    ("level:street", "街道化解"),
    ("level:city", "市级化解"),
    ("overdue_at_end", "超期"),
    ("yellow_at_end", "黄灯"),
    ("escalations", "上报次数"),
)
CASE_HEADERS = (
    "编号",
    "登记日期",
    "社区",
    "网格",
    "地址",
    "当事人",
    "纠纷类型",
    "等级",
    "来源",
    "简要情况",
    "当前层级",
    "状态",
    "承办人",
    "受理日期",
    "化解日期",
    "办结日期",
    "结果",
    "协议形式",
    "履行情况",
    "回访",
    "满意度",
    "超期",
)
EVENT_HEADERS = (
    "时间",
    "编号",
    "社区",
    "网格",
    "操作",
    "原状态",
    "原层级",
    "新状态",
    "新层级",
    "操作人",
    "说明",
)
SOURCES = {
    "patrol": "排查",
    "visit": "来访",
    "phone": "电话",
    "hotline": "12345热线",
    "referral": "转办",
    "other": "其他",
}
SATISFACTION = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
FULFILLED = {"yes": "已履行", "no": "未履行", "partly": "部分履行"}
AGREEMENT = {"oral": "口头", "written": "书面"}
ACTION_LABELS = {code: names[0] for code, names in ACTIONS.items()}
STATE_LABELS = {code: names[0] for code, names in STATES.items()}
LEVEL_LABELS = {code: names[0] for code, names in LEVELS.items()}


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: parties are named by surname only in the workbook."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def figure_values(figures: dict[str, Any]) -> list[Any]:
    values = []
    for key, _ in SUMMARY_FIGURES:
        if key.startswith("level:"):
            values.append(figures["resolved_by_level"][key[6:]])
        else:
            values.append(figures[key])
    return values


@dataclass
class Book:
    period: Period
    month_report: Report
    year_report: Report
    case_rows: list[list[Any]]
    event_rows: list[list[Any]]
    service: dict[str, Any]
    open_demands: list[dict[str, Any]]


def build(
    session: Session, *, period: Period, community: str | None = None, grid: str | None = None
) -> Book:
    """Read everything the workbook shows, as of the period's end."""
    month = report(session, period=period, community=community, grid=grid)
    year_start = datetime(period.start.year, 1, 1)
    # The 年度累计 row needs the year's total only, not its breakdowns.
    year = _year_total(session, Period(year_start, period.end), month)
    ids = sorted(o.case_id for o in month.outcomes)
    outcome_of = {o.case_id: o for o in month.outcomes}
    communities: dict[int, str] = dict(session.execute(select(Community.id, Community.name)).all())
    grids: dict[int, str] = dict(session.execute(select(Grid.id, Grid.code)).all())
    categories: dict[int, str] = dict(session.execute(select(Category.id, Category.name)).all())
    buildings: dict[int, str] = dict(session.execute(select(Building.id, Building.number)).all())
    cases: dict[int, Any] = {}
    history: dict[int, list[Any]] = defaultdict(list)
    case_cols = [
        Case.id,
        Case.number,
        Case.registered_at,
        Case.community_id,
        Case.grid_id,
        Case.building_id,
        Case.unit,
        Case.room,
        Case.parties,
        Case.category_id,
        Case.severity,
        Case.source,
        Case.summary,
    ]
    event_cols = [
        CaseEvent.case_id,
        CaseEvent.action,
        CaseEvent.state,
        CaseEvent.at,
        CaseEvent.actor,
        CaseEvent.reason,
        CaseEvent.data,
    ]
    # Core rows, not ORM objects: a month of a large ledger is tens of thousands of cases.
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for c in session.execute(select(*case_cols).where(col(Case.id).in_(chunk))):
            cases[c.id] = c
        for e in session.execute(
            select(*event_cols)
            .where(col(CaseEvent.case_id).in_(chunk), CaseEvent.at < period.end)
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        ):
            history[e.case_id].append(e)
    case_rows = []
    for cid in sorted(ids, key=lambda i: cases[i].number):
        c, o, events = cases[cid], outcome_of[cid], history[cid]
        case_rows.append(_case_row(c, o, events, communities, grids, categories, buildings))
    event_rows = []
    scope_ids = _scope_case_ids(session, period, community, grid)
    for e in session.execute(
        select(
            CaseEvent.at,
            Case.number,
            Case.community_id,
            Case.grid_id,
            CaseEvent.action,
            CaseEvent.from_state,
            CaseEvent.from_level,
            CaseEvent.state,
            CaseEvent.level,
            CaseEvent.actor,
            CaseEvent.reason,
        )
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.at >= period.start, CaseEvent.at < period.end, *scope_ids)
        .order_by(CaseEvent.at, Case.number, CaseEvent.seq)
    ):
        event_rows.append(
            [
                e.at,
                e.number,
                communities[e.community_id],
                grids[e.grid_id],
                ACTION_LABELS[e.action],
                STATE_LABELS.get(e.from_state, ""),
                LEVEL_LABELS.get(e.from_level, ""),
                STATE_LABELS[e.state],
                LEVEL_LABELS[e.level],
                e.actor,
                e.reason or "",
            ]
        )
    from redprop.servicelists.lists import open_demands, service_figures

    community_name = community
    if grid and not community:
        from redprop.units.org import get_grid

        community_name = communities[get_grid(session, grid).community_id]
    service = service_figures(session, start=period.start, end=period.end, community=community_name)
    pending = open_demands(session, end=period.end, community=community_name)
    return Book(period, month, year, case_rows, event_rows, service, pending)


def _year_total(session: Session, period: Period, month: Report) -> Report:
    from redprop.figures.compute import figures_of, outcomes

    ids: dict[str, Any] = {}
    if month.unit_kind == "community":
        ids["community_id"] = session.scalar(
            select(Community.id).where(Community.name == month.unit)
        )
    elif month.unit_kind == "grid":
        ids["grid_id"] = session.scalar(
            select(Grid.id).where(Grid.code == month.unit.split(" ")[0])
        )
    figures = figures_of(outcomes(session, period=period, **ids))
    return Report(period, month.unit, month.unit_kind, figures, [], {}, {})


def _scope_case_ids(
    session: Session, period: Period, community: str | None, grid: str | None
) -> list[Any]:
    from redprop.units.org import get_community, get_grid

    if grid:
        return [Case.grid_id == get_grid(session, grid).id]
    if community:
        return [Case.community_id == get_community(session, community).id]
    return []


def _case_row(
    c: Any,
    o: Any,
    events: list[Any],
    communities: dict[int, str],
    grids: dict[int, str],
    categories: dict[int, str],
    buildings: dict[int, str],
) -> list[Any]:
    accepted: date | None = None
    resolved: date | None = None
    closed: date | None = None
    visited: date | None = None
    handler = outcome = agreement = fulfilled = satisfaction = ""
    for e in events:
        data = json.loads(e.data)
        if e.action == "accept":
            accepted, handler = e.at.date(), e.actor
        elif e.action == "resolve":
            resolved, outcome = e.at.date(), e.reason or ""
            agreement = AGREEMENT.get(data.get("agreement", ""), "")
        elif e.action == "visit":
            visited = e.at.date()
            satisfaction = SATISFACTION.get(data.get("satisfaction", ""), "")
            fulfilled = FULFILLED.get(data.get("fulfilled", ""), "")
            if e.state == "closed":
                closed = e.at.date()
        elif e.action == "reopen":
            resolved = closed = None
            outcome = agreement = fulfilled = satisfaction = ""
            visited = None
    address = "".join(
        p
        for p in (
            f"{buildings[c.building_id]}号楼" if c.building_id else "",
            f"{c.unit}单元" if c.unit else "",
            f"{c.room}室" if c.room else "",
        )
    )
    return [
        c.number,
        c.registered_at.date(),
        communities[c.community_id],
        grids[c.grid_id],
        address,
        "、".join(mask_name(p) for p in json.loads(c.parties)),
        categories[c.category_id],
        label(SEVERITIES, c.severity),
        SOURCES.get(c.source, c.source),
        c.summary,
        label(LEVELS, o.level),
        label(STATES, o.state),
        handler,
        accepted,
        resolved,
        closed,
        outcome,
        agreement,
        fulfilled,
        visited or None,
        satisfaction,
        "是" if o.overdue else "",
    ]


def write(book: Book, out: Path) -> None:
    from redprop.excel.book import write_ledger

    write_ledger(book, out)


def month_label(period: Period) -> str:
    if period.month:
        return f"{period.start.year}年{period.start.month}月"
    return f"{period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}"
