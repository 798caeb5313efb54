"""Household roster import (住户花名册) from real, messy spreadsheets.

Reads any .xlsx/.xls/.ods/.csv the clerks pass around, normalises every cell, validates each row
against the unit tree and the stored households, and stores the good rows in one transaction
with batched driver-level statements (the hot path never builds ORM objects). Every problem is
reported with Excel's row number, the column and the fix; ID and phone numbers are masked in
every message.
"""

from __future__ import annotations

import re
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from redprop.core.bulk import BackgroundInserts, paused_gc
from redprop.core.config import now
from redprop.core.errors import InputFileError
from redprop.core.ids import (
    IdChecks,
    clean_text,
    id_shape_ok,
    is_masked,
    mask_id,
    mask_phone,
    normalize_building,
    normalize_id,
    normalize_phone,
    normalize_unit,
    phone_ok,
)
from redprop.core.importreport import FlaggedRow, ImportReport, Problem
from redprop.core.models import Building, Community, Compound, Grid, Household, Street
from redprop.excel.read import Header, Sheet, cell_text, is_footer_row, parse_date
from redprop.excel.write import strip_csv_guard
from redprop.roster.file import COLUMNS, HEADERS, RosterFile, start_reading

FLAG_ORDER = ("id_checksum", "id_birth", "no_id", "phone")
ID_FLAGS = {"id_checksum", "id_birth", "no_id"}
PHONE_FLAGS = {"phone"}
MAX_PERSONS = 50

_PERSONS = re.compile(r"^(\d+)(?:\.0+)?\s*人?$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")


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
INSERT_COLUMNS = ("community_id", "building_id", "unit", "room", *FIELDS)


def import_roster(
    session: Session,
    *,
    path: Path,
    sheet: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    atomic: bool = False,
    create_units: bool = False,
    reading: Future[RosterFile] | None = None,
) -> ImportReport:
    """Import a roster file. Raises InputFileError when the file can't be used at all; otherwise
    returns the report (rows rejected or not). Stores nothing on dry_run, or when atomic and any
    row is rejected. `reading` is the file already being read (start_reading), if the caller
    started it before opening the ledger."""
    with paused_gc():
        if reading is None:
            reading = start_reading(path, sheet)
        # The file is parsed on other threads while this one loads the units and households.
        units = _load_units(session)
        stored, stored_ids = _load_stored(session)
        found = reading.result()
        header = found.header
        report = ImportReport(file=str(path), sheet=found.sheet.name, dry_run=dry_run)
        report.ignored_columns = header.unknown
        report.columns = [c for c in COLUMNS if c in header.columns]
        savepoint = session.begin_nested()
        writer = None
        if not dry_run and not create_units and session.connection().dialect.name == "sqlite":
            # New households are written while the next rows are checked (creating units
            # needs the connection in between, so that import writes at the end).
            raw = session.connection().connection.driver_connection
            writer = BackgroundInserts(raw, "household", INSERT_COLUMNS)
        importer = _Importer(
            session,
            report,
            header,
            units,
            stored,
            stored_ids,
            strict=strict,
            create_units=create_units,
            errors=found.errors,
            writer=writer,
        )
        try:
            importer.run(found.sheet)
            if writer:
                writer.finish()
        finally:
            if writer:
                writer.close()
        del found, reading, stored, stored_ids  # the cells can go before the rows are stored
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


Stored = dict[tuple[int, str, str], tuple[Any, ...]]


def _load_stored(session: Session) -> tuple[Stored, dict[str, tuple[int, str, str]]]:
    """Every stored household, (building id, unit, room) -> (household id, *FIELDS values), and
    the address holding each ID number. Driver rows as they come (dates stay ISO text on SQLite,
    as they are written back), read in batches; the address and category texts repeat, so each
    distinct one is kept once (a second import of a large roster holds all of them)."""
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
        type_coerce(Household.registered_on, String),
        Household.flags,
    ]
    stored: Stored = {}
    stored_ids: dict[str, tuple[int, str, str]] = {}
    texts: dict[Any, Any] = {}
    one = texts.setdefault
    result = session.connection().execute(select(*wanted))
    try:
        while rows := result.cursor.fetchmany(10000):
            for h in rows:
                key = (h[1], one(h[2], h[2]), one(h[3], h[3]))
                stored[key] = (
                    h[0],
                    h[4],
                    h[5],
                    h[6],
                    h[7],
                    h[8],
                    one(h[9], h[9]),
                    one(h[10], h[10]),
                    one(h[11], h[11]),
                    one(h[12], h[12]),
                    one(h[13], h[13]),
                )
                if h[6]:
                    stored_ids[h[6]] = key
    finally:
        result.close()
    return stored, stored_ids


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


