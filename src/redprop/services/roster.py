"""Household roster import (住户花名册) from real, messy spreadsheets.

Reads any .xlsx/.xls/.ods/.csv the clerks pass around, normalises every cell, validates each row
against the unit tree and the stored households, and stores the good rows in one transaction
with batched driver-level statements (the hot path never builds ORM objects). Every problem is
reported with Excel's row number, the column and the fix; ID and phone numbers are masked in
every message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.config import now
from redprop.errors import InputFileError
from redprop.excel.read import (
    Header,
    Sheet,
    cell_text,
    is_footer_row,
    parse_date,
    pick_sheet,
    read_sheets,
)
from redprop.excel.write import strip_csv_guard
from redprop.ids import (
    clean_text,
    id_birth_date,
    id_checksum_ok,
    id_shape_ok,
    is_masked,
    mask_id,
    mask_phone,
    normalize_building,
    normalize_id,
    normalize_phone,
    normalize_unit,
    phone_ok,
    scrub,
)
from redprop.models import Building, Community, Compound, Grid, Household, Street

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
}
REQUIRED = ("community", "building", "room", "head_name")
HEADERS = {name: names[0] for name, names in COLUMNS.items()}

EXIT_SOME_REJECTED = 3
CACHED = (
    "community",
    "grid",
    "compound",
    "building",
    "unit",
    "room",
    "hukou",
    "housing",
    "note",
    "persons",
)
FLAG_ORDER = ("id_checksum", "id_birth", "no_id", "phone")
ID_FLAGS = {"id_checksum", "id_birth", "no_id"}
PHONE_FLAGS = {"phone"}
MAX_PERSONS = 50

_PERSONS = re.compile(r"^(\d+)(?:\.0+)?\s*人?$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")


@dataclass
class Problem:
    row: int
    column: str
    level: str  # error | warning
    zh: str
    en: str

    def __post_init__(self) -> None:
        # Messages echo cells; a phone or ID typed in the wrong column must never show in full,
        # whichever import reports it.
        self.zh, self.en = scrub(self.zh), scrub(self.en)

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "level": self.level,
            "message": self.en if lang == "en" else self.zh,
        }


@dataclass
class ImportReport:
    file: str
    sheet: str
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    warned: int = 0
    rejected: int = 0
    skipped: int = 0
    stored: bool = False
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    created_units: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # (excel row, {canonical field: masked text}, reason) for the errors workbook
    flagged_rows: list[tuple[int, dict[str, Any], str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.new + self.updated + self.unchanged

    def counts(self) -> dict[str, int]:
        return {
            k: getattr(self, k)
            for k in (
                "read",
                "new",
                "updated",
                "unchanged",
                "merged",
                "warned",
                "rejected",
                "skipped",
            )
        }

    @property
    def exit_code(self) -> int:
        if self.rejected == 0:
            return 0
        return EXIT_SOME_REJECTED if self.imported and (self.stored or self.dry_run) else 1


@dataclass
class _Units:
    """The unit tree in memory, by the names a roster uses."""

    street_id: int | None
    communities: dict[str, int]
    grids_by_code: dict[str, tuple[int, int]]  # code -> (grid id, community id)
    grids_by_name: dict[tuple[int, str], int]  # (community id, name) -> grid id
    buildings: dict[tuple[int, str], tuple[int, int]]  # (community, number) -> (id, grid id)
    compounds: dict[tuple[int, str], int]


def _load_units(session: Session) -> _Units:
    streets = session.scalars(select(Street.id).order_by(Street.id)).all()
    return _Units(
        street_id=streets[0] if len(streets) == 1 else None,
        communities={c.name: c.id for c in session.scalars(select(Community))},  # type: ignore[misc]
        grids_by_code={g.code: (g.id, g.community_id) for g in session.scalars(select(Grid))},  # type: ignore[misc]
        grids_by_name={(g.community_id, g.name): g.id for g in session.scalars(select(Grid))},  # type: ignore[misc]
        buildings={
            (b.community_id, b.number): (b.id, b.grid_id)  # type: ignore[misc]
            for b in session.scalars(select(Building))
        },
        compounds={(c.community_id, c.name): c.id for c in session.scalars(select(Compound))},  # type: ignore[misc]
    )


# The stored fields, in this order, are what "unchanged" compares.
FIELDS = (
    "grid_id",
    "head_name",
    "id_number",
    "phone",
    "persons",
    "hukou",
    "housing",
    "note",
    "registered_on",
    "flags",
)


def _error_cells(path: Path, sheet: Sheet) -> set[tuple[int, int]]:
    """Excel error values (#N/A, #REF! …): calamine hands them over as blanks, so for .xlsx we
    find them in the sheet's XML (cheap: one decompression, a regex only when there are any)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
            if not names:
                return set()
            wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
            order = re.findall(r"<sheet [^>]*name=\"([^\"]*)\"", wb)
            rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            ids = re.findall(r"<sheet [^>]*r:id=\"([^\"]*)\"", wb)
            target = None
            if sheet.name in order:
                rid = ids[order.index(sheet.name)]
                m = re.search(
                    rf"Id=\"{rid}\"[^>]*Target=\"([^\"]*)\"|Target=\"([^\"]*)\"[^>]*Id=\"{rid}\"",
                    rels,
                )
                if m:
                    target = (m.group(1) or m.group(2)).lstrip("/")
                    target = target if target.startswith("xl/") else "xl/" + target
            data = zf.read(target or names[0])
    except (KeyError, zipfile.BadZipFile, IndexError):
        return set()
    if b't="e"' not in data:
        return set()
    found = set()
    for ref in re.findall(rb'<c r="([A-Z]+)(\d+)"[^>]*t="e"', data):
        col = 0
        for ch in ref[0].decode():
            col = col * 26 + ord(ch) - 64
        found.add((int(ref[1]) - 1, col - 1))
    return found


def import_roster(
    session: Session,
    *,
    path: Path,
    sheet: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    atomic: bool = False,
    create_units: bool = False,
) -> ImportReport:
    """Import a roster file. Raises InputFileError when the file can't be used at all; otherwise
    returns the report (rows rejected or not). Stores nothing on dry_run, or when atomic and any
    row is rejected."""
    sheets = read_sheets(path)
    chosen, header = pick_sheet(sheets, COLUMNS, REQUIRED, path=path, sheet_name=sheet)
    report = ImportReport(file=str(path), sheet=chosen.name, dry_run=dry_run)
    report.ignored_columns = header.unknown
    report.columns = [c for c in COLUMNS if c in header.columns]
    errors = _error_cells(path, chosen) if path.suffix.lower() in (".xlsx", ".xlsm") else set()
    units = _load_units(session)
    savepoint = session.begin_nested()
    importer = _Importer(
        session, report, header, units, strict=strict, create_units=create_units, errors=errors
    )
    importer.run(chosen)
    if report.rejected and atomic:
        report.problems.sort(key=lambda p: (p.row, p.level))
        savepoint.rollback()
        report.stored = False
        return report
    if dry_run:
        savepoint.rollback()
        return report
    importer.store()
    savepoint.commit()
    report.stored = True
    return report


_FOOTER_START = frozenset("填制审负统联日")


def _skippable(raw: list[Any]) -> bool:
    """A blank row, or a signature line under the table (填表人：…): cheap in the common case."""
    for cell in raw:
        if cell is None or cell == "":
            continue
        if type(cell) is str:
            if not cell.strip():
                continue
            if cell.lstrip()[:1] in _FOOTER_START:
                return is_footer_row(raw)
        return False
    return True


class _Importer:
    def __init__(
        self,
        session: Session,
        report: ImportReport,
        header: Header,
        units: _Units,
        *,
        strict: bool,
        create_units: bool,
        errors: set[tuple[int, int]],
    ) -> None:
        self.session = session
        self.report = report
        self.header = header
        self.units = units
        self.strict = strict
        self.create_units = create_units
        self.errors = errors
        self.cols = header.columns
        self.names = {name: HEADERS[name] for name in COLUMNS}
        # Stored households: (building id, unit, room) -> (household id, field tuple)
        self.stored: dict[tuple[int, str, str], tuple[int, tuple[Any, ...]]] = {}
        self.stored_ids: dict[str, tuple[int, str, str]] = {}
        # One round trip for every stored household (a varargs select keeps the types simple).
        wanted: list[Any] = [
            Household.id,
            Household.building_id,
            Household.unit,
            Household.room,
            Household.grid_id,
            Household.head_name,
            Household.id_number,
            Household.phone,
            Household.persons,
            Household.hukou,
            Household.housing,
            Household.note,
            Household.registered_on,
            Household.flags,
        ]
        result = session.connection().execute(select(*wanted))
        # Driver rows, not SQLAlchemy rows: a second import of a large roster reads them all.
        for h in result.cursor.fetchall():
            key = (h[1], h[2], h[3])
            fields = h[4:]
            if type(fields[8]) is str:  # SQLite hands dates over as ISO text
                fields = (*fields[:8], date.fromisoformat(fields[8]), fields[9])
            self.stored[key] = (h[0], tuple(fields))
            if h[6]:
                self.stored_ids[h[6]] = key
        result.close()
        self.address_of: dict[tuple[int, str, str], str] = {}
        self.seen: dict[tuple[int, str, str], tuple[int, tuple[Any, ...]]] = {}
        self.seen_ids: dict[str, tuple[tuple[int, str, str], int]] = {}
        self.inserts: list[tuple[Any, ...]] = []
        self.updates: list[tuple[Any, ...]] = []
        self.caches: dict[str, dict[str, str]] = {name: {} for name in CACHED}
        self.today = now().date()

    # -- problems ---------------------------------------------------------------------------

    def problem(self, row: int, field_name: str, level: str, zh: str, en: str) -> None:
        self.report.problems.append(
            Problem(row, self.names.get(field_name, field_name), level, zh, en)
        )

    # -- the pass over the rows -------------------------------------------------------------

    def run(self, sheet: Sheet) -> None:
        start = self.header.row_index + 1
        present = list(self.cols.items())
        errors = self.errors
        report = self.report
        for idx, raw in enumerate(sheet.iter_rows()):
            if idx < start:
                continue
            if _skippable(raw):
                report.skipped += 1
                continue
            report.read += 1
            width = len(raw)
            cells = {name: (raw[col] if col < width else None) for name, col in present}
            bad = [name for name, col in present if (idx, col) in errors] if errors else []
            self.row(idx + 1, cells, bad)

    def row(self, excel_row: int, cells: dict[str, Any], bad_cells: list[str]) -> None:
        report = self.report
        before = len(report.problems)
        errors: list[tuple[str, str, str]] = []
        warnings: list[tuple[str, str, str]] = []
        flags: list[str] = []

        for name in bad_cells:
            errors.append(
                (
                    name,
                    "单元格是 Excel 错误值（如 #N/A、#REF!）；请改为正确的值",
                    "the cell holds an Excel error value (#N/A, #REF!); enter a real value",
                )
            )

        caches = self.caches

        def text(name: str) -> str:
            value = cells.get(name)
            if value is None or value == "":
                return ""
            cache = caches.get(name)
            if cache is None or type(value) is not str:
                return strip_csv_guard(cell_text(value))
            # Address and category columns repeat a handful of values: clean each once.
            found = cache.get(value)
            if found is None:
                found = cache[value] = strip_csv_guard(cell_text(value))
            return found

        community_name = text("community")
        building_no = normalize_building(text("building")) if text("building") else ""
        unit = normalize_unit(text("unit")) if text("unit") else ""
        room = clean_text(text("room")).replace(" ", "")
        head = text("head_name")
        if not head:
            errors.append(
                (
                    "head_name",
                    "户主姓名为空；请填写户主姓名",
                    "the head's name is empty; fill it in",
                )
            )
        if not building_no:
            errors.append(
                (
                    "building",
                    "楼栋为空；请填写楼栋号（如 5 或 5号楼）",
                    "the building is empty; fill it in",
                )
            )
        if not room:
            errors.append(
                ("room", "房号为空；请填写房号（如 301）", "the room is empty; fill it in")
            )

        # Units.
        community_id = self.units.communities.get(community_name) if community_name else None
        if not community_name:
            errors.append(
                ("community", "社区为空；请填写社区名称", "the community is empty; fill it in")
            )
        elif community_id is None and not self.create_units:
            errors.append(
                (
                    "community",
                    f"账本中没有社区“{community_name}”；请核对名称，或加 --create-units 创建",
                    f"no community '{community_name}' in the ledger; check it, or add --create-units",
                )
            )
        grid_text = text("grid")
        grid_id = None
        if grid_text and community_id is not None:
            by_code = self.units.grids_by_code.get(grid_text)
            if by_code and by_code[1] == community_id:
                grid_id = by_code[0]
            else:
                grid_id = self.units.grids_by_name.get((community_id, grid_text))
            if grid_id is None and not self.create_units:
                errors.append(
                    (
                        "grid",
                        f"社区“{community_name}”没有网格“{grid_text}”；请核对网格编号或名称，或加 --create-units",
                        f"community '{community_name}' has no grid '{grid_text}'; check it, or add --create-units",
                    )
                )
        building = None
        if community_id is not None and building_no:
            building = self.units.buildings.get((community_id, building_no))
            if building is None and not self.create_units:
                errors.append(
                    (
                        "building",
                        f"社区“{community_name}”没有楼栋 {building_no}；请核对，或加 --create-units 创建",
                        f"community '{community_name}' has no building {building_no}; check it, or add --create-units",
                    )
                )
            elif building is not None and grid_id is not None and building[1] != grid_id:
                errors.append(
                    (
                        "grid",
                        f"楼栋 {building_no} 属于另一个网格，不是“{grid_text}”；请核对网格",
                        f"building {building_no} belongs to another grid, not '{grid_text}'",
                    )
                )
        if self.create_units and building is None and building_no and not grid_text:
            errors.append(
                (
                    "grid",
                    "要创建新楼栋，需要填写所属网格",
                    "a new building needs its grid; fill in the grid",
                )
            )

        # Persons.
        persons: int | None = None
        raw_persons = cells.get("persons")
        if "persons" in self.cols and raw_persons not in (None, ""):
            if isinstance(raw_persons, float):
                persons = (
                    int(raw_persons) if raw_persons.is_integer() and raw_persons >= 1 else None
                )
            else:
                m = _PERSONS.match(clean_text(str(raw_persons)))
                persons = int(m.group(1)) if m and int(m.group(1)) >= 1 else None
            if persons is not None and persons > MAX_PERSONS:
                errors.append(
                    (
                        "persons",
                        f"人口数 {persons} 不合理（超过 {MAX_PERSONS}）；请核对是否填错了列",
                        f"persons {persons} is implausible (over {MAX_PERSONS}); check the column",
                    )
                )
                persons = 0
            elif persons is None:
                errors.append(
                    (
                        "persons",
                        f"人口数“{cell_text(raw_persons)}”不是不小于 1 的整数；请填写人数（如 3）",
                        f"persons '{cell_text(raw_persons)}' is not a whole number of at least 1",
                    )
                )
        elif "persons" in self.cols:
            persons = 1

        # ID number.
        id_number: str | None = None
        keep_id = False
        raw_id = cells.get("id_number")
        if "id_number" in self.cols:
            if isinstance(raw_id, (int, float)) and not isinstance(raw_id, bool):
                errors.append(
                    (
                        "id_number",
                        "身份证号被存成了数字，后几位已丢失；请把该列设为“文本”格式后重新录入完整号码",
                        "the ID was stored as a number and has lost digits; format the column as text and re-enter the IDs",
                    )
                )
            elif raw_id not in (None, ""):
                value = normalize_id(strip_csv_guard(str(raw_id)))
                if is_masked(value):
                    keep_id = True
                elif _SCIENTIFIC.match(value):
                    errors.append(
                        (
                            "id_number",
                            "身份证号被存成了数字（科学计数法），后几位已丢失；请把该列设为“文本”格式后重新录入",
                            "the ID was stored as a number (scientific notation); format the column as text and re-enter it",
                        )
                    )
                elif not id_shape_ok(value):
                    errors.append(
                        (
                            "id_number",
                            f"身份证号 {mask_id(value)} 应为 18 位（17 位数字加数字或 X）；请核对",
                            f"the ID {mask_id(value)} must be 18 characters (17 digits and a digit or X)",
                        )
                    )
                else:
                    id_number = value
                    if not id_checksum_ok(value):
                        flags.append("id_checksum")
                        warnings.append(
                            (
                                "id_number",
                                f"身份证号 {mask_id(value)} 校验码不对；请核对原件",
                                f"the ID {mask_id(value)} has a wrong check character; check the document",
                            )
                        )
                    birth = id_birth_date(value)
                    if birth is None or birth < date(1900, 1, 1) or birth > self.today:
                        flags.append("id_birth")
                        warnings.append(
                            (
                                "id_number",
                                f"身份证号 {mask_id(value)} 中的出生日期不合理；请核对",
                                f"the ID {mask_id(value)} encodes an implausible birth date",
                            )
                        )
            else:
                flags.append("no_id")
                warnings.append(("id_number", "没有身份证号；请补充", "no ID number; add it"))

        # Phone.
        phone: str | None = None
        keep_phone = False
        raw_phone = cells.get("phone")
        if raw_phone not in (None, ""):
            value = normalize_phone(strip_csv_guard(cell_text(raw_phone)))
            if is_masked(value):
                keep_phone = True
            else:
                phone = value
                if not phone_ok(value):
                    flags.append("phone")
                    warnings.append(
                        (
                            "phone",
                            f"电话 {mask_phone(value)} 不像手机号或带区号的固定电话；请核对",
                            f"the phone {mask_phone(value)} is not a mobile or a landline with area code",
                        )
                    )

        registered_on: date | None = None
        raw_date = cells.get("registered_on")
        if raw_date not in (None, ""):
            registered_on = parse_date(raw_date)
            if registered_on is None:
                warnings.append(
                    (
                        "registered_on",
                        f"登记日期“{cell_text(raw_date)}”无法识别，未保存；请写成 2023-01-05",
                        f"the date '{cell_text(raw_date)}' can't be read and was not kept; write 2023-01-05",
                    )
                )

        if self.strict and warnings:
            errors.extend(warnings)
            warnings = []

        key: tuple[int, str, str] | None = None
        if not errors and building is not None:
            key = (building[0], unit, room)
        elif not errors and self.create_units:
            building, community_id = self._create_units(
                community_name, community_id, grid_text, text("compound"), building_no
            )
            grid_id = building[1]
            key = (building[0], unit, room)

        # A masked ID (from an export) keeps what is stored; a new household has nothing stored,
        # so it is lost: a missing ID, said so. (A masked phone is simply not kept.)
        if key is not None and key not in self.stored and keep_id:
            flags.append("no_id")
            (errors if self.strict else warnings).append(
                (
                    "id_number",
                    "身份证号是脱敏值（含 *），新住户无法保存；请填写完整号码",
                    "the ID is masked (has *) and this household is new, so it was not kept; "
                    "enter the full ID",
                )
            )
        # Duplicates in the file, and IDs held elsewhere.
        if not errors and key is not None:
            first = self.seen.get(key)
            values_key = (
                head,
                id_number,
                phone,
                persons,
                text("hukou"),
                text("housing"),
                text("note"),
                registered_on,
            )
            if first is not None:
                if first[1] == values_key:
                    self.report.merged += 1
                    self.problem(
                        excel_row,
                        "room",
                        "warning",
                        f"与第 {first[0]} 行完全相同，已合并",
                        f"the same as row {first[0]}; merged",
                    )
                    return
                errors.append(
                    (
                        "room",
                        f"与第 {first[0]} 行是同一地址但内容不同；请保留一行",
                        f"the same address as row {first[0]} with different values; keep one row",
                    )
                )
            else:
                self.seen[key] = (excel_row, values_key)
            if id_number and not errors:
                other = self.seen_ids.get(id_number)
                if other is not None and other[0] != key:
                    errors.append(
                        (
                            "id_number",
                            f"身份证号 {mask_id(id_number)} 在第 {other[1]} 行已用于另一户；请核对",
                            f"the ID {mask_id(id_number)} is already used by another household in row {other[1]}",
                        )
                    )
                held = self.stored_ids.get(id_number)
                if held is not None and held != key and not errors:
                    errors.append(
                        (
                            "id_number",
                            f"身份证号 {mask_id(id_number)} 已登记在另一户（{self._address(held)}）；请核对，不会自动迁移",
                            f"the ID {mask_id(id_number)} is held by another household ({self._address(held)}); check it, nothing is moved",
                        )
                    )
                if not errors:
                    self.seen_ids[id_number] = (key, excel_row)

        for name, zh, en in errors:
            self.problem(excel_row, name, "error", zh, en)
        for name, zh, en in warnings:
            self.problem(excel_row, name, "warning", zh, en)
        if errors or warnings:
            shown = {n: self._masked_cell(n, cells.get(n)) for n in self.report.columns}
            reason = "；".join(p.zh for p in self.report.problems[before:])
            self.report.flagged_rows.append((excel_row, shown, reason))
        if errors:
            self.report.rejected += 1
            return
        if warnings:
            self.report.warned += 1
        assert (key is not None and grid_id is not None) or building is not None
        self._classify(
            key,
            grid_id or building[1],  # type: ignore[index]
            community_id,
            head,
            (id_number, keep_id),
            (phone, keep_phone),
            persons,
            text("hukou") or None,
            text("housing") or None,
            text("note") or None,
            registered_on,
            ",".join(flags),
        )

    def _masked_cell(self, name: str, value: Any) -> Any:
        if name == "registered_on" and value not in (None, ""):
            # A date goes back as a date (whatever style it had), so the row imports again.
            return parse_date(value) or cell_text(value)
        text = cell_text(value) if value not in (None, "") else ""
        if name == "id_number":
            return mask_id(normalize_id(text)) if text and not is_masked(text) else text
        if name == "phone":
            return mask_phone(normalize_phone(text)) if text and not is_masked(text) else text
        return text

    def _address(self, key: tuple[int, str, str]) -> str:
        if key not in self.address_of:
            b = self.session.get_one(Building, key[0])
            community = self.session.get_one(Community, b.community_id).name
            self.address_of[key] = f"{community} {b.number}-{key[1] or '0'}-{key[2]}"
        return self.address_of[key]

    def _classify(
        self,
        key,
        grid_id,
        community_id,
        head,
        id_pair,
        phone_pair,
        persons,
        hukou,
        housing,
        note,
        registered_on,
        flags,
    ):  # type: ignore[no-untyped-def]
        stored = self.stored.get(key)
        old = stored[1] if stored else None
        present = self.cols

        def pick(index: int, name: str, value: Any, keep: bool = False) -> Any:
            # A column the file does not have, or a masked value, keeps what is stored.
            if old is not None and (name not in present or keep):
                return old[index]
            return value

        id_number = pick(2, "id_number", id_pair[0], id_pair[1])
        phone = pick(3, "phone", phone_pair[0], phone_pair[1])
        found = {f for f in flags.split(",") if f}
        if old is not None:
            # Flags follow their values: a masked value, or a column the file lacks, keeps the
            # stored value and so its stored flags.
            kept = {f for f in old[9].split(",") if f}
            if "id_number" not in present or id_pair[1]:
                found = (found - ID_FLAGS) | (kept & ID_FLAGS)
            if "phone" not in present or phone_pair[1]:
                found = (found - PHONE_FLAGS) | (kept & PHONE_FLAGS)
        flag_text = ",".join(f for f in FLAG_ORDER if f in found)
        values = (
            grid_id,
            head,
            id_number,
            phone,
            pick(4, "persons", persons if persons is not None else 1),
            pick(5, "hukou", hukou),
            pick(6, "housing", housing),
            pick(7, "note", note),
            pick(8, "registered_on", registered_on),
            flag_text,
        )
        if old is None:
            self.report.new += 1
            self.inserts.append((community_id, key[0], key[1], key[2], *values))
        elif old == values:
            self.report.unchanged += 1
        else:
            self.report.updated += 1
            self.updates.append((*values, stored[0]))  # type: ignore[index]

    def _create_units(self, community_name, community_id, grid_text, compound_name, building_no):  # type: ignore[no-untyped-def]
        units, session = self.units, self.session
        if community_id is None:
            if units.street_id is None:
                from redprop.services.org import default_street

                units.street_id = default_street(session).id
            community = Community(name=community_name, street_id=units.street_id)
            session.add(community)
            session.flush()
            community_id = community.id
            units.communities[community_name] = community_id
            self.report.created_units.append(f"社区 {community_name}")
        grid_id = None
        by_code = units.grids_by_code.get(grid_text)
        if by_code and by_code[1] == community_id:
            grid_id = by_code[0]
        else:
            grid_id = units.grids_by_name.get((community_id, grid_text))
        if grid_id is None:
            grid = Grid(
                code=grid_text
                if grid_text not in units.grids_by_code
                else f"{community_name}-{grid_text}",
                name=grid_text,
                community_id=community_id,
                kind="base",
            )
            session.add(grid)
            session.flush()
            grid_id = grid.id
            units.grids_by_code[grid.code] = (grid_id, community_id)  # type: ignore[assignment]
            units.grids_by_name[(community_id, grid_text)] = grid_id  # type: ignore[assignment]
            self.report.created_units.append(f"网格 {grid.code}")
        compound_id = None
        if compound_name:
            compound_id = units.compounds.get((community_id, compound_name))
            if compound_id is None:
                compound = Compound(name=compound_name, community_id=community_id)
                session.add(compound)
                session.flush()
                compound_id = compound.id
                units.compounds[(community_id, compound_name)] = compound_id  # type: ignore[assignment]
                self.report.created_units.append(f"小区 {compound_name}")
        building = Building(
            number=building_no,
            community_id=community_id,
            grid_id=grid_id,
            compound_id=compound_id,
            units=1,
        )
        session.add(building)
        session.flush()
        units.buildings[(community_id, building_no)] = (building.id, grid_id)  # type: ignore[assignment]
        self.report.created_units.append(f"楼栋 {community_name} {building_no}")
        return (building.id, grid_id), community_id

    # -- storing -----------------------------------------------------------------------------

    def store(self) -> None:
        """Batched driver-level statements: no ORM objects, no per-row SQL compilation. New
        households go in as an upsert on the address key (ON CONFLICT, on SQLite and PostgreSQL
        alike), so two imports racing for one address cannot both insert it."""
        conn = self.session.connection()
        sqlite = conn.dialect.name == "sqlite"
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"

        def plain(row: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(v.isoformat() if sqlite and isinstance(v, date) else v for v in row)

        cols = ["community_id", "building_id", "unit", "room", *FIELDS]
        if self.inserts:
            sql = (
                f"INSERT INTO household ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))}) "
                "ON CONFLICT (building_id, unit, room) DO UPDATE SET "
                + ", ".join(f"{f} = excluded.{f}" for f in FIELDS)
            )
            for start in range(0, len(self.inserts), 20000):
                conn.exec_driver_sql(sql, [plain(r) for r in self.inserts[start : start + 20000]])
        if self.updates:
            sql = f"UPDATE household SET {', '.join(f'{f} = {mark}' for f in FIELDS)} WHERE id = {mark}"
            for start in range(0, len(self.updates), 20000):
                conn.exec_driver_sql(sql, [plain(r) for r in self.updates[start : start + 20000]])


def column_names(report: ImportReport) -> list[str]:
    return [HEADERS[c] for c in report.columns]


def write_errors_workbook(report: ImportReport, out: Path) -> int:
    """The rejected and warned rows, masked, with 原行号 and 问题 columns, in a layout that
    imports again once corrected."""
    from redprop.excel.write import write_table

    if not report.flagged_rows:
        raise InputFileError(
            f"{out}：没有需要改正的行，未写出错误表", f"{out}: no rows to correct; nothing written"
        )
    headers = [*column_names(report), "原行号", "问题"]
    rows = (
        [*(shown.get(c, "") for c in report.columns), row, reason]
        for row, shown, reason in report.flagged_rows
    )
    return write_table(out, headers, rows, sheet="待改正")
