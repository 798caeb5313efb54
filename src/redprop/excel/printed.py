"""Print-ready sheets: the named styles (written once per workbook), widths fitted to content
with CJK characters counted double, row heights for wrapped text, and the A4 page setup
(landscape or portrait, one page wide, header rows repeated, 第 N 页 共 M 页 in the footer).

Knows no domain: the ledger workbook (excel/book.py) and the case forms (excel/forms.py) use it.
"""

from __future__ import annotations

import math
from copy import copy
from datetime import date, datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

from redprop.core.ids import scrub
from redprop.excel.write import xlsx_text

THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SHADE = PatternFill("solid", fgColor="F2F2F2")
FOOTER = "第 &P 页 共 &N 页"
DATE = "yyyy-mm-dd"
TIME = "yyyy-mm-dd hh:mm"
PERCENT = "0.0%"
# A CJK glyph prints a little wider than two digits of the default font: widths get this slack.
CJK_SLACK = 1.1
LINE_POINTS = 14.5  # the height of one line of 11-point text, with CJK glyphs
# The column kinds a table may have, and the named style of a cell of each (plain, total).
KINDS = {
    "text": ("rp_text", "rp_total_text"),
    "center": ("rp_center", "rp_total_center"),
    "int": ("rp_int", "rp_total_int"),
    "rate": ("rp_rate", "rp_total_rate"),
    "date": ("rp_date", "rp_total_date"),
    "time": ("rp_time", "rp_total_time"),
}
# How wide a formatted date or time prints, in character widths.
FIXED_WIDTH = {"date": 10, "time": 16, "rate": 6}


def _style(
    name: str,
    *,
    bold: bool = False,
    size: float = 11,
    h: str = "left",
    border: bool = True,
    fmt: str = "General",
    shade: bool = False,
) -> NamedStyle:
    return NamedStyle(
        name=name,
        font=Font(bold=bold, size=size),
        alignment=Alignment(horizontal=h, vertical="center", wrap_text=True),
        border=GRID if border else Border(),
        number_format=fmt,
        fill=SHADE if shade else PatternFill(),
    )


def named_styles() -> list[NamedStyle]:
    styles = [
        _style("rp_title", bold=True, size=16, h="center", border=False),
        _style("rp_info", border=False),
        _style("rp_info_right", h="right", border=False),
        _style("rp_caption", bold=True, border=False),
        _style("rp_head", bold=True, h="center", shade=True),
        _style("rp_head_right", bold=True, h="right", shade=True),
        _style("rp_label", bold=True, h="center", shade=True),
        _style("rp_value"),
        _style("rp_note", size=10, border=False),
        _style("rp_sign", border=False),
    ]
    cells = {
        "text": ("left", "General"),
        "center": ("center", "General"),
        "int": ("right", "0"),
        "rate": ("right", PERCENT),
        "date": ("center", DATE),
        "time": ("center", TIME),
    }
    for kind, (plain, total) in KINDS.items():
        h, fmt = cells[kind]
        styles.append(_style(plain, h=h, fmt=fmt))
        styles.append(_style(total, bold=True, h=h, fmt=fmt))
    return styles


class Styler:
    """Cells of the workbook's named styles. The styles are added to the workbook once; each
    cell copies its style's index array instead of looking the name up again."""

    def __init__(self, wb: Any, *, masked: bool = True) -> None:
        self._arrays: dict[str, Any] = {}
        self._masked = masked
        self._wb = wb
        for style in named_styles():
            wb.add_named_style(style)

    def cell(self, ws: Any, value: Any, style: str) -> Any:
        """A write-only cell of `style`; text is always text (never a formula), cleaned of the
        controls an .xlsx refuses, with ID- and phone-shaped numbers masked (unless the styler
        was made unmasked: a recorded --unmask)."""
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value=xlsx_text(scrub(value) if self._masked else value))
            cell.data_type = "s"
        else:
            cell = WriteOnlyCell(ws, value=value)
        array = self._arrays.get(style)
        if array is None:
            probe = WriteOnlyCell(ws)
            probe.style = style
            array = self._arrays[style] = probe._style
        cell._style = copy(array)
        return cell


def text_width(value: Any) -> int:
    """How many character widths a value prints in: CJK and full-width characters count two.
    The longest line of a multi-line text."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return 8
    text = value if isinstance(value, str) else str(value)
    if "\n" in text:
        return max(text_width(line) for line in text.split("\n"))
    # UTF-8 takes 1 byte for ASCII and 3 for CJK: (bytes + chars) / 2 counts them 1 and 2.
    return (len(text.encode("utf-8")) + len(text)) // 2


def lines_in(value: Any, width: float) -> int:
    """How many lines a text wraps to in a column `width` characters wide."""
    if not isinstance(value, str) or not value:
        return 1
    room = max(1.0, (width - 2) / CJK_SLACK)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in value.split("\n"))


HEADER_LINE = 10  # a header wider than this is broken into two even lines


def balanced(header: str) -> str:
    """A long header in two even lines (小事不出网格率 → 小事不出 / 网格率), so it never wraps
    one character onto a line of its own."""
    if "\n" in header or text_width(header) <= HEADER_LINE:
        return header
    half = (len(header) + 1) // 2
    return header[:half] + "\n" + header[half:]


def header_width(header: str) -> int:
    """How wide a header's column must be: its longest line once balanced."""
    return text_width(balanced(header))


def page_setup(
    ws: Any,
    *,
    title_rows: tuple[int, int] | None,
    landscape: bool = True,
    one_page: bool = False,
) -> None:
    """A4, fitted to one page wide (and tall, for `one_page`), the header rows repeated on
    every page, centred, with 第 N 页 共 M 页 in the footer."""
    setup = ws.page_setup
    setup.orientation = "landscape" if landscape else "portrait"
    setup.paperSize = "9"  # A4
    setup.fitToWidth = 1
    setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    ws.print_options.horizontalCentered = True
    margins = ws.page_margins
    margins.left = margins.right = 0.4
    margins.top, margins.bottom = 0.5, 0.6
    margins.header, margins.footer = 0.2, 0.25
    ws.oddFooter.center.text = FOOTER
    ws.evenFooter.center.text = FOOTER
