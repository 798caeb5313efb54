"""Start-up of the commands people type all day, against the imports every such command needs,
median of N runs each, in the same run (docs/design.md §9, issue 15):

    python benchmarks/startup.py [--runs 10] [--tty]

- `redprop --help` against `python -c "import typer"` (goal: within 2x);
- `case list`, `case show`, `case todo`, `case new` and `case accept` on a copy of the demo
  ledger against `python -c "import typer, sqlalchemy, rich.table"` (goal: within 1.5x).

Output goes to a pipe, as a script would read it; with --tty every command (the baselines
too) runs in a pseudo-terminal of 80 columns through script(1), as a person would see it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BASE_HELP = [sys.executable, "-c", "import typer"]
BASE_CMD = [sys.executable, "-c", "import typer, sqlalchemy, rich.table"]


def run(cmd: list[str], *, tty: bool, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    if tty:
        line = "stty cols 80 rows 60; " + shlex.join(cmd)
        cmd = ["script", "-q", "-e", "-c", line, "/dev/null"]
    return subprocess.run(cmd, check=True, capture_output=True, env=env)


def timed(make: Callable[[int], list[str]], runs: int, *, tty: bool, env: dict[str, str]) -> float:
    """Median wall time of `runs` runs of make(i) (one warm-up first, not counted)."""
    run(make(-1), tty=tty, env=env)
    samples = []
    for i in range(runs):
        cmd = make(i)
        start = time.perf_counter()
        run(cmd, tty=tty, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def demo_ledger(redprop: str, home: Path, env: dict[str, str]) -> Path:
    """A fresh demo ledger (redprop demo writes it under the app directory of `home`)."""
    out = subprocess.run(
        [redprop, "demo"], check=True, capture_output=True, text=True, env=env | {"HOME": str(home)}
    )
    found = next(home.rglob("redprop-demo.db"), None)
    if found is None:
        raise SystemExit(f"redprop demo made no ledger:\n{out.stdout}{out.stderr}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tty", action="store_true", help="run in an 80-column pseudo-terminal")
    args = parser.parse_args()
    redprop = shutil.which("redprop", path=str(Path(sys.executable).parent)) or "redprop"
    work = Path(tempfile.mkdtemp(prefix="redprop-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDPROP_")}
    ledger = demo_ledger(redprop, work, env)
    env |= {"REDPROP_DB": str(ledger), "REDPROP_USER": "王敏", "HOME": str(work)}
    tty, n = args.tty, args.runs
    new = [redprop, "case", "new", "--grid", "G002", "--category", "邻里纠纷"]
    new += ["--severity", "small", "--summary", "楼上漏水", "--party", "张三", "--party", "李四"]
    made: list[str] = []

    def register(_: int) -> list[str]:
        return new

    results: list[tuple[str, float, float]] = []
    base_help = timed(lambda _: BASE_HELP, n, tty=tty, env=env)
    base = timed(lambda _: BASE_CMD, n, tty=tty, env=env)
    results.append(("redprop --help", timed(lambda _: [redprop, "--help"], n, tty=tty, env=env), base_help))  # fmt: skip
    for name, argv in (
        ("case list", ["case", "list"]),
        ("case show 1", ["case", "show", "1"]),
        ("case todo", ["case", "todo"]),
    ):
        results.append((name, timed(lambda _, a=argv: [redprop, *a], n, tty=tty, env=env), base))  # type: ignore[misc]
    results.append(("case new", timed(register, n, tty=tty, env=env), base))
    # Each accept takes one of the cases just registered (87, 88, …: the demo has 86).
    made = [str(87 + i) for i in range(n + 1)]
    results.append(
        ("case accept", timed(lambda i: [redprop, "case", "accept", made[i + 1]], n, tty=tty, env=env), base)  # fmt: skip
    )
    where = "an 80-column terminal" if tty else "a pipe"
    print(f"median of {n} runs, output to {where}; demo ledger {ledger}")
    print(f'baselines: python -c "import typer" {base_help * 1000:.0f} ms; ', end="")
    print(f'python -c "import typer, sqlalchemy, rich.table" {base * 1000:.0f} ms')
    for name, took, against in results:
        goal = 2.0 if name == "redprop --help" else 1.5
        ratio = took / against
        mark = "ok" if ratio <= goal else "OVER"
        print(f"{name:<16} {took * 1000:6.0f} ms  {ratio:4.2f}x  (goal <= {goal}) {mark}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
