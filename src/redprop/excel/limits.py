"""What an imported file may declare, checked before anything is allocated for it.

Every import (roster, org, case, service, calendar) reads through `excel.read`, which checks a
file against `LIMITS` first: its size and kind, a workbook's zip directory (the uncompressed size
of each part), each sheet's extent (its `<dimension>`, then the rows and columns its cells name,
streamed through in 1 MB pieces), merged ranges, the length of a cell, and for a CSV file the
rows, columns and cell length while it is parsed. A file over a limit is refused with one
`InputFileError` naming the limit; nothing is read into memory beyond it. A 1.7 KB file whose cell
says XFD1048576 would otherwise make calamine allocate 512 GB and abort the process.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from redprop.core.errors import InputFileError

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 200 * MB  # the file on disk, workbook or CSV
    part_bytes: int = 200 * MB  # one part of a workbook, uncompressed
    total_bytes: int = 400 * MB  # every part of a workbook together, uncompressed
    zip_parts: int = 10_000
    rows: int = 1_048_576  # as Excel allows
    columns: int = 200
    cells: int = 20_000_000  # rows x columns of a sheet's used range
    cell_chars: int = 32_767  # as Excel allows
    merged_ranges: int = 100_000


LIMITS = Limits()


def refuse(path: Path, zh: str, en: str) -> InputFileError:
    return InputFileError(f"{path}：{zh}", f"{path}: {en}")


def column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def _too_big(path: Path, what_zh: str, what_en: str, limit: str) -> InputFileError:
    return refuse(
        path,
        f"{what_zh}超过上限 {limit}，为保护本机不予读取；请删去多余的行、列或格式后另存再导入",
        f"{what_en} is over the limit of {limit}, so the file is not read; "
        "delete the extra rows, columns or formatting, save it and import again",
    )


def check_file(path: Path, size: int) -> None:
    if size > LIMITS.file_bytes:
        raise _too_big(path, "文件大小", "the file size", f"{LIMITS.file_bytes // MB} MB")


def cell_too_long(path: Path, row: int, length: int | None = None) -> InputFileError:
    size = f"（{length:,}）" if length else ""
    return _too_big(
        path,
        f"第 {row} 行一个单元格的字符数{size}",
        f"the characters in a cell of row {row}{size.replace('（', ' (').replace('）', ')')}",
        f"{LIMITS.cell_chars:,}",
    )


def nul_refused(path: Path, row: int) -> InputFileError:
    return refuse(
        path,
        f"第 {row} 行含有空字符（NUL，\\x00），文件可能已损坏；请删去该字符或重新导出后再导入",
        f"row {row} holds a NUL character (\\x00); the file may be damaged; delete it or export "
        "the file again",
    )


def check_extent(path: Path, rows: int, columns: int, where_zh: str, where_en: str) -> None:
    if rows > LIMITS.rows:
        raise _too_big(
            path, f"{where_zh}的行数（{rows:,}）", f"{where_en} rows ({rows:,})", f"{LIMITS.rows:,}"
        )
    if columns > LIMITS.columns:
        raise _too_big(
            path,
            f"{where_zh}的列数（{columns:,}）",
            f"{where_en} columns ({columns:,})",
            f"{LIMITS.columns:,}",
        )
    if rows * columns > LIMITS.cells:
        raise _too_big(
            path,
            f"{where_zh}的单元格数（{rows:,} 行 × {columns:,} 列）",
            f"{where_en} cells ({rows:,} rows x {columns:,} columns)",
            f"{LIMITS.cells:,}",
        )


# ---------------------------------------------------------------------------------------------
# Workbooks (zip): the directory, each sheet's extent, long texts

_DIMENSION = re.compile(
    rb'<dimension ref="\$?([A-Za-z]{1,4})?\$?(\d+)?(?::\$?([A-Za-z]{1,4})?\$?(\d+)?)?"'
)
_ROW = re.compile(rb'<row [^>]*?r="(\d+)"')
_WIDE = re.compile(rb'<c r="([A-Z]{2,})\d')
_WINDOW = 8192  # a text run of 2 windows without "<" is looked at cell by cell


@dataclass
class SheetScan:
    rows: int = 0
    columns: int = 0
    long_text: bool = False  # some text may be longer than a cell may be, or hold a NUL


def check_zip(path: Path, zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > LIMITS.zip_parts:
        raise _too_big(
            path, "工作簿的部件数", "the number of parts in the workbook", f"{LIMITS.zip_parts:,}"
        )
    total = 0
    for info in infos:
        if info.file_size > LIMITS.part_bytes:
            raise _too_big(
                path,
                f"工作簿部件 {info.filename} 解压后的大小（{info.file_size // MB:,} MB）",
                f"the workbook part {info.filename} uncompressed ({info.file_size // MB:,} MB)",
                f"{LIMITS.part_bytes // MB} MB",
            )
        total += info.file_size
    if total > LIMITS.total_bytes:
        raise _too_big(
            path,
            f"工作簿解压后的总大小（{total // MB:,} MB）",
            f"the workbook uncompressed ({total // MB:,} MB)",
            f"{LIMITS.total_bytes // MB} MB",
        )


def scan_workbook(path: Path, zf: zipfile.ZipFile) -> bool:
    """Check the directory and every worksheet's extent; True when some text may be longer
    than a cell may hold, or hold a NUL (_x0000_): then each cell is looked at as it is read."""
    check_zip(path, zf)
    long_text = False
    for info in zf.infolist():
        name = info.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            scan = scan_sheet(path, zf, name)
            long_text = long_text or scan.long_text
        elif name == "xl/sharedStrings.xml":
            long_text = long_text or _has_long_run(zf, name)
    return long_text


def scan_sheet(path: Path, zf: zipfile.ZipFile, name: str) -> SheetScan:
    """The rows and columns a sheet's cells reach, streamed: the declared dimension is checked
    from the first piece, the rows and columns really used over the whole part."""
    scan = SheetScan()
    where_zh, where_en = f"工作表部件 {name} ", f"the sheet part {name}:"
    with zf.open(name) as fh:
        first = True
        tail = b""
        while chunk := fh.read(MB):
            if first:
                first = False
                dim = _DIMENSION.search(chunk, 0, 4096)
                if dim:
                    rows, cols = _dimension_extent(dim)
                    check_extent(path, rows, cols, f"{where_zh}声明", f"{where_en} declared")
            piece = tail + chunk
            found = _ROW.findall(piece, max(piece.rfind(b"<row "), 0))
            if found:
                scan.rows = max(scan.rows, int(found[-1]))
            scan.columns = max(scan.columns, _last_column(piece))
            if not scan.long_text and b"<is>" in piece:
                scan.long_text = _long_run(piece)
            check_extent(path, scan.rows, scan.columns, where_zh, where_en)
            tail = chunk[-64:]
    return scan


def _last_column(piece: bytes) -> int:
    """The rightmost column a cell of this piece names: exactly when it has two or more letters
    (one regex pass); else that of the last cell of the piece's last whole row (cells are in
    column order): one letter is at most 26 columns, so that sample can't hide a large sheet."""
    wide = _WIDE.findall(piece)
    if wide:
        return max(map(column_number, wide))
    end = piece.rfind(b"</row>")
    cell = piece.rfind(b'<c r="', 0, end if end >= 0 else len(piece))
    if cell < 0:
        return 0
    letter = piece[cell + 6 : cell + 7]
    return column_number(letter) if letter.isalpha() else 0


