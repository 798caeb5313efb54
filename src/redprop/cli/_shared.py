"""What every command shares: the state from the root options, the one error handler, the
consoles and JSON output. Kept light: nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

from redprop.cli import complete
from redprop.core.errors import RedpropError

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

MAX_DETAILS = 50
T = TypeVar("T")


@dataclass
class State:
    """Set by the root callback from --db / --as / --lang; found by commands in ctx.obj."""

    db: str | None = None
    actor: str | None = None
    lang: str = "zh"
    member: Any = None  # the acting Staff row, once session_as has checked it
    create: bool = False  # only init may make a new ledger (demo opens its own)
    # What the admin log entry records; None when the command changed nothing (an import that
    # stored no row), which is then not entered.
    logged: dict[str, Any] | None = field(default_factory=dict)
    _engine: Engine | None = field(default=None, repr=False)
    # This invocation's key: a retried transaction finds what an earlier attempt stored
    # instead of acting twice (core/retry).
    request: str = field(default_factory=lambda: os.urandom(16).hex())

    @property
    def url(self) -> str:
        from redprop.core.config import database_url

        return database_url(self.db)

    @property
    def shown_url(self) -> str:
        """The ledger's URL for people: a PostgreSQL password is never printed."""
        from redprop.core.config import shown_url

        return shown_url(self.url)

    def engine(self) -> Engine:
        if self._engine is None:
            from redprop.core.db import open_ledger

            self._engine = open_ledger(self.url, create=self.create)
        return self._engine

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """The command's one transaction: committed at the end, rolled back on any error."""
        from redprop.core.db import session_scope

        with session_scope(self.engine(), write=write) as session:
            yield session

    def retried(self, work: Callable[[Connection], T]) -> T:
        """`work(conn)` in one writing Core transaction, retried as a whole when the database
        failed it transiently (core/retry); `self.request` keeps a retry from acting twice."""
        from redprop.core.retry import retrying

        def attempt() -> T:
            with self.connection(write=True) as conn:
                return work(conn)

        return retrying(attempt)

    @contextmanager
    def connection(self, *, write: bool = False) -> Iterator[Connection]:
        """The command's one transaction on SQLAlchemy Core (core/db.connection_scope)."""
        from redprop.core.db import connection_scope

        with connection_scope(self.engine(), write=write) as conn:
            yield conn

    @contextmanager
    def session_as(
        self, command: str, *, target: str = "", write: bool = True, **where: Any
    ) -> Iterator[Session]:
        """A session for `command`, refused before anything is written unless the acting staff
        member (--as) may run it over what `where` names (units.authority). A command that
        writes is entered in the admin log (core/adminlog) with `target` and `self.logged`, in
        the same transaction: it is logged if and only if it is stored."""
        from redprop.units.authority import authorize, reach_named

        with self.session(write=write) as session:
            self.member = authorize(
                session, self.actor, command, lambda m: reach_named(session, actor=m, **where)
            )
            yield session
            if write and self.logged is not None:
                from redprop.core.adminlog import record

                named = " ".join(str(v) for k, v in where.items() if v and isinstance(v, str))
                record(
                    session,
                    actor=self.member.name,
                    command=command,
                    target=target or named,
                    data=self.logged,
                )

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def _fail(lang: str, message: str, details: list[str], code: int) -> NoReturn:
    # Every message is scrubbed here, the one way out: a command never echoes an ID or phone
    # number it was given (`roster show 620981199710148776`), whichever service worded it.
    from redprop.core.ids import scrub

    prefix = "Error: " if lang == "en" else "错误："
    # NO_COLOR (no-color.org) turns colour off on stderr too, terminal or not.
    plain = False if os.environ.get("NO_COLOR") else None
    typer.secho(prefix + scrub(message), err=True, fg="red", color=plain)
    for line in details[:MAX_DETAILS]:
        typer.echo("  " + scrub(line), err=True)
    if len(details) > MAX_DETAILS:
        more = len(details) - MAX_DETAILS
        typer.echo(f"  … and {more} more" if lang == "en" else f"  …… 另有 {more} 条", err=True)
    raise typer.Exit(code)


