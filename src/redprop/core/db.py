"""Opening the ledger: the engine (SQLite pragmas), one transaction per command, and migrations.

A ledger is upgraded automatically when a newer redprop opens it. The current schema revision is a
constant here so that opening an up-to-date ledger costs one query and never imports Alembic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redprop.core.config import scrub, shown_url, sqlite_path
from redprop.core.errors import LedgerError, UsageProblem

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

# The newest migration in migrations/versions; tests/test_migrations.py checks it against Alembic.
SCHEMA_HEAD = "0021"

# How long a SQLite writer waits for another one before giving up (documented in the README);
# REDPROP_BUSY_TIMEOUT_MS changes it, within the bounds of core/limits.py.
BUSY_TIMEOUT_MS = 60000


def busy_timeout_ms() -> int:
    from redprop.core.limits import parse_number

    text = os.environ.get("REDPROP_BUSY_TIMEOUT_MS")
    return parse_number("REDPROP_BUSY_TIMEOUT_MS", text) if text else BUSY_TIMEOUT_MS


# The back-ends redprop runs on; PostgreSQL needs the driver of the `postgres` extra.
_POSTGRES_HINT = 'pip install "redprop[postgres]"'

_SQLITE_MAGIC = b"SQLite format 3\x00"


def migrations_dir() -> Path:
    """The packaged migrations (wheel install), else the repository's (editable install)."""
    packaged = Path(__file__).resolve().parents[1] / "migrations"
    if (packaged / "env.py").exists():
        return packaged
    repo = Path(__file__).resolve().parents[3] / "migrations"
    if (repo / "env.py").exists():
        return repo
    raise LedgerError(
        "找不到数据库迁移脚本，安装不完整：请用 pip install . 重新安装 redprop",
        "The migration scripts are missing from this installation: reinstall with pip install .",
    )


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets foreign keys, WAL, a busy timeout and explicit BEGINs."""
    from sqlalchemy import create_engine, event

    if not url.startswith("sqlite"):
        check_url(url)
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except ImportError:
            raise _no_driver(url) from None

        @event.listens_for(engine, "connect")
        def _no_jit(dbapi_conn: Any, _record: Any) -> None:
            # The ledger's queries are short index scans whose row estimates (an IN list of
            # 500 case ids, say) often cross jit_above_cost: compiling them took longer than
            # running them (a month's report on 5,000,000 cases: 2.7 s with JIT, 2.4 s
            # without). A SET, not a startup option, so that it passes PgBouncer too.
            with dbapi_conn.cursor() as cur:
                cur.execute("SET jit = off")
            dbapi_conn.commit()

        return engine

    timeout_ms = busy_timeout_ms()
    engine = create_engine(url, connect_args={"timeout": timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy (not the sqlite3 module) decide when transactions begin, so that a
        # writer can take the write lock up front with BEGIN IMMEDIATE (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        # 32 MB of page cache instead of SQLite's 2 MB: a large import writes into indexes
        # (ID numbers) in random order, and a small cache spills pages back and forth.
        cur.execute("PRAGMA cache_size = -32768")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writing command takes the write lock when it starts, so two writers queue on the
        # busy timeout instead of one failing with "database is locked" half-way through.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def check_url(url: str) -> None:
    """Refuse, naming --db, a URL that is not SQLite or PostgreSQL or whose driver is missing."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise UsageProblem(
            f"--db/REDPROP_DB 的值 {shown_url(url)} 不是数据库 URL：请写账本文件路径，"
            "或 postgresql+psycopg://用户@主机/库名",
            f"--db/REDPROP_DB {shown_url(url)} is not a database URL: give a ledger file path "
            "or postgresql+psycopg://user@host/dbname",
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise UsageProblem(
            f"--db/REDPROP_DB：不支持 {backend} 数据库（{shown_url(url)}）；redprop 只支持 "
            "SQLite 账本文件和 PostgreSQL（postgresql+psycopg://…）",
            f"--db/REDPROP_DB: {backend} is not supported ({shown_url(url)}); redprop runs on a "
            "SQLite ledger file or PostgreSQL (postgresql+psycopg://…)",
        )
    if backend == "postgresql":
        from sqlalchemy.exc import NoSuchModuleError

        try:
            parsed.get_dialect().import_dbapi()
        except (ImportError, NoSuchModuleError):
            raise _no_driver(url) from None


