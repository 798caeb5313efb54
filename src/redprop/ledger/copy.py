"""Moving a whole ledger to another database (`redprop db copy FROM TO`, issue 20): a street's
SQLite file into the district's PostgreSQL, or back, or to a new file.

The target must hold no ledger yet (a new file, a blank database, or one only migrated); it is
migrated to this redprop's schema, the seed rows the migrations put there are cleared, and every
row of every table is copied as it is, ids, hashes and times included, in dependency order, in
one transaction. So every hash chain, the ledger-wide chain and its fingerprint are the same on
both sides: the copy is then checked as `db check` checks a ledger, its row counts table by
table against the source's, and its fingerprint against the source's. Anything amiss and nothing
is kept (the transaction is rolled back, or a new SQLite file removed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, text

from redprop.core.config import shown_url
from redprop.core.errors import LedgerError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

BATCH = 2000


@dataclass
class Copied:
    counts: dict[str, int] = field(default_factory=dict)
    fingerprint: str | None = None


def _tables() -> list[Any]:
    from redprop.core.models import SQLModel

    return list(SQLModel.metadata.sorted_tables)


def _holds_a_ledger(url: str) -> bool:
    """Whether the database at `url` already holds a ledger with anything in it (a street)."""
    from sqlalchemy import inspect

    from redprop.core.config import sqlite_path
    from redprop.core.db import make_engine

    path = sqlite_path(url)
    if path is not None and (not path.exists() or path.stat().st_size == 0):
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            if not names:
                return False
            if "street" not in names:
                return True  # another program's tables: not ours to fill
            return bool(conn.scalar(text("SELECT count(*) FROM street")))
    finally:
        engine.dispose()


def copy_ledger(source: Engine, target_url: str) -> Copied:
    """Copy the ledger behind `source` into the empty database at `target_url` and check it."""
    from redprop.core.db import open_ledger

    if _holds_a_ledger(target_url):
        raise LedgerError(
            f"目标 {shown_url(target_url)} 已有账本或其他数据，db copy 不会覆盖；请指定新文件或空数据库",
            f"The target {shown_url(target_url)} already holds a ledger or other data; db copy "
            "never overwrites: give a new file or an empty database",
        )
    target = open_ledger(target_url, create=True)
    try:
        with source.connect() as src, target.begin() as dst:
            copied = _copy_rows(src, dst)
            _reset_sequences(dst)
        _check(source, target, copied)
    except BaseException:
        _undo(target, target_url)
        raise
    finally:
        target.dispose()
    return copied


def _copy_rows(src: Connection, dst: Connection) -> Copied:
    tables = _tables()
    for table in reversed(tables):  # the seed rows a migration put in the blank target
        dst.execute(table.delete())
    copied = Copied()
    store = _copy_in if dst.dialect.name == "postgresql" else _insert_in
    for table in tables:
        rows = src.execution_options(yield_per=BATCH).execute(select(table))
        copied.counts[table.name] = store(dst, table, rows)
    return copied


def _insert_in(dst: Connection, table: Any, rows: Any) -> int:
    n = 0
    for batch in rows.mappings().partitions(BATCH):
        dst.execute(insert(table), [dict(r) for r in batch])
        n += len(batch)
    return n


def _copy_in(dst: Connection, table: Any, rows: Any) -> int:
    """PostgreSQL's COPY, in the same transaction: a million-case ledger is millions of rows,
    and COPY takes them several times faster than batched INSERTs."""
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    cursor = dst.connection.driver_connection.cursor()  # type: ignore[union-attr]
    n = 0
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(tuple(row))
            n += 1
    return n


def _reset_sequences(dst: Connection) -> None:
    """PostgreSQL's id sequences continue after the copied ids (SQLite needs nothing)."""
    if dst.dialect.name != "postgresql":
        return
    for table in _tables():
        id_column = table.columns.get("id")
        if id_column is None or not id_column.autoincrement:
            continue
        dst.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def _check(source: Engine, target: Engine, copied: Copied) -> None:
    """The copy as `db check` sees it, its counts and its fingerprint against the source's."""
    from sqlalchemy.orm import Session

    from redprop.core.chain import fingerprint
    from redprop.ledger.upkeep import check_ledger

    problems = [zh for zh, _ in check_ledger(target).problems]
    with source.connect() as src, target.connect() as dst:
        for table in _tables():
            theirs = src.scalar(select(func.count()).select_from(table))
            ours = dst.scalar(select(func.count()).select_from(table))
            if theirs != ours or ours != copied.counts[table.name]:
                problems.append(f"{table.name}：源 {theirs} 行，副本 {ours} 行")
    with Session(source) as s, Session(target) as t:
        copied.fingerprint, theirs_fp = fingerprint(t), fingerprint(s)
    if copied.fingerprint != theirs_fp:
        problems.append(f"账本指纹不同：源 {theirs_fp}，副本 {copied.fingerprint}")
    if problems:
        raise LedgerError(
            "复制后的账本核对不一致，未保留副本：" + "；".join(problems[:5]),
            "The copy did not check out and was not kept: " + "; ".join(problems[:5]),
        )


def _undo(target: Engine, target_url: str) -> None:
    """Leave the target as it was: a new SQLite file removed; a database emptied of the rows
    this copy committed (its schema stays, migrated)."""
    from redprop.core.config import sqlite_path

    target.dispose()
    path = sqlite_path(target_url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return
    with target.begin() as conn:
        for table in reversed(_tables()):
            conn.execute(table.delete())