# -- cleaning one cell ------------------------------------------------------------------------
#
# Each returns the value a column holds, or for ID, phone, persons and date a tuple with the
# problems found; a clean cell gives shared constants, so most rows allocate nothing here.

CHUNK = 4096


def _mapped(values: list[Any], clean: Any, done: dict[Any, Any]) -> list[Any]:
    """`clean` over a column, each distinct value cleaned once and remembered in `done` (which
    the caller keeps from chunk to chunk). Booleans are equal to 1 and 0 and NaN to nothing, so
    a chunk holding either is cleaned cell by cell."""
    distinct = set(values)
    if any(type(v) is bool or v != v for v in distinct):
        return list(map(clean, values))
    if len(done) > 100_000:
        done.clear()  # free text in a "repeating" column: keep memory bounded
    for v in distinct:
        if v not in done:
            done[v] = clean(v)
    return list(map(done.__getitem__, values))


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    return strip_csv_guard(cell_text(value))


def _building(value: Any) -> str:
    text = _text(value)
    return normalize_building(text) if text else ""


def _unit(value: Any) -> str:
    text = _text(value)
    return normalize_unit(text) if text else ""


def _room(value: Any) -> str:
    return clean_text(_text(value)).replace(" ", "")


def _persons(raw: Any) -> tuple[int | None, tuple[tuple[str, str, str], ...]]:
    if raw is None or raw == "":
        return _ONE_PERSON
    persons: int | None
    if isinstance(raw, float):
        persons = int(raw) if raw.is_integer() and raw >= 1 else None
    else:
        m = _PERSONS.match(clean_text(str(raw)))
        persons = int(m.group(1)) if m and int(m.group(1)) >= 1 else None
    if persons is None:
        return None, (
            (
                "persons",
                f"人口数“{cell_text(raw)}”不是不小于 1 的整数；请填写人数（如 3）",
                f"persons '{cell_text(raw)}' is not a whole number of at least 1",
            ),
        )
    if persons > MAX_PERSONS:
        return 0, (
            (
                "persons",
                f"人口数 {persons} 不合理（超过 {MAX_PERSONS}）；请核对是否填错了列",
                f"persons {persons} is implausible (over {MAX_PERSONS}); check the column",
            ),
        )
    return persons, ()


def _phone(raw: Any) -> tuple[Any, ...]:
    """(phone or None, masked?, flags, warnings) of a phone cell."""
    if raw is None or raw == "":
        return _NO_PHONE
    if (
        type(raw) is str
        and len(raw) == 11
        and raw.isascii()
        and raw.isdigit()
        and raw[0] == "1"
        and raw[1] in "3456789"
    ):
        return (raw, False, (), ())  # a mobile as normalize_phone would leave it
    value = normalize_phone(strip_csv_guard(cell_text(raw)))
    if is_masked(value):
        return (None, True, (), ())
    if not phone_ok(value):
        return (
            value,
            False,
            ("phone",),
            (
                (
                    "phone",
                    f"电话 {mask_phone(value)} 不像手机号或带区号的固定电话；请核对",
                    f"the phone {mask_phone(value)} is not a mobile or a landline with area code",
                ),
            ),
        )
    return (value, False, (), ())


def _date(raw: Any) -> tuple[date | None, tuple[tuple[str, str, str], ...]]:
    if raw is None or raw == "":
        return _NO_DATE
    found = parse_date(raw)
    if found is None:
        return None, (
            (
                "registered_on",
                f"登记日期“{cell_text(raw)}”无法识别，未保存；请写成 2023-01-05",
                f"the date '{cell_text(raw)}' can't be read and was not kept; write 2023-01-05",
            ),
        )
    return found, ()


def _date_iso(raw: Any) -> tuple[str | None, tuple[tuple[str, str, str], ...]]:
    found, warnings = _date(raw)
    return (found.isoformat() if found else None), warnings


