"""score board on a large ledger: `redprop score board --quarter Q` on the 1,000,000-case
benchmark ledger (ledgerbuild.py; its compounds' property companies became companies when the
ledger was migrated to schema 0015, and its cases at their addresses were linked to them), as a
whole command and in process, median of --runs runs.

    python benchmarks/score.py --db /tmp/big.db [--runs 5] [--quarter 2026Q3]

Goal: under 2 s for the whole command (issue 16). Measured 1.68-1.79 s (0.78-0.92 s in process, 1.34x sqlite3 alone) after
schema 0016 (the facts a resolve keeps; docs/design.md §15); 5.9 s before.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledgerbuild import NOW

GOAL = 2.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quarter", default="2026Q3")
    args = parser.parse_args()
    env = os.environ | {"REDPROP_DB": str(args.db), "REDPROP_NOW": NOW.isoformat()}
    cmd = [sys.executable, "-m", "redprop", "score", "board", "--quarter", args.quarter]
    walls = []
    for _ in range(args.runs + 1):  # one warm-up
        start = time.perf_counter()
        subprocess.run([*cmd, "--json"], env=env, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
    whole = statistics.median(walls[1:])
    os.environ.update(env)
    from redprop.core.db import open_ledger, session_scope
    from redprop.property.items import parse_quarter
    from redprop.property.scores import board

    engine = open_ledger(f"sqlite:///{args.db}")
    inside = []
    for _ in range(args.runs):
        with session_scope(engine) as s:
            start = time.perf_counter()
            scores = board(s, quarter=parse_quarter(args.quarter))
            inside.append(time.perf_counter() - start)
    engine.dispose()
    raw = statistics.median(_raw(args.db, parse_quarter(args.quarter)) for _ in range(args.runs))
    companies = len(scores)
    complaints = sum(x.counts["case_substantiated"] for x in scores)
    print(f"score board --quarter {args.quarter}: {companies} companies, {complaints} complaints")
    print(
        f"  whole command: median {whole:.2f} s; in process: median {statistics.median(inside):.2f} s"
    )
    print(
        f"  sqlite3 alone reading the quarter's resolves and visits with their companies: "
        f"median {raw:.2f} s (in process / sqlite3 = {statistics.median(inside) / raw:.2f}x)"
    )
    print(f"  goal < {GOAL} s: {'met' if whole < GOAL else 'NOT met'}")


def _raw(db: Path, quarter: Any) -> float:
    """The floor: the sqlite3 module alone, on a fresh connection, reading the two index ranges
    the board reads (each resolve's facts and each visit's data, joined to the case's company)."""
    start = time.perf_counter()
    con = sqlite3.connect(db)
    bounds = (
        f"{quarter.start:%Y-%m-%d %H:%M:%S}.000000",
        f"{quarter.end:%Y-%m-%d %H:%M:%S}.000000",
    )
    for action, columns in (("resolve", "e.overdue, e.resolved_before"), ("visit", "e.data")):
        con.execute(
            f"SELECT d.company_id, e.case_id, {columns} FROM case_event e "
            "JOIN dispute d ON d.id = e.case_id "
            f"WHERE e.action = '{action}' AND e.at >= ? AND e.at < ? "
            "AND d.company_id IS NOT NULL",
            bounds,
        ).fetchall()
    con.close()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
