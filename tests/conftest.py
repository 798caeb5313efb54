"""Shared fixtures: every test gets its own ledger and app directory, never the user's.

The suite runs on SQLite by default. With REDPROP_TEST_PG set to a PostgreSQL server URL
(postgresql+psycopg://user@127.0.0.1:54329/postgres), every ledger is a fresh database on that
server instead, cloned from a migrated template; tests about the SQLite file itself are skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redprop.cli import app
from redprop.core.db import open_ledger, session_scope

STREET = "新市区街道"
ADMIN = "王敏"
PG_URL = os.environ.get("REDPROP_TEST_PG")
BACKEND = "postgresql" if PG_URL else "sqlite"
sqlite_only = pytest.mark.skipif(PG_URL is not None, reason="about the SQLite file itself")

_pg: dict[str, object] = {}


def _pg_admin():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    if "admin" not in _pg:
        _pg["admin"] = create_engine(PG_URL, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
        _pg["created"] = []
        template = f"redprop_tpl_{os.getpid()}"
        with _pg["admin"].connect() as conn:  # type: ignore[attr-defined]
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {template}")
        open_ledger(_pg_url(template)).dispose()  # migrated once; each test copies it
        _pg["template"] = template
    return _pg["admin"]


def _pg_url(database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)  # type: ignore[arg-type]


def new_ledger_url(directory: Path, name: str = "ledger.db") -> str:
    """A fresh, empty-or-migrated ledger URL: a SQLite file in `directory`, or a new database
    on the test PostgreSQL server."""
    if not PG_URL:
        return f"sqlite:///{directory / name}"
    admin = _pg_admin()
    database = f"redprop_t_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {database} TEMPLATE {_pg['template']}")
    _pg["created"].append(database)  # type: ignore[attr-defined]
    return _pg_url(database)


def pytest_sessionfinish(session: object, exitstatus: object) -> None:
    admin = _pg.get("admin")
    # A throwaway cluster (CI) is deleted whole: no need to drop its databases one by one.
    if admin is None or os.environ.get("REDPROP_TEST_PG_KEEP"):
        return
    with admin.connect() as conn:  # type: ignore[attr-defined]
        for database in [*_pg["created"], _pg["template"]]:  # type: ignore[misc]
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "nodb: the module never opens a ledger (pure functions, the source tree)"
    )
    config.addinivalue_line(
        "markers",
        "any_database: the module tests reading files or laying out the screen and the printed "
        "page, the same on any database; the PostgreSQL pass skips it (CI stays under 15 min)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not PG_URL:
        return
    skip = pytest.mark.skip(reason="the same on any database: run on SQLite")
    for item in items:
        if item.get_closest_marker("any_database") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Path:
    """Point the app directory and REDPROP_DB at tmp_path; no test touches a real ledger. On
    PostgreSQL each test gets its own database, except tests marked `nodb`, which open none."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    db = tmp_path / "ledger.db"
    pg = PG_URL and request.node.get_closest_marker("nodb") is None
    monkeypatch.setenv("REDPROP_DB", new_ledger_url(tmp_path) if pg else str(db))
    for var in ("REDPROP_LANG", "REDPROP_NOW", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    # Every write names its actor: by default the admin every test ledger is made with.
    monkeypatch.setenv("REDPROP_USER", ADMIN)
    monkeypatch.setenv("COLUMNS", "200")
    return db


@pytest.fixture
def db_path(isolated: Path) -> Path:
    return isolated


def ledger_url() -> str:
    """The URL of this test's ledger (what REDPROP_DB names)."""
    from redprop.core.config import database_url

    return database_url(os.environ["REDPROP_DB"])


@pytest.fixture
def engine(db_path: Path) -> Iterator[object]:
    """A real SQLite ledger, migrated by Alembic, with the street registered."""
    from redprop.ledger.upkeep import init_ledger

    eng = open_ledger(ledger_url())
    with session_scope(eng) as s:
        init_ledger(s, street=STREET, admin="王敏")
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: object) -> Iterator[object]:
    """A session whose work is committed at the end of the test body only if it succeeds."""
    with session_scope(engine) as s:  # type: ignore[arg-type]
        yield s


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int | None = 0):
        result = self.runner.invoke(app, list(args), input=input)
        if code is not None:
            assert result.exit_code == code, (
                f"exit {result.exit_code} != {code}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}\n{result.exception!r}"
            )
        return result


@pytest.fixture
def cli() -> Cli:
    return Cli()


def small_tree(session: object) -> None:
    """Two communities, three grids, compounds and buildings from the Yumen case study."""
    from redprop.units import edit

    edit.add_community(session, name="铁人路社区")
    edit.add_community(session, name="龙源社区")
    edit.add_grid(session, code="G001", name="天昊网格", community="铁人路社区")
    edit.add_grid(session, code="G002", name="学校专属网格", community="铁人路社区", kind="special")
    edit.add_grid(session, code="G014", name="龙源第1网格", community="龙源社区")
    from redprop.units.companies import add_company

    add_company(session, name="嘉华物业")
    add_company(session, name="世纪之星物业")
    edit.add_compound(session, name="天昊小区", community="铁人路社区", property_company="嘉华物业")
    edit.add_compound(
        session, name="龙源小区", community="龙源社区", property_company="世纪之星物业"
    )
    edit.add_building(session, number="5号楼", grid="G001", compound="天昊小区", units=3)
    edit.add_building(session, number="6", grid="G001", compound="天昊小区", units=2)
    edit.add_building(session, number="1栋", grid="G014", compound="龙源小区")
