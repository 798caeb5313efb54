"""The monthly ledger workbook (台账, docs/design.md §6): the figures by unit with 小计 and
年度累计, the figures by category and severity with a chart, one row per case of the month as it
stood at the month's end, the month's events, and the service lists.

Everything is read as of the period's end, and nothing in the workbook depends on when it is
generated, so a closed month's workbook has the same cell values whenever it is regenerated.
This module reads it and puts it in display form (headers, labels, rows); excel/book.py lays it
out.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.models import Building, Case, CaseEvent, Category, Community, Grid
from redprop.core.vocab import (
    ACTIONS,
    AGREEMENTS,
    DEMAND_STATES,
    FIGURES,
    FULFILLED,
    LEVELS,
    SATISFACTION,
    SEVERITIES,
    SOURCES,
    STATES,
    Action,
    Label,
    State,
    label,
)
from redprop.figures.period import Period
from redprop.figures.report import Report, report

if TYPE_CHECKING:
    from redprop.excel.book import Sheets, Table

# The figure columns of 汇总 and 分类统计, in order; "level:x" is resolved_by_level[x].
SUMMARY_FIGURES = (
    "carried_over",
    "registered",
    "reopened",
    "resolved",
    "referred",
    "withdrawn",
    "open_at_end",
    "resolution_rate",
    "on_time_rate",
    "small_kept_in_grid_rate",
    "kept_within_street_rate",
    "level:grid",
    "level:community",
    "level:street",
    "level:city",
    "overdue_at_end",
    "yellow_at_end",
    "escalations",
)
SUMMARY_NOTE = "说明：结转+新增+重开=化解+移交+撤销+在办；化解率=化解/(结转+新增+重开-撤销)。按事件历史统计至月末。"
# The category chart: new and resolved cases of each category.
CHART = ("各类纠纷新增与化解", ("registered", "resolved"))
# (header, column width) of the case and event sheets.
CASE_COLUMNS = (
    ("编号", 12),
    ("登记日期", 11),
    ("社区", 12),
    ("网格", 7),
    ("地址", 14),
    ("当事人", 14),
    ("纠纷类型", 10),
    ("等级", 6),
    ("来源", 8),
    ("简要情况", 30),
    ("当前层级", 8),
    ("状态", 8),
    ("承办人", 8),
    ("受理日期", 11),
    ("化解日期", 11),
    ("办结日期", 11),
    ("结果", 20),
    ("协议形式", 8),
    ("履行情况", 8),
    ("回访", 11),
    ("满意度", 8),
    ("超期", 5),
)
EVENT_COLUMNS = (
    ("时间", 16),
    ("编号", 12),
    ("社区", 12),
    ("网格", 7),
    ("操作", 9),
    ("原状态", 9),
    ("原层级", 8),
    ("新状态", 9),
    ("新层级", 8),
    ("操作人", 10),
    ("说明", 40),
)
# The 服务清单 sheet: the month's service figures (key, header), the items, the open demands.
SERVICE_FIGURES = (
    ("new", "需求新增"),
    ("claimed", "认领"),
    ("fulfilled", "完成"),
    ("cancelled", "取消"),
    ("open_at_end", "月末待办"),
    ("fulfilment_rate", "完成率"),
    ("wish_fulfilment_rate", "微心愿完成率"),
)
SERVICE_WIDTHS = [16, 12, 12, 36, 10, 14, 12]
ITEM_HEADERS = ["服务项目", "社区", "服务次数", "服务人数", "志愿者人次"]
DEMAND_HEADERS = ["月末待办需求", "社区", "网格", "内容", "类型", "状态", "认领方"]
WISH = "微心愿"
ACTION_LABELS = {code: names[0] for code, names in ACTIONS.items()}
STATE_LABELS = {code: names[0] for code, names in STATES.items()}
LEVEL_LABELS = {code: names[0] for code, names in LEVELS.items()}


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: parties are named by surname only in the workbook."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def figure_name(key: str) -> str:
    """A figure column's header: 结转 …, and 网格化解 … for the levels cases were resolved at."""
    if key.startswith("level:"):
        return f"{label(LEVELS, key[6:])}化解"
    return label(FIGURES, key)


