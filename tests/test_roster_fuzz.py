"""Issue 12, hostile input: hypothesis puts arbitrary text and numbers into the cells of a clean
roster (CSV or .xlsx) and runs `roster import` on it. Whatever a cell holds, the import ends with
exit 0, 1 or 3 and no traceback; it is never half-written (the stored households are exactly those
the report counts, unchanged rows stored exactly, exit 1 stores nothing); nothing stored holds a
control or zero-width character (notes keep tab and newline), a NUL or more than its column's
bound; and no output line shows a whole ID or mobile number."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import delete, select

from redprop.core.db import session_scope
from redprop.core.fields import bound
from redprop.core.models import Building, Community, Compound, Grid, Household
from roster_files import SheetSpec, ident, layout, phone, write_csv, write_xlsx
from roster_helpers import (  # noqa: F401  (the fixture `ledger`)
    CANON,
    CLEAN,
    CLEAN_STORED,
    db_households,
    ledger_fixture,
)
from test_masking_sweep import WHOLE

pytestmark = pytest.mark.any_database  # fuzzed roster files: the same on any database

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
UNITS = (Building, Compound, Grid, Community)  # deleted in this order: children first
COUNTS = re.compile(
    r"(?:读取 (\d+) 行：新增 (\d+)，更新 (\d+)，未变 (\d+))"
    r"|(?:(\d+) rows read: (\d+) new, (\d+) updated, (\d+) unchanged)"
)
_serial = count()

# ---------------------------------------------------------------------------------------------
# What a cell may hold.

_NASTY = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9b\t\n\r" + ZERO_WIDTH + "\u2028\u2029\u3000\xa0"
_chars = st.characters(exclude_categories=("Cs",))
_digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
nasty_text = st.text(alphabet=st.one_of(_chars, st.sampled_from(_NASTY)), max_size=40)
long_text = st.builds(
    lambda n, c, tail: c * n + tail,
    st.sampled_from([19, 20, 21, 40, 41, 100, 101, 200, 201, 500, 501, 2001, 32767, 32768, 40000]),
    st.sampled_from(["x", "长", "\u200b", " ", "1"]),
    st.sampled_from(["", "\x00", "\t", "末"]),
)
id_like = st.one_of(
    st.builds(ident, st.integers(0, 999)),
    st.from_regex(r"\A[1-9]\d{16}[\dXx]\Z"),
    st.from_regex(r"\A\d{15}\Z|\A\d{17}\Z|\A\d{19}\Z"),
    st.builds(lambda n: f" {ident(n)[:6]} {ident(n)[6:14]} {ident(n)[14:]} ", st.integers(0, 99)),
)
phone_like = st.one_of(
    st.builds(phone, st.integers(0, 9999)),
    st.from_regex(r"\A1[3-9]\d{9}\Z"),
    st.builds(lambda n: f"+86 139-1234-{n:04d}", st.integers(0, 9999)),
    st.builds(lambda n: f"电话{phone(n)}转{ident(n)}", st.integers(0, 99)),
)
formula_like = st.sampled_from(
    [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://x","点")',
        "+1+1",
        "-2",
        "@SUM(A1:A3)",
        "=1/0",
        "\t=cmd|'/C notepad'!A1",
        "#N/A",
        "#REF!",
    ]
)
zero_width_text = st.builds(
    lambda text, zw: zw + zw.join(text) + zw,
    st.text(min_size=1, max_size=8),
    st.text(alphabet=ZERO_WIDTH, min_size=1, max_size=3),
)
blank_text = st.text(alphabet=" \t\n\r\u3000\xa0\u2028\u2029\x0b\x0c" + ZERO_WIDTH, max_size=6)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 1, 10**17, 10**18 - 1, 2**63, 13912345678, 620902198001010016]),
    st.floats(allow_nan=True, allow_infinity=True),
)
dates = st.one_of(
    st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
)
cell_values = st.one_of(
    st.none(),
    nasty_text,
    long_text,
    id_like,
    phone_like,
    formula_like,
    zero_width_text,
    blank_text,
    numbers,
    dates,
)
# Row 0 is the header; rows 1-5 the clean households. Column 14 is past the header (ignored).
changes = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, len(CANON)), cell_values), min_size=1, max_size=4
)

# ---------------------------------------------------------------------------------------------
# Helpers


def roster_rows() -> list[list[Any]]:
    rows, _, _ = layout(CANON, [list(r) for r in CLEAN], title=False, hint=False, footer=False)
    return rows


def xlsx_cell(value: Any) -> Any:
    """What openpyxl can write for `value`: characters XML cannot hold as Excel escapes them
    (_x0007_), which the reader turns back into the character."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return value


def write_roster(directory: Path, rows: list[list[Any]], kind: str) -> Path:
    path = directory / f"fuzz{next(_serial)}.{kind}"
    if kind == "csv":
        return write_csv(path, rows)
    sheet = [[xlsx_cell(v) for v in row] for row in rows]
    return write_xlsx(path, [SheetSpec("住户", sheet)])


def unit_ids(engine: Any) -> dict[type, set[int]]:
    with session_scope(engine, write=False) as s:
        return {model: set(s.scalars(select(model.id))) for model in UNITS}


