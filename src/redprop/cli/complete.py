"""Shell completion of the values people type: grid codes, community, street and staff names,
case numbers, categories, and the vocabulary's codes (states, levels, severities …).

Completion runs on every Tab, so it must feel instant (< 150 ms, benchmarks/completion.py). It
never loads SQLAlchemy, SQLModel or the services: it reads the ledger straight through the
standard library's sqlite3 (opened read-only) or psycopg (PostgreSQL, imported only then). The
ledger is the one the command would open: the root's --db, else REDPROP_DB, else the default
(the root callback does not run during completion, so its parameters are read from the context).
Whatever goes wrong (no ledger, a lock, an older schema, a server away) completes nothing, and
says nothing: a Tab never prints an error.

Each completer is a function `(ctx, incomplete) -> [(value, help), …]` that does its own
matching, case-insensitive (`g0` finds G001). Commands attach one with `click_type=` (the
objects at the end of this module) rather than Typer's `autocompletion=`, which drops every
candidate not starting with the typed text as typed: `87` could not become 2026-00087.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

try:  # newer Typer carries its own copy of click
    from typer._click.shell_completion import CompletionItem
    from typer._click.types import StringParamType
except ImportError:  # pragma: no cover - older Typer runs on click itself
    from click.shell_completion import CompletionItem  # type: ignore[no-redef]
    from click.types import StringParamType  # type: ignore[no-redef]

Candidate = tuple[str, str]  # (value, help)
Completer = Callable[[Any, str], list[Candidate]]

MAX_NUMBERS = 50  # case numbers offered at once, most recent first
SQLITE_TIMEOUT = 0.2  # seconds to wait for a writer's lock before completing nothing
PG_CONNECT_TIMEOUT = 2  # seconds (libpq's minimum)


# ---------------------------------------------------------------------------------------------
# Where the ledger is, and reading it without SQLAlchemy


def _root_params(ctx: Any) -> dict[str, Any]:
    root = ctx.find_root() if ctx is not None else None
    return dict(getattr(root, "params", None) or {})


def ledger_url(ctx: Any) -> str:
    """The URL the command being completed would open (--db > REDPROP_DB > the default)."""
    from redprop.core.config import database_url

    return database_url(_root_params(ctx).get("db_"))


def _lang(ctx: Any) -> str:
    value = _root_params(ctx).get("lang") or os.environ.get("REDPROP_LANG") or "zh"
    return "en" if str(value).strip().lower() == "en" else "zh"


def rows(ctx: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of `sql` (with `?` placeholders) on the ledger; [] on any failure."""
    try:
        url = ledger_url(ctx)
        if url.startswith("sqlite"):
            return _sqlite_rows(url, sql, params)
        if url.startswith("postgres"):
            return _postgres_rows(url, sql, params)
    except Exception:  # completion never fails aloud
        return []
    return []


def _sqlite_rows(url: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    import sqlite3

    from redprop.core.config import sqlite_path

    path = sqlite_path(url)
    if path is None or not path.is_file():
        return []  # mode=ro never creates a file, but an absent ledger needs no connection
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=SQLITE_TIMEOUT)
    try:
        return conn.execute(sql, tuple(params)).fetchall()
    finally:
        conn.close()


