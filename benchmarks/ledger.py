"""Monthly figures and the ledger workbook on a ledger of 1,000,000 cases.

    python benchmarks/ledger.py [--cases 1000000] [--runs 5] [--db PATH] [--month 2026-11]

In one run: `redprop report --month M` as a subprocess (goal: under 2 s), and the month's
workbook built from the ledger (queries, figures, the 年度累计 row, writing) against openpyxl
writing the very same rows with no queries (goal: within 2x). Medians of --runs.
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

sys.path.insert(0, str(Path(__file__).parent))

from ledgerbuild import build_ledger, count_cases

NOW = "2026-11-20T18:00"


def timed(fn, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def plain_openpyxl(book, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The baseline: the same rows, written by openpyxl's write-only mode with nothing else."""
    from openpyxl import Workbook

    from redprop.figures.book import figure_values

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("汇总")
    for unit in book.month_report.by_unit:
        ws.append([unit["unit"], *figure_values(unit["figures"])])
    ws = wb.create_sheet("分类统计")
    for name, figures in book.month_report.by_category.items():
        ws.append([name, *figure_values(figures)])
    ws = wb.create_sheet("矛盾纠纷台账")
    for row in book.case_rows:
        ws.append(row)
    ws = wb.create_sheet("流转记录")
    for row in book.event_rows:
        ws.append(row)
    wb.save(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "redprop-bench-1m.db"
    )
    parser.add_argument("--month", default="2026-11")
    args = parser.parse_args()
    os.environ["REDPROP_NOW"] = NOW
    if count_cases(args.db) != args.cases:
        start = time.perf_counter()
        build_ledger(args.db, args.cases)
        print(f"built {args.cases:,} cases in {time.perf_counter() - start:.1f} s: {args.db}")
    else:
        print(f"reusing {args.db} ({args.cases:,} cases)")

    redprop = shutil.which("redprop", path=str(Path(sys.executable).parent)) or "redprop"
    env = {**os.environ, "REDPROP_DB": str(args.db), "REDPROP_NOW": NOW}
    cmd = [redprop, "report", "--month", args.month, "--json"]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)  # warm the page cache
    report_s, _ = timed(
        lambda: subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL), args.runs
    )
    print(
        f"redprop report --month {args.month}: {report_s:.2f} s (median of {args.runs}; goal < 2 s)"
    )

    from redprop.core.db import open_ledger, session_scope
    from redprop.figures.book import build, write
    from redprop.figures.period import month_period

    engine = open_ledger(f"sqlite:///{args.db}")
    period = month_period(args.month)
    out = Path(tempfile.mkdtemp()) / "台账.xlsx"
    base = out.with_name("plain.xlsx")

    def ours() -> object:
        with session_scope(engine, write=False) as session:
            book = build(session, period=period)
        write(book, out)
        return book

    ours_s, book = timed(ours, args.runs)
    plain_s, _ = timed(lambda: plain_openpyxl(book, base), args.runs)
    engine.dispose()
    cases, events = len(book.case_rows), len(book.event_rows)  # type: ignore[attr-defined]
    print(
        f"workbook ({cases:,} cases, {events:,} events): redprop {ours_s:.2f} s, plain openpyxl {plain_s:.2f} s"
    )
    print(f"ratio: {ours_s / plain_s:.2f} (goal <= 2.0)")
    cli = [redprop, "ledger", "export", "--month", args.month, "-o", str(out)]
    cli_s, _ = timed(lambda: subprocess.run(cli, env=env, check=True, stdout=subprocess.DEVNULL), 1)
    print(f"redprop ledger export as a command: {cli_s:.2f} s")


if __name__ == "__main__":
    main()
