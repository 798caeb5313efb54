"""Completion: bash's Tab (`_REDPROP_COMPLETE=complete_bash`) for a case number, a grid code and a
staff name on the demo ledger, against `python -c "import typer"`, median of 10 runs each.

    python benchmarks/completion.py [--runs 10] [--db PATH]

Without --db the demo ledger is built afresh in a temporary directory (`redprop demo --dir`)
and its path printed. Goal (issue 15): each completion under 150 ms, i.e. instant at a Tab.
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

GOAL_MS = 150
LINES = {
    "case number": "redprop case show 2026-0008",
    "grid code": "redprop case list --grid G01",
    "staff name": "redprop --as 李",
}


def timed(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, str]:
    """The median wall-clock seconds of `runs` runs, and the output of the last one."""
    samples, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        samples.append(time.perf_counter() - start)
        out = done.stdout
    return statistics.median(samples), out


def tab(redprop: str, line: str, db: Path) -> dict[str, str]:
    """The environment of bash asking for the candidates at the end of `line`."""
    return {
        **os.environ,
        "REDPROP_DB": str(db),
        "_REDPROP_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split(" ")) - 1),
    }


def demo(redprop: str, directory: Path) -> Path:
    subprocess.run(
        [redprop, "demo", "--dir", str(directory)], check=True, stdout=subprocess.DEVNULL
    )
    return directory / "redprop-demo.db"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--db", type=Path, help="an existing ledger (default: a fresh demo)")
    args = parser.parse_args()
    redprop = shutil.which("redprop", path=str(Path(sys.executable).parent)) or "redprop"
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or demo(redprop, Path(scratch))
        print(f"ledger: {db}")
        typer = [sys.executable, "-c", "import typer"]
        timed(typer, 1)  # warm-up: the first run's disk cache decides nothing
        base, _ = timed(typer, args.runs)
        print(f'python -c "import typer": {base * 1000:4.0f} ms (median of {args.runs})')
        worst = 0.0
        for what, line in LINES.items():
            env = tab(redprop, line, db)
            timed([redprop], 1, env)
            took, out = timed([redprop], args.runs, env)
            worst = max(worst, took)
            offered = len(out.split())
            print(
                f"{what + ':':13} {took * 1000:4.0f} ms, {took / base:.2f}x typer, "
                f"{offered} candidates for `{line.removeprefix('redprop ')}`"
            )
        verdict = "met" if worst * 1000 < GOAL_MS else "NOT met"
        print(f"goal: every completion < {GOAL_MS} ms: {verdict} (slowest {worst * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
