"""Import and export of the service lists: one workbook with 需求清单, 资源清单, 服务清单 and
服务记录 sheets, Chinese headers, phones masked, no formulas from text. Import reports rows like
the roster import, and importing the same workbook again changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core import vocab
from redprop.core.errors import RedpropError
from redprop.core.ids import is_masked, mask_phone, scrub
from redprop.core.importreport import ImportReport, Problem
from redprop.core.models import Resource, ServiceRecord
from redprop.excel.read import (
    Header,
    Sheet,
    cell_text,
    find_header,
    is_blank_row,
    parse_date,
    read_sheets,
)
from redprop.servicelists import history
from redprop.servicelists.demands import (
    DemandFacts,
    add_demand,
    get_demand,
    list_demands,
    step_demand,
)
from redprop.servicelists.provision import (
    add_item,
    add_record,
    add_resource,
    get_item,
    list_items,
    list_records,
    list_resources,
)
from redprop.servicelists.rules import DemandAction, DemandState


def _zh(table: dict[str, vocab.Label]) -> dict[str, str]:
    """Code → the Chinese label the lists are written in."""
    return {code: zh for code, (zh, _) in table.items()}


PROVIDER_TYPES = _zh(vocab.PROVIDER_TYPES)
KINDS = _zh(vocab.RESOURCE_KINDS)
STATES = _zh(vocab.DEMAND_STATES)
ITEM_STATUSES = _zh(vocab.ITEM_STATUSES)

DEMAND_COLS = {
    "number": ("编号", "number"),
    "community": ("社区", "community"),
    "grid": ("网格", "grid"),
    "category": ("需求类型", "category"),
    "summary": ("需求内容", "内容", "summary"),
    "wish": ("微心愿", "wish"),
    "state": ("状态", "state"),
    "claimed_by": ("认领方", "claimed_by"),
    "created_at": ("登记时间", "created_at"),
}
RESOURCE_COLS = {
    "number": ("编号", "number"),
    "provider": ("提供方", "provider"),
    "provider_type": ("提供方类型", "provider_type"),
    "kind": ("资源类型", "kind"),
    "summary": ("资源内容", "内容", "summary"),
    "community": ("社区", "community"),
    "capacity": ("服务能力", "capacity"),
    "phone": ("联系电话", "phone"),
}
ITEM_COLS = {
    "name": ("项目名称", "名称", "name"),
    "category": ("类别", "category"),
    "community": ("社区", "community"),
    "compound": ("小区", "compound"),
    "resource": ("资源编号", "resource"),
    "status": ("状态", "status"),
}
RECORD_COLS = {
    "item": ("服务项目", "item"),
    "community": ("社区", "community"),
    "on": ("服务日期", "日期", "on"),
    "served": ("服务人数", "served"),
    "volunteers": ("志愿者人次", "volunteers"),
    "note": ("备注", "note"),
    "demand": ("需求编号", "demand"),
}
SHEETS = (
    ("需求清单", DEMAND_COLS),
    ("资源清单", RESOURCE_COLS),
    ("服务清单", ITEM_COLS),
    ("服务记录", RECORD_COLS),
    (history.SHEET, history.COLS),  # every demand's steps: the round trip loses nothing
)


def export_lists(session: Session, *, out: Path) -> dict[str, int]:
    from openpyxl import Workbook

    from redprop.excel.write import check_target, save_workbook, text_cell

    check_target(out)
    wb = Workbook(write_only=True)
    counts = {}
    rows_by_sheet: dict[str, list[list[Any]]] = {
        "需求清单": [
            [
                d["number"],
                d["community"],
                d["grid"],
                d["category"],
                d["summary"],
                "是" if d["wish"] else "否",
                STATES[d["state"]],
                d["claimed_by"],
                d["created_at"].replace("T", " "),
            ]
            for d in list_demands(session)
        ],
        "资源清单": [
            [
                r["number"],
                r["provider"],
                PROVIDER_TYPES[r["provider_type"]],
                KINDS[r["kind"]],
                r["summary"],
                r["community"],
                r["capacity"],
                mask_phone(r["phone"]) or None,
            ]
            for r in list_resources(session)
        ],
        "服务清单": [
            [
                i["name"],
                i["category"],
                i["community"],
                i["compound"],
                i["resource"],
                ITEM_STATUSES[i["status"]],
            ]
            for i in list_items(session)
        ],
        "服务记录": [
            [
                r["item"],
                r["community"],
                parse_date(r["on"]),
                r["served"],
                r["volunteers"],
                r["note"],
                r["demand"],
            ]
            for r in list_records(session)
        ],
        history.SHEET: history.event_rows(session),
    }
    for name, cols in SHEETS:
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        ws.append([text_cell(ws, names[0]) for names in cols.values()])
        for row in rows_by_sheet[name]:
            # Free text is masked like every other output (an ID typed into a summary); the
            # import adds what is new and leaves stored rows as they are.
            ws.append([text_cell(ws, scrub(v)) if isinstance(v, str) else v for v in row])
        counts[name] = len(rows_by_sheet[name])
    save_workbook(wb, out)
    return counts


def _code(value: str, table: dict[str, str]) -> str:
    reverse = {zh: code for code, zh in table.items()}
    return reverse.get(value, value)


def import_lists(session: Session, *, path: Path, actor: str | None) -> ImportReport:
    sheets = read_sheets(path)
    report = ImportReport(file=str(path), sheet="、".join(s.name for s in sheets))
    found = False
    handlers: dict[str, Callable[[Session, dict[str, Any], str | None], str]] = {
        "需求清单": _demand_row,
        "资源清单": _resource_row,
        "服务清单": _item_row,
        "服务记录": _record_row,
    }
    # Resources first: demands and items refer to them.
    order = ["资源清单", "服务清单", "需求清单", "服务记录"]
    by_name = {s.name: s for s in sheets}
    steps = _steps(by_name.get(history.SHEET))
    handlers["需求清单"] = lambda s, row, a: _demand_row(s, row, a, steps)
    for name in order:
        sheet = by_name.get(name)
        cols = dict(SHEETS)[name]
        if sheet is None:
            continue
        header = find_header(sheet, cols)
        if header is None:
            continue
        found = True
        _import_sheet(session, sheet, header, handlers[name], actor, report)
    if not found:
        raise RedpropError(
            f"{path}：没有找到 需求清单、资源清单、服务清单 或 服务记录 工作表；请用 redprop service export 导出的格式",
            f"{path}: no 需求清单/资源清单/服务清单/服务记录 sheet found; use the layout redprop service export writes",
        )
    report.stored = True
    return report


def _import_sheet(
    session: Session,
    sheet: Sheet,
    header: Header,
    handler: Any,
    actor: str | None,
    report: ImportReport,
) -> None:
    for idx in range(header.row_index + 1, len(sheet.rows)):
        raw = sheet.rows[idx]
        if is_blank_row(raw):
            report.skipped += 1
            continue
        report.read += 1
        row = {name: header.get(raw, name) for name in header.columns}
        try:
            with session.begin_nested():
                outcome = handler(session, row, actor)
        except RedpropError as exc:
            report.rejected += 1
            report.add(Problem(idx + 1, sheet.name, "error", exc.zh, exc.en))
            continue
        if outcome == "new":
            report.new += 1
        else:
            report.unchanged += 1


def _t(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    return cell_text(value) if value not in (None, "") else ""


def _resource_row(session: Session, row: dict[str, Any], actor: str | None) -> str:
    number = _t(row, "number")
    if number and session.scalar(select(Resource.id).where(Resource.number == number)):
        return "unchanged"
    phone = _t(row, "phone")
    capacity = _t(row, "capacity")
    add_resource(
        session,
        provider=_t(row, "provider"),
        provider_type=_code(_t(row, "provider_type"), PROVIDER_TYPES),
        kind=_code(_t(row, "kind"), KINDS),
        summary=_t(row, "summary"),
        community=_t(row, "community") or None,
        capacity=int(float(capacity)) if capacity else None,
        phone=None if not phone or is_masked(phone) else phone,
        number=number or None,  # the list's own number, so the lists stay the same
    )
    return "new"


def _item_row(session: Session, row: dict[str, Any], actor: str | None) -> str:
    name, community = _t(row, "name"), _t(row, "community")
    try:
        get_item(session, name, community or None)
        return "unchanged"
    except RedpropError:
        pass
    add_item(
        session,
        name=name,
        category=_t(row, "category"),
        community=community,
        compound=_t(row, "compound") or None,
        resource=_t(row, "resource") or None,
        status=_code(_t(row, "status") or "运行", ITEM_STATUSES),
    )
    return "new"


def _created_at(row: dict[str, Any]) -> datetime:
    created = row.get("created_at")
    if isinstance(created, datetime):
        return created
    day = parse_date(created)
    text = _t(row, "created_at")
    try:
        if len(text) > 10:
            return datetime.fromisoformat(text)
        if day:
            return datetime.combine(day, time(9))
    except ValueError:
        pass
    raise RedpropError(
        "登记时间为空或无法识别；请写成 2026-11-03 09:30", "created_at is empty or can't be read"
    )


def _steps(sheet: Sheet | None) -> dict[str, list[dict[str, Any]]]:
    header = find_header(sheet, history.COLS) if sheet is not None else None
    return history.read_steps(sheet, header) if header is not None else {}


def _demand_row(
    session: Session,
    row: dict[str, Any],
    actor: str | None,
    steps: dict[str, list[dict[str, Any]]] | None = None,
) -> str:
    number = _t(row, "number")
    if number:
        try:
            get_demand(session, number)
            return "unchanged"
        except RedpropError:
            pass
    found = steps.get(number) if number and steps else None
    when = history.step_time(found[0]) if found else _created_at(row)
    demand = add_demand(
        session,
        grid=_t(row, "grid"),
        category=_t(row, "category"),
        summary=_t(row, "summary"),
        actor=actor,
        wish=_t(row, "wish") in ("是", "yes", "true", "1"),
        at=when,
        number=number or None,
    )
    if found:
        # The file holds the demand's steps: each taken again at its own time.
        history.replay(session, demand.number, found, actor)
        return "new"
    state = _code(_t(row, "state") or "待认领", STATES)
    if state not in STATES:
        raise RedpropError(
            f"无法识别的状态“{_t(row, 'state')}”；可写 待认领、已认领、已完成、已取消",
            f"unknown state '{_t(row, 'state')}'",
        )
    by = _t(row, "claimed_by") or "导入"
    # A cancelled demand that had been claimed keeps its claimant: claimed, then cancelled.
    if state in ("claimed", "fulfilled") or (state == "cancelled" and _t(row, "claimed_by")):
        step_demand(
            session,
            number=demand.number,
            action=DemandAction.claim,
            actor=actor,
            facts=DemandFacts(by=by),
            at=when,
        )
    if state == "fulfilled":
        step_demand(
            session,
            number=demand.number,
            action=DemandAction.fulfil,
            actor=actor,
            facts=DemandFacts(feedback="清单导入", satisfaction="satisfied"),
            at=when,
        )
    if state == "cancelled":
        step_demand(
            session,
            number=demand.number,
            action=DemandAction.cancel,
            actor=actor,
            facts=DemandFacts(reason="清单导入"),
            at=when,
        )
    assert DemandState(demand.state)
    return "new"


def _record_row(session: Session, row: dict[str, Any], actor: str | None) -> str:
    day = parse_date(row.get("on"))
    if day is None:
        raise RedpropError(
            "服务日期为空或无法识别；请写成 2026-11-03", "the date is empty or can't be read"
        )
    item = get_item(session, _t(row, "item"), _t(row, "community") or None)
    served = int(float(_t(row, "served") or 0))
    volunteers = int(float(_t(row, "volunteers") or 0))
    note = _t(row, "note") or None
    demand_id = get_demand(session, _t(row, "demand")).id if _t(row, "demand") else None
    same = session.scalar(
        select(ServiceRecord.id).where(
            ServiceRecord.item_id == item.id,
            ServiceRecord.on == day,
            ServiceRecord.served == served,
            ServiceRecord.volunteers == volunteers,
            ServiceRecord.note.is_(None) if note is None else ServiceRecord.note == note,  # type: ignore[union-attr]
        )
    )
    if same:
        return "unchanged"
    add_record(
        session,
        item=item.name,
        community=_t(row, "community") or None,
        on=day,
        served=served,
        volunteers=volunteers,
        note=note,
        demand_id=demand_id,
    )
    return "new"
