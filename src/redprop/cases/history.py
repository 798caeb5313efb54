"""A case ledger's round trip without loss: `case export` writes every case (案件: where, what,
who, how serious) and every step of it (办理记录: when, who, the level it left the case at, its
reason and facts), and `case import` of such a file registers each case and replays its steps
at their own times through the same ladder, so an empty ledger filled from an export gives the
same figures for every month as the one it came from (the ladder settings must be the same:
they decide levels and due dates, and the import says so when they differ).

Free text is masked in the export unless `--unmask` (recorded): the figures never depend on it.
A step the sweep took (超期自动上报, 督办) is replayed as the sweep; an attachment's step is not
exported (its file stays with the ledger).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.errors import RedpropError
from redprop.core.ids import scrub
from redprop.core.importreport import ImportReport, Problem
from redprop.core.models import Building, Case, CaseEvent, Category, Grid, Setting
from redprop.excel.read import Sheet, cell_text, find_header

CASE_SHEET, EVENT_SHEET, SETTINGS_SHEET = "案件", "办理记录", "层级设置"
CASE_COLS = {
    "number": ("编号", "number"),
    "grid": ("网格", "grid"),
    "building": ("楼栋", "building"),
    "unit": ("单元", "unit"),
    "room": ("房号", "room"),
    "category": ("纠纷类型", "category"),
    "summary": ("简要情况", "summary"),
    "parties": ("当事人", "parties"),
}
EVENT_COLS = {
    "number": ("编号", "number"),
    "seq": ("序号", "seq"),
    "action": ("操作", "action"),
    "at": ("时间", "at"),
    "actor": ("操作人", "actor"),
    "level": ("层级", "level"),
    "reason": ("说明", "reason"),
    "data": ("数据", "data"),
}
SETTING_COLS = {"key": ("设置", "key"), "value": ("值", "value")}


def export_rows(session: Session, *, unmask: bool) -> dict[str, list[list[Any]]]:
    """The three sheets' rows: cases, their steps (attachments aside), the ladder settings."""
    text = (lambda v: v) if unmask else (lambda v: scrub(v) if isinstance(v, str) else v)
    grids: dict[Any, str] = dict(session.execute(select(Grid.id, Grid.code)).all())  # type: ignore[arg-type]
    buildings: dict[Any, str] = dict(session.execute(select(Building.id, Building.number)).all())  # type: ignore[arg-type]
    categories: dict[Any, str] = dict(session.execute(select(Category.id, Category.name)).all())  # type: ignore[arg-type]
    cases = [
        [
            c.number,
            grids[c.grid_id],
            buildings.get(c.building_id),
            c.unit,
            c.room,
            categories[c.category_id],
            text(c.summary),
            text("、".join(json.loads(c.parties))),
        ]
        for c in session.scalars(select(Case).order_by(Case.id))
    ]
    query = (
        select(Case.number, CaseEvent)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.action != "attach")
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    )
    events = [
        [n, e.seq, e.action, e.at, e.actor, e.level, text(e.reason), text(e.data)]
        for n, e in session.execute(query)
    ]
    from redprop.cases.settings import ladder_key

    settings = [
        [s.key, s.value]
        for s in session.scalars(select(Setting).order_by(Setting.key))
        if ladder_key(s.key)
    ]
    return {CASE_SHEET: cases, EVENT_SHEET: events, SETTINGS_SHEET: settings}


def export_cases(session: Session, *, out: Path, unmask: bool) -> dict[str, int]:
    """The export workbook: the three sheets, Chinese headers, no cell a formula."""
    from openpyxl import Workbook

    from redprop.excel.write import check_target, save_workbook, text_cell

    check_target(out)
    rows = export_rows(session, unmask=unmask)
    wb = Workbook(write_only=True)
    for name, cols in ((CASE_SHEET, CASE_COLS), (EVENT_SHEET, EVENT_COLS), (SETTINGS_SHEET, SETTING_COLS)):  # fmt: skip
        ws = wb.create_sheet(name)
        ws.append([text_cell(ws, names[0]) for names in cols.values()])
        for row in rows[name]:
            ws.append([text_cell(ws, v) if isinstance(v, str) else v for v in row])
    save_workbook(wb, out)
    return {name: len(found) for name, found in rows.items()}


def is_history(sheets: list[Sheet]) -> bool:
    names = {s.name for s in sheets}
    return CASE_SHEET in names and EVENT_SHEET in names


def _rows(sheet: Sheet, cols: dict[str, tuple[str, ...]]) -> list[tuple[int, dict[str, Any]]]:
    header = find_header(sheet, cols)
    if header is None:
        raise RedpropError(
            f"“{sheet.name}”工作表没有表头；请用 redprop case export 导出的格式",
            f"the sheet '{sheet.name}' has no header; use the layout redprop case export writes",
        )
    return [
        (i + 1, {name: header.get(raw, name) for name in header.columns})
        for i, raw in enumerate(sheet.rows)
        if i > header.row_index and any(v not in (None, "") for v in raw)
    ]