class RedpropGroup(TyperGroup):
    """The root command group: the one place where domain errors become a message and an exit
    code. No user mistake reaches the terminal as a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader went away (`redprop case list | head`): click ends quietly.
            raise
        except RedpropError as exc:
            lang = state(ctx).lang
            details = [d.message(lang) for d in exc.details]
            _fail(lang, exc.message(lang), details, exc.exit_code)
        except OSError as exc:
            # A path the user gave that can't be read or written: a message, not a traceback.
            from redprop.core.files import disk_error

            lang = state(ctx).lang
            where = exc.filename or ""
            named = disk_error(exc, where, denied=False)
            if named is not None:
                _fail(lang, named.message(lang), [], named.exit_code)
            _fail(
                lang,
                f"无法读写文件 {where}：{exc.strerror or exc}；请检查路径（目录是否存在）和权限"
                if lang != "en"
                else f"Can't read or write {where}: {exc.strerror or exc}; check the path (does the folder exist?) and permissions",
                [],
                1,
            )
        except Exception as exc:
            from redprop.core.files import ledger_disk_error

            st = state(ctx)
            disk = ledger_disk_error(exc, st.url)
            if disk is not None:  # SQLite on a full or read-only disk; rolled back
                lang = st.lang
                _fail(lang, disk.message(lang), [], disk.exit_code)
            if _is_locked(exc):
                lang = state(ctx).lang
                _fail(
                    lang,
                    "账本正被其他程序长时间占用，等待超时；请稍后重试"
                    if lang != "en"
                    else "The ledger stayed busy with another writer past the timeout; try again",
                    [],
                    1,
                )
            refused = _database_refusal(exc, st.lang)
            if refused is not None:
                _fail(st.lang, refused, [], 1)
            raise
        finally:
            if isinstance(ctx.obj, State):
                ctx.obj.close()


def _database_refusal(exc: Exception, lang: str) -> str | None:
    """A write the database refused that no check of ours caught first: said in the driver's
    own words, never with the statement's parameters (they hold IDs and phones), which is what
    SQLAlchemy's own text would print. The transaction was rolled back."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError) or exc.orig is None:
        return None
    why = (
        str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    )
    if lang == "en":
        return (
            f"The database refused the operation ({why}); nothing was saved. Check the values given"
        )
    return f"数据库拒绝了这次操作（{why}）；没有保存任何内容，请检查所填的值"


def _is_locked(exc: Exception) -> bool:
    return "database is locked" in str(exc)


# ---------------------------------------------------------------------------------------------
# Output


def stdout() -> Console:
    from redprop.cli.layout import console

    # A terminal gets tables fitted to its width; a pipe gets plain tab-separated lines.
    return console()


def emit_json(data: Any, *, unmasked: bool = False) -> None:
    """Data for scripts. Every string in it is scrubbed of ID- and phone-shaped numbers (typed
    into a name, room, note or summary) unless the user asked to unmask, which is recorded."""
    if not unmasked:
        data = _scrubbed(data)
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _scrubbed(value: Any) -> Any:
    """`value` with every string in it scrubbed; numbers stay numbers (a rate's sixteen digits
    are not a phone)."""
    from redprop.core.ids import scrub

    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return scrub(str(value))  # dates and the like, as json.dumps(default=str) would write them


def shown(value: Any) -> str:
    """A value printed as plain text, scrubbed like every other output (see emit_json)."""
    from redprop.core.ids import scrub

    return scrub("" if value is None else str(value))


def info(message: str) -> None:
    """A diagnostic line for people, on stderr, so stdout stays clean for scripts."""
    typer.echo(message, err=True)


def is_interactive() -> bool:
    return sys.stdin.isatty()


def bounded(name: str) -> Any:
    """An option callback refusing a number outside core/limits.py's BOUNDS[name] (exit 2)."""

    def check(value: int | None) -> int | None:
        from redprop.core.limits import check_number

        return check_number(name, value)

    return check


JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出，供脚本使用 / JSON output")]
# Tab completes them from the ledger (cli/complete.py).
CommunityOpt = Annotated[
    str | None,
    typer.Option(
        "--community", "-c", help="社区名称 / community name", click_type=complete.COMMUNITY
    ),
]
GridOpt = Annotated[
    str | None, typer.Option("--grid", "-g", help="网格编号 / grid code", click_type=complete.GRID)
]