_ONE_PERSON: tuple[int | None, tuple[Any, ...]] = (1, ())
_NO_PHONE: tuple[Any, ...] = (None, False, (), ())
_NO_DATE: tuple[date | None, tuple[Any, ...]] = (None, ())
_ABSENT_ID: tuple[Any, ...] = (None, False, (), (), ())
_MASKED_ID: tuple[Any, ...] = (None, True, (), (), ())
_NO_ID: tuple[Any, ...] = (
    None,
    False,
    ("no_id",),
    (),
    (("id_number", "没有身份证号；请补充", "no ID number; add it"),),
)
_ID_AS_NUMBER = (
    "id_number",
    "身份证号被存成了数字，后几位已丢失；请把该列设为“文本”格式后重新录入完整号码",
    "the ID was stored as a number and has lost digits; format the column as text and re-enter the IDs",
)
_ID_SCIENTIFIC = (
    "id_number",
    "身份证号被存成了数字（科学计数法），后几位已丢失；请把该列设为“文本”格式后重新录入",
    "the ID was stored as a number (scientific notation); format the column as text and re-enter it",
)
_EXCEL_ERROR = (
    "单元格是 Excel 错误值（如 #N/A、#REF!）；请改为正确的值",
    "the cell holds an Excel error value (#N/A, #REF!); enter a real value",
)
_NO_HEAD = ("head_name", "户主姓名为空；请填写户主姓名", "the head's name is empty; fill it in")
_NO_BUILDING = (
    "building",
    "楼栋为空；请填写楼栋号（如 5 或 5号楼）",
    "the building is empty; fill it in",
)
_NO_ROOM = ("room", "房号为空；请填写房号（如 301）", "the room is empty; fill it in")