def _no_driver(url: str) -> UsageProblem:
    return UsageProblem(
        f"--db/REDPROP_DB：没有安装 {shown_url(url)} 所需的 PostgreSQL 驱动；请运行 "
        f"{_POSTGRES_HINT}，并把 URL 写成 postgresql+psycopg://…",
        f"--db/REDPROP_DB: the PostgreSQL driver for {shown_url(url)} is not installed; run "
        f"{_POSTGRES_HINT} and write the URL as postgresql+psycopg://…",
    )


def no_ledger(url: str) -> LedgerError:
    shown = shown_url(url)
    return LedgerError(
        f"没有账本：{shown}；先运行 redprop init --street 街道名称 --admin 姓名 创建账本，"
        "或检查 --db / REDPROP_DB 是否写错",
        f"No ledger at {shown}: create one with redprop init --street NAME --admin NAME, or "
        "check --db / REDPROP_DB for a typo",
    )


def check_file(url: str, *, create: bool = True) -> None:
    path = sqlite_path(url)
    if path is None:
        return
    if not create and (not path.exists() or (path.is_file() and path.stat().st_size == 0)):
        raise no_ledger(url)  # nothing is created: a mistyped --db is not a new ledger
    if path.exists():
        if path.is_dir():
            raise LedgerError(
                f"{path} 是一个目录，不是账本文件：请用 --db 指定一个文件",
                f"{path} is a directory, not a ledger file: point --db at a file",
            )
        with path.open("rb") as fh:
            head = fh.read(16)
        if head and head != _SQLITE_MAGIC:
            raise LedgerError(
                f"{path} 不是 redprop 账本（不是 SQLite 数据库）：请检查 --db 或 REDPROP_DB",
                f"{path} is not a redprop ledger (not a SQLite database): check --db or REDPROP_DB",
            )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)


def current_revision(conn: Connection) -> str | None:
    """The ledger's schema revision; None for a blank database. Raises if it is not a ledger."""
    from sqlalchemy import inspect, text

    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if tables:
        raise LedgerError(
            "这个数据库不是 redprop 账本（有其他数据表，没有账本版本信息）：请用 --db 指定账本或新文件",
            "This database is not a redprop ledger (it holds other tables and no ledger version): "
            "point --db at a ledger or a new file",
        )
    return None


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["connection"] = conn
    return cfg


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    return {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the ledger to the newest schema; returns (before, after). A no-op when up to date."""
    from alembic import command

    with engine.connect() as conn:
        before = current_revision(conn)
        conn.rollback()
        if before == SCHEMA_HEAD:
            return before, before
        if before is not None and before not in known_revisions():
            raise _newer_schema(before)
        if engine.dialect.name == "sqlite":
            # Batch migrations rebuild tables; foreign keys must be off meanwhile (outside a
            # transaction, where SQLite honours the pragma) and are checked afterwards. Said
            # on the driver's connection: through SQLAlchemy it would first BEGIN (_on_begin),
            # and inside a transaction SQLite ignores the pragma.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        else:
            # Several processes may open a new shared ledger at once: one migrates, the others
            # wait for it (the lock ends with the transaction) and find nothing left to do.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(72687)")
            if current_revision(conn) == SCHEMA_HEAD:
                conn.commit()
                return before, SCHEMA_HEAD
        command.upgrade(_alembic_config(conn), "head")
        conn.commit()
        if engine.dialect.name == "sqlite":
            bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            conn.rollback()  # out of the read, so that the pragma below counts
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
            if bad:
                raise LedgerError(
                    f"升级后发现 {len(bad)} 条外键错误：请用 redprop db check 查看",
                    f"The upgrade left {len(bad)} foreign-key errors: run redprop db check",
                )
    return before, SCHEMA_HEAD


def _newer_schema(revision: str) -> LedgerError:
    return LedgerError(
        f"这个账本由更新版本的 redprop 创建（结构版本 {revision}）：请升级 redprop 后再打开",
        f"This ledger was written by a newer redprop (schema {revision}): upgrade redprop to open it",
    )


def dialect_name(db: Any) -> str:
    """The database's dialect (sqlite, postgresql) behind an ORM session or a Core connection."""
    dialect = getattr(db, "dialect", None)  # a Connection has it; a Session has its bind's
    return str((dialect or db.get_bind().dialect).name)


def bump_counter(
    session: Any, table: Any, *, start: int = 1, keep_max: bool = False, by: int = 1, **key: Any
) -> int:
    """Move a counter row forward inside the command's transaction and return its value:
    `INSERT … ON CONFLICT DO UPDATE … RETURNING`, on SQLite and PostgreSQL alike, so numbers are
    unique under concurrent writers (SQLite serialises writers; PostgreSQL locks the row) and
    never reused. `by` steps (the last of them returned); with `keep_max`, the counter moves to
    at least `start` (a number brought in from elsewhere) instead."""
    postgres = dialect_name(session) == "postgresql"
    stmt = counter_bump(table, postgres=postgres, start=start, keep_max=keep_max, by=by, **key)
    return int(session.execute(stmt).scalar_one())


def counter_bump(
    table: Any, *, postgres: bool, start: int = 1, keep_max: bool = False, by: int = 1, **key: Any
) -> Any:
    """The statement bump_counter runs, returning the counter's new value: for a caller that
    runs it as part of a larger statement (a CTE, cases/numbering)."""
    from sqlalchemy import func

    if postgres:
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(table).values(**key, last=start if keep_max else by)
    if keep_max:
        bigger = func.greatest if postgres else func.max
        new = bigger(table.c.last, stmt.excluded.last)
    else:
        new = table.c.last + by
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_={"last": new})
    return stmt.returning(table.c.last)


