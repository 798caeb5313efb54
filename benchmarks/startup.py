"""Start-up: `redprop --help` against `python -c "import typer"`, median of 10 runs each.

    python benchmarks/startup.py [--runs 10]

Goal (docs/design.md §9): redprop --help within 2x of importing typer.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    redprop = shutil.which("redprop", path=str(Path(sys.executable).parent)) or "redprop"
    # One warm-up each, so the first run's disk cache does not decide the median.
    timed([sys.executable, "-c", "import typer"], 1)
    timed([redprop, "--help"], 1)
    base = timed([sys.executable, "-c", "import typer"], args.runs)
    ours = timed([redprop, "--help"], args.runs)
    print(f'python -c "import typer": {base * 1000:.0f} ms (median of {args.runs})')
    print(f"redprop --help:           {ours * 1000:.0f} ms (median of {args.runs})")
    print(f"ratio: {ours / base:.2f} (goal <= 2.0)")


if __name__ == "__main__":
    main()
