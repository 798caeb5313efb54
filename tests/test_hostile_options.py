"""Hostile options and environment (issue 12): absurd numbers, dates and variables are refused
with one line naming the option or variable, exit 2, no traceback and nothing written; a
database URL's password never reaches the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import small_tree
from redprop.core.db import session_scope
from redprop.core.limits import BOUNDS, FIRST_DAY, LAST_DAY

BIG = "99999999999999999999"
NEW_CASE = ["-g", "G001", "--category", "邻里纠纷", "--severity", "small", "--summary", "s"]
NEW_CASE += ["--party", "张三"]
RECORD = ["service", "record", "add", "--item", "x", "--on", "2026-11-03"]
RESOURCE = ["service", "resource", "add", "--provider", "p", "--provider-type", "company"]
RESOURCE += ["--kind", "people", "--summary", "s"]

# (arguments, environment, the option or variable the message must name)
HOSTILE: list[tuple[list[str], dict[str, str], str]] = [
    (["case", "extend", "2026-00001", "--days", "99999999", "--reason", "x"], {}, "--days"),
    (["case", "extend", "2026-00001", "--days", "0", "--reason", "x"], {}, "--days"),
    (["case", "extend", "2026-00001", "--days", BIG, "--reason", "x"], {}, "--days"),
    (["report", "--month", "9999-12"], {}, "--month"),
    (["report", "--month", "1899-12"], {}, "--month"),
    (["report", "--from", "0001-01-01", "--to", "2026-01-01"], {}, "--from"),
    (["report", "--from", "2026-01-01", "--to", "9999-12-31"], {}, "--to"),
    (["ledger", "export", "--month", "9999-12", "-o", "out.xlsx"], {}, "--month"),
    (["service", "report", "--month", "9999-12"], {}, "--month"),
    (["calendar", "add", "9999-12-31", "--holiday"], {}, "DAY"),
    (["calendar", "add", "2026-10-01", "--to", "9999-12-31", "--holiday"], {}, "--to"),
    (["calendar", "list", "--year", "99999"], {}, "--year"),
    (["case", "list"], {"REDPROP_NOW": "9999-12-31T23:59"}, "REDPROP_NOW"),
    (["case", "list"], {"REDPROP_NOW": "0001-01-01"}, "REDPROP_NOW"),
    (["case", "list"], {"REDPROP_NOW": "not a time"}, "REDPROP_NOW"),
    (
        ["case", "new", "--at", "0001-01-01", *NEW_CASE],
        {},
        "--at",
    ),
    (["case", "suspend", "2026-00001", "--reason", "x", "--at", "2101-01-01"], {}, "--at"),
    (["service", "demand", "cancel", "XQ2026-00001", "--at", "1899-12-31"], {}, "--at"),
    (
        ["service", "record", "add", "--item", "x", "--on", "9999-01-01", "--served", "1"],
        {},
        "--on",
    ),
    (
        ["service", "record", "add", "--item", "x", "--on", "2026-11-03", "--served", BIG],
        {},
        "--served",
    ),
    (
        [*RECORD, "--served", "1", "--volunteers", BIG],
        {},
        "--volunteers",
    ),
    (
        ["service", "demand", "fulfil", "XQ2026-00001", "--item", "x", "--served", BIG],
        {},
        "--served",
    ),
    (
        [*RESOURCE, "--capacity", "-1"],
        {},
        "--capacity",
    ),
    (["org", "building", "add", "999", "--grid", "G001", "--units", BIG], {}, "--units"),
    (["org", "building", "add", "999", "--grid", "G001", "--units", "100"], {}, "--units"),
    (["org", "building", "add", "999", "--grid", "G001", "--units", "0"], {}, "--units"),
    (["roster", "list", "--limit", "-5"], {}, "--limit"),
    (["case", "list", "--limit", "0"], {}, "--limit"),
    (["case", "list", "--limit", BIG], {}, "--limit"),
    (["case", "list"], {"REDPROP_BUSY_TIMEOUT_MS": "abc"}, "REDPROP_BUSY_TIMEOUT_MS"),
    (["case", "list"], {"REDPROP_BUSY_TIMEOUT_MS": "-5"}, "REDPROP_BUSY_TIMEOUT_MS"),
    (["case", "list"], {"REDPROP_BUSY_TIMEOUT_MS": BIG}, "REDPROP_BUSY_TIMEOUT_MS"),
    (["case", "list"], {"REDPROP_TZ": "Mars/Phobos"}, "REDPROP_TZ"),
    (["case", "list"], {"REDPROP_TZ": "../../etc/passwd"}, "REDPROP_TZ"),
    (["--db", "mysql://u:pw@127.0.0.1:1/x", "case", "list"], {}, "--db"),
    (["--db", "postgresql+psycopg2://u:pw@127.0.0.1:1/x", "case", "list"], {}, "--db"),
    (["--db", "postgresql+psycopg://u:pw@h:port/x", "case", "list"], {}, "--db"),
]


def _contents(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what "nothing written" is compared on."""
    from sqlalchemy import MetaData, select

    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {
            name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
            for name, table in meta.tables.items()
        }


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("args", "env", "name"), HOSTILE, ids=lambda v: str(v)[:60])
def test_hostile_option_is_refused(
    cli: Any,
    engine: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    name: str,
    lang: str,
) -> None:
    with session_scope(engine) as s:
        small_tree(s)
    before = _contents(engine)
    files = sorted(tmp_path.rglob("*"))
    monkeypatch.chdir(tmp_path)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    r = cli("--lang", lang, *args, code=2)
    assert isinstance(r.exception, SystemExit)  # a message, not a traceback
    assert r.stdout == ""
    assert r.stderr.startswith("Error: " if lang == "en" else "错误：")
    assert r.stderr.count("\n") == 1
    assert name in r.stderr
    assert "Traceback" not in r.stderr
    for var in env:
        monkeypatch.delenv(var)
    assert _contents(engine) == before
    assert sorted(tmp_path.rglob("*")) == files