class _Importer:
    def __init__(
        self,
        session: Session,
        report: ImportReport,
        header: Header,
        units: _Units,
        stored: Stored,
        stored_ids: dict[str, tuple[int, str, str]],
        *,
        strict: bool,
        create_units: bool,
        errors: set[tuple[int, int]],
        writer: BackgroundInserts | None = None,
    ) -> None:
        self.session = session
        self.report = report
        self.header = header
        self.units = units
        self.strict = strict
        self.create_units = create_units
        self.errors = errors
        self.cols = header.columns
        self.stored = stored
        self.stored_ids = stored_ids
        # Dates are kept as the database takes them: ISO text on SQLite.
        self.date_cell = _date_iso if session.connection().dialect.name == "sqlite" else _date
        self.address_of: dict[int, tuple[str, str]] = {}  # building id -> (community, number)
        # Addresses met in the file: (*values compared for duplicates, Excel row); and the address
        # each ID number was first met at.
        self.seen: dict[tuple[int, str, str], tuple[Any, ...]] = {}
        self.seen_ids: dict[str, tuple[int, str, str]] = {}
        self.inserts: list[tuple[Any, ...]] = []
        self.updates: list[tuple[Any, ...]] = []
        # Unit columns resolved, by (community, grid, building) as written.
        self.places: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        self.id_checks = IdChecks(now().date())
        self.writer = writer
        self.cleaned: dict[str, dict[Any, Any]] = {}  # by column: raw value -> cleaned
        self.error_rows = {row + 1 for row, _ in errors}
        # Every stored field has a column: an update needs no stored value to fill in.
        self.all_columns = all(
            name in self.cols
            for name in (
                "id_number",
                "phone",
                "persons",
                "hukou",
                "housing",
                "note",
                "registered_on",
            )
        )

    # -- problems ---------------------------------------------------------------------------

    def problem(self, row: int, field_name: str, level: str, zh: str, en: str) -> None:
        self.report.problems.append(
            Problem(row, HEADERS.get(field_name, field_name), level, zh, en)
        )

    # -- the pass over the rows -------------------------------------------------------------
    #
    # Rows are taken in chunks and cleaned column by column: the address, category and date
    # columns repeat a handful of values, so each distinct value is cleaned once, and the ID
    # and phone columns take a quick exact check before the general rules. The row step then
    # only combines finished values, in the order its problems are reported.

    def run(self, sheet: Sheet) -> None:
        start = self.header.row_index + 1
        report = self.report
        numbers: list[int] = []
        raws: list[list[Any]] = []
        for idx, raw in enumerate(sheet.iter_rows()):
            if idx < start:
                continue
            if _skippable(raw):
                report.skipped += 1
                continue
            report.read += 1
            numbers.append(idx + 1)
            raws.append(raw)
            if len(raws) == CHUNK:
                self._chunk(numbers, raws)
                numbers, raws = [], []
        if raws:
            self._chunk(numbers, raws)

    def _chunk(self, numbers: list[int], raws: list[list[Any]]) -> None:
        self._check(numbers, raws)
        if self.writer is not None and self.inserts:
            self.writer.add(self.inserts)
            self.inserts = []

    def _check(self, numbers: list[int], raws: list[list[Any]]) -> None:
        n = len(raws)
        cols = self.cols
        shortest = min(map(len, raws))  # CSV rows may stop early; workbook rows are full width

        def column(name: str, clean: Any, absent: Any = "", repeats: bool = True) -> list[Any]:
            if name not in cols:
                return [absent] * n
            col = cols[name]
            if col < shortest:
                values = list(map(itemgetter(col), raws))
            else:
                values = [r[col] if col < len(r) else None for r in raws]
            if not repeats:
                return list(map(clean, values))
            return _mapped(values, clean, self.cleaned.setdefault(name, {}))

        community = column("community", _text)
        grid = column("grid", _text)
        building = column("building", _building)
        unit = column("unit", _unit)
        room = column("room", _room)
        head = column("head_name", _text, repeats=False)
        hukou = column("hukou", _text)
        housing = column("housing", _text)
        note = column("note", _text)
        persons = column("persons", _persons, (None, ()))
        ids = column("id_number", self._id, _ABSENT_ID, repeats=False)
        phones = column("phone", _phone, _NO_PHONE, repeats=False)
        dates = column("registered_on", self.date_cell, _NO_DATE)
        places = self.places
        row = self._row
        for i, excel_row in enumerate(numbers):
            where = (community[i], grid[i], building[i])
            place = places.get(where)
            if place is None:
                place = places[where] = self._place(*where)
            row(
                excel_row,
                raws[i],
                where,
                place,
                unit[i],
                room[i],
                head[i],
                persons[i],
                ids[i],
                phones[i],
                dates[i],
                hukou[i],
                housing[i],
                note[i],
            )

    def _place(self, community_name: str, grid_text: str, building_no: str) -> tuple[Any, ...]:
        """(community id, grid id, building (id, grid id), errors) of an address's unit
        columns. Remembered in self.places until --create-units adds a unit."""
        units = self.units
        errors: list[tuple[str, str, str]] = []
        community_id = units.communities.get(community_name) if community_name else None
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
        grid_id = None
        if grid_text and community_id is not None:
            by_code = units.grids_by_code.get(grid_text)
            if by_code and by_code[1] == community_id:
                grid_id = by_code[0]
            else:
                grid_id = units.grids_by_name.get((community_id, grid_text))
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
            building = units.buildings.get((community_id, building_no))
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
        return community_id, grid_id, building, errors

    def _id(self, raw: Any) -> tuple[Any, ...]:
        """(ID number or None, masked?, flags, errors, warnings) of an ID cell."""
        if raw is None or raw == "":
            return _NO_ID
        if (
            type(raw) is str
            and len(raw) == 18
            and raw.isascii()
            and raw[:17].isdigit()
            and (raw[17].isdigit() or raw[17] == "X")
        ):
            value = raw  # already as normalize_id would leave it: the common case
        elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return (None, False, (), (_ID_AS_NUMBER,), ())
        else:
            value = normalize_id(strip_csv_guard(str(raw)))
            if is_masked(value):
                return _MASKED_ID
            if _SCIENTIFIC.match(value):
                return (None, False, (), (_ID_SCIENTIFIC,), ())
            if not id_shape_ok(value):
                return (
                    None,
                    False,
                    (),
                    (
                        (
                            "id_number",
                            f"身份证号 {mask_id(value)} 应为 18 位（17 位数字加数字或 X）；请核对",
                            f"the ID {mask_id(value)} must be 18 characters (17 digits and a digit or X)",
                        ),
                    ),
                    (),
                )
        checksum_ok, birth_ok = self.id_checks.check(value)
        if checksum_ok and birth_ok:
            return (value, False, (), (), ())
        flags: list[str] = []
        warnings: list[tuple[str, str, str]] = []
        if not checksum_ok:
            flags.append("id_checksum")
            warnings.append(
                (
                    "id_number",
                    f"身份证号 {mask_id(value)} 校验码不对；请核对原件",
                    f"the ID {mask_id(value)} has a wrong check character; check the document",
                )
            )
        if not birth_ok:
            flags.append("id_birth")
            warnings.append(
                (
                    "id_number",
                    f"身份证号 {mask_id(value)} 中的出生日期不合理；请核对",
                    f"the ID {mask_id(value)} encodes an implausible birth date",
                )
            )
        return (value, False, tuple(flags), (), tuple(warnings))

    def _row(
        self,
        excel_row: int,
        raw: list[Any],
        where: tuple[str, str, str],
        place: tuple[Any, ...],
        unit: str,
        room: str,
        head: str,
        persons_cell: tuple[Any, ...],
        id_cell: tuple[Any, ...],
        phone_cell: tuple[Any, ...],
        date_cell: tuple[Any, ...],
        hukou: str,
        housing: str,
        note: str,
    ) -> None:
        report = self.report
        before = len(report.problems)
        community_name, grid_text, building_no = where
        community_id, grid_id, building, place_errors = place
        persons, persons_errors = persons_cell
        id_number, keep_id, id_flags, id_errors, id_warnings = id_cell
        phone, keep_phone, phone_flags, phone_warnings = phone_cell
        registered_on, date_warnings = date_cell

        errors: list[tuple[str, str, str]] = []
        if excel_row in self.error_rows:
            errors += (
                (name, _EXCEL_ERROR[0], _EXCEL_ERROR[1])
                for name, col in self.cols.items()
                if (excel_row - 1, col) in self.errors
            )
        if not head:
            errors.append(_NO_HEAD)
        if not building_no:
            errors.append(_NO_BUILDING)
        if not room:
            errors.append(_NO_ROOM)
        if place_errors:
            errors += place_errors
        if persons_errors:
            errors += persons_errors
        if id_errors:
            errors += id_errors
        warnings = [*id_warnings, *phone_warnings, *date_warnings]
        flags = [*id_flags, *phone_flags]
        if self.strict and warnings:
            errors.extend(warnings)
            warnings = []

        key: tuple[int, str, str] | None = None
        if not errors and building is not None:
            key = (building[0], unit, room)
        elif not errors and self.create_units:
            compound = _text(raw[self.cols["compound"]]) if "compound" in self.cols else ""
            building, community_id = self._create_units(
                community_name, community_id, grid_text, compound, building_no
            )
            grid_id = building[1]
            key = (building[0], unit, room)

        # A masked ID (from an export) keeps what is stored; a new household has nothing stored,
        # so it is lost: a missing ID, said so. (A masked phone is simply not kept.)
        if keep_id and key is not None and key not in self.stored:
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
            entry = (
                head,
                id_number,
                phone,
                persons,
                hukou,
                housing,
                note,
                registered_on,
                excel_row,
            )
            if first is not None:
                if first[:-1] == entry[:-1]:
                    report.merged += 1
                    self.problem(
                        excel_row,
                        "room",
                        "warning",
                        f"与第 {first[-1]} 行完全相同，已合并",
                        f"the same as row {first[-1]}; merged",
                    )
                    return
                errors.append(
                    (
                        "room",
                        f"与第 {first[-1]} 行是同一地址但内容不同；请保留一行",
                        f"the same address as row {first[-1]} with different values; keep one row",
                    )
                )
            else:
                self.seen[key] = entry
            if id_number and not errors:
                other = self.seen_ids.get(id_number)
                if other is not None and other != key:
                    other_row = self.seen[other][-1]
                    errors.append(
                        (
                            "id_number",
                            f"身份证号 {mask_id(id_number)} 在第 {other_row} 行已用于另一户；请核对",
                            f"the ID {mask_id(id_number)} is already used by another household in row {other_row}",
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
                    self.seen_ids[id_number] = key

        if errors or warnings:
            for name, zh, en in errors:
                self.problem(excel_row, name, "error", zh, en)
            for name, zh, en in warnings:
                self.problem(excel_row, name, "warning", zh, en)
            width = len(raw)
            cols = self.cols
            shown = {
                name: self._masked_cell(name, raw[cols[name]] if cols[name] < width else None)
                for name in report.columns
            }
            reason = "；".join(p.zh for p in report.problems[before:])
            report.flagged_rows.append(FlaggedRow(excel_row, shown, reason))
            if errors:
                report.rejected += 1
                return
            report.warned += 1
        assert key is not None and building is not None
        self._classify(
            key,
            grid_id or building[1],
            community_id,
            head,
            id_number,
            keep_id,
            phone,
            keep_phone,
            persons,
            hukou or None,
            housing or None,
            note or None,
            registered_on,
            flags,
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
        """A stored household's address, from the units in memory (the connection may be busy
        writing on another thread)."""
        if not self.address_of:
            names = {cid: name for name, cid in self.units.communities.items()}
            self.address_of = {
                bid: (names.get(cid, "?"), number)
                for (cid, number), (bid, _) in self.units.buildings.items()
            }
        community, number = self.address_of.get(key[0], ("?", "?"))
        return f"{community} {number}-{key[1] or '0'}-{key[2]}"

    def _classify(
        self,
        key: tuple[int, str, str],
        grid_id: int,
        community_id: int,
        head: str,
        id_number: str | None,
        keep_id: bool,
        phone: str | None,
        keep_phone: bool,
        persons: int | None,
        hukou: str | None,
        housing: str | None,
        note: str | None,
        registered_on: Any,
        flags: list[str],
    ) -> None:
        stored = self.stored.get(key)
        flag_text = ",".join(f for f in FLAG_ORDER if f in flags) if flags else ""
        if stored is None:
            self.report.new += 1
            self.inserts.append(
                (
                    community_id,
                    *key,
                    grid_id,
                    head,
                    id_number,
                    phone,
                    persons if persons is not None else 1,
                    hukou,
                    housing,
                    note,
                    registered_on,
                    flag_text,
                )
            )
            return
        old = stored[1:]
        present = self.cols
        if self.all_columns and not keep_id and not keep_phone:
            values = (
                grid_id,
                head,
                id_number,
                phone,
                persons,
                hukou,
                housing,
                note,
                registered_on,
                flag_text,
            )
        else:

            def pick(index: int, name: str, value: Any, keep: bool = False) -> Any:
                # A column the file does not have, or a masked value, keeps what is stored.
                return old[index] if name not in present or keep else value

            found = set(flags)
            # Flags follow their values: a masked value, or a column the file lacks, keeps the
            # stored value and so its stored flags.
            kept = {f for f in old[9].split(",") if f}
            if "id_number" not in present or keep_id:
                found = (found - ID_FLAGS) | (kept & ID_FLAGS)
            if "phone" not in present or keep_phone:
                found = (found - PHONE_FLAGS) | (kept & PHONE_FLAGS)
            values = (
                grid_id,
                head,
                pick(2, "id_number", id_number, keep_id),
                pick(3, "phone", phone, keep_phone),
                pick(4, "persons", persons if persons is not None else 1),
                pick(5, "hukou", hukou),
                pick(6, "housing", housing),
                pick(7, "note", note),
                pick(8, "registered_on", registered_on),
                ",".join(f for f in FLAG_ORDER if f in found),
            )
        if old == values:
            self.report.unchanged += 1
        else:
            self.report.updated += 1
            self.updates.append((*values, stored[0]))

    def _create_units(self, community_name, community_id, grid_text, compound_name, building_no):  # type: ignore[no-untyped-def]
        units, session = self.units, self.session
        if community_id is None:
            if units.street_id is None:
                from redprop.units.org import default_street

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
        self.places.clear()  # addresses resolved before may now find their units
        self.report.created_units.append(f"楼栋 {community_name} {building_no}")
        return (building.id, grid_id), community_id

    # -- storing -----------------------------------------------------------------------------

    def store(self) -> None:
        """Batched driver-level statements: no ORM objects, no per-row SQL compilation.

        On PostgreSQL new households go in as an upsert on the address key (ON CONFLICT), so two
        imports racing for one address cannot both insert it. On SQLite the command's
        transaction took the write lock (BEGIN IMMEDIATE) before the stored households were
        read, so no one else can have added an address since, and a plain INSERT does: an
        upsert there costs three times as much with foreign keys on."""
        conn = self.session.connection()
        sqlite = conn.dialect.name == "sqlite"
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        batch = 20000
        if self.inserts:
            sql = f"INSERT INTO household ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join([mark] * len(INSERT_COLUMNS))})"
            if not sqlite:
                sql += " ON CONFLICT (building_id, unit, room) DO UPDATE SET " + ", ".join(
                    f"{f} = excluded.{f}" for f in FIELDS
                )
            for start in range(0, len(self.inserts), batch):
                conn.exec_driver_sql(sql, self.inserts[start : start + batch])
        if self.updates:
            sql = f"UPDATE household SET {', '.join(f'{f} = {mark}' for f in FIELDS)} WHERE id = {mark}"
            for start in range(0, len(self.updates), batch):
                conn.exec_driver_sql(sql, self.updates[start : start + batch])


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
