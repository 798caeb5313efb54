"""The monthly ledger workbook (台账, docs/design.md §6): the figures by unit with 小计 and
年度累计, the figures by category and severity with a chart, one row per case of the month as it
stood at the month's end, the month's events, the service lists, and the rectification ledger
(整改台账, docs/design.md §14).

Everything is read as of the period's end, and nothing in the workbook depends on when it is
generated, so a closed month's workbook has the same cell values whenever it is regenerated.
This module reads it (labels and rows); figures/sheets.py arranges it in sheets and columns and
excel/book.py prints them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.cases.forms import mask_name
from redprop.core.models import Building, Case, CaseEvent, Category, Community, Grid
from redprop.core.vocab import (
    AGREEMENTS,
    EVENT_ACTIONS,
    FIGURES,
    FULFILLED,
    LEVELS,
    SATISFACTION,
    SOURCES,
    STATES,
    Action,
    Label,
    State,
    label,
)
from redprop.figures.period import Period
from redprop.figures.report import Report, report

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
    "repeat",
    "repeat_rate",
)
WISH = "微心愿"
# Every action of a case log: the ladder's, a file attached, a step taken back.
ACTION_LABELS = {code: names[0] for code, names in EVENT_ACTIONS.items()}
STATE_LABELS = {code: names[0] for code, names in STATES.items()}
LEVEL_LABELS = {code: names[0] for code, names in LEVELS.items()}


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
    # The ledger chain's fingerprint at the period's end (core/chain), printed by the signatures.
    fingerprint: str | None = None
    # The rectification ledger (meetings/figures): the period's figures and one row per task.
    rectify: dict[str, Any] = field(default_factory=dict)
    rectify_rows: list[list[Any]] = field(default_factory=list)
    # Visits (visits/figures, docs/design.md §16): counts per grid, and the tags' names in order.
    visits: list[dict[str, Any]] = field(default_factory=list)
    visit_tags: list[str] = field(default_factory=list)
    # Property companies (property/figures, docs/design.md §15): one row per company.
    property_rows: list[dict[str, Any]] = field(default_factory=list)


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
    from redprop.core.chain import fingerprint

    signed = fingerprint(session, period.end - timedelta(microseconds=1))
    from redprop.meetings.figures import ledger_rows, rectify_figures

    span = {"start": period.start, "end": period.end, "community": community_name}
    rectify = rectify_figures(session, **span)
    tasks = ledger_rows(session, **span)
    book = Book(
        period, month, year, case_rows, event_rows, service, pending, signed, rectify, tasks
    )
    book.visits, book.visit_tags = _visits(session, period, community_name, grid)
    from redprop.property.figures import property_rows

    book.property_rows = property_rows(
        session, start=period.start, end=period.end, community=community_name
    )
    return book


def _visits(
    session: Session, period: Period, community: str | None, grid: str | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The visit figures of the book's grids (counts only), and every tag's name in order."""
    from redprop.core.config import now
    from redprop.roster.tags import tag_kinds
    from redprop.visits.figures import visit_figures

    rows = visit_figures(
        session, start=period.start.date(), end=period.end.date(), today=now().date()
    )
    rows = [
        r
        for r in rows
        if (community is None or r["community"] == community)
        and (grid is None or r["grid"] == grid)
    ]
    return rows, [k.name for k in tag_kinds(session)]


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
        CaseEvent.level,
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
    """编号, 登记日期, 来源, 当事人, 纠纷类别, 简要情况, 网格, 社区, 调处过程, 责任人/调解员,
    调处结果, 办结日期, 是否按期, 回访情况: the case as it stood at the month's end."""
    story = _Story()
    for e in events:
        story.add(e)
    return [
        c.number,
        c.registered_at.date(),
        label(SOURCES, c.source),
        "、".join(mask_name(p) for p in json.loads(c.parties)),
        names.categories[c.category_id],
        c.summary,
        names.grids[c.grid_id],
        names.communities[c.community_id],
        story.process(o.state),
        "、".join(story.handlers),
        story.result(o.state),
        story.closed,
        _on_time(o),
        story.visit,
    ]


def _on_time(o: Any) -> str:
    """是否按期: resolved by the due date, or for a case still running, not overdue."""
    if o.on_time is not None:
        return "是" if o.on_time else "否"
    if o.overdue:
        return "否（超期）"
    return ""


class _Story:
    """What a case's events up to the month's end say: the levels it passed, who handled it,
    how it ended, the visit."""

    def __init__(self) -> None:
        self.levels: list[str] = []
        self.handlers: list[str] = []
        self.outcome = ""
        self.closed: date | None = None
        self.visit = ""

    def add(self, e: Any) -> None:
        if not self.levels or self.levels[-1] != e.level:
            self.levels.append(e.level)
        data = json.loads(e.data)
        if e.action in (Action.accept, Action.resolve) and e.actor not in self.handlers:
            self.handlers.append(e.actor)
        if e.action == Action.resolve:
            agreement = _zh(AGREEMENTS, data.get("agreement", ""))
            self.outcome = (e.reason or "") + (f"（{agreement}协议）" if agreement else "")
        elif e.action in (Action.refer, Action.withdraw):
            self.outcome = e.reason or ""
        elif e.action == Action.visit:
            satisfaction = _zh(SATISFACTION, data.get("satisfaction", ""))
            fulfilled = _zh(FULFILLED, data.get("fulfilled", ""))
            self.visit = f"{e.at:%Y-%m-%d} {satisfaction}，{fulfilled}"
            if e.state == State.closed:
                self.closed = e.at.date()
        elif e.action == Action.reopen:
            self.outcome, self.closed, self.visit = "", None, ""

    def process(self, state: str) -> str:
        """网格→社区（办理中）: the levels, then the state at the month's end."""
        return "→".join(LEVEL_LABELS[x] for x in self.levels) + f"（{STATE_LABELS[state]}）"

    def result(self, state: str) -> str:
        if state in ("resolved", "closed"):
            return self.outcome
        if state in ("referred", "withdrawn"):
            return f"{STATE_LABELS[state]}：{self.outcome}" if self.outcome else STATE_LABELS[state]
        return ""


def write(book: Book, out: Path) -> None:
    from redprop.excel.book import write_ledger
    from redprop.figures.sheets import sheets

    write_ledger(sheets(book), out)


def month_label(period: Period) -> str:
    if period.month:
        return f"{period.start.year}年{period.start.month}月"
    return f"{period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}"
