"""Reading a roster file: its columns and their aliases, the sheet, the header row and the cells
holding Excel error values. Nothing here touches the ledger, so a command can start reading a
large workbook before it opens the database (calamine parses without holding the GIL, on a
second thread, while the first one loads what the import compares against).
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from redprop.excel.read import Header, Sheet, pick_sheet, read_sheets

COLUMNS: dict[str, tuple[str, ...]] = {
    "community": ("社区", "社区名称", "所属社区", "community"),
    "grid": ("网格", "网格编号", "所属网格", "网格名称", "grid"),
    "compound": ("小区", "小区名称", "所属小区", "compound"),
    "building": ("楼栋", "楼号", "栋号", "楼栋号", "幢号", "building"),
    "unit": ("单元", "单元号", "unit"),
    "room": ("房号", "门牌号", "房间号", "室号", "room"),
    "head_name": ("户主姓名", "姓名", "户主", "户主名", "name", "head_name", "head"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "id"),
    "phone": ("联系电话", "电话", "手机号码", "手机号", "手机", "联系方式", "phone", "mobile"),
    "persons": ("人口数", "家庭人口", "人口", "户内人口", "人数", "persons"),
    "hukou": ("户籍类型", "户籍", "户口类型", "hukou"),
    "housing": ("房屋性质", "住房性质", "housing"),
    "note": ("备注", "note"),
    "registered_on": ("登记日期", "登记时间", "registered_on"),
    # Household tags (roster/tagcells): 独居老人、低保户; only ever added by an import.
    "tags": ("标签", "户标签", "住户标签", "人员标签", "tags"),
    # Not a household's field: the errors workbook's reference to the values held for the row
    # (roster/held), restored on import.
    "held": ("还原凭据", "held"),
}
REQUIRED = ("community", "building", "room", "head_name")
HEADERS = {name: names[0] for name, names in COLUMNS.items()}

# (row index, column index), 0-based as in Sheet.rows
Cells = set[tuple[int, int]]


@dataclass
class RosterFile:
    sheet: Sheet
    header: Header
    errors: Cells  # cells holding Excel error values (#N/A, #REF! …)


def start_reading(path: Path, sheet: str | None = None) -> Future[RosterFile]:
    """Read the roster on two worker threads: the workbook's cells, and the error values in its
    XML. The result (or the file's error) comes from the future."""
    pool = ThreadPoolExecutor(2, thread_name_prefix="roster-read")
    try:
        scanning = pool.submit(error_cells, path)
        return pool.submit(_read, path, sheet, scanning)
    finally:
        pool.shutdown(wait=False)  # the threads end with their tasks


def _read(path: Path, sheet_name: str | None, scanning: Future[dict[str, Cells]]) -> RosterFile:
    sheet, header = pick_sheet(
        read_sheets(path), COLUMNS, REQUIRED, path=path, sheet_name=sheet_name
    )
    return RosterFile(sheet, header, scanning.result().get(sheet.name, set()))


def error_cells(path: Path) -> dict[str, Cells]:
    """Excel error values (#N/A, #REF! …) by sheet name. calamine hands them over as blanks, so
    for .xlsx they are found in each sheet's XML (a regex only where there are any). Anything
    that is not such a workbook has none to find here."""
    import zipfile

    from redprop.core.errors import InputFileError
    from redprop.excel.limits import check_zip

    found: dict[str, Cells] = {}
    if not path.is_file():  # zipfile reads /dev/zero to the end of memory; read_sheets says why
        return found
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip(path, zf)  # over a limit: read_sheets refuses it, nothing is read here
            wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = {
                (m.group(1) or m.group(4)): (m.group(2) or m.group(3)).lstrip("/")
                for m in re.finditer(
                    r"<Relationship [^>]*?(?:Id=\"([^\"]*)\"[^>]*Target=\"([^\"]*)\"|Target=\"([^\"]*)\"[^>]*Id=\"([^\"]*)\")",
                    rels,
                )
            }
            for m in re.finditer(r"<sheet [^>]*>", wb):
                tag = m.group(0)
                name = re.search(r"name=\"([^\"]*)\"", tag)
                rid = re.search(r"r:id=\"([^\"]*)\"", tag)
                if not name or not rid or rid.group(1) not in targets:
                    continue
                target = targets[rid.group(1)]
                target = target if target.startswith("xl/") else "xl/" + target
                if target not in zf.namelist():
                    continue
                cells = _error_refs(zf.read(target))
                if cells:
                    found[_xml_unescape(name.group(1))] = cells
    except (KeyError, zipfile.BadZipFile, OSError, InputFileError):
        return {}
    return found


def _xml_unescape(text: str) -> str:
    from xml.sax.saxutils import unescape

    return unescape(text, {"&quot;": '"', "&apos;": "'"})


def _error_refs(data: bytes) -> Cells:
    if b't="e"' not in data:
        return set()
    found = set()
    for ref in re.findall(rb'<c r="([A-Z]+)(\d+)"[^>]*t="e"', data):
        col = 0
        for ch in ref[0].decode():
            col = col * 26 + ord(ch) - 64
        found.add((int(ref[1]) - 1, col - 1))
    return found
