"""The ledger workbook's layout: five sheets, titles, frozen header rows, filters, widths, date and
percent formats, landscape printing fitted to width with the header repeated, and no cell a
spreadsheet would run as a formula (openpyxl's write-only mode, for speed).

The writer knows the form, not the domain: every header, label and value arrives as data in
`Sheets` (figures/book.py fills it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from redprop.core.ids import scrub
from redprop.excel.write import check_target, save_workbook, xlsx_row, xlsx_text

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
PERCENT = "0.0%"


@dataclass
class Table:
    """A header row, data rows and maybe a total row; `widths` are the columns' widths, `rates`
    the positions of the columns shown as percentages ("-" when empty)."""

    headers: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None
    widths: list[int] | None = None
    rates: frozenset[int] = frozenset()


@dataclass
class Sheets:
    """Everything the workbook shows, in display form (text, numbers, dates)."""

    unit: str  # 填报单位, and the start of every title
    month: str  # the period as titles name it: 2026年11月
    span: str  # 统计时段: 2026-11-01 至 2026-11-30
    note: str  # the 说明 line under the figures
    figures: list[str]  # the names of the figure columns (汇总, 分类统计)
    rates: frozenset[int]  # which figures are rates (positions in `figures`)
    chart: tuple[str, tuple[int, ...]]  # the category chart's title and its figures (positions)
    by_unit: list[list[Any]]  # a unit's name, then its figures
    subtotal: list[Any]  # figures
    year_total: list[Any]  # figures
    by_category: list[list[Any]]  # a category's name, then its figures
    by_severity: list[list[Any]]  # a severity's label, then its figures
    cases: Table  # 矛盾纠纷台账
    events: Table  # 流转记录
    service: Table  # 服务清单: one row of the month's figures
    service_items: Table  # by service item, with a total
    open_demands: Table


def _cell(ws: Any, value: Any, *, font: Font | None = None, fmt: str | None = None) -> Any:
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=xlsx_text(value))
        cell.data_type = "s"  # text stays text, even when it starts with = + - @
    else:
        cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if fmt:
        cell.number_format = fmt
    if font:
        cell.font = font
    return cell


def _fast(ws: Any, values: list[Any]) -> list[Any]:
    """A data row: plain values (openpyxl formats dates itself), except text that a spreadsheet
    would run as a formula, which becomes a text cell; control characters dropped (xlsx_row);
    an ID or phone number typed into a summary, a party or a note masked (the workbook is always
    masked: it goes to the street office)."""
    return [
        _cell(ws, v) if isinstance(v, str) and v[:1] in "=+-@" and v else v
        for v in (scrub(v) if isinstance(v, str) else v for v in xlsx_row(values))
    ]


def _row(
    ws: Any, values: list[Any], *, font: Font | None = None, rates: frozenset[int] = frozenset()
) -> list[Any]:
    out = []
    for i, v in enumerate(values):
        if v is None:
            v = "-" if i in rates else None
        fmt = PERCENT if i in rates and isinstance(v, float) else None
        out.append(_cell(ws, v, font=font, fmt=fmt) if v is not None else None)
    return out


def _setup(ws: Any, widths: list[int], header_row: int) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_ledger(sheets: Sheets, out: Path) -> None:
    check_target(out)
    wb = Workbook(write_only=True)
    _summary(wb, sheets)
    _breakdowns(wb, sheets)
    _listing(
        wb,
        "矛盾纠纷台账",
        f"{sheets.unit}矛盾纠纷台账（{sheets.month}，状态截至月末）",
        sheets.cases,
    )
    _listing(wb, "流转记录", f"{sheets.unit}矛盾纠纷流转记录（{sheets.month}）", sheets.events)
    _service(wb, sheets)
    save_workbook(wb, out)


def _summary(wb: Any, sheets: Sheets) -> None:
    """汇总: the figures by unit, 小计 and 年度累计, with the form's signature lines."""
    ws = wb.create_sheet("汇总")
    rates = _shift(sheets.rates)
    _setup(ws, [16] + [9] * len(sheets.figures), header_row=3)
    ws.append([_cell(ws, f"{sheets.unit}矛盾纠纷排查化解情况表（{sheets.month}）", font=TITLE)])
    ws.append(
        [
            _cell(ws, f"填报单位：{sheets.unit}"),
            None,
            None,
            None,
            _cell(ws, f"统计时段：{sheets.span}"),
        ]
    )
    ws.append(_row(ws, ["单位", *sheets.figures], font=BOLD))
    for row in sheets.by_unit:
        ws.append(_row(ws, row, rates=rates))
    ws.append(_row(ws, ["小计", *sheets.subtotal], font=BOLD, rates=rates))
    ws.append(_row(ws, ["年度累计", *sheets.year_total], font=BOLD, rates=rates))
    ws.auto_filter.ref = f"A3:{get_column_letter(1 + len(sheets.figures))}{3 + len(sheets.by_unit)}"
    ws.append([])
    signatures = ["填表人：", None, None, None, "审核人：", None, None, None, "日期："]
    ws.append([_cell(ws, v) if v else None for v in signatures])
    ws.append([_cell(ws, sheets.note)])


