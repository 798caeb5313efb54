"""The ledger workbook's layout, print-ready (docs/design.md §6): per sheet a title merged and
centred over the table, a 填报单位 / 统计时段 line, bold centred wrapped headers (two levels where
columns are grouped), thin borders on every table cell, widths fitted to the content (CJK counted
double, capped; long text wraps in fixed row heights that fit), totals rows, the signature block,
A4 landscape one page wide with the header rows repeated and 第 N 页 共 M 页 in the footer.

The writer knows the form, not the domain: every sheet, header, label and value arrives as data
(figures/sheets.py fills it). openpyxl's write-only mode, named styles written once, no cell a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter

from redprop.excel.printed import (
    CJK_SLACK,
    FIXED_WIDTH,
    KINDS,
    LINE_POINTS,
    Styler,
    balanced,
    header_width,
    lines_in,
    page_setup,
    text_width,
)
from redprop.excel.write import check_target, save_workbook

SIGNATURE = ("填表人：", "审核人：", "日期：", "（盖章）")
MIN_WIDTH = 5


@dataclass
class Column:
    """A column: its header, its kind (text, center, int, rate, date, time: see
    excel/printed.KINDS), the upper header it sits under when columns are grouped, and the
    widest it may grow (longer text wraps)."""

    header: str
    kind: str = "text"
    group: str = ""
    cap: int = 30


@dataclass
class Table:
    """A header, data rows and totals rows (bold), under an optional caption. A rate that is
    None prints as "-"."""

    columns: list[Column]
    rows: list[list[Any]]
    totals: list[list[Any]] = field(default_factory=list)
    caption: str = ""

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


@dataclass
class Chart:
    """A column chart of some columns of one table (by position), rows as categories."""

    title: str
    table: int
    columns: tuple[int, ...]
    y_title: str = ""


@dataclass
class Sheet:
    """One printed sheet: its title, the 填报单位/统计时段 line, its tables, a note, the
    signature block; `one_page` for a sheet printed on a single page."""

    name: str
    title: str
    tables: list[Table]
    info: tuple[str, str] | None = None
    note: str = ""
    signature: bool = True
    one_page: bool = False
    chart: Chart | None = None
    filter: bool = True


def write_ledger(sheets: list[Sheet], out: Path) -> None:
    check_target(out)
    wb = Workbook(write_only=True)
    styler = Styler(wb)
    for sheet in sheets:
        _Writer(wb.create_sheet(sheet.name), sheet, styler).write()
    save_workbook(wb, out)


def fitted_widths(tables: list[Table]) -> list[float]:
    """Each column as wide as its widest cell (CJK double), capped by its column; headers may
    wrap onto two lines."""
    count = max(len(t.columns) for t in tables)
    widths = [float(MIN_WIDTH)] * count
    for table in tables:
        for i, column in enumerate(table.columns):
            need = max(header_width(column.header), FIXED_WIDTH.get(column.kind, 0))
            if column.kind not in FIXED_WIDTH:
                for row in (*table.rows, *table.totals):
                    need = max(need, text_width(row[i]))
            widths[i] = max(widths[i], min(need, column.cap) * CJK_SLACK + 2)
    return widths


class _Writer:
    """Writes one sheet row by row (write-only), keeping the row count."""

    def __init__(self, ws: Any, sheet: Sheet, styler: Styler) -> None:
        self.ws, self.sheet, self.styler = ws, sheet, styler
        self.row = 0
        self.widths = fitted_widths(sheet.tables)
        self.last = get_column_letter(len(self.widths))
        self.chart_rows: tuple[int, int, int] | None = None  # header, first, last data row

    def write(self) -> None:
        ws, sheet = self.ws, self.sheet
        for i, w in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = round(w, 1)
        # Streamed rows: the panes and the page's properties go before the first row.
        first = sheet.tables[0]
        head = 2 + bool(sheet.info) + bool(first.caption)
        end = head + (1 if any(c.group for c in first.columns) else 0)
        ws.freeze_panes = f"A{end + 1}"
        page_setup(ws, title_rows=(head, end), one_page=sheet.one_page)
        self.span_row(sheet.title, "rp_title", height=30)
        if sheet.info:
            self.info_row(*sheet.info)
        for i, table in enumerate(sheet.tables):
            if i:
                self.append([], height=None)
            first_row = self.table(table, index=i)
            if i == 0 and sheet.filter and table.rows:
                last_data = first_row + len(table.rows) - 1
                ws.auto_filter.ref = f"A{first_row - 1}:{self.last}{last_data}"
        if sheet.note:
            self.span_row(sheet.note, "rp_note", height=None, lines=True)
        if sheet.signature:
            self.signature()
        if sheet.chart and self.chart_rows:
            self.add_chart(sheet.chart)

    def append(self, cells: list[Any], *, height: float | None) -> None:
        self.row += 1
        if height:
            self.ws.row_dimensions[self.row].height = height
        self.ws.append(cells)

    def cell(self, value: Any, style: str) -> Any:
        return self.styler.cell(self.ws, value, style)

    def merge(self, first: int, last: int, row: int | None = None, rows: int = 1) -> None:
        top = row or self.row
        if last > first or rows > 1:
            ref = f"{get_column_letter(first)}{top}:{get_column_letter(last)}{top + rows - 1}"
            self.ws.merged_cells.add(ref)

    def span_row(self, text: str, style: str, *, height: float | None, lines: bool = False) -> None:
        """One text across the sheet's width, merged."""
        if lines:
            height = LINE_POINTS * lines_in(text, sum(self.widths)) + 4
        self.append([self.cell(text, style)], height=height)
        self.merge(1, len(self.widths))

    def info_row(self, left: str, right: str) -> None:
        """填报单位 on the left half, 统计时段 on the right half."""
        n = len(self.widths)
        half = max(1, n // 2)
        cells = [self.cell(left, "rp_info")] + [None] * (half - 1)
        cells.append(self.cell(right, "rp_info_right"))
        self.append(cells, height=20)
        self.merge(1, half)
        self.merge(half + 1, n)

    def signature(self) -> None:
        """填表人 / 审核人 / 日期 / (盖章), spread over the width."""
        self.append([], height=None)
        n = len(self.widths)
        bounds = [round(i * n / len(SIGNATURE)) for i in range(len(SIGNATURE) + 1)]
        cells: list[Any] = [None] * n
        for label, start in zip(SIGNATURE, bounds, strict=False):
            cells[start] = self.cell(label, "rp_sign")
        self.append(cells, height=28)
        for start, end in itertools.pairwise(bounds):
            self.merge(start + 1, max(start + 1, end))

    def table(self, table: Table, *, index: int) -> int:
        """The caption, the header rows, the rows and the totals; returns the first data row."""
        if table.caption:
            self.append([self.cell(table.caption, "rp_caption")], height=20)
            self.merge(1, len(self.widths))
        self.header(table.columns)
        first = self.row + 1
        plain = [KINDS[c.kind][0] for c in table.columns]
        wraps = [i for i, c in enumerate(table.columns) if c.kind == "text"]
        for row in table.rows:
            self.data_row(row, plain, wraps, table.columns)
        totals = [KINDS[c.kind][1] for c in table.columns]
        for row in table.totals:
            self.data_row(row, totals, wraps, table.columns)
        if self.sheet.chart and self.sheet.chart.table == index:
            self.chart_rows = (first - 1, first, first + len(table.rows) - 1)
        return first

    def head_cell(self, text: str | None, style: str) -> Any:
        return self.cell(balanced(text) if text else None, style)

    def header(self, columns: list[Column]) -> None:
        """One header row, or two where columns are grouped: a grouped column's upper cell is
        merged over its group, an ungrouped one is merged down both rows."""
        styles = ["rp_head_right" if c.kind in ("int", "rate") else "rp_head" for c in columns]
        lines = max(lines_in(balanced(c.header), self.widths[i]) for i, c in enumerate(columns))
        height = LINE_POINTS * lines + 6
        if not any(c.group for c in columns):
            self.append(
                [self.head_cell(c.header, s) for c, s in zip(columns, styles, strict=True)],
                height=height,
            )
            return
        top = [
            self.cell(
                None if c.group and i and columns[i - 1].group == c.group else c.group or c.header,
                "rp_head",
            )
            for i, c in enumerate(columns)
        ]
        self.append(top, height=22)
        bottom = [
            self.head_cell(c.header if c.group else None, s)
            for c, s in zip(columns, styles, strict=True)
        ]
        self.append(bottom, height=height)
        i = 0
        while i < len(columns):
            group = columns[i].group
            end = i
            while group and end + 1 < len(columns) and columns[end + 1].group == group:
                end += 1
            if group:
                self.merge(i + 1, end + 1, row=self.row - 1)
            else:
                self.merge(i + 1, i + 1, row=self.row - 1, rows=2)
            i = end + 1

    def data_row(
        self, values: list[Any], styles: list[str], wraps: list[int], columns: list[Column]
    ) -> None:
        cells = []
        for value, style, column in zip(values, styles, columns, strict=True):
            if value is None and column.kind == "rate":
                value = "-"
            cells.append(self.cell(value, style))
        lines = max((lines_in(values[i], self.widths[i]) for i in wraps), default=1)
        self.append(cells, height=LINE_POINTS * lines + 4 if lines > 1 else None)

    def add_chart(self, spec: Chart) -> None:
        head, first, last = self.chart_rows or (0, 0, 0)
        chart = BarChart()
        chart.type = "col"
        chart.title = spec.title
        chart.y_axis.title = spec.y_title
        for column in spec.columns:
            col = column + 1
            ref = Reference(self.ws, min_col=col, max_col=col, min_row=head, max_row=last)
            chart.add_data(ref, titles_from_data=True)
        chart.set_categories(Reference(self.ws, min_col=1, min_row=first, max_row=last))
        chart.width, chart.height = 24, 10
        self.ws.add_chart(chart, f"A{self.row + 3}")