def open_ledger(url: str, *, migrate: bool = True, create: bool = True) -> Engine:
    """Open the ledger at `url`, upgraded to this redprop's schema. With `create` a missing
    SQLite file or a blank database becomes a new ledger; without it (every command but `init`
    and `demo`) it is refused and nothing is created."""
    from sqlalchemy.exc import DatabaseError

    check_url(url)
    check_file(url, create=create)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            revision = current_revision(conn)
        if revision is None and not create:
            engine.dispose()
            raise no_ledger(url)
        if revision != SCHEMA_HEAD and migrate:
            upgrade(engine)
    except DatabaseError as exc:
        engine.dispose()
        if "locked" in str(exc.orig):
            raise LedgerError(
                "账本正被其他程序长时间占用（可能正在升级或导入），等待超时；请稍后重试",
                "The ledger stayed busy with another program (an upgrade or import?) past the "
                "timeout; try again shortly",
            ) from None
        from redprop.core.files import ledger_disk_error

        # An upgrade on a full or read-only disk: not --db's fault.
        disk = ledger_disk_error(exc, url)
        if disk is not None:
            raise disk from None
        shown, why = shown_url(url), scrub(str(exc.orig), url)
        raise LedgerError(
            f"无法打开账本 {shown}：{why}；请检查 --db 或 REDPROP_DB 是否指向 redprop 账本",
            f"Can't open the ledger {shown}: {why}; check that --db or REDPROP_DB names a "
            "redprop ledger",
        ) from None
    return engine


@contextmanager
def connection_scope(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """One transaction on SQLAlchemy Core, for the start-up-critical commands (case list,
    show, todo, new, accept): the ORM, SQLModel and pydantic cost more to import than those
    commands take to run. Core writes skip the ORM's before-flush guard, so they check their
    text with core/fields themselves."""
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    with bind.connect() as conn, conn.begin():
        yield conn


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction per command: commit at the end, roll back on any error."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from redprop.core.fields import guard

    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    with Session(bind, expire_on_commit=False) as session:
        # Every row the ORM writes fits its columns on both databases (core/fields).
        event.listen(session, "before_flush", guard)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
