"""The benchmarks of an earlier redprop and of this one, in one run: for a change meant to keep
performance as it was (issue 11's redesign), each benchmark runs on the earlier tree and then on
this one, back to back, on the same data.

    python benchmarks/before_after.py --before /tmp/rp-before --ledger /tmp/rpb/before.db
        [--only startup,cases,ledger,roster] [--cases 1000000] [--rows 200000]

--before is a checkout of the earlier version (`git worktree add /tmp/rp-before <commit>`); its
own benchmarks/ scripts run with its src/ first on PYTHONPATH, in the same virtual environment.
--ledger is a large ledger built by the earlier version; this version gets its own copy of it
(opening a ledger upgrades its schema, which the earlier version would then refuse).
Each benchmark prints its own medians and ratios; this script prints them one after the other.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def run(tree: Path, script: str, args: list[str]) -> str:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    done = subprocess.run(
        [sys.executable, str(tree / "benchmarks" / script), *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return f"FAILED ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--ledger", type=Path, required=True)
    parser.add_argument("--only", default="startup,cases,ledger,roster")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/rpb/rosters"))
    args = parser.parse_args()
    after_ledger = args.ledger.with_name(args.ledger.stem + "-after.db")
    if not after_ledger.exists():
        shutil.copyfile(args.ledger, after_ledger)
    ledgers = {"before": args.ledger, "after": after_ledger}
    trees = {"before": args.before.resolve(), "after": HERE}
    for name in args.only.split(","):
        for side in ("before", "after"):
            script, extra = {
                "startup": ("startup.py", []),
                "cases": ("cases.py", ["--cases", str(args.cases), "--db", str(ledgers[side])]),
                "ledger": ("ledger.py", ["--cases", str(args.cases), "--db", str(ledgers[side])]),
                "roster": ("roster.py", ["--rows", str(args.rows), "--keep", str(args.keep)]),
            }[name]
            print(f"== {name}, {side} ({trees[side]})", flush=True)
            print(run(trees[side], script, extra), flush=True)


if __name__ == "__main__":
    main()
