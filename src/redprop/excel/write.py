"""Writing workbooks and CSV files that a spreadsheet can never run: text that starts with
= + - @ is always stored as text, never as a formula. Control characters that an .xlsx can't
hold (BEL, ESC, …; tab and newline are kept) are dropped from cells instead of failing the
workbook. Every file is written to a temporary file and renamed into place when complete
(core/files.atomic_write)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from redprop.core.files import atomic_write, check_writable

FORMULA_START = ("=", "+", "-", "@")
# What openpyxl refuses in a cell (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE): C0 controls but
# tab, newline and carriage return.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def check_target(path: Path) -> None:
    """Refuse an output path that can't be written before a writer starts (openpyxl would stop
    half-way with a traceback)."""
    from redprop.core.errors import InputFileError

    parent = path.expanduser().resolve().parent
    if not parent.is_dir():
        raise InputFileError(
            f"无法写出 {path}：目录 {parent} 不存在；请先创建目录或换一个路径",
            f"Can't write {path}: the folder {parent} does not exist; create it or choose another path",
        )
    if path.is_dir():
        raise InputFileError(
            f"{path} 是一个目录，请给出文件名", f"{path} is a folder; give a file name"
        )
    check_writable(path)


def save_workbook(wb: Any, path: Path) -> None:
    """An openpyxl workbook to `path`, through a temporary file: never a partial file."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    # What Workbook.save does, with the archive and its file our own: on a failed save (a full
    # disk) the file is closed here, and what openpyxl leaves half-done is abandoned, so that
    # nothing prints "Exception ignored in …" under the error message when it is collected.
    with atomic_write(path) as temp, temp.open("wb") as fh:
        archive = ZipFile(fh, "w", ZIP_DEFLATED, allowZip64=True)
        try:
            if wb.write_only and not wb.worksheets:
                wb.create_sheet()
            ExcelWriter(wb, archive).save()
        except BaseException:
            _abandon(wb, archive)
            raise


def _abandon(wb: Any, archive: Any) -> None:
    """Leave a failed save for the garbage collector with nothing to finish: the archive without
    its file (ZipFile.close then returns at once), each write-only sheet's generators closed
    (finishing them would write XML into the failed stream)."""
    archive.fp = None
    for ws in wb._sheets:
        writer = getattr(ws, "_writer", None)
        for gen in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
            if gen is not None:
                with suppress(Exception):
                    gen.close()


def xlsx_text(value: str) -> str:
    """Text as an .xlsx cell can hold it: the control characters it refuses dropped."""
    return ILLEGAL.sub("", value) if ILLEGAL.search(value) else value


def xlsx_row(values: Sequence[Any]) -> Sequence[Any]:
    """A row's plain values, with any text cleaned by xlsx_text (the row itself when clean)."""
    for v in values:
        if isinstance(v, str) and ILLEGAL.search(v):
            return [xlsx_text(x) if isinstance(x, str) else x for x in values]
    return values


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_safe(value: Any) -> Any:
    """For CSV, where a cell has no type: a leading apostrophe keeps =… as text in Excel and
    WPS (our importer drops it again, so an export re-imports unchanged)."""
    if is_formula_like(value):
        return "'" + value
    return "" if value is None else value


def strip_csv_guard(text: str) -> str:
    """The inverse of csv_safe, applied on import."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def text_cell(ws: Any, value: Any) -> Any:
    """A write-only cell; a string is always a string cell, even when it starts with '='."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=xlsx_text(value))
        cell.data_type = "s"
        return cell
    return WriteOnlyCell(ws, value=value)


def write_table(
    path: Path,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> int:
    """One header row and data rows, to .xlsx (write-only, frozen header, filter) or .csv
    (UTF-8 with BOM, which Excel and WPS open correctly). Returns the number of data rows."""
    check_target(path)
    if path.suffix.lower() == ".csv":
        count = 0
        with atomic_write(path) as temp, temp.open("w", newline="", encoding="utf-8-sig") as fh:
            out = csv.writer(fh)
            out.writerow(headers)
            for row in rows:
                out.writerow([csv_safe(v) for v in row])
                count += 1
        return count
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.freeze_panes = "A2"
    for idx, width in enumerate(widths or [14] * len(headers), start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
    ws.append([text_cell(ws, h) for h in headers])
    count = 0
    for row in rows:
        ws.append([text_cell(ws, v) if isinstance(v, str) else v for v in row])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    save_workbook(wb, path)
    return count
