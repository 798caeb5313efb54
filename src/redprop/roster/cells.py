"""Cleaning one roster cell: the value each column holds, and what a doubtful ID, phone, persons
or date cell says about itself. Also which rows are skipped (blank, signature lines) and the
column-at-a-time cache that cleans each distinct value once.

The cleaners of those four columns return the clean value itself (most cells), or a `Checked`
holding the value with its flags, errors and warnings: so most rows allocate nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from redprop.core.ids import (
    IdChecks,
    clean_block,
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
    scrub,
)
from redprop.excel.read import cell_text, is_footer_row, parse_date
from redprop.excel.write import strip_csv_guard

MAX_PERSONS = 50

_PERSONS = re.compile(r"^(\d+)(?:\.0+)?\s*人?$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
_FOOTER_START = frozenset("填制审负统联日")


class Message(NamedTuple):
    """A problem of one cell, before it has a row: the canonical field and the fix."""

    field: str
    zh: str
    en: str


class Checked(NamedTuple):
    """A cell with something to say: its value (None when it can't be kept), whether it was
    masked (the stored value stays), the flags it puts on the household, and its problems."""

    value: Any
    masked: bool = False
    flags: tuple[str, ...] = ()
    errors: tuple[Message, ...] = ()
    warnings: tuple[Message, ...] = ()


def skippable(raw: list[Any]) -> bool:
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


def mapped(values: list[Any], clean: Callable[[Any], Any], done: dict[Any, Any]) -> list[Any]:
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


# -- text columns ---------------------------------------------------------------------------


def text(value: Any) -> str:
    if value is None or value == "":
        return ""
    return strip_csv_guard(cell_text(value))


def note(value: Any) -> str:
    """A note keeps its lines and tabs (core/ids.clean_block)."""
    if type(value) is str:
        return strip_csv_guard(clean_block(value))
    return text(value)


def building(value: Any) -> str:
    found = text(value)
    return normalize_building(found) if found else ""


def unit(value: Any) -> str:
    found = text(value)
    return normalize_unit(found) if found else ""


def room(value: Any) -> str:
    return clean_text(text(value)).replace(" ", "")


# -- checked columns: the value, or a Checked ------------------------------------------------


def persons(raw: Any) -> int | Checked:
    if raw is None or raw == "":
        return 1
    found: int | None
    if isinstance(raw, float):
        found = int(raw) if raw.is_integer() and raw >= 1 else None
    else:
        m = _PERSONS.match(clean_text(str(raw)))
        found = int(m.group(1)) if m and int(m.group(1)) >= 1 else None
    if found is None:
        return Checked(
            None,
            errors=(
                Message(
                    "persons",
                    f"人口数“{cell_text(raw)}”不是不小于 1 的整数；请填写人数（如 3）",
                    f"persons '{cell_text(raw)}' is not a whole number of at least 1",
                ),
            ),
        )
    if found > MAX_PERSONS:
        return Checked(
            0,
            errors=(
                Message(
                    "persons",
                    f"人口数 {found} 不合理（超过 {MAX_PERSONS}）；请核对是否填错了列",
                    f"persons {found} is implausible (over {MAX_PERSONS}); check the column",
                ),
            ),
        )
    return found


_MASKED = Checked(None, masked=True)


def phone(raw: Any) -> str | Checked | None:
    if raw is None or raw == "":
        return None
    if (
        type(raw) is str
        and len(raw) == 11
        and raw.isascii()
        and raw.isdigit()
        and raw[0] == "1"
        and raw[1] in "3456789"
    ):
        return raw  # a mobile as normalize_phone would leave it
    value = normalize_phone(strip_csv_guard(cell_text(raw)))
    if is_masked(value):
        return _MASKED
    if not phone_ok(value):
        return Checked(
            value,
            flags=("phone",),
            warnings=(
                Message(
                    "phone",
                    f"电话 {mask_phone(value)} 不像手机号或带区号的固定电话；请核对",
                    f"the phone {mask_phone(value)} is not a mobile or a landline with area code",
                ),
            ),
        )
    return value


def day(raw: Any) -> date | Checked | None:
    if raw is None or raw == "":
        return None
    found = parse_date(raw)
    if found is None:
        return Checked(
            None,
            warnings=(
                Message(
                    "registered_on",
                    f"登记日期“{cell_text(raw)}”无法识别，未保存；请写成 2023-01-05",
                    f"the date '{cell_text(raw)}' can't be read and was not kept; write 2023-01-05",
                ),
            ),
        )
    return found


def day_iso(raw: Any) -> str | Checked | None:
    """A date as SQLite keeps it: ISO text."""
    found = day(raw)
    return found.isoformat() if isinstance(found, date) else found


_NO_ID = Checked(
    None,
    flags=("no_id",),
    warnings=(Message("id_number", "没有身份证号；请补充", "no ID number; add it"),),
)
_ID_AS_NUMBER = Checked(
    None,
    errors=(
        Message(
            "id_number",
            "身份证号被存成了数字，后几位已丢失；请把该列设为“文本”格式后重新录入完整号码",
            "the ID was stored as a number and has lost digits; format the column as text and re-enter the IDs",
        ),
    ),
)
_ID_SCIENTIFIC = Checked(
    None,
    errors=(
        Message(
            "id_number",
            "身份证号被存成了数字（科学计数法），后几位已丢失；请把该列设为“文本”格式后重新录入",
            "the ID was stored as a number (scientific notation); format the column as text and re-enter it",
        ),
    ),
)


def id_cleaner(checks: IdChecks) -> Callable[[Any], str | Checked | None]:
    """The cleaner of ID cells, remembering what `checks` learns from one ID to the next."""
    check = checks.check

    def clean(raw: Any) -> str | Checked | None:
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
            return _ID_AS_NUMBER
        else:
            value = normalize_id(strip_csv_guard(str(raw)))
            if is_masked(value):
                return _MASKED
            if _SCIENTIFIC.match(value):
                return _ID_SCIENTIFIC
            if not id_shape_ok(value):
                return Checked(None, errors=(_bad_shape(value),))
        checksum_ok, birth_ok = check(value)
        if checksum_ok and birth_ok:
            return value
        return _doubtful_id(value, checksum_ok, birth_ok)

    return clean


def _bad_shape(value: str) -> Message:
    return Message(
        "id_number",
        f"身份证号 {mask_id(value)} 应为 18 位（17 位数字加数字或 X）；请核对",
        f"the ID {mask_id(value)} must be 18 characters (17 digits and a digit or X)",
    )


def _doubtful_id(value: str, checksum_ok: bool, birth_ok: bool) -> Checked:
    flags: list[str] = []
    warnings: list[Message] = []
    if not checksum_ok:
        flags.append("id_checksum")
        warnings.append(
            Message(
                "id_number",
                f"身份证号 {mask_id(value)} 校验码不对；请核对原件",
                f"the ID {mask_id(value)} has a wrong check character; check the document",
            )
        )
    if not birth_ok:
        flags.append("id_birth")
        warnings.append(
            Message(
                "id_number",
                f"身份证号 {mask_id(value)} 中的出生日期不合理；请核对",
                f"the ID {mask_id(value)} encodes an implausible birth date",
            )
        )
    return Checked(value, flags=tuple(flags), warnings=tuple(warnings))


# -- a flagged row, masked, as the errors workbook shows it ----------------------------------


def masked_cell(name: str, value: Any) -> Any:
    """Every cell of a flagged row as the errors workbook shows it: the ID and phone columns
    masked by their rules, and any ID- or phone-shaped number in any other cell (人口数,
    登记日期, a name) masked too, since the row was flagged because its cells are not what
    they should be."""
    if name == "registered_on" and value not in (None, ""):
        # A date goes back as a date (whatever style it had), so the row imports again.
        return parse_date(value) or scrub(cell_text(value))
    found = cell_text(value) if value not in (None, "") else ""
    if name == "id_number":
        return mask_id(normalize_id(found)) if found and not is_masked(found) else found
    if name == "phone":
        return mask_phone(normalize_phone(found)) if found and not is_masked(found) else found
    return scrub(found)