def _zh(table: dict[str, Label], code: str) -> str:
    """A code's Chinese label, or nothing for a code the table lacks."""
    return table[code][0] if code in table else ""


def figure_values(figures: dict[str, Any]) -> list[Any]:
    values = []
    for key in SUMMARY_FIGURES:
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
    names = _Names(
        communities=dict(session.execute(select(Community.id, Community.name)).all()),
        grids=dict(session.execute(select(Grid.id, Grid.code)).all()),
        categories=dict(session.execute(select(Category.id, Category.name)).all()),
        buildings=dict(session.execute(select(Building.id, Building.number)).all()),
    )
    case_rows = _case_rows(session, period, month, names)
    event_rows = _event_rows(session, period, _scope_case_ids(session, community, grid), names)
    from redprop.servicelists.demands import open_demands
    from redprop.servicelists.figures import service_figures

    community_name = community
    if grid and not community:
        from redprop.units.org import get_grid

        community_name = names.communities[get_grid(session, grid).community_id]
    service = service_figures(session, start=period.start, end=period.end, community=community_name)
    pending = open_demands(session, end=period.end, community=community_name)
    return Book(period, month, year, case_rows, event_rows, service, pending)


@dataclass
class _Names:
    """Names of the units, categories and buildings by id, for the rows."""

    communities: dict[int, str]
    grids: dict[int, str]  # codes
    categories: dict[int, str]
    buildings: dict[int, str]  # numbers


def _year_total(session: Session, period: Period, month: Report) -> Report:
    from redprop.figures.replay import outcomes
    from redprop.figures.tally import figures_of

    ids: dict[str, Any] = {}
    if month.unit_kind == "community":
        ids["community_id"] = month.unit_id
    elif month.unit_kind == "grid":
        ids["grid_id"] = month.unit_id
    figures = figures_of(outcomes(session, period=period, **ids))
    return Report(period, month.unit, month.unit_kind, figures, [], {}, {}, unit_id=month.unit_id)


def _scope_case_ids(session: Session, community: str | None, grid: str | None) -> list[Any]:
    from redprop.units.org import get_community, get_grid

    if grid:
        return [Case.grid_id == get_grid(session, grid).id]
    if community:
        return [Case.community_id == get_community(session, community).id]
    return []


def _case_rows(session: Session, period: Period, month: Report, names: _Names) -> list[list[Any]]:
    """One row per case of the month, by number, as it stood at the month's end."""
    ids = sorted(o.case_id for o in month.outcomes)
    outcome_of = {o.case_id: o for o in month.outcomes}
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
    return [
        _case_row(cases[cid], outcome_of[cid], history[cid], names)
        for cid in sorted(ids, key=lambda i: cases[i].number)
    ]


def _event_rows(
    session: Session, period: Period, scope: list[Any], names: _Names
) -> list[list[Any]]:
    """The period's events of the unit's cases, in time order."""
    rows = []
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
        .where(CaseEvent.at >= period.start, CaseEvent.at < period.end, *scope)
        .order_by(CaseEvent.at, Case.number, CaseEvent.seq)
    ):
        rows.append(
            [
                e.at,
                e.number,
                names.communities[e.community_id],
                names.grids[e.grid_id],
                ACTION_LABELS[e.action],
                STATE_LABELS.get(e.from_state, ""),
                LEVEL_LABELS.get(e.from_level, ""),
                STATE_LABELS[e.state],
                LEVEL_LABELS[e.level],
                e.actor,
                e.reason or "",
            ]
        )
    return rows


