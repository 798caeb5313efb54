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


def once(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """The wall-clock seconds of one run, and its output."""
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def tab(line: str, db: Path) -> dict[str, str]:
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
        envs = {what: tab(line, db) for what, line in LINES.items()}
        # Round-robin, after a warm-up round: a busy moment slows every command alike.
        samples: dict[str, list[float]] = {"typer": [], **{what: [] for what in LINES}}
        offered = {}
        for _ in range(args.runs + 1):
            took, _ = once(typer)
            samples["typer"].append(took)
            for what, env in envs.items():
                took, out = once([redprop], env)
                samples[what].append(took)
                offered[what] = len(out.split())
        median = {what: statistics.median(s[1:]) for what, s in samples.items()}
        base = median["typer"]
        print(f'python -c "import typer": {base * 1000:4.0f} ms (median of {args.runs})')
        for what, line in LINES.items():
            took = median[what]
            print(
                f"{what + ':':13} {took * 1000:4.0f} ms, {took / base:.2f}x typer, "
                f"{offered[what]} candidates for `{line.removeprefix('redprop ')}`"
            )
        worst = max(median[what] for what in LINES)
        verdict = "met" if worst * 1000 < GOAL_MS else "NOT met"
        print(f"goal: every completion < {GOAL_MS} ms: {verdict} (slowest {worst * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
