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


@sqlite_only
def test_an_old_ledger_with_rows_upgrades_through_table_rebuilds(tmp_path: Path) -> None:
    """A ledger made at schema 0010 with a compound that buildings refer to upgrades to the
    head, though later migrations rebuild tables others refer to: foreign keys are off during
    the upgrade (on the driver's connection, outside any transaction) and on again after."""
    from alembic import command

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        command.upgrade(_alembic_config(conn), "0010")
        conn.commit()
        for sql in (
            "INSERT INTO street (id, name) VALUES (1, '新市区街道')",
            "INSERT INTO community (id, street_id, name) VALUES (1, 1, '铁人路社区')",
            "INSERT INTO grid (id, community_id, code, name, kind) VALUES (1, 1, 'G001', '天昊网格', 'base')",
            "INSERT INTO compound (id, community_id, name, property_company) VALUES (1, 1, '天昊小区', '嘉华物业')",
            "INSERT INTO building (id, community_id, grid_id, compound_id, number, units) VALUES (1, 1, 1, 1, '5', 2)",
        ):  # fmt: skip
            conn.exec_driver_sql(sql)
        conn.commit()
    engine.dispose()
    opened = open_ledger(url, create=False)
    with opened.connect() as conn:
        assert (
            conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == SCHEMA_HEAD
        )
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert conn.exec_driver_sql("SELECT compound_id FROM building").scalar() == 1
    opened.dispose()
