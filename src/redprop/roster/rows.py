"""Checking a roster's rows: taken in chunks, cleaned column by column, then each row in turn:
what its cells say, its address, whether the file or the ledger already has it (duplicates,
IDs held elsewhere), and what it changes. Every problem gets Excel's row number and its column.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from redprop.core import fields
from redprop.core.config import now
from redprop.core.ids import IdChecks, mask_id, scrub
from redprop.core.importreport import FlaggedRow, ImportReport, Problem
from redprop.excel.read import Header, Sheet
from redprop.roster import cells
from redprop.roster.cells import Checked, Message
from redprop.roster.changes import AT, FLAG_ORDER, Changes
from redprop.roster.errorsbook import shown_cells
from redprop.roster.file import HEADERS
from redprop.roster.held import Restorer, full_values
from redprop.roster.places import Address, Place, Places
from redprop.roster.tagcells import TagCells

CHUNK = 4096

_EXCEL_ERROR = (
    "单元格是 Excel 错误值（如 #N/A、#REF!）；请改为正确的值",
    "the cell holds an Excel error value (#N/A, #REF!); enter a real value",
)
_NO_HEAD = Message(
    "head_name", "户主姓名为空；请填写户主姓名", "the head's name is empty; fill it in"
)
_NO_BUILDING = Message(
    "building", "楼栋为空；请填写楼栋号（如 5 或 5号楼）", "the building is empty; fill it in"
)
_NO_ROOM = Message("room", "房号为空；请填写房号（如 301）", "the room is empty; fill it in")
_MASKED_NEW = Message(
    "id_number",
    "身份证号是脱敏值（含 *），新住户无法保存；请填写完整号码",
    "the ID is masked (has *) and this household is new, so it was not kept; enter the full ID",
)


# Where each text column is stored, for its length (core/fields), and its header's key.
_STORED_IN = {
    "community": ("community", "name"),
    "grid": ("grid", "code"),
    "building": ("building", "number"),
    "unit": ("household", "unit"),
    "room": ("household", "room"),
    "head": ("household", "head_name"),
    "hukou": ("household", "hukou"),
    "housing": ("household", "housing"),
    "note": ("household", "note"),
}
_COLUMN = {"head": "head_name"}
_COLUMN.update((k, k) for k in _STORED_IN if k not in _COLUMN)

_MASKED_PHONE_NEW = Message(
    "phone",
    "电话是脱敏值（含 *），这一户是新的或换了户主，无法保留；请填写完整号码",
    "the phone is masked (has *) and the household is new or has a new head, so it was not "
    "kept; enter the full number",
)


def _same_head(stored: str, given: str) -> bool:
    """The same head: as stored, or as a masked export shows it (an ID typed into the name)."""
    return given == stored or ("*" in given and scrub(stored) == given)


def _other_person(old_head: str, old_id: str, head: str) -> Message:
    return Message(
        "head_name",
        f"该地址登记的户主是“{old_head}”（身份证号 {mask_id(old_id)}），本行户主“{head}”却没有"
        "完整身份证号；若确已换户主，请填写新户主的完整身份证号，或加 --replace 导入",
        f"the household here is '{old_head}' (ID {mask_id(old_id)}), and this row names "
        f"'{head}' without a full ID; if the head has changed, give the new head's full ID, "
        "or import with --replace",
    )


@dataclass(slots=True)
class Columns:
    """One chunk's cells, cleaned, column by column (row i of the chunk is index i). persons,
    ids, phones and dates hold a value or a Checked (see cells)."""

    community: list[str]
    grid: list[str]
    building: list[str]
    unit: list[str]
    room: list[str]
    head: list[str]
    hukou: list[str]
    housing: list[str]
    note: list[str]
    persons: list[Any]
    ids: list[Any]
    phones: list[Any]
    dates: list[Any]
    # Rows (chunk index) with a text longer than its column holds, and what to say.
    long: dict[int, list[Message]]


class RowChecker:
    """One pass over a roster's rows: problems and counts into `report`, good rows to `changes`."""

    def __init__(
        self,
        report: ImportReport,
        header: Header,
        places: Places,
        changes: Changes,
        stored_ids: dict[str, Address],
        *,
        strict: bool,
        errors: set[tuple[int, int]],
        dates_as_text: bool,
        replace: bool = False,
        restorer: Restorer | None = None,
        tags: TagCells | None = None,
    ) -> None:
        self.tags = tags  # the 标签 column, when the file has one
        self.replace = replace
        self.restorer = restorer
        self.report = report
        self.header = header
        self.cols = header.columns
        self.places = places
        self.changes = changes
        self.stored_ids = stored_ids
        self.strict = strict
        self.errors = errors  # cells holding Excel error values, (row index, column index)
        self.error_rows = {row + 1 for row, _ in errors}
        # Dates are kept as the database takes them: ISO text on SQLite.
        self.date_cell = cells.day_iso if dates_as_text else cells.day
        self.id_cell = cells.id_cleaner(IdChecks(now().date()))
        self.cleaned: dict[str, dict[Any, Any]] = {}  # by column: raw value -> cleaned
        # Addresses met in the file: the values compared for duplicates, then the Excel row;
        # and the address each ID number was first met at.
        self.seen: dict[Address, tuple[Any, ...]] = {}
        self.seen_ids: dict[str, Address] = {}

    def problem(self, row: int, level: str, message: Message) -> Problem:
        field_name, zh, en = message
        found = Problem(row, HEADERS.get(field_name, field_name), level, zh, en)
        self.report.add(found)
        return found

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
            if cells.skippable(raw):
                report.skipped += 1
                continue
            if self.restorer is not None:
                self.restorer.restore(raw)
            report.read += 1
            numbers.append(idx + 1)
            raws.append(raw)
            if len(raws) == CHUNK:
                self._chunk(numbers, raws)
                numbers, raws = [], []
        if raws:
            self._chunk(numbers, raws)

    def _chunk(self, numbers: list[int], raws: list[list[Any]]) -> None:
        c = self._columns(raws)
        community, grid, building = c.community, c.grid, c.building
        places = self.places.cache
        resolve = self.places.resolve
        row = self._row
        for i, excel_row in enumerate(numbers):
            where = (community[i], grid[i], building[i])
            place = places.get(where)
            if place is None:
                place = places[where] = resolve(*where)
            row(c, i, excel_row, raws[i], place)
        self.changes.hand_over()

    def _columns(self, raws: list[list[Any]]) -> Columns:
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
            return cells.mapped(values, clean, self.cleaned.setdefault(name, {}))

        found = Columns(
            community=column("community", cells.text),
            grid=column("grid", cells.text),
            building=column("building", cells.building),
            unit=column("unit", cells.unit),
            room=column("room", cells.room),
            head=column("head_name", cells.text, repeats=False),
            hukou=column("hukou", cells.text),
            housing=column("housing", cells.text),
            note=column("note", cells.note),
            persons=column("persons", cells.persons, None),
            ids=column("id_number", self.id_cell, None, repeats=False),
            phones=column("phone", cells.phone, None, repeats=False),
            dates=column("registered_on", self.date_cell, None),
            long={},
        )
        for name, (table, field_name) in _STORED_IN.items():
            most = fields.bound(table, field_name)
            assert most is not None
            for i, value in enumerate(getattr(found, name)):
                if len(value) > most:
                    message = fields.too_long(field_name, value, most)
                    found.long.setdefault(i, []).append(Message(_COLUMN[name], *message))
        # A phone that isn't one is kept as written, with a warning: it must still fit.
        most = fields.bound("household", "phone")
        for i, phone in enumerate(found.phones):
            kept = phone.value if type(phone) is Checked else phone
            if isinstance(kept, str) and most is not None and len(kept) > most:
                said = Message("phone", *fields.too_long("phone", kept, most))
                found.long.setdefault(i, []).append(said)
        return found

    # -- one row ------------------------------------------------------------------------------

    def _row(self, c: Columns, i: int, excel_row: int, raw: list[Any], place: Place) -> None:
        """One row: its problems in the order they are reported, then what it changes."""
        head, room = c.head[i], c.room[i]
        persons, id_number, phone, registered = c.persons[i], c.ids[i], c.phones[i], c.dates[i]
        errors: list[Message] = []
        warnings: list[Message] = []
        flags: list[str] = []
        keep_id = keep_phone = False
        if (
            place.errors
            or not (head and room and c.building[i])
            or excel_row in self.error_rows
            or type(id_number) is Checked
            or type(phone) is Checked
            or type(persons) is Checked
            or type(registered) is Checked
            or i in c.long
        ):
            found = (persons, id_number, phone, registered)
            self._cell_problems(c, i, excel_row, place, found, errors, warnings, flags)
            if type(persons) is Checked:
                persons = persons.value
            if type(id_number) is Checked:
                id_number, keep_id = id_number.value, id_number.masked
            if type(phone) is Checked:
                phone, keep_phone = phone.value, phone.masked
            if type(registered) is Checked:
                registered = registered.value
        if self.strict and warnings:
            errors += warnings
            warnings = []

        key: Address | None = None
        if not errors:
            if place.building is None and self.places.create_units:
                place = self._create_units(c, i, raw, place)
            if place.building is not None:
                key = (place.building.id, c.unit[i], room)

        hukou, housing, note = c.hukou[i], c.housing[i], c.note[i]
        if not errors and key is not None:
            entry = (head, id_number, phone, persons, hukou, housing, note, registered, excel_row)
            if self._met_before(key, entry, errors):
                return
        if key is not None and not errors:
            id_number, phone, keep_id, keep_phone = self._who(
                key, head, (id_number, phone, keep_id, keep_phone), errors, warnings, flags
            )
        tags = self.tags.check(raw, errors) if self.tags is not None else []
        if errors or warnings:
            self._flag(excel_row, raw, errors, warnings)
            if errors:
                self.report.rejected += 1
                return
            self.report.warned += 1
        assert key is not None and place.building is not None
        values = (
            place.grid_id or place.building.grid_id,
            head,
            id_number,
            phone,
            persons if persons is not None else 1,
            hukou or None,
            housing or None,
            note or None,
            registered,
            ",".join(f for f in FLAG_ORDER if f in flags) if flags else "",
        )
        self.changes.classify(key, place.community_id, values, flags, keep_id, keep_phone)  # type: ignore[arg-type]
        if tags:
            self.tags.keep(key, tags)  # type: ignore[union-attr]

    def _who(
        self,
        key: Address,
        head: str,
        given: tuple[Any, Any, bool, bool],
        errors: list[Message],
        warnings: list[Message],
        flags: list[str],
    ) -> tuple[Any, Any, bool, bool]:
        """Who the row says lives at `key`, against who is stored there. A masked ID or phone
        (from an export) keeps the stored one only for the same person; a new household has
        nothing stored, so it is lost, said so. A different head while the stored one has an ID
        the row doesn't carry in full is refused unless --replace: nothing changes who a
        household is without saying so."""
        id_number, phone, keep_id, keep_phone = given
        problems = errors if self.strict else warnings
        stored = self.changes.stored.get(key)
        if stored is not None and _same_head(stored[1 + AT["head_name"]], head):
            return given
        if stored is not None:
            old_head, old_id = stored[1 + AT["head_name"]], stored[1 + AT["id_number"]]
            if old_id and (keep_id or not id_number) and not self.replace:
                errors.append(_other_person(old_head, old_id, head))
                return given
            warnings.append(
                Message(
                    "head_name",
                    f"户主由“{old_head}”改为“{head}”",
                    f"the head changes from '{old_head}' to '{head}'",
                )
            )
        if keep_id:  # nothing stored is this person's
            id_number, keep_id = None, False
            flags.append("no_id")
            problems.append(_MASKED_NEW)
        if keep_phone:
            phone, keep_phone = None, False
            problems.append(_MASKED_PHONE_NEW)
        return id_number, phone, keep_id, keep_phone

    def _create_units(self, c: Columns, i: int, raw: list[Any], place: Place) -> Place:
        compound = cells.text(raw[self.cols["compound"]]) if "compound" in self.cols else ""
        return self.places.create(place, c.community[i], c.grid[i], compound, c.building[i])

    def _cell_problems(
        self,
        c: Columns,
        i: int,
        excel_row: int,
        place: Place,
        found: tuple[Any, ...],
        errors: list[Message],
        warnings: list[Message],
        flags: list[str],
    ) -> None:
        """What the row's own cells say, added in the order it is reported: Excel error values,
        empty required cells, the unit columns, then each checked cell (persons, ID, phone,
        date) in turn."""
        if excel_row in self.error_rows:
            errors += (
                Message(name, *_EXCEL_ERROR)
                for name, col in self.cols.items()
                if (excel_row - 1, col) in self.errors
            )
        if not c.head[i]:
            errors.append(_NO_HEAD)
        if not c.building[i]:
            errors.append(_NO_BUILDING)
        if not c.room[i]:
            errors.append(_NO_ROOM)
        errors += place.errors
        errors += c.long.get(i, ())
        for cell in found:
            if type(cell) is Checked:
                errors += cell.errors
                warnings += cell.warnings
                flags += cell.flags

    def _met_before(self, key: Address, entry: tuple[Any, ...], errors: list[Message]) -> bool:
        """Whether the row repeats one met before in the file (then merged, and said so). Adds to
        `errors` an address met with other values, or an ID another household holds, in the
        file or in the ledger. `entry`: the values compared, then the Excel row."""
        excel_row = entry[-1]
        first = self.seen.get(key)
        if first is not None:
            if first[:-1] == entry[:-1]:
                self.report.merged += 1
                self.problem(
                    excel_row,
                    "warning",
                    Message(
                        "room",
                        f"与第 {first[-1]} 行完全相同，已合并",
                        f"the same as row {first[-1]}; merged",
                    ),
                )
                return True
            errors.append(
                Message(
                    "room",
                    f"与第 {first[-1]} 行是同一地址但内容不同；请保留一行",
                    f"the same address as row {first[-1]} with different values; keep one row",
                )
            )
        else:
            self.seen[key] = entry
        id_number = entry[1]
        if id_number and not errors:
            other = self.seen_ids.get(id_number)
            if other is not None and other != key:
                other_row = self.seen[other][-1]
                errors.append(
                    Message(
                        "id_number",
                        f"身份证号 {mask_id(id_number)} 在第 {other_row} 行已用于另一户；请核对",
                        f"the ID {mask_id(id_number)} is already used by another household in row {other_row}",
                    )
                )
            held = self.stored_ids.get(id_number)
            if held is not None and held != key and not errors:
                address = self.places.describe(held)
                errors.append(
                    Message(
                        "id_number",
                        f"身份证号 {mask_id(id_number)} 已登记在另一户（{address}）；请核对，不会自动迁移",
                        f"the ID {mask_id(id_number)} is held by another household ({address}); check it, nothing is moved",
                    )
                )
            if not errors:
                self.seen_ids[id_number] = key
        return False

    def _flag(
        self, excel_row: int, raw: list[Any], errors: list[Message], warnings: list[Message]
    ) -> None:
        """The row's problems to the report, and the row, masked, for the errors workbook."""
        report = self.report
        found = [self.problem(excel_row, "error", message) for message in errors]
        found += (self.problem(excel_row, "warning", message) for message in warnings)
        reason = "；".join(p.zh for p in found)
        shown = shown_cells(raw, self.cols, report.columns)
        held = full_values(raw, self.cols)
        report.flagged_rows.append(FlaggedRow(excel_row, shown, reason, held))
