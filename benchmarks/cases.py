"""Case list on a large ledger: `redprop case list --grid G007 --status in_progress` on 1,000,000
cases against `python -c "import typer, sqlmodel"`, median of 7 runs each.

    python benchmarks/cases.py [--cases 1000000] [--runs 7] [--db PATH]

The ledger (the demo street and --cases disputes, see ledgerbuild.py) is built first and its
build time reported; an existing --db with exactly that many cases is reused. Both commands run
with REDPROP_NOW fixed at the moment the ledger was built for.

Goal: case list within 1.3x of importing typer and sqlmodel, i.e. a query on a million cases
costs little more than starting up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledgerbuild import NOW, build_ledger, count_cases

GOAL = 1.3


def timed(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        samples.append(time.perf_counter() - start)
        if done.returncode:
            sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr.decode()}")
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None, help="ledger file (built if needed)")
    args = parser.parse_args()
    path = args.db or Path(tempfile.gettempdir()) / f"redprop-bench-{args.cases}.db"
    path = path.expanduser().resolve()

    if count_cases(path) == args.cases:
        print(f"ledger: {path} (reused, {args.cases:,} cases)")
    else:
        print(f"building {path} with {args.cases:,} cases …", flush=True)
        start = time.perf_counter()
        build_ledger(path, args.cases, log=lambda line: print(line, flush=True))
        took = time.perf_counter() - start
        size = path.stat().st_size / 1e6
        print(f"built in {took:.1f} s ({args.cases / took:,.0f} cases/s), {size:,.0f} MB")

    redprop = shutil.which("redprop", path=str(Path(sys.executable).parent)) or "redprop"
    env = dict(os.environ, REDPROP_NOW=NOW.strftime("%Y-%m-%dT%H:%M"))
    env.pop("REDPROP_DB", None)
    base_cmd = [sys.executable, "-c", "import typer, sqlmodel"]
    ours_cmd = [
        redprop,
        "--db",
        str(path),
        "case",
        "list",
        "--grid",
        "G007",
        "--status",
        "in_progress",
    ]
    # One warm-up each, so the first run's disk cache does not decide the median.
    timed(base_cmd, 1, env)
    timed(ours_cmd, 1, env)
    base = timed(base_cmd, args.runs, env)
    ours = timed(ours_cmd, args.runs, env)
    print(f'python -c "import typer, sqlmodel": {base * 1000:.0f} ms (median of {args.runs})')
    print(
        f"redprop case list --grid G007 --status in_progress: {ours * 1000:.0f} ms (median of {args.runs})"
    )
    print(f"ratio: {ours / base:.2f} (goal <= {GOAL})")


if __name__ == "__main__":
    main()