def test_messages_say_the_bounds(cli: Any, engine: Any) -> None:
    r = cli("--lang", "en", "case", "extend", "2026-00001", "--days", "400", code=2)
    assert r.stderr == (
        "Error: --days 400 is out of range: the working days of extension must be 1 to 365\n"
    )
    r = cli("report", "--month", "9999-12", code=2)
    assert (
        r.stderr
        == "错误：--month 的日期 9999-12 超出范围：请写 1900-01-01 到 2100-12-31 之间的日期\n"
    )
    r = cli("--lang", "en", "--db", "mysql://u@h/x", "case", "list", code=2)
    assert r.stderr == (
        "Error: --db/REDPROP_DB: mysql is not supported (mysql://u@h/x); redprop runs on a "
        "SQLite ledger file or PostgreSQL (postgresql+psycopg://…)\n"
    )
    r = cli("--lang", "en", "--db", "postgresql+psycopg2://u@h/x", "case", "list", code=2)
    assert 'run pip install "redprop[postgres]"' in r.stderr


def test_the_bounds_themselves_are_accepted(cli: Any, engine: Any, tmp_path: Path) -> None:
    """The edges of the table are inside: 1900-01 and 2100-12, 99 units, 365 days."""
    with session_scope(engine) as s:
        small_tree(s)
    assert BOUNDS["--days"].high == 365 and BOUNDS["--units"].high == 99
    cli("report", "--month", f"{FIRST_DAY:%Y-%m}")
    cli("report", "--month", f"{LAST_DAY:%Y-%m}")
    cli("org", "building", "add", "99", "--grid", "G001", "--units", "99")
    cli("calendar", "add", str(LAST_DAY), "--holiday")
    cli("case", "list", "--limit", "1")


SECRET = "s3cretPW"


@pytest.mark.parametrize(
    "args",
    [
        ["--db", f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/x", "case", "list"],
        ["--db", f"postgresql+psycopg://u:{SECRET}@nosuchhost.invalid:1/x", "case", "list"],
        ["--db", f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/x", "db", "current"],
        ["--db", f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/x", "db", "upgrade"],
        ["--db", f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/x", "init", "--street", "x"],
        ["--db", f"postgresql://u:{SECRET}@127.0.0.1:1/x?sslmode=disable", "case", "list"],
        ["--db", f"postgresql+psycopg2://u:{SECRET}@127.0.0.1:1/x", "case", "list"],
        ["--db", f"mysql://u:{SECRET}@127.0.0.1:1/x", "case", "list"],
        ["--db", f"postgresql+psycopg://u:{SECRET}@h:port/x", "case", "list"],
    ],
    ids=lambda v: v[1].split("@")[0].split(":")[0] + "-" + v[-1],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_password_is_never_printed(cli: Any, args: list[str], lang: str) -> None:
    r = cli("--lang", lang, *args, code=None)
    assert r.exit_code in (1, 2)
    assert isinstance(r.exception, SystemExit)
    assert SECRET not in r.stdout
    assert SECRET not in r.stderr
    assert "***" in r.stderr


def test_the_password_is_masked_in_a_driver_message() -> None:
    from redprop.core.config import scrub, shown_url

    url = f"postgresql+psycopg://u:{SECRET}@h:5432/x"
    assert shown_url(url) == "postgresql+psycopg://u:***@h:5432/x"
    assert scrub(f"bad dsn {url} password={SECRET}", url) == (
        "bad dsn postgresql+psycopg://u:***@h:5432/x password=***"
    )
    assert shown_url("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"
