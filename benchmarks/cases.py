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
import resource
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
LIST = ["case", "list", "--grid", "G007", "--status", "in_progress"]


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr.decode()}")
    return took, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def medians(a: list[str], b: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Median wall-clock and CPU seconds of `runs` runs of each: [a wall, a cpu, b wall, b cpu].
    The two alternate, so that a change in the machine's load weighs on both alike; one
    warm-up each first."""
    run(a, env)
    run(b, env)
    samples: list[list[float]] = [[], [], [], []]
    for _ in range(runs):
        for i, sample in enumerate((*run(a, env), *run(b, env))):
            samples[i].append(sample)
    return [statistics.median(s) for s in samples]


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
    ours_cmd = [redprop, "--db", str(path), *LIST]
    base, base_cpu, ours, ours_cpu = medians(base_cmd, ours_cmd, args.runs, env)
    print(f'python -c "import typer, sqlmodel": {base * 1000:.0f} ms (median of {args.runs})')
    print(f"redprop {' '.join(LIST)}: {ours * 1000:.0f} ms (median of {args.runs})")
    print(f"ratio: {ours / base:.2f} (goal <= {GOAL})")
    # CPU time hardly depends on what else the machine is doing; a check on the ratio above.
    print(
        f"cpu time: {base_cpu * 1000:.0f} ms against {ours_cpu * 1000:.0f} ms, "
        f"ratio {ours_cpu / base_cpu:.2f}"
    )


if __name__ == "__main__":
    main()
