"""CSV files: the encoding (read, or refused, never guessed) and the rows, within the limits.

Read: UTF-8 with or without a BOM, UTF-16 with a BOM, GBK/GB18030 when the text reads as
simplified Chinese in it. Big5 read as GBK decodes without an error into rare characters and kana
(stored, it would be mojibake), so GBK is accepted only when most of its non-ASCII characters are
GB2312 hanzi or full-width punctuation; anything else is refused with the list of encodings read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path
from typing import Any

from redprop.excel import limits
from redprop.excel.limits import LIMITS, refuse

ENCODINGS_ZH = "UTF-8（带或不带 BOM）、带 BOM 的 UTF-16、GBK/GB18030"
ENCODINGS_EN = "UTF-8 (with or without a BOM), UTF-16 with a BOM, GBK/GB18030"
_GB_SAMPLE = 200_000  # characters looked at to tell GBK from Big5 read as GBK


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else GBK read as its superset GB18030, when the
    text reads as Chinese in it; anything else is refused, never guessed (Big5 read as GBK
    decodes without an error, into rare characters and kana: stored, it would be mojibake)."""
    text: str | None = None
    try:
        if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            text = None
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        elif data.startswith(codecs.BOM_UTF8):
            text = data.decode("utf-8-sig")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                gb = data.decode("gb18030")
                text = gb if _reads_as_gbk(gb) else None
    except UnicodeDecodeError:
        text = None
    if text is None:
        raise refuse(
            path,
            f"无法识别文件的编码（只读取 {ENCODINGS_ZH}；Big5 等其他编码不读取），"
            "请在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx 后再导入",
            f"the file's encoding is not one that is read ({ENCODINGS_EN}; Big5 and others "
            "are not); save it as 'CSV UTF-8' or .xlsx and import again",
        )
    return text


def _reads_as_gbk(text: str) -> bool:
    """Whether the non-ASCII characters are mostly GB2312's hanzi and full-width punctuation, as
    in any simplified-Chinese text; Big5 read as GBK gives about 20 % of them."""
    sample = re.findall(r"[^\x00-\x7f]", text[:_GB_SAMPLE])
    if not sample:
        return True
    common = sum(map(_gb_common, sample))
    return common >= 0.8 * len(sample)


def _gb_common(char: str) -> bool:
    try:
        lead = char.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return lead >= 0xB0 or lead in (0xA1, 0xA3)


def read_csv(path: Path, data: bytes) -> list[list[Any]]:
    text = decode_text(path, data)
    if text[:4096].count("\x00") > 8:
        raise refuse(
            path,
            "无法识别的文件格式（不是表格或 CSV 文本），请另存为 .xlsx 或 .csv",
            "not a spreadsheet or CSV text; save it as .xlsx or .csv",
        )
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(LIMITS.cell_chars)
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for row in reader:
            if len(row) > LIMITS.columns:
                limits.check_extent(path, len(rows) + 1, len(row), "CSV 文件", "the CSV file:")
            rows.append(row)
            if len(rows) > LIMITS.rows:
                limits.check_extent(path, len(rows), 1, "CSV 文件", "the CSV file:")
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise limits.cell_too_long(path, len(rows) + 1) from None
        raise refuse(
            path,
            f"第 {len(rows) + 1} 行无法按 CSV 读取（{exc}），请用 Excel/WPS 打开后另存",
            f"row {len(rows) + 1} can't be read as CSV ({exc}); open it in Excel/WPS and save again",
        ) from None
    if "\x00" in text:
        _refuse_nul(path, rows)
    return rows


def _refuse_nul(path: Path, rows: list[list[Any]]) -> None:
    row = next((i for i, cells in enumerate(rows, 1) if any("\x00" in c for c in cells)), 1)
    raise limits.nul_refused(path, row)