def _dimension_extent(match: re.Match[bytes]) -> tuple[int, int]:
    c0, r0, c1, r1 = match.groups()
    first_col = column_number(c0) if c0 else 1
    last_col = column_number(c1) if c1 else (first_col if c0 else LIMITS.columns + 1)
    first_row = int(r0) if r0 else 1
    last_row = int(r1) if r1 else (first_row if r0 else LIMITS.rows + 1)
    return max(last_row, first_row), max(last_col, first_col)


def _long_run(data: bytes) -> bool:
    """Whether some aligned window of `_WINDOW` bytes holds no "<" (any text run of 2 windows or
    more has one): cheap, a few finds per megabyte."""
    if b"_x0000_" in data:
        return True
    return any(data.find(b"<", s, s + _WINDOW) < 0 for s in range(0, len(data) - _WINDOW, _WINDOW))


def _has_long_run(zf: zipfile.ZipFile, name: str) -> bool:
    with zf.open(name) as fh:
        tail = b""
        while chunk := fh.read(MB):
            if _long_run(tail + chunk):
                return True
            tail = chunk[-2 * _WINDOW :]
    return False


# ---------------------------------------------------------------------------------------------
# OLE2 compound files: an encrypted .xlsx is one holding EncryptionInfo and EncryptedPackage

_FREE_OR_END = 0xFFFFFFFA


def ole2_stream_names(data: bytes) -> set[str]:
    """The names in an OLE2 (CFB) file's directory; empty when the directory can't be read."""
    try:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            return set()
        size = 1 << shift
        (first_dir,) = struct.unpack_from("<I", data, 0x30)
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < _FREE_OR_END]
        fat: list[int] = []
        for sector in fat_sectors:
            start = (sector + 1) * size
            if start + size > len(data):
                return set()
            fat.extend(struct.unpack_from(f"<{size // 4}I", data, start))
        names: set[str] = set()
        sector, seen = first_dir, 0
        while sector < _FREE_OR_END and seen < 10_000:
            start = (sector + 1) * size
            if start + size > len(data) or sector >= len(fat):
                return set()
            for entry in range(start, start + size, 128):
                (length,) = struct.unpack_from("<H", data, entry + 64)
                if 2 <= length <= 64:
                    names.add(data[entry : entry + length - 2].decode("utf-16-le", "replace"))
            sector, seen = fat[sector], seen + 1
        return names
    except struct.error:
        return set()


def is_encrypted_ooxml(data: bytes) -> bool:
    return {"EncryptionInfo", "EncryptedPackage"} <= ole2_stream_names(data)