def _t(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return cell_text(value) if value not in (None, "") else ""


def import_history(
    session: Session, *, path: Path, sheets: list[Sheet], actor: str, dry_run: bool
) -> ImportReport:
    """Register each case of the file that this ledger lacks and replay its steps; a case whose
    replay fails is reported by its row and leaves nothing behind."""
    by_name = {s.name: s for s in sheets}
    report = ImportReport(file=str(path), sheet=f"{CASE_SHEET}、{EVENT_SHEET}", dry_run=dry_run)
    if SETTINGS_SHEET in by_name:
        _check_settings(session, _rows(by_name[SETTINGS_SHEET], SETTING_COLS))
    steps: dict[str, list[dict[str, Any]]] = {}
    for _, row in _rows(by_name[EVENT_SHEET], EVENT_COLS):
        steps.setdefault(_t(row, "number"), []).append(row)
    known = set(session.scalars(select(Case.source_ref).where(Case.source_ref.is_not(None))))  # type: ignore[union-attr]
    numbers: dict[str, str] = {}  # the file's case numbers -> this ledger's
    outer = session.begin_nested()
    for excel_row, row in _rows(by_name[CASE_SHEET], CASE_COLS):
        report.read += 1
        number = _t(row, "number")
        if f"number:{number}" in known:
            report.unchanged += 1
            continue
        try:
            with session.begin_nested():
                numbers[number] = _replay(session, row, steps.get(number, []), actor, numbers)
            report.new += 1
        except RedpropError as exc:
            report.rejected += 1
            report.add(Problem(excel_row, CASE_SHEET, "error", exc.zh, exc.en))
    if dry_run:
        outer.rollback()
    else:
        outer.commit()
        report.stored = True
    return report


def _check_settings(session: Session, rows: list[tuple[int, dict[str, Any]]]) -> None:
    from redprop.cases.settings import ladder_key

    theirs = {_t(r, "key"): _t(r, "value") for _, r in rows if ladder_key(_t(r, "key"))}
    ours = {s.key: s.value for s in session.scalars(select(Setting)) if ladder_key(s.key)}
    if theirs != ours:
        raise RedpropError(
            "导出账本的层级设置（期限、市级、超期处理）与本账本不同，重放会得到不同的期限；"
            "请先用 redprop ladder set 调成一致再导入",
            "the exported ledger's ladder settings differ from this one's, so the replay would "
            "give other due dates; make them the same with redprop ladder set first",
        )


def _replay(
    session: Session,
    row: dict[str, Any],
    steps: list[dict[str, Any]],
    actor: str,
    numbers: dict[str, str],
) -> str:
    """One case registered and moved through its steps; returns its number here."""
    from redprop.cases.actions import NewCase, act, register_case
    from redprop.cases.rules import Action

    if not steps or _t(steps[0], "action") != "register":
        raise RedpropError(
            "办理记录中没有该案的登记；请检查导出文件", "its registration is missing"
        )
    first = json.loads(_t(steps[0], "data") or "{}")
    new = NewCase(
        grid=_t(row, "grid"),
        category=_t(row, "category"),
        severity=first.get("severity", "small"),
        summary=_t(row, "summary") or "（无）",
        parties=[p for p in _t(row, "parties").split("、") if p] or ["（无）"],
        building=_t(row, "building") or None,
        unit=_t(row, "unit") or None,
        room=_t(row, "room") or None,
        source=first.get("source", "patrol"),
    )
    ref = f"number:{_t(row, 'number')}"[:64]
    case = register_case(session, new=new, actor=actor, at=_time(steps[0]), source_ref=ref)
    for step_row in steps[1:]:
        data = json.loads(_t(step_row, "data") or "{}")
        if data.get("swept"):
            _sweep(session, case.number, _time(step_row))
            continue
        if _t(step_row, "action") == "undo":  # the step before, taken back (cases/undo)
            from redprop.cases.undo import undo

            undo(session, number=case.number, actor=actor, at=_time(step_row))
            continue
        action = Action(_t(step_row, "action"))
        facts = _facts(action, step_row, data, numbers)
        act(
            session, number=case.number, action=action, actor=actor, facts=facts, at=_time(step_row)
        )
    return case.number


def _sweep(session: Session, number: str, at: datetime) -> None:
    from redprop.cases.actions import get_case
    from redprop.cases.settings import load_calendar, load_settings
    from redprop.cases.sweep import sweep_case

    case = get_case(session, number, lock=True)  # as the steps before left it
    sweep_case(session, case, at, load_settings(session), load_calendar(session))


def _facts(action: Any, row: dict[str, Any], data: dict[str, Any], numbers: dict[str, str]) -> Any:
    """The facts that gave a step its reason and data (the inverse of cases/actions' shapes)."""
    from redprop.cases.actions import Facts

    reason = _t(row, "reason") or None
    duplicate = data.get("duplicate_of")
    return Facts(
        reason=reason,
        text=reason,
        to_level=_t(row, "level") or None,
        days=data.get("days"),
        outcome=data.get("outcome"),
        agreement=data.get("agreement"),
        summary=data.get("summary"),
        to=data.get("to"),
        body=data.get("body"),
        duplicate_of=numbers.get(duplicate, duplicate) if duplicate else None,
        satisfaction=data.get("satisfaction"),
        fulfilled=data.get("fulfilled"),
    )


def _time(row: dict[str, Any]) -> datetime:
    value = row.get("at")
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(_t(row, "at"))
    except ValueError:
        raise RedpropError(
            f"办理时间“{_t(row, 'at')}”无法识别；请写成 2026-11-03 09:30",
            f"the time '{_t(row, 'at')}' can't be read",
        ) from None
