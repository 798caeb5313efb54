"""How much text each stored field may hold: one table, used by the schema and by every door.

A VARCHAR column's bound is the schema's own `String(N)` (core/models), read from the models so
that each field has one number; free-text columns (TEXT) get theirs here, in FREE_TEXT. Three
places check against it:

- the doors: importers check cell by cell so that a refusal names the row and column, and the
  ladders' `Need`s check what a user typed (core/machine);
- `guard`, a before-flush hook on every session, checks each row the ORM is about to write, so
  SQLite (which ignores VARCHAR lengths) and PostgreSQL (which refuses with a DataError whose
  text would carry the statement's parameters: IDs and phones) behave the same;
- NUL, which PostgreSQL text cannot hold, is refused by the same hook.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from redprop.core.errors import UsageProblem

# Free text (TEXT columns): long enough for a mediation record, short enough that one field
# can't fill a page of the printed ledger or a terminal's scrollback.
FREE = 2000
FREE_TEXT: dict[tuple[str, str], int] = {
    ("dispute", "summary"): FREE,
    ("dispute", "parties"): FREE,  # the JSON list of names
    ("case_event", "reason"): FREE,
    ("demand", "summary"): FREE,
    ("demand_event", "reason"): FREE,
    ("resource", "summary"): FREE,
    ("service_record", "note"): FREE,
    ("meeting", "minutes"): FREE,
    # The JSON list of who attended: a quarterly joint meeting may seat 142 part-time members.
    ("meeting", "attendees"): 4 * FREE,
    ("meeting_item", "text"): FREE,
    ("rectify_task", "task"): FREE,
    ("rectify_event", "reason"): FREE,
    ("score_item", "reason"): FREE,
    ("score_item", "evidence"): FREE,
    ("visit", "note"): FREE,
}
# A line a user types for a ladder fact that is not free text (an outcome, a body's name).
LINE = 200

# What each column is called in a message; a column not named here is called by its own name.
LABELS: dict[str, tuple[str, str]] = {
    "name": ("名称", "name"),
    "code": ("编号", "code"),
    "number": ("编号", "number"),
    "head_name": ("户主姓名", "head of household"),
    "room": ("房号", "room"),
    "unit": ("单元", "unit"),
    "phone": ("电话", "phone"),
    "hukou": ("户籍", "hukou"),
    "housing": ("居住类型", "housing"),
    "note": ("备注", "note"),
    "property_company": ("物业公司", "property company"),
    "summary": ("简要情况", "summary"),
    "parties": ("当事人", "parties"),
    "reason": ("说明", "text"),
    "provider": ("提供方", "provider"),
    "category": ("类别", "category"),
    "claimed_by": ("认领人", "claimed by"),
    "actor": ("操作人", "actor"),
    "minutes": ("会议纪要", "minutes"),
    "attendees": ("参会方", "attendees"),
    "text": ("问题", "problem"),
    "task": ("整改任务", "task"),
    "evidence": ("佐证", "evidence"),
    "credit_code": ("统一社会信用代码", "credit code"),
}


@cache
def bound(table: str, column: str) -> int | None:
    """The most characters `table.column` holds: String(N)'s N, or FREE_TEXT's; None if the
    column holds no text."""
    from redprop.core.tables import BY_NAME

    free = FREE_TEXT.get((table, column))
    if free is not None:
        return free
    # The light stubs carry the models' lengths (tests/test_schema.py): a Core write checks
    # its text without importing the models.
    tbl: Any = BY_NAME.get(table)
    if tbl is None or column not in tbl.c:
        from redprop.core.models import SQLModel

        tbl = SQLModel.metadata.tables.get(table)
    col = tbl.columns.get(column) if tbl is not None else None
    return getattr(col.type, "length", None) if col is not None else None


def label(column: str) -> tuple[str, str]:
    return LABELS.get(column, (column, column))


def too_long(column: str, value: str, most: int) -> tuple[str, str]:
    """The message for a text of `value`'s length in `column` past `most` characters."""
    zh, en = label(column)
    n = len(value)
    return (
        f"{zh}有 {n} 个字符，超过上限 {most} 个；请缩短",
        f"the {en} has {n} characters, more than the {most} allowed; shorten it",
    )


def check(table: str, column: str, value: str | None) -> tuple[str, str] | None:
    """Why `value` can't be stored in `table.column` (too long, or a NUL), or None."""
    if not value:
        return None
    most = bound(table, column)
    if most is not None and len(value) > most:
        return too_long(column, value, most)
    if "\x00" in value:
        zh, en = label(column)
        return f"{zh}含有空字符（NUL）；请删除", f"the {en} holds a NUL character; remove it"
    return None


def check_line(name: str, value: str, most: int) -> None:
    """A value typed on the command line (`name` is its option) no longer than `most`."""
    if len(value) > most:
        raise UsageProblem(
            f"{name} 有 {len(value)} 个字符，超过上限 {most} 个；请缩短",
            f"{name} has {len(value)} characters, more than the {most} allowed; shorten it",
        )


def check_values(table: str, values: dict[str, Any]) -> None:
    """A row about to be written with SQLAlchemy Core fits its columns (the ORM's writes are
    checked by `guard`)."""
    for name, value in values.items():
        if isinstance(value, str):
            why = check(table, name, value)
            if why is not None:
                raise UsageProblem(*why)


def _check_object(obj: Any) -> None:
    table = getattr(obj, "__table__", None)
    if table is None:
        return
    for col in table.columns:
        value = getattr(obj, col.key, None)
        if isinstance(value, str):
            why = check(table.name, col.name, value)
            if why is not None:
                raise UsageProblem(*why)


def guard(session: Any, _context: Any = None, _instances: Any = None) -> None:
    """The before-flush hook: every row about to be written fits its columns (see module doc)."""
    for obj in (*session.new, *session.dirty):
        _check_object(obj)
