"""Passes over hundreds of thousands of rows (a roster import, a year's events): the garbage
collector paused while they run, and rows written on a second thread while the next are checked.

Such a pass allocates millions of small tuples, lists and strings that never form reference
cycles. CPython's cyclic collector still walks the whole heap each time enough of them pile up,
and those walks grow with the heap: on a 200,000-row roster they cost more than a third of the
pass. Reference counting frees everything such a pass drops, so the collector is paused while
it runs, and what the pass left alive is set aside (gc.freeze) when it resumes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from itertools import chain
from typing import Any


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk pass; nests, and restores what it found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Everything the pass allocated is still "young" to the collector, and the first
            # collection after resuming would walk all of it; what is alive now is set aside
            # instead (gc.freeze), so resuming costs nothing.
            gc.freeze()
            gc.enable()


class BackgroundInserts:
    """Rows inserted into one SQLite table on a second thread while this one prepares the next.

    Each batch goes in as one multi-row INSERT: SQLite runs a whole statement without the GIL,
    so the rows are written while this thread goes on checking. (executemany would take the GIL
    back after every row, and so wait for the busy thread every time.) The connection must be
    left alone by everyone else until finish() or close() returns.
    """

    def __init__(self, connection: Any, table: str, columns: Sequence[str]) -> None:
        import sqlite3
        from concurrent.futures import ThreadPoolExecutor

        self.connection = connection
        self.prefix = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        self.one = "(" + ", ".join("?" * len(columns)) + ")"
        limit = connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self.per = max(1, min(2000, limit // len(columns)))
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="bulk-insert")
        self.pending: list[Future[None]] = []

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        for start in range(0, len(rows), self.per):
            self.pending.append(self.pool.submit(self._insert, rows[start : start + self.per]))

    def _insert(self, rows: Sequence[Sequence[Any]]) -> None:
        sql = self.prefix + ", ".join([self.one] * len(rows))
        self.connection.execute(sql, tuple(chain.from_iterable(rows)))

    def finish(self) -> None:
        """Wait for every batch; a failed one raises here."""
        for future in self.pending:
            future.result()

    def close(self) -> None:
        """Drop the batches not started and wait for the one being written."""
        self.pool.shutdown(wait=True, cancel_futures=True)
