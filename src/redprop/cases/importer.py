"""`case import`: an existing Excel case ledger into redprop, each case with the history its
columns imply (registered, accepted, escalated to its level, resolved, closed, referred or
withdrawn), reported row by row like the roster import. Re-importing creates no duplicates: each
case remembers its source (the old number, or its row's content)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.cases import history
from redprop.cases.actions import Facts, NewCase, act, get_case, register_case, resolve_actor
from redprop.cases.rules import IMPORT_ROLES, LEVELS, Action, Level, Severity
from redprop.core import vocab
from redprop.core.errors import RedpropError
from redprop.core.importreport import ImportReport, Problem
from redprop.core.models import Case
from redprop.core.vocab import parse_level, parse_severity, parse_source, typed
from redprop.excel.read import (
    cell_text,
    is_blank_row,
    is_footer_row,
    parse_date,
    pick_sheet,
    read_sheets,
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("编号", "案件编号", "number"),
    "registered_on": ("登记日期", "登记时间", "受理登记日期", "registered_on", "registered"),
    "community": ("社区", "community"),
    "grid": ("网格", "网格编号", "所属网格", "grid"),
    "parties": ("当事人", "当事人姓名", "parties"),
    "category": ("纠纷类型", "类型", "纠纷类别", "category"),
    "severity": ("等级", "严重程度", "级别", "severity"),
    "source": ("来源", "线索来源", "source"),
    "summary": ("简要情况", "纠纷简要情况", "基本情况", "简要案情", "summary"),
    "state": ("状态", "办理状态", "state"),
    "level": ("当前层级", "层级", "办理层级", "level"),
    "accepted_on": ("受理日期", "accepted_on"),
    "resolved_on": ("化解日期", "调处日期", "resolved_on"),
    "closed_on": ("办结日期", "closed_on"),
    "outcome": ("结果", "调处结果", "化解结果", "outcome"),
    "agreement": ("协议形式", "agreement"),
    "fulfilled": ("履行情况", "fulfilled"),
    "satisfaction": ("满意度", "satisfaction"),
    "referred_to": ("移交单位", "移交", "referred_to"),
}
REQUIRED = ("registered_on", "grid", "parties", "category", "summary")
HEADERS = {k: v[0] for k, v in COLUMNS.items()}
# A suspended case comes in as in progress: the file does not say since when, and the paused
# clock needs that date.
STATES = typed(vocab.STATES, vocab.STATE_WORDS) | {
    "挂起": "in_progress",
    "suspended": "in_progress",
}
SATISFACTION = typed(vocab.SATISFACTION)
REASON = "台账导入"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def import_cases(
    session: Session, *, path: Path, actor: str | None, dry_run: bool = False
) -> ImportReport:
    who, _ = resolve_actor(session, actor, action=Action.register, case=None)
    if who.role not in IMPORT_ROLES:
        raise RedpropError(
            f"导入台账须由管理员或街道工作人员操作，{who.name} 是 {who.role}",
            f"Importing a ledger needs an admin or street staff member; {who.name} is {who.role}",
        )
    sheets = read_sheets(path)
    if history.is_history(sheets):  # a `case export`: every case with all its steps
        return history.import_history(
            session, path=path, sheets=sheets, actor=who.name, dry_run=dry_run
        )
    chosen, header = pick_sheet(sheets, COLUMNS, REQUIRED, path=path)
    report = ImportReport(file=str(path), sheet=chosen.name, dry_run=dry_run)
    report.ignored_columns = header.unknown
    report.columns = [c for c in COLUMNS if c in header.columns]
    known = set(session.scalars(select(Case.source_ref).where(Case.source_ref.is_not(None))))  # type: ignore[union-attr]
    numbers = set(session.scalars(select(Case.number)))
    outer = session.begin_nested()
    for idx in range(header.row_index + 1, len(chosen.rows)):
        raw = chosen.rows[idx]
        if is_blank_row(raw) or is_footer_row(raw):
            report.skipped += 1
            continue
        report.read += 1
        row = {name: header.get(raw, name) for name in COLUMNS}
        text = {name: cell_text(v) if v not in (None, "") else "" for name, v in row.items()}
        excel_row = idx + 1
        if text["number"] and text["number"] in numbers:
            report.unchanged += 1  # one of this ledger's own cases (an exported case sheet)
            continue
        ref = _source_ref(text)
        if ref in known:
            report.unchanged += 1
            continue
        try:
            with session.begin_nested():
                _create(session, who.name, text, row, ref)
            known.add(ref)
            report.new += 1
        except RedpropError as exc:
            report.rejected += 1
            column = _column_of(exc)
            report.add(Problem(excel_row, HEADERS.get(column, column), "error", exc.zh, exc.en))
    if dry_run:
        outer.rollback()
    else:
        outer.commit()
        report.stored = True
    return report


def _source_ref(text: dict[str, str]) -> str:
    if text["number"]:
        return f"number:{text['number']}"[:64]
    key = "|".join(text[k] for k in ("registered_on", "grid", "parties", "category", "summary"))
    return "row:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


class _RowError(RedpropError):
    def __init__(self, column: str, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.column = column


def _column_of(exc: RedpropError) -> str:
    return getattr(exc, "column", "summary")


def _day(row: dict[str, Any], name: str, *, required: bool = False) -> date | None:
    value = row.get(name)
    if value in (None, ""):
        if required:
            raise _RowError(name, f"{HEADERS[name]}为空；请填写日期", f"{name} is empty")
        return None
    day = parse_date(value)
    if day is None:
        raise _RowError(
            name,
            f"“{cell_text(value)}”不是日期；请写成 2026-11-03",
            f"'{cell_text(value)}' is not a date",
        )
    return day


@dataclass
class _Row:
    """One row of a case ledger, checked: what its story needs."""

    state: str
    severity: Severity
    source: str
    level: Level | None
    parties: list[str]
    registered: date
    accepted: date
    resolved: date | None
    closed: date | None


def _create(
    session: Session, actor: str, text: dict[str, str], row: dict[str, Any], ref: str
) -> None:
    """Register one row's case and play its story up to the state the row gives."""
    parsed = _check(text, row)
    try:
        case = register_case(
            session,
            new=NewCase(
                grid=text["grid"],
                category=text["category"],
                severity=parsed.severity.value,
                summary=text["summary"],
                parties=parsed.parties,
                source=parsed.source,
            ),
            actor=actor,
            at=_at(parsed.registered, 9),
            source_ref=ref,
        )
    except RedpropError as exc:
        column = "grid" if "网格" in exc.zh else ("category" if "纠纷类型" in exc.zh else "summary")
        raise _RowError(column, exc.zh, exc.en) from None

    def step(action: Action, at: datetime, **facts: Any) -> None:
        act(session, number=case.number, action=action, actor=actor, at=at, facts=Facts(**facts))

    _move_to_level(session, case, parsed, step)
    _finish(text, parsed, step)


