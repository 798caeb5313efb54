"""`case related` on a large ledger (issue 19; docs/design.md §3.8, §9): the related cases of a
sample of cases with an address, in process (the part beyond start-up), against the sqlite3
module running the address lookup alone on the same cases in the same run; then the whole
command as a subprocess against `python -c "import typer, sqlalchemy, rich.table"`.

    python benchmarks/ledgerbuild.py /tmp/redprop-bench-1m.db --cases 1000000   # once
    REDPROP_NOW=2026-11-20T18:00 redprop --db /tmp/redprop-bench-1m.db db upgrade
    python benchmarks/related.py /tmp/redprop-bench-1m.db [--sample 30] [--runs 5]

Goal: under 300 ms beyond start-up on 1,000,000 cases.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path


def sample(path: Path, n: int) -> list[tuple[str, int, str | None, str, str]]:
    """`n` cases with a building and a room, spread over the ledger (seeded)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    top = con.execute("SELECT max(id) FROM dispute").fetchone()[0]
    rng, found = random.Random(1), []
    while len(found) < n:
        row = con.execute(
            "SELECT number, building_id, unit, room, registered_at FROM dispute "
            "WHERE id >= ? AND room IS NOT NULL AND building_id IS NOT NULL LIMIT 1",
            (rng.randrange(1, top),),
        ).fetchone()
        if row:
            found.append(row)
    con.close()
    return found


def raw(path: Path, cases: list[tuple[str, int, str | None, str, str]]) -> float:
    """The address lookup alone, with sqlite3: same building, unit and room within a year."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    start = time.perf_counter()
    for _, building, unit, room, _at in cases:
        con.execute(
            "SELECT id, number, registered_at, state FROM dispute WHERE building_id = ? "
            "AND unit IS ? AND room = ?",
            (building, unit, room),
        ).fetchall()
    took = (time.perf_counter() - start) / len(cases)
    con.close()
    return took


def ours(url: str, numbers: list[str]) -> tuple[float, float]:
    """related_cases per case: the median and the slowest, in seconds."""
    from redprop.cases.parties import related_cases
    from redprop.core.db import connection_scope, open_ledger

    engine = open_ledger(url, create=False)
    samples = []
    with connection_scope(engine) as conn:
        for number in numbers:
            start = time.perf_counter()
            related_cases(conn, number)
            samples.append(time.perf_counter() - start)
    engine.dispose()
    return statistics.median(samples), max(samples)


def command(argv: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(argv, check=True, capture_output=True, env=env)  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("REDPROP_NOW", "2026-11-20T18:00")
    cases = sample(args.db, args.sample)
    numbers = [c[0] for c in cases]
    base_lookup = statistics.median(raw(args.db, cases) for _ in range(args.runs))
    median, slowest = ours(f"sqlite:///{args.db.resolve()}", numbers)
    redprop = shutil.which("redprop", path=str(Path(sys.executable).parent)) or "redprop"
    env = os.environ | {"REDPROP_DB": str(args.db)}
    imports = command(
        [sys.executable, "-c", "import typer, sqlalchemy, rich.table"], args.runs, env
    )
    whole = command([redprop, "case", "related", numbers[0]], args.runs, env)
    count = (
        sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        .execute("SELECT count(*) FROM dispute")
        .fetchone()[0]
    )
    print(f"{count:,} cases; {len(numbers)} sampled cases with an address")
    print(f"related_cases in process: median {median * 1000:.1f} ms, slowest {slowest * 1000:.1f} ms (goal < 300 ms)")  # fmt: skip
    print(f"sqlite3 address lookup alone: {base_lookup * 1000:.2f} ms; ratio {median / base_lookup:.1f}x")  # fmt: skip
    print(f"redprop case related (whole command): {whole * 1000:.0f} ms; imports alone {imports * 1000:.0f} ms; beyond start-up {(whole - imports) * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
