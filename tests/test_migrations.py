"""Migrations: a blank database upgrades to exactly the models; upgrades are automatic, no-ops
when current, and refuse ledgers that are newer or not ledgers at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from conftest import new_ledger_url, sqlite_only
from redprop.core import models  # noqa: F401
from redprop.core.db import SCHEMA_HEAD, _alembic_config, make_engine, open_ledger, upgrade
from redprop.core.errors import LedgerError


def test_schema_head_constant_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(_alembic_config(None))  # type: ignore[arg-type]
    assert script.get_current_head() == SCHEMA_HEAD


def test_upgrading_a_blank_database_gives_exactly_the_models(tmp_path: Path) -> None:
    engine = open_ledger(new_ledger_url(tmp_path, "blank.db"))
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    engine.dispose()
    assert diff == []


@sqlite_only
def test_upgrade_of_an_up_to_date_ledger_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    open_ledger(url).dispose()
    engine = make_engine(url)
    with engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert upgrade(engine) == (SCHEMA_HEAD, SCHEMA_HEAD)
    with engine.connect() as conn:
        after = conn.exec_driver_sql("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    engine.dispose()
    assert before == after


@sqlite_only
def test_sqlite_is_opened_with_foreign_keys_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path / 'l.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30000
    engine.dispose()


@sqlite_only
def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    open_ledger(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(LedgerError) as err:
        open_ledger(f"sqlite:///{path}")
    assert (
        err.value.zh
        == "这个账本由更新版本的 redprop 创建（结构版本 9999）：请升级 redprop 后再打开"
    )


@sqlite_only
def test_a_sqlite_database_of_something_else_is_not_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE songs (title TEXT)")
    with pytest.raises(LedgerError) as err:
        open_ledger(f"sqlite:///{path}")
    assert "不是 redprop 账本" in err.value.zh
    with sqlite3.connect(path) as conn:  # nothing was written to it
        tables = conn.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("songs",)]


@sqlite_only
def test_a_text_file_is_not_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("hello")
    with pytest.raises(LedgerError) as err:
        open_ledger(f"sqlite:///{path}")
    assert err.value.en == (
        f"{path} is not a redprop ledger (not a SQLite database): check --db or REDPROP_DB"
    )
    assert path.read_text() == "hello"
