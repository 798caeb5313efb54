"""Printable forms (登记表, 协议书): one A4 page each, a bordered grid of merged label and value
cells under a centred title, with signature boxes. Knows no domain: the fields arrive as data
(cases/forms.py fills them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from redprop.excel.printed import LINE_POINTS, Styler, lines_in, page_setup
from redprop.excel.write import check_target, save_workbook

# The form's grid: label, value, value, value, label, value, value, value.
WIDTHS = (17, 12, 12, 11, 17, 12, 12, 11)


@dataclass
class Field:
    """A label and its value over `span` columns (the label takes one more)."""

    label: str
    value: Any
    span: int = 3


@dataclass
class Line:
    """One row of the form: fields that fill the grid's 8 columns; `lines` is the least
    height in lines of text (a facts box, a signature box)."""

    fields: list[Field]
    lines: int = 1


@dataclass
class Form:
    sheet: str
    title: str
    reference: str  # the line under the title, right: 编号：…
    lines: list[Line] = field(default_factory=list)
    note: str = ""


def write_forms(forms: list[Form], out: Path, *, masked: bool = True) -> None:
    """Each form on its own sheet, printed on one A4 page (portrait); free text masked unless
    `masked` is False (an unmask the caller recorded)."""
    check_target(out)
    wb = Workbook(write_only=True)
    styler = Styler(wb, masked=masked)
    for form in forms:
        _write_form(wb.create_sheet(form.sheet), form, styler)
    save_workbook(wb, out)


def _write_form(ws: Any, form: Form, styler: Styler) -> None:
    count = len(WIDTHS)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    page_setup(ws, title_rows=None, landscape=False, one_page=True)
    last = get_column_letter(count)
    row = 1
    ws.row_dimensions[row].height = 40
    ws.append([styler.cell(ws, form.title, "rp_title")])
    ws.merged_cells.add(f"A1:{last}1")
    row += 1
    ws.row_dimensions[row].height = 22
    ws.append([styler.cell(ws, form.reference, "rp_info_right")])
    ws.merged_cells.add(f"A2:{last}2")
    for line in form.lines:
        row += 1
        cells, height = _line(ws, line, styler, row)
        ws.row_dimensions[row].height = height
        ws.append(cells)
    if form.note:
        row += 1
        ws.row_dimensions[row].height = LINE_POINTS * 2 + 6
        ws.append([styler.cell(ws, form.note, "rp_note")])
        ws.merged_cells.add(f"A{row}:{last}{row}")


def _line(ws: Any, line: Line, styler: Styler, row: int) -> tuple[list[Any], float]:
    """The cells of one form row, its merges, and the height its longest value needs."""
    cells: list[Any] = []
    need = line.lines
    column = 1
    for f in line.fields:
        cells.append(styler.cell(ws, f.label, "rp_label"))
        cells.append(styler.cell(ws, f.value, "rp_value"))
        cells.extend(styler.cell(ws, None, "rp_value") for _ in range(f.span - 1))
        first, end = column + 1, column + f.span
        if f.span > 1:
            ws.merged_cells.add(f"{get_column_letter(first)}{row}:{get_column_letter(end)}{row}")
        width = sum(WIDTHS[first - 1 : end])
        need = max(need, lines_in(f.value, width), lines_in(f.label, WIDTHS[column - 1]))
        column = end + 1
    return cells, LINE_POINTS * need + 14
