"""Start-up of the commands people type all day, against the imports every such command needs,
median of N rounds, each round running the baselines and every command once in turn, so a busy
moment of a shared machine slows them alike (docs/design.md §9, issue 15):

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


def once(cmd: list[str], *, tty: bool, env: dict[str, str]) -> float:
    start = time.perf_counter()
    run(cmd, tty=tty, env=env)
    return time.perf_counter() - start


def round_robin(
    makers: dict[str, Callable[[int], list[str]]], runs: int, *, tty: bool, env: dict[str, str]
) -> dict[str, float]:
    """Median wall time of each command over `runs` rounds, every round running each command
    once in turn (one warm-up round first, not counted): a busy moment of a shared machine
    then slows the baselines and the commands alike."""
    samples: dict[str, list[float]] = {name: [] for name in makers}
    for i in range(-1, runs):
        for name, make in makers.items():
            took = once(make(i), tty=tty, env=env)
            if i >= 0:
                samples[name].append(took)
    return {name: statistics.median(s) for name, s in samples.items()}


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
    # Each accept takes one of the cases registered in the round before (the demo has 86).
    accept = [redprop, "case", "accept"]
    makers: dict[str, Callable[[int], list[str]]] = {
        "import typer": lambda _: BASE_HELP,
        "imports": lambda _: BASE_CMD,
        "redprop --help": lambda _: [redprop, "--help"],
        "case list": lambda _: [redprop, "case", "list"],
        "case show 1": lambda _: [redprop, "case", "show", "1"],
        "case todo": lambda _: [redprop, "case", "todo"],
        "case new": lambda _: new,
        "case accept": lambda i: [*accept, str(87 + i + 1)],
    }
    medians = round_robin(makers, n, tty=tty, env=env)
    base_help, base = medians.pop("import typer"), medians.pop("imports")
    results = [(name, took, base_help if name == "redprop --help" else base) for name, took in medians.items()]  # fmt: skip
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