def _case_row(c: Any, o: Any, events: list[Any], names: _Names) -> list[Any]:
    accepted: date | None = None
    resolved: date | None = None
    closed: date | None = None
    visited: date | None = None
    handler = outcome = agreement = fulfilled = satisfaction = ""
    for e in events:
        data = json.loads(e.data)
        if e.action == Action.accept:
            accepted, handler = e.at.date(), e.actor
        elif e.action == Action.resolve:
            resolved, outcome = e.at.date(), e.reason or ""
            agreement = _zh(AGREEMENTS, data.get("agreement", ""))
        elif e.action == Action.visit:
            visited = e.at.date()
            satisfaction = _zh(SATISFACTION, data.get("satisfaction", ""))
            fulfilled = _zh(FULFILLED, data.get("fulfilled", ""))
            if e.state == State.closed:
                closed = e.at.date()
        elif e.action == Action.reopen:
            resolved = closed = None
            outcome = agreement = fulfilled = satisfaction = ""
            visited = None
    address = "".join(
        p
        for p in (
            f"{names.buildings[c.building_id]}号楼" if c.building_id else "",
            f"{c.unit}单元" if c.unit else "",
            f"{c.room}室" if c.room else "",
        )
    )
    return [
        c.number,
        c.registered_at.date(),
        names.communities[c.community_id],
        names.grids[c.grid_id],
        address,
        "、".join(mask_name(p) for p in json.loads(c.parties)),
        names.categories[c.category_id],
        label(SEVERITIES, c.severity),
        label(SOURCES, c.source),
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


def sheets(book: Book) -> Sheets:
    """The workbook's content in display form, for the writer."""
    from redprop.excel.book import Sheets

    period, month = book.period, book.month_report
    keys = list(SUMMARY_FIGURES)
    chart_title, charted = CHART
    return Sheets(
        unit=month.unit,
        month=month_label(period),
        span=f"{period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}",
        note=SUMMARY_NOTE,
        figures=[figure_name(key) for key in SUMMARY_FIGURES],
        rates=frozenset(i for i, key in enumerate(keys) if key.endswith("_rate")),
        chart=(chart_title, tuple(keys.index(key) for key in charted)),
        by_unit=[[u["unit"], *figure_values(u["figures"])] for u in month.by_unit],
        subtotal=figure_values(month.figures),
        year_total=figure_values(book.year_report.figures),
        by_category=[[name, *figure_values(f)] for name, f in month.by_category.items()],
        by_severity=[
            [label(SEVERITIES, severity), *figure_values(f)]
            for severity, f in month.by_severity.items()
        ],
        cases=_table(CASE_COLUMNS, book.case_rows),
        events=_table(EVENT_COLUMNS, book.event_rows),
        **_service_tables(book),
    )


def _table(columns: tuple[tuple[str, int], ...], rows: list[list[Any]]) -> Table:
    from redprop.excel.book import Table

    return Table([h for h, _ in columns], rows, widths=[w for _, w in columns])


def _service_tables(book: Book) -> dict[str, Table]:
    """The 服务清单 sheet's three tables: the month's figures, the items, the open demands."""
    from redprop.excel.book import Table

    svc = book.service
    items = [
        [i["item"], i["community"], i["records"], i["served"], i["volunteers"]]
        for i in svc["by_item"]
    ]
    demands = [
        [
            d["number"],
            d["community"],
            d["grid"],
            d["summary"],
            WISH if d["wish"] else d["category"],
            DEMAND_STATES[d["state"]][0],
            d["claimed_by"] or "",
        ]
        for d in book.open_demands
    ]
    keys = [key for key, _ in SERVICE_FIGURES]
    return {
        "service": Table(
            [name for _, name in SERVICE_FIGURES],
            [[svc[key] for key in keys]],
            widths=SERVICE_WIDTHS,
            rates=frozenset(i for i, key in enumerate(keys) if key.endswith("_rate")),
        ),
        "service_items": Table(
            ITEM_HEADERS, items, total=["合计", "", "", svc["served"], svc["volunteer_turns"]]
        ),
        "open_demands": Table(DEMAND_HEADERS, demands),
    }


def write(book: Book, out: Path) -> None:
    from redprop.excel.book import write_ledger

    write_ledger(sheets(book), out)


def month_label(period: Period) -> str:
    if period.month:
        return f"{period.start.year}年{period.start.month}月"
    return f"{period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}"