def reset(engine: Any, keep: dict[type, set[int]]) -> None:
    """Back to the small tree: no households, no units an import created."""
    with session_scope(engine) as s:
        s.execute(delete(Household))
        for model in UNITS:
            s.execute(delete(model).where(model.id.not_in(keep[model])))


def stored_texts(engine: Any) -> list[tuple[str, str, str]]:
    """(table, column, text) of every text a household or a unit holds."""
    found = []
    with session_scope(engine, write=False) as s:
        for model in (Household, *UNITS):
            table = model.__table__
            for row in s.execute(select(table)).mappings():
                found += [(table.name, k, v) for k, v in row.items() if isinstance(v, str)]
    return found


def check_texts(engine: Any) -> None:
    for table, column, text in stored_texts(engine):
        keep = "\t\n" if (table, column) == ("household", "note") else ""
        bad = [c for c in text if unicodedata.category(c) == "Cc" and c not in keep]
        assert bad == [], (table, column, text)
        assert not any(c in text for c in ZERO_WIDTH), (table, column, text)
        most = bound(table, column)
        assert most is None or len(text) <= most, (table, column, len(text), most)


def check_output(result: Any) -> None:
    """No whole ID or mobile number on any line; the fraction digits of a float
    (3.4876447016100793e-109) are not one."""
    for line in (result.stdout + "\n" + result.stderr).splitlines():
        whole = [m for m in WHOLE.finditer(line) if line[max(m.start() - 1, 0)] != "."]
        assert whole == [], line


def reported(result: Any, as_json: bool) -> tuple[int, set[int]]:
    """How many rows the report says were stored (new + updated + unchanged), and the file rows
    it rejected (known from --json only)."""
    if as_json:
        found = json.loads(result.stdout)
        c = found["counts"]
        rejected = {p["row"] for p in found["problems"] if p["level"] == "error"}
        assert found["more_problems"] == 0
        return c["new"] + c["updated"] + c["unchanged"], rejected
    m = COUNTS.search(result.stdout)
    assert m is not None, result.stdout
    numbers = [int(g) for g in m.groups() if g is not None]
    return numbers[1] + numbers[2] + numbers[3], set()


def run_example(cli: Any, engine: Any, directory: Path, example: dict[str, Any]) -> None:
    """Write the roster with the example's changes, import it, and check every invariant."""
    rows = roster_rows()
    touched: set[int] = set()
    for r, c, value in example["changes"]:
        rows[r] += [None] * (c + 1 - len(rows[r]))
        rows[r][c] = value
        touched.add(r)
    path = write_roster(directory, rows, example["kind"])
    options = [o for o in ("--json", "--create-units") if example[o]]
    result = cli(*example["lang"], "roster", "import", str(path), *options, code=None)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1, 3), (result.exit_code, result.stdout, result.stderr)
    check_output(result)
    households = db_households(engine)
    check_texts(engine)
    if result.exit_code == 1:
        assert households == {}, (result.stdout, result.stderr)
        return
    stored, rejected = reported(result, example["--json"])
    assert len(households) == stored, (result.stdout, households)
    if example["--json"] and 0 not in touched:
        for i, address in enumerate(CLEAN_STORED, start=1):
            if i not in touched and i + 1 not in rejected:  # file row = list row + 1
                assert households.get(address) == CLEAN_STORED[address], (address, households)


examples = st.fixed_dictionaries(
    {
        "changes": changes,
        "kind": st.sampled_from(["csv", "xlsx"]),
        "--json": st.booleans(),
        "--create-units": st.booleans(),
        "lang": st.sampled_from([(), ("--lang", "en")]),
    }
)

# ---------------------------------------------------------------------------------------------
# The fuzz test


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(example=examples)
def test_any_cell_imports_or_is_refused_cleanly(cli, ledger, tmp_path, example) -> None:
    keep = unit_ids(ledger)
    try:
        run_example(cli, ledger, tmp_path, example)
    finally:
        reset(ledger, keep)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_nul_in_a_csv_cell_is_refused_and_in_xlsx_too(cli, ledger, tmp_path, kind) -> None:
    rows = roster_rows()
    rows[2][12] = "备\x00注"
    path = write_roster(tmp_path, rows, kind)
    result = cli("roster", "import", str(path), code=1)
    assert "NUL" in result.stderr
    assert db_households(ledger) == {}


def test_an_id_as_a_header_is_not_echoed_whole(cli, ledger, tmp_path) -> None:
    rows = roster_rows()
    rows[0][1] = ident(1)  # 网格's header: the column becomes unknown, and is named
    path = write_roster(tmp_path, rows, "csv")
    result = cli("roster", "import", str(path), code=None)
    assert WHOLE.search(result.stdout + result.stderr) is None, (result.stdout, result.stderr)


def test_an_id_as_a_created_community_is_not_echoed_whole(cli, ledger, tmp_path) -> None:
    rows = roster_rows()
    rows[1][0] = ident(1)  # 社区: a community of that name is made
    path = write_roster(tmp_path, rows, "csv")
    result = cli("roster", "import", str(path), "--create-units", code=None)
    assert WHOLE.search(result.stdout + result.stderr) is None, (result.stdout, result.stderr)
