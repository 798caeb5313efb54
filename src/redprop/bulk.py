"""Passes over hundreds of thousands of rows (a roster import, a year's events).

Such a pass allocates millions of small tuples, lists and strings that never form reference
cycles. CPython's cyclic collector still walks the whole heap each time enough of them pile up,
and those walks grow with the heap: on a 200,000-row roster they cost more than a third of the
pass. Reference counting frees everything such a pass drops, so the collector is paused while
it runs and resumed after (it then collects anything that did form a cycle).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
