"""Reading real spreadsheets: format by content, sheets with Excel row numbers, header detection.

Every row keeps the number Excel shows (1-based), so every problem can be reported where the
clerk will look for it. Merged ranges give their value to every cell they cover.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from redprop.core.errors import InputFileError
from redprop.core.ids import clean_text
from redprop.excel import limits
from redprop.excel.limits import LIMITS

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}


class Sheet:
    """One sheet. A workbook sheet is read only when asked for (and a large one can be streamed
    row by row); `rows[i]` is Excel row i + 1."""

    def __init__(
        self,
        name: str,
        rows: list[list[Any]] | None = None,
        hidden: bool = False,
        *,
        source: Any = None,
        merged: Any = None,
        path: Path | None = None,
        measure: bool = False,
    ) -> None:
        self.name, self.hidden = name, hidden
        self._rows = rows
        self._source = source  # a calamine sheet
        self._merged = merged  # a callable giving the merged ranges
        self._path = path or Path(name)  # the file, for messages
        self._measure = measure  # whether each cell's length is checked as it is read

    @property
    def rows(self) -> list[list[Any]]:
        if self._rows is None:
            self._rows = list(self.iter_rows())
        return self._rows

    def head(self, count: int) -> list[list[Any]]:
        if self._rows is not None:
            return self._rows[:count]
        out = []
        for row in self.iter_rows():
            out.append(row)
            if len(out) == count:
                break
        return out

    def iter_rows(self) -> Iterator[list[Any]]:
        """The rows in order; a merged range gives its value to every cell it covers (a range
        is applied row by row as the rows come, so one over whole columns costs nothing more)."""
        if self._rows is not None:
            yield from self._rows
            return
        ranges = list(self._merged() if self._merged else [])
        if len(ranges) > LIMITS.merged_ranges:
            raise _file_error(
                self._path,
                f"工作表的合并单元格区域（{len(ranges):,} 个）超过上限 {LIMITS.merged_ranges:,}",
                f"the sheet has {len(ranges):,} merged ranges, over the limit of "
                f"{LIMITS.merged_ranges:,}",
            )
        starts: dict[int, list[tuple[int, int, int]]] = {}  # first row -> [(last row, c0, c1)]
        for (r0, c0), (r1, c1) in ranges:
            if c0 < LIMITS.columns:
                starts.setdefault(r0, []).append((r1, c0, min(c1, LIMITS.columns - 1)))
        active: list[tuple[int, int, int, Any]] = []  # (last row, c0, c1, value)
        measure = self._path if self._measure else None
        for index, row in enumerate(self._source.iter_rows()):
            if measure is not None:
                _measure_row(measure, row, index)
            if index in starts:
                for r1, c0, c1 in starts.pop(index):
                    active.append((r1, c0, c1, row[c0] if c0 < len(row) else ""))
            if active:
                for _, c0, c1, value in active:
                    if len(row) <= c1:
                        row.extend([""] * (c1 + 1 - len(row)))
                    row[c0 : c1 + 1] = [value] * (c1 + 1 - c0)
                if any(a[0] <= index for a in active):
                    active = [a for a in active if a[0] > index]
            yield row


def _measure_row(path: Path, row: list[Any], index: int) -> None:
    for value in row:
        if type(value) is str:
            if len(value) > LIMITS.cell_chars:
                raise limits.cell_too_long(path, index + 1, len(value))
            if "\x00" in value:
                raise limits.nul_refused(path, index + 1)


@dataclass
class Header:
    """Where the header row is and which column holds which canonical field."""

    row_index: int
    columns: dict[str, int]  # canonical name -> column index
    unknown: list[str] = field(default_factory=list)

    def get(self, row: list[Any], name: str) -> Any:
        idx = self.columns.get(name)
        if idx is None or idx >= len(row):
            return None
        return row[idx]


def _file_error(path: Path, zh: str, en: str) -> InputFileError:
    return InputFileError(f"{path}：{zh}", f"{path}: {en}")


def read_sheets(path: Path) -> list[Sheet]:
    """Every sheet of a workbook, or the one sheet of a CSV file; the format comes from the content."""
    if not path.exists():
        raise _file_error(path, "文件不存在，请检查路径", "no such file; check the path")
    if path.is_dir():
        raise _file_error(path, "这是一个目录，请给出文件", "this is a folder; name a file")
    if not path.is_file():  # /dev/zero, a pipe, a socket: no end to read up to
        raise _file_error(
            path,
            "这不是普通文件（设备、管道等），请给出 .xlsx 或 .csv 文件",
            "not a regular file (a device, a pipe …); name an .xlsx or .csv file",
        )
    limits.check_file(path, path.stat().st_size)
    with path.open("rb") as fh:
        data = fh.read(LIMITS.file_bytes + 1)
    limits.check_file(path, len(data))  # it grew since
    if not data.strip():
        raise _file_error(
            path, "文件是空的，没有可导入的内容", "the file is empty; nothing to import"
        )
    if data.startswith((_ZIP, _OLE2)):
        return _read_workbook(path, data)
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        raise _file_error(
            path,
            f"文件名是 {path.suffix} 但内容不是 Excel/WPS 工作簿，请用 Excel 或 WPS 重新另存为 .xlsx",
            f"named {path.suffix} but it is not an Excel/WPS workbook; save it again as .xlsx",
        )
    from redprop.excel.csvtext import read_csv

    return [Sheet(name=path.stem, rows=read_csv(path, data))]


def _read_workbook(path: Path, data: bytes) -> list[Sheet]:
    import zipfile

    import python_calamine as pc

    if data.startswith(_OLE2) and limits.is_encrypted_ooxml(data):
        raise _password_protected(path)
    measure = False
    if data.startswith(_ZIP):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                measure = limits.scan_workbook(path, zf)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError):
            pass  # broken, or an unknown compression: calamine says what is wrong, below
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError:
        raise _password_protected(path) from None
    except Exception as exc:  # calamine raises several unrelated types for broken files
        hint = "文件已损坏或不完整" if data.startswith(_ZIP) else "无法识别的工作簿格式"
        raise _file_error(
            path,
            f"{hint}（{exc}），请用 Excel/WPS 打开后重新另存为 .xlsx",
            f"the workbook can't be read ({exc}); open it in Excel/WPS and save it again as .xlsx",
        ) from None
    sheets = []
    is_ods = (
        data.startswith(_ZIP) and b"application/vnd.oasis.opendocument.spreadsheet" in data[:200]
    )
    try:
        for meta in book.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue  # chart sheets and macro sheets hold no rows
            sheet = book.get_sheet_by_name(meta.name)
            hidden = meta.visible != pc.SheetVisibleEnum.Visible
            sheets.append(
                Sheet(
                    meta.name,
                    hidden=hidden,
                    source=sheet,
                    merged=_merged_of(sheet, data, meta.name, is_ods),
                    path=path,
                    measure=measure,
                )
            )
            # Touch the first row now, so a broken sheet fails here with a clear message.
            sheets[-1].head(1)
    except InputFileError:
        raise
    except Exception as exc:
        raise _file_error(
            path,
            f"工作表无法读取（{exc}），文件可能不完整，请重新另存后导入",
            f"a sheet can't be read ({exc}); the file may be truncated; save it again",
        ) from None
    return sheets


def _password_protected(path: Path) -> InputFileError:
    return _file_error(
        path,
        "工作簿有密码保护：请在 Excel/WPS 中取消密码后另存，再导入",
        "the workbook is password-protected: remove the password in Excel/WPS and save again",
    )


def _merged_of(sheet: Any, data: bytes, name: str, is_ods: bool) -> Any:
    def ranges() -> list[tuple[tuple[int, int], tuple[int, int]]]:
        found = list(getattr(sheet, "merged_cell_ranges", None) or [])
        if not found and is_ods:
            found = _ods_merged_ranges(data, name)
        return found

    return ranges


def _ods_merged_ranges(
    data: bytes, sheet_name: str
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Merged ranges of an .ods sheet, read from content.xml (calamine reports none for .ods)."""
    import xml.etree.ElementTree as ET
    import zipfile

    table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    name_attr, rows_rep = f"{{{table_ns}}}name", f"{{{table_ns}}}number-rows-repeated"
    cols_rep = f"{{{table_ns}}}number-columns-repeated"
    cols_span, rows_span = (
        f"{{{table_ns}}}number-columns-spanned",
        f"{{{table_ns}}}number-rows-spanned",
    )
    table_tag, row_tag = f"{{{table_ns}}}table", f"{{{table_ns}}}table-row"
    cell_tags = {f"{{{table_ns}}}table-cell", f"{{{table_ns}}}covered-table-cell"}
    ranges: list[tuple[tuple[int, int], tuple[int, int]]] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("content.xml") as fh:
            inside = False
            row = col = 0
            for event, el in ET.iterparse(fh, events=("start", "end")):
                if el.tag == table_tag:
                    if event == "start":
                        inside, row = el.get(name_attr) == sheet_name, 0
                    elif inside:
                        break
                    continue
                if not inside:
                    if event == "end":
                        el.clear()
                    continue
                if el.tag == row_tag:
                    if event == "start":
                        col = 0
                    else:
                        row += int(el.get(rows_rep, "1"))
                        el.clear()
                elif el.tag in cell_tags and event == "start":
                    width, height = int(el.get(cols_span, "1")), int(el.get(rows_span, "1"))
                    if width > 1 or height > 1:
                        ranges.append(((row, col), (row + height - 1, col + width - 1)))
                    col += int(el.get(cols_rep, "1"))
    except (KeyError, zipfile.BadZipFile, ET.ParseError):
        return []
    return ranges