def _breakdowns(wb: Any, sheets: Sheets) -> None:
    """分类统计: the figures by category, with a chart, then by severity."""
    ws = wb.create_sheet("分类统计")
    rates = _shift(sheets.rates)
    _setup(ws, [14] + [9] * len(sheets.figures), header_row=2)
    ws.append([_cell(ws, f"{sheets.unit}矛盾纠纷分类统计（{sheets.month}）", font=TITLE)])
    ws.append(_row(ws, ["纠纷类型", *sheets.figures], font=BOLD))
    for row in sheets.by_category:
        ws.append(_row(ws, row, rates=rates))
    last = 2 + len(sheets.by_category)
    ws.auto_filter.ref = f"A2:{get_column_letter(1 + len(sheets.figures))}{last}"
    ws.append([])
    ws.append(_row(ws, ["等级", *sheets.figures], font=BOLD))
    for row in sheets.by_severity:
        ws.append(_row(ws, row, rates=rates))
    title, charted = sheets.chart
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = "件"
    for figure in charted:
        column = 2 + figure  # the unit's name is column 1
        chart.add_data(
            Reference(ws, min_col=column, max_col=column, min_row=2, max_row=last),
            titles_from_data=True,
        )
    chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=last))
    chart.width, chart.height = 24, 10
    ws.add_chart(chart, f"A{len(sheets.by_category) + 10}")


def _listing(wb: Any, name: str, title: str, table: Table) -> None:
    """A sheet of one table, one row per case or event, with a filter over it."""
    ws = wb.create_sheet(name)
    _setup(ws, table.widths or [], header_row=2)
    ws.append([_cell(ws, title, font=TITLE)])
    ws.append(_row(ws, table.headers, font=BOLD))
    for row in table.rows:
        ws.append(_fast(ws, row))
    ws.auto_filter.ref = f"A2:{get_column_letter(len(table.headers))}{2 + len(table.rows)}"


def _service(wb: Any, sheets: Sheets) -> None:
    """服务清单: the month's service figures, the items, and the demands still open at its end."""
    ws = wb.create_sheet("服务清单")
    _setup(ws, sheets.service.widths or [], header_row=2)
    ws.append([_cell(ws, f"{sheets.unit}服务清单（{sheets.month}）", font=TITLE)])
    ws.append(_row(ws, sheets.service.headers, font=BOLD))
    for row in sheets.service.rows:
        ws.append(_row(ws, row, rates=sheets.service.rates))
    ws.append([])
    items = sheets.service_items
    ws.append(_row(ws, items.headers, font=BOLD))
    for row in items.rows:
        ws.append(_fast(ws, row))
    if items.total is not None:
        ws.append(_row(ws, items.total, font=BOLD))
    ws.append([])
    ws.append(_row(ws, sheets.open_demands.headers, font=BOLD))
    for row in sheets.open_demands.rows:
        ws.append(_fast(ws, row))


def _shift(rates: frozenset[int]) -> frozenset[int]:
    """Positions among the figures → positions in a row that starts with a name."""
    return frozenset(i + 1 for i in rates)