def _postgres_rows(url: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    import psycopg

    # postgresql+psycopg://… is SQLAlchemy's spelling; libpq wants postgresql://…
    dsn = "postgresql://" + url.split("://", 1)[1]
    with psycopg.connect(dsn, connect_timeout=PG_CONNECT_TIMEOUT, autocommit=True) as conn:
        return conn.execute(sql.replace("?", "%s"), tuple(params)).fetchall()  # type: ignore[arg-type]


def _starts(value: str, incomplete: str) -> bool:
    return value.casefold().startswith(incomplete.strip().casefold())


def _matching(
    found: list[tuple[Any, ...]], incomplete: str, *, ordered: bool = False
) -> list[Candidate]:
    """(value, help) for each row (value, help …) whose value starts with `incomplete`, sorted
    by value unless the rows are `ordered` already (a database's collation may differ)."""
    out = []
    for value, hint, *_ in found:
        if value is not None and _starts(str(value), incomplete):
            out.append((str(value), "" if hint is None else str(hint)))
    return out if ordered else sorted(out)


# ---------------------------------------------------------------------------------------------
# The ledger's names


def grids(ctx: Any, incomplete: str) -> list[Candidate]:
    """Grid codes, each with the grid's name."""
    return _matching(rows(ctx, "SELECT code, name FROM grid"), incomplete)


def communities(ctx: Any, incomplete: str) -> list[Candidate]:
    """Community names, each with its street."""
    sql = "SELECT c.name, s.name FROM community c JOIN street s ON s.id = c.street_id"
    return _matching(rows(ctx, sql), incomplete)


def streets(ctx: Any, incomplete: str) -> list[Candidate]:
    """Street names."""
    what = "street" if _lang(ctx) == "en" else "街道"
    return _matching([(n, what) for (n,) in rows(ctx, "SELECT name FROM street")], incomplete)


def units(ctx: Any, incomplete: str) -> list[Candidate]:
    """What `staff --unit` takes: a grid code, a community or a street name."""
    return grids(ctx, incomplete) + communities(ctx, incomplete) + streets(ctx, incomplete)


def staff(ctx: Any, incomplete: str) -> list[Candidate]:
    """The names of staff in post (retired ones act no more), each with their role."""
    from redprop.core.vocab import ROLES, label

    found = rows(ctx, "SELECT name, role FROM staff WHERE active")
    lang = _lang(ctx)
    return [(name, label(ROLES, role, lang)) for name, role in _matching(found, incomplete)]


def categories(ctx: Any, incomplete: str) -> list[Candidate]:
    """Dispute categories (纠纷类型)."""
    what = "category" if _lang(ctx) == "en" else "纠纷类型"
    found = rows(ctx, "SELECT name FROM category ORDER BY id")  # as seeded: usual ones first
    return _matching([(n, what) for (n,) in found], incomplete, ordered=True)


def demand_categories(ctx: Any, incomplete: str) -> list[Candidate]:
    """Demand categories (需求类型)."""
    what = "demand category" if _lang(ctx) == "en" else "需求类型"
    found = rows(ctx, "SELECT name FROM demand_category ORDER BY id")
    return _matching([(n, what) for (n,) in found], incomplete, ordered=True)


_CASES = (
    "SELECT d.number, d.state, g.code, c.name FROM dispute d"
    " JOIN grid g ON g.id = d.grid_id JOIN category c ON c.id = d.category_id"
)


def case_numbers(ctx: Any, incomplete: str) -> list[Candidate]:
    """Case numbers starting with what was typed, most recent first (at most MAX_NUMBERS); a
    short number (`87`, `2025-87`) offers the case it stands for, 2026-00087, first. Each with
    its state, grid and category (never its summary or parties: they may hold IDs)."""
    from redprop.core.config import now
    from redprop.core.numbers import full_number
    from redprop.core.vocab import STATES, label

    typed = incomplete.strip()
    found: list[tuple[Any, ...]] = []
    full = typed
    # Only a number typed short: `2026-0008` is the start of 2026-00080 … and stays so.
    if re.fullmatch(r"(\d{4}-)?[1-9]\d{0,4}", typed):
        try:
            full = full_number(typed, year=now().year)
        except Exception:  # a bad REDPROP_NOW: the command itself will say so
            full = typed
    if full != typed:
        found += rows(ctx, f"{_CASES} WHERE d.number = ?", (full,))
    escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    sql = f"{_CASES} WHERE d.number LIKE ? ESCAPE '\\' ORDER BY d.number DESC LIMIT ?"
    found += [r for r in rows(ctx, sql, (escaped + "%", MAX_NUMBERS)) if r[0] != full]
    lang = _lang(ctx)
    return [
        (number, f"{label(STATES, state, lang)} · {grid} · {category}")
        for number, state, grid, category in found[:MAX_NUMBERS]
    ]


# ---------------------------------------------------------------------------------------------
# The vocabulary: the codes the CLI accepts, with their labels


def vocabulary(table: str, *, labels: bool = True) -> Completer:
    """A completer of the codes of core/vocab's `table` (STATES, LEVELS …), each with its
    label; typed in Chinese (`待`), it offers the labels instead where the command accepts them
    (`labels`: the case and unit commands do, the service lists take codes only)."""

    def complete(ctx: Any, incomplete: str) -> list[Candidate]:
        from redprop.core import vocab

        table_: dict[str, tuple[str, str]] = getattr(vocab, table)
        lang = _lang(ctx)
        codes = [
            (code, zh if lang == "zh" else en)
            for code, (zh, en) in table_.items()
            if _starts(code, incomplete)
        ]
        if codes or not labels or incomplete.strip().isascii():
            return codes
        return [(zh, code) for code, (zh, _) in table_.items() if _starts(zh, incomplete)]

    complete.__name__ = f"complete_{table.lower()}"
    return complete


# ---------------------------------------------------------------------------------------------
# What commands attach: `typer.Option(…, click_type=complete.GRID)`


class Completing(StringParamType):
    """A plain text parameter whose Tab offers what `completer` finds."""

    def __init__(self, completer: Completer) -> None:
        self.completer = completer

    def shell_complete(self, ctx: Any, param: Any, incomplete: str) -> list[CompletionItem]:
        try:
            found = self.completer(ctx, incomplete)
        except Exception:  # completion never fails aloud
            return []
        return [CompletionItem(value, help=hint or None) for value, hint in found]


GRID = Completing(grids)
COMMUNITY = Completing(communities)
STREET = Completing(streets)
UNIT = Completing(units)
STAFF = Completing(staff)
CATEGORY = Completing(categories)
DEMAND_CATEGORY = Completing(demand_categories)
CASE_NUMBER = Completing(case_numbers)
STATE = Completing(vocabulary("STATES"))
LEVEL = Completing(vocabulary("LEVELS"))
SEVERITY = Completing(vocabulary("SEVERITIES"))
ROLE = Completing(vocabulary("ROLES"))
GRID_KIND = Completing(vocabulary("GRID_KINDS"))
DEMAND_STATE = Completing(vocabulary("DEMAND_STATES", labels=False))  # service lists: codes only

# An option more than one command takes, with its completion.
SeverityOpt = Annotated[
    str | None,
    typer.Option(
        "--severity", help="small|major|hard|special（小事/大事/难事/特事）", click_type=SEVERITY
    ),
]