def _check(text: dict[str, str], row: dict[str, Any]) -> _Row:
    for name in REQUIRED:
        if not text[name]:
            raise _RowError(name, f"{HEADERS[name]}为空；请填写", f"{name} is empty; fill it in")
    registered = _day(row, "registered_on", required=True)
    assert registered is not None
    state = STATES.get(text["state"].lower() if text["state"] else "registered")
    if state is None:
        raise _RowError(
            "state",
            f"无法识别的状态“{text['state']}”；可写 待受理、办理中、已化解、已办结、已移交、已撤销",
            f"unknown state '{text['state']}'",
        )
    try:
        severity = parse_severity(text["severity"] or "small")
        source = parse_source(text["source"] or "other")
        level = parse_level(text["level"]) if text["level"] else None
    except RedpropError as exc:
        column = "severity" if "严重" in exc.zh else ("source" if "来源" in exc.zh else "level")
        raise _RowError(column, exc.zh, exc.en) from None
    separated = text["parties"].replace("，", "、").replace(",", "、").replace(" ", "、")
    return _Row(
        state=state,
        severity=severity,
        source=source,
        level=level,
        parties=[p for p in separated.split("、") if p],
        registered=registered,
        accepted=_day(row, "accepted_on") or registered,
        resolved=_day(row, "resolved_on"),
        closed=_day(row, "closed_on"),
    )


Step = Callable[..., None]


def _move_to_level(session: Session, case: Case, parsed: _Row, step: Step) -> None:
    """Accept the case, and escalate or assign it to the level the row gives."""
    on = max(parsed.accepted, parsed.registered)
    working = parsed.state != "registered"
    if working:
        step(Action.accept, _at(on, 9, 30))
    current, level = Level(case.level), parsed.level
    if level is None or level == current:
        return
    if LEVELS.index(level) > LEVELS.index(current):
        while current != level:
            step(Action.escalate, _at(on, 10), reason=REASON)
            current = Level(get_case(session, case.number).level)
            if working:
                step(Action.accept, _at(on, 10, 30))
    else:
        step(Action.assign, _at(on, 10), to_level=level.value, reason=REASON)
        if working:
            step(Action.accept, _at(on, 10, 30))


def _finish(text: dict[str, str], parsed: _Row, step: Step) -> None:
    """The end of the story: resolved, closed after a visit, referred or withdrawn."""
    state, accepted = parsed.state, parsed.accepted
    end_day = parsed.resolved or parsed.closed or accepted
    if state in ("resolved", "closed"):
        agreement = (
            "written" if "书面" in text["agreement"] or text["agreement"] == "written" else "oral"
        )
        step(
            Action.resolve,
            _at(max(end_day, accepted), 17),
            outcome=text["outcome"] or "已化解",
            agreement=agreement,
        )
    if state == "closed":
        satisfaction = SATISFACTION.get(text["satisfaction"], "satisfied")
        satisfaction = "satisfied" if satisfaction == "unsatisfied" else satisfaction
        step(
            Action.visit,
            _at(max(parsed.closed or end_day, end_day), 17, 30),
            satisfaction=satisfaction,
            fulfilled="yes",
        )
    if state == "referred":
        to = next(
            (t for t in ("法院", "检察院", "公安", "仲裁") if t in text["referred_to"]), "部门"
        )
        step(Action.refer, _at(max(end_day, accepted), 17), to=to, body=text["referred_to"] or None)
    if state == "withdrawn":
        at = _at(max(end_day, parsed.registered), 17)
        step(Action.withdraw, at, reason=text["outcome"] or REASON)
