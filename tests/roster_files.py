"""Builders of messy household rosters, written to disk the way Excel, WPS and LibreOffice leave
them: a merged banner, a hint row, alias or English headers, footers, merged cells, formulas with
saved values, Excel error values, hidden sheets, both date systems, GBK CSV, legacy .xls and .ods.

A sheet is a list of rows; a row is a list of cells. A cell is a str, int, float, date, None, or
one of the markers below. Merged ranges are given as Excel references ("A4:A6"): the top-left
cell holds the value and the covered cells are None.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.utils import column_index_from_string, get_column_letter

from redprop.core.ids import id_check_char

TITLE = "铁人路社区住户信息登记表"
HINT = "填表说明：带*为必填；身份证号请设置为文本格式"
FOOTER = ["填表人：王敏", None, None, "审核人：张建国", None, "日期：2023年1月9日"]


def ident(n: int, *, base: str = "62090219800101") -> str:
    """A valid 18-character ID number (GB 11643 check character) numbered n."""
    first17 = f"{base}{n:03d}"
    return first17 + id_check_char(first17)


def bad_check(value: str) -> str:
    """The same ID with a wrong check character."""
    wrong = "0" if value[-1] != "0" else "1"
    return value[:-1] + wrong


def phone(n: int) -> str:
    """A mainland mobile number; masked it reads 139****{n:04d}."""
    return f"1391234{n:04d}"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@dataclass(frozen=True)
class Formula:
    """A formula with the value Excel saved for it (written into the file by `write_xlsx`)."""

    expr: str
    cached: Any


@dataclass(frozen=True)
class ErrorValue:
    """An Excel error value such as #N/A or #REF!."""

    code: str = "#N/A"


@dataclass
class SheetSpec:
    name: str
    rows: list[list[Any]]
    merges: list[str] = field(default_factory=list)
    hidden: bool = False


def layout(
    header: list[str],
    data: list[list[Any]],
    *,
    title: bool = True,
    hint: bool = True,
    footer: bool = True,
) -> tuple[list[list[Any]], list[str], int]:
    """Title banner (merged across the table), a hint row, the header, the data, a blank row and
    a footer. Returns the rows, the banner merge and the Excel row number of the first data row."""
    rows: list[list[Any]] = []
    merges: list[str] = []
    if title:
        rows.append([TITLE] + [None] * (len(header) - 1))
        merges.append(f"A1:{get_column_letter(len(header))}1")
        rows.append([])
    if hint:
        rows.append([HINT])
    rows.append(list(header))
    first = len(rows) + 1
    rows.extend(list(r) for r in data)
    if footer:
        rows.append([])
        rows.append(list(FOOTER))
    return rows, merges, first


# -- .xlsx -----------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: list[SheetSpec], *, epoch1904: bool = False) -> Path:
    """Written with openpyxl; formula cells then get their saved value patched into the XML
    (openpyxl writes formulas without one, as a program that never calculated would)."""
    import openpyxl
    from openpyxl.utils.datetime import MAC_EPOCH

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if epoch1904:
        wb.epoch = MAC_EPOCH
    cached: dict[int, dict[str, Any]] = {}
    for index, spec in enumerate(sheets):
        ws = wb.create_sheet(spec.name)
        for r, row in enumerate(spec.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c)
                if isinstance(value, Formula):
                    cell.value = "=" + value.expr
                    cached.setdefault(index, {})[cell.coordinate] = value.cached
                elif isinstance(value, ErrorValue):
                    cell.value = value.code
                    cell.data_type = "e"
                else:
                    cell.value = value
                    if isinstance(value, str):
                        cell.data_type = "s"  # "=…" stays text
                    elif isinstance(value, (date, datetime)):
                        cell.number_format = "yyyy-mm-dd"
        for ref in spec.merges:
            ws.merge_cells(ref)
        if spec.hidden:
            ws.sheet_state = "hidden"
    if not any(not s.hidden for s in sheets):  # pragma: no cover
        raise AssertionError("a workbook needs a visible sheet")
    wb.active = next(i for i, s in enumerate(sheets) if not s.hidden)
    wb.save(path)
    if cached:
        _patch_cached_values(path, cached)
    return path


