"""Issue 12: every stored text is checked against one table of bounds (core/fields) that the
schema also uses, on both databases: a roster cell too long is refused naming its row and
column, a command's text naming its option, and any other write by the before-flush guard;
nothing is half-written; notes keep their tabs and lines. On PostgreSQL (REDPROP_TEST_PG) the
same tests prove no DataError, and so no SQL parameter, reaches the user."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import String, Text

from redprop.core import fields
from redprop.core.models import SQLModel
from roster_files import write_csv
from roster_helpers import CANON, CLEAN, db_households, ledger_fixture  # noqa: F401
from test_hostile_files import roster_rows

NOW = "2026-11-20T18:00"


def test_the_table_is_the_schema() -> None:
    """Each VARCHAR's bound is its String(N); each bound free-text column is a TEXT column; and
    every TEXT column a user writes into has a bound."""
    for table in SQLModel.metadata.tables.values():
        for col in table.columns:
            if isinstance(col.type, String) and not isinstance(col.type, Text):
                assert fields.bound(table.name, col.name) == col.type.length, col
    for table_name, column in fields.FREE_TEXT:
        col = SQLModel.metadata.tables[table_name].columns[column]
        assert isinstance(col.type, Text), (table_name, column)
    free = {
        (t.name, c.name)
        for t in SQLModel.metadata.tables.values()
        for c in t.columns
        if isinstance(c.type, Text) and c.name != "data"  # data: canonical JSON we write
    }
    assert free == set(fields.FREE_TEXT)


@pytest.mark.parametrize(
    ("col", "most", "header"),
    [
        (6, 100, "户主姓名"),
        (5, 40, "房号"),
        (12, 500, "备注"),
        (10, 40, "户籍类型"),
        (4, 20, "单元"),
    ],
)
def test_a_roster_cell_too_long_is_refused_naming_row_and_column(
    cli: Any, ledger: Any, tmp_path: Any, col: int, most: int, header: str
) -> None:
    rows = roster_rows()
    rows[2][col] = "长" * (most + 1)
    path = write_csv(tmp_path / "long.csv", rows)
    result = cli("roster", "import", str(path), code=3)  # 3: some rows rejected
    assert "拒绝 1，" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "超过上限" in x)
    assert line.split("\t")[:3] == ["3", header, "拒绝"]
    assert f"有 {most + 1} 个字符，超过上限 {most} 个；请缩短" in line
    assert len(db_households(ledger)) == len(CLEAN) - 1
    # Exactly the bound is stored whole.
    rows[2][col] = "长" * most
    cli("roster", "import", str(write_csv(tmp_path / "edge.csv", rows)))
    stored = db_households(ledger)
    assert len(stored) == len(CLEAN)
    assert any("长" * most in f"{k} {v}" for k, v in stored.items())


def test_a_note_keeps_its_tabs_and_lines(cli: Any, ledger: Any, tmp_path: Any) -> None:
    rows = roster_rows()
    rows[1][12] = "独居老人\t行动不便\r\n子女在外地\x07\n\n"
    cli("roster", "import", str(write_csv(tmp_path / "n.csv", rows)))
    notes = [v[7] for v in db_households(ledger).values()]
    assert "独居老人\t行动不便\n子女在外地" in notes
    # Names stay one line: a newline typed into a name is a space.
    rows[1][6] = "张\n三"
    cli("roster", "import", str(write_csv(tmp_path / "n2.csv", rows)))
    assert "张 三" in [v[1] for v in db_households(ledger).values()]


@pytest.fixture
def worker(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", NOW)
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")
    cli("staff", "add", "李娟", "--role", "grid-worker", "--unit", "G003")


NEW = ["--as", "李娟", "case", "new", "--grid", "G003", "--category", "邻里纠纷"]
NEW += ["--severity", "small", "--party", "张三"]


def test_case_text_is_bounded_by_option(cli: Any, worker: None) -> None:
    result = cli(*NEW, "--summary", "吵" * (fields.FREE + 1), code=2)
    assert result.stderr.strip() == (
        f"错误：--summary 有 {fields.FREE + 1} 个字符，超过上限 {fields.FREE} 个；请缩短"
    )
    result = cli(*NEW, "--summary", "吵", "--party", "张" * (fields.LINE + 1), code=2)
    assert f"--party 有 {fields.LINE + 1} 个字符" in result.stderr
    assert cli("case", "list", "--json").stdout.strip() == "[]"
    number = cli(*NEW, "--summary", "吵" * fields.FREE).stdout.strip()
    cli("--as", "李娟", "case", "accept", number)
    cli("--as", "李娟", "case", "note", number, "--text", "第一次调解：\n双方同意\t再谈")
    events = cli("case", "show", number, "--json").stdout
    assert "第一次调解：\\n双方同意\\t再谈" in events
    result = cli("--as", "李娟", "case", "note", number, "--text", "记" * 2001, code=2)
    assert "--text 有 2001 个字符" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["org", "community", "add", "社" * 101], "名称有 101 个字符，超过上限 100 个；请缩短"),
        (
            ["org", "grid", "add", "G" * 41, "--name", "x", "-c", "铁人路社区"],
            "编号有 41 个字符，超过上限 40 个；请缩短",
        ),
        (
            ["staff", "add", "李" * 101, "--role", "grid-worker", "--unit", "G003"],
            "名称有 101 个字符，超过上限 100 个；请缩短",
        ),
        (
            ["org", "company", "add", "物" * 101],
            "名称有 101 个字符，超过上限 100 个；请缩短",
        ),
    ],
)
def test_any_other_write_is_checked_before_the_database(
    cli: Any, worker: None, args: list[str], message: str
) -> None:
    result = cli(*args, code=2)
    assert result.stderr.strip() == f"错误：{message}"
    assert "Traceback" not in result.output and "INSERT" not in result.stderr


def test_a_database_refusal_never_prints_the_statement_parameters() -> None:
    """The last resort, for a refusal no check caught: the driver's words, no parameters."""
    from sqlalchemy.exc import DataError

    from redprop.cli._shared import _database_refusal

    ident, phone = "620981199710148776", "13912345678"
    exc = DataError(
        "INSERT INTO household (head_name, id_number, phone) VALUES (?, ?, ?)",
        ("张三", ident, phone),
        Exception("value too long for type character varying(100)\nCONTEXT: x"),
    )
    assert ident in str(exc)  # what SQLAlchemy itself would have printed
    said = _database_refusal(exc, "zh")
    assert said == (
        "数据库拒绝了这次操作（value too long for type character varying(100)）；"
        "没有保存任何内容，请检查所填的值"
    )
    assert _database_refusal(ValueError("x"), "zh") is None


def test_an_odd_phone_past_its_bound_is_refused(cli: Any, ledger: Any, tmp_path: Any) -> None:
    """Found by the roster fuzzing in CI: an odd phone is kept as written with a warning, and
    so must fit the column too."""
    rows = roster_rows()
    rows[1][8] = "x" * 41
    result = cli("roster", "import", str(write_csv(tmp_path / "p.csv", rows)), code=3)
    assert "电话有 41 个字符，超过上限 40 个；请缩短" in result.stdout
    assert len(db_households(ledger)) == len(CLEAN) - 1
