"""Retrying a command's transaction when the database, not the user, failed it (issue 20;
docs/design.md §17): on a district's PostgreSQL the server may restart, the network drop, or
the server cancel one of two transactions that deadlocked or could not be serialised. Those
are retried with bounded, jittered exponential backoff; anything else (a refusal, a bad value)
is raised at once.

A retry must not act twice: a connection lost during COMMIT leaves it unknown whether the
server committed. So each command invocation carries one random request key, stored with the
event it appends (case_event.request), and the case services return the event an earlier
attempt committed instead of acting again (cases/log.done_before).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from redprop.core.errors import LedgerError

T = TypeVar("T")

# SQLSTATEs worth another try: serialization failure, deadlock, the server shutting down or
# starting up, the connection exceptions, and the server at its max_connections (53300: other
# terminals' commands finish within moments; `case new` holds two connections for a moment).
RETRYABLE = frozenset(
    {
        "40001",
        "40P01",
        "57P01",
        "57P02",
        "57P03",
        "08000",
        "08001",
        "08003",
        "08004",
        "08006",
        "53300",
    }
)
ATTEMPTS = 6
FIRST_WAIT = 0.1  # seconds; doubled each time, at most MAX_WAIT, with jitter
MAX_WAIT = 3.0


def new_request() -> str:
    return uuid.uuid4().hex


def retryable(exc: BaseException) -> bool:
    """Whether `exc` is the database's transient failure rather than a refusal."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    if code in RETRYABLE:
        return True
    # A server that is down or restarting refuses the connection before any SQLSTATE exists
    # (psycopg reports a refused start-up, 57P03, as text only).
    text = str(orig).lower()
    return isinstance(exc, OperationalError) and any(
        s in text
        for s in (
            "connection refused",
            "server closed the connection",
            "terminating connection",
            "the database system is shutting down",
            "the database system is starting up",
            "too many clients already",
        )
    )


def retrying(
    attempt: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`attempt()` (one whole transaction), tried again on a transient database failure."""
    for n in range(attempts):
        try:
            return attempt()
        except Exception as exc:
            if not retryable(exc):
                raise
            if n == attempts - 1:
                raise LedgerError(
                    f"数据库暂时不可用（服务器重启、网络中断或连接数已满），已重试 {attempts} 次仍未成功；"
                    "请稍后先用 redprop case show 查看这一步是否已记录，再决定是否重新运行",
                    "The database stayed unavailable (a restart, a network drop or all its "
                    f"connections taken) after {attempts} tries; later, check with redprop case "
                    "show whether the step was recorded before running the command again",
                ) from None
            sleep(min(MAX_WAIT, FIRST_WAIT * 2**n) * (0.5 + random.random() / 2))
    raise AssertionError("unreachable")