# ---------------------------------------------------------------------------------------------
# Cells


def cell_text(value: Any) -> str:
    """A cell as text: doubles that are whole numbers lose their .0 (房号 301.0 is "301")."""
    if type(value) is str:
        return clean_text(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


def is_blank_row(row: list[Any]) -> bool:
    return all(cell_text(c) == "" for c in row)


# ---------------------------------------------------------------------------------------------
# Header detection

_HINT = re.compile(r"[（(【\[].*?[）)】\]]")


def header_key(value: Any) -> str:
    """How a header cell is compared: no spaces, no '*' marks, no (hints), lower case."""
    text = _HINT.sub("", cell_text(value))
    return re.sub(r"[\s*＊:：]", "", text).lower()


def find_header(
    sheet: Sheet,
    aliases: Mapping[str, Iterable[str]],
    *,
    scan_rows: int = 20,
) -> Header | None:
    """The first row (within the first `scan_rows`) matching the most known columns, if any."""
    lookup = {header_key(a): canon for canon, names in aliases.items() for a in (canon, *names)}
    best: Header | None = None
    for idx, row in enumerate(sheet.head(scan_rows)):
        columns: dict[str, int] = {}
        unknown: list[str] = []
        for col, cell in enumerate(row):
            key = header_key(cell)
            if not key:
                continue
            canon = lookup.get(key)
            if canon and canon not in columns:
                columns[canon] = col
            else:
                unknown.append(cell_text(cell))
        if len(columns) >= 2 and (best is None or len(columns) > len(best.columns)):
            best = Header(row_index=idx, columns=columns, unknown=unknown)
    return best


_FOOTER = re.compile(
    r"^(填表人|填报人|制表人|审核人|负责人|统计人|联系人|填表日期|制表日期|日期)\s*[:：]"
)


def is_footer_row(row: list[Any]) -> bool:
    """A signature line under the table (填表人：… 审核人：… 日期：…)."""
    first = next((cell_text(c) for c in row if cell_text(c)), "")
    return bool(_FOOTER.match(first))


def pick_sheet(
    sheets: list[Sheet],
    aliases: Mapping[str, Iterable[str]],
    required: Iterable[str],
    *,
    path: Path,
    sheet_name: str | None = None,
) -> tuple[Sheet, Header]:
    """The sheet named by --sheet, else the first visible sheet with a header that has every
    required column. A missing required column is an error naming it."""
    required = list(required)
    if sheet_name is not None:
        chosen = [s for s in sheets if s.name == sheet_name]
        if not chosen:
            names = "、".join(s.name for s in sheets)
            raise _file_error(
                path,
                f"没有名为“{sheet_name}”的工作表，已有：{names}",
                f"no sheet named '{sheet_name}'; the sheets are: {names}",
            )
        candidates = chosen
    else:
        candidates = [s for s in sheets if not s.hidden] or sheets
    best: tuple[Sheet, Header] | None = None
    for sheet in candidates:
        header = find_header(sheet, aliases)
        if header is None:
            continue
        if all(r in header.columns for r in required):
            return sheet, header
        if best is None or len(header.columns) > len(best[1].columns):
            best = (sheet, header)
    if best is None:
        want = "、".join(next(iter(aliases[r]), r) for r in required)
        raise _file_error(
            path,
            f"找不到表头：前 20 行中没有包含 {want} 等列的一行；请检查是否选对了文件或工作表（--sheet）",
            f"no header row found: none of the first 20 rows has columns such as {want}; "
            "check the file or choose the sheet with --sheet",
        )
    missing = [next(iter(aliases[r]), r) for r in required if r not in best[1].columns]
    raise _file_error(
        path,
        f"工作表“{best[0].name}”第 {best[1].row_index + 1} 行的表头缺少必需的列：{'、'.join(missing)}；请补上这些列后再导入",
        f"the header in row {best[1].row_index + 1} of sheet '{best[0].name}' lacks the required "
        f"column(s) {', '.join(missing)}; add them and import again",
    )


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)


def parse_date(value: Any, *, epoch1904: bool = False) -> date | None:
    """A cell as a date: real dates, Excel serial numbers, 2023/1/5, 2023-01-05, 2023年1月5日."""
    from datetime import timedelta

    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial day numbers (to 9999-12-31)
            base = date(1904, 1, 1) if epoch1904 else date(1899, 12, 30)
            return base + timedelta(days=int(value))
        return None
    text = cell_text(value).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None
    return None