def _patch_cached_values(path: Path, cached: dict[int, dict[str, Any]]) -> None:
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", item.filename)
            if m and int(m.group(1)) - 1 in cached:
                text = body.decode("utf-8")
                for ref, value in cached[int(m.group(1)) - 1].items():
                    # An empty cached value: <v/> or <v></v>, as openpyxl writes it with or
                    # without lxml.
                    pattern = rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*(?:<v\s*/>|<v></v>)'
                    if isinstance(value, str):
                        # A string result: t="str" with the text as its value.
                        text, n = re.subn(
                            pattern,
                            lambda mm, v=value, r=ref: (
                                mm.group(1).replace(f'<c r="{r}"', f'<c r="{r}" t="str"', 1)
                                + f"<v>{escape(v)}</v>"
                            ),
                            text,
                        )
                    else:
                        text, n = re.subn(pattern, rf"\g<1><v>{value}</v>", text)
                    assert n == 1, f"formula cell {ref} not found in {item.filename}"
                body = text.encode("utf-8")
            dst.writestr(item, body)
    path.write_bytes(out.getvalue())


# -- CSV -------------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_csv(
    path: Path, rows: list[list[Any]], *, encoding: str = "utf-8-sig", delimiter: str = ","
) -> Path:
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    path.write_bytes(text.getvalue().encode(encoding))
    return path


# -- legacy .xls -----------------------------------------------------------------------------


def _ref(ref: str) -> tuple[int, int, int, int]:
    """'A4:B6' -> (r0, r1, c0, c1), 0-based and inclusive."""
    a, b = ref.split(":")
    ma = re.fullmatch(r"([A-Z]+)(\d+)", a)
    mb = re.fullmatch(r"([A-Z]+)(\d+)", b)
    assert ma and mb
    return (
        int(ma[2]) - 1,
        int(mb[2]) - 1,
        column_index_from_string(ma[1]) - 1,
        column_index_from_string(mb[1]) - 1,
    )


def write_xls(path: Path, sheets: list[SheetSpec]) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy/m/d")
    for spec in sheets:
        ws = wb.add_sheet(spec.name)
        if spec.hidden:
            ws.visibility = 1
        merged = {}
        for ref in spec.merges:
            r0, r1, c0, c1 = _ref(ref)
            merged[(r0, c0)] = (r1, c1)
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if (r, c) in merged:
                    r1, c1 = merged[(r, c)]
                    ws.write_merge(r, r1, c, c1, value)
                elif value is None:
                    continue
                elif isinstance(value, (date, datetime)):
                    ws.write(r, c, value, date_style)
                else:
                    ws.write(r, c, value)
    wb.save(str(path))
    return path


# -- .ods (no library: the minimal OpenDocument zip by hand) ---------------------------------

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.2"'
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _ods_cell(value: Any, span: tuple[int, int] | None) -> str:
    attrs = ""
    if span:
        attrs = f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"'
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, (date, datetime)):
        iso = value.isoformat()
        return (
            f'<table:table-cell{attrs} office:value-type="date" office:date-value="{iso}">'
            f"<text:p>{iso}</text:p></table:table-cell>"
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (
            f'<table:table-cell{attrs} office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell{attrs} office:value-type="string">'
        f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
    )


def write_ods(path: Path, sheets: list[SheetSpec]) -> Path:
    tables = []
    for spec in sheets:
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        covered: set[tuple[int, int]] = set()
        for ref in spec.merges:
            r0, r1, c0, c1 = _ref(ref)
            spans[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
            covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
            covered.discard((r0, c0))
        width = max(len(r) for r in spec.rows)
        body = []
        for r, row in enumerate(spec.rows):
            cells = []
            for c in range(width):
                if (r, c) in covered:
                    cells.append("<table:covered-table-cell/>")
                else:
                    cells.append(_ods_cell(row[c] if c < len(row) else None, spans.get((r, c))))
            body.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        tables.append(
            f'<table:table table:name="{escape(spec.name)}">' + "".join(body) + "</table:table>"
        )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<office:document-content {_ODS_NS}><office:body><office:spreadsheet>"
        + "".join(tables)
        + "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )  # stored, first, as the format requires
        z.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


# -- broken files ----------------------------------------------------------------------------

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def encrypted_looking(path: Path) -> Path:
    """What an encrypted .xlsx starts with (an OLE2 compound file holding EncryptionInfo and
    EncryptedPackage streams), without a readable workbook inside."""
    header = OLE2_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    body = "EncryptionInfo EncryptedPackage".encode("utf-16-le")
    path.write_bytes((header + body).ljust(4096, b"\xff"))
    return path
