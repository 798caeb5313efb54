"""The print-ready month workbook against plain openpyxl writing the same cells with the same
styles (issue 14; goal: within 2x).

    python benchmarks/workbook.py [--cases 100000] [--runs 5] [--db PATH] [--month 2026-11]

The month is read once (figures/book.build: its queries are not what is compared). Then, medians
of --runs: redprop's layout and writer (figures/sheets + excel/book: the sheets, fitted widths,
row heights, merges, masking, page setup, named styles) against a plain openpyxl write-only
workbook holding the same values in the same cells with the same named styles, assigned the
ordinary way (cell.style = name), and nothing else. The whole `redprop ledger export` command is
timed once as well. The ledger is built with benchmarks/ledgerbuild.py (genuine histories).
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
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from ledgerbuild import build_ledger, count_cases

NOW = "2026-11-20T18:00"


def timed(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def plain_openpyxl(sheets: list[Any], out: Path) -> None:
    """The baseline: every cell redprop writes (titles, headers, rows, totals, signatures), with
    the same named style, by openpyxl's write-only mode; no widths, heights, merges or masking."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from redprop.excel.printed import KINDS, named_styles

    wb = Workbook(write_only=True)
    for style in named_styles():
        wb.add_named_style(style)

    def cell(ws: Any, value: Any, style: str) -> Any:
        c = WriteOnlyCell(ws, value=value)
        c.style = style
        return c

    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        ws.append([cell(ws, sheet.title, "rp_title")])
        for table in sheet.tables:
            ws.append([cell(ws, c.header, "rp_head") for c in table.columns])
            plain = [KINDS[c.kind][0] for c in table.columns]
            for row in table.rows:
                ws.append([cell(ws, v, s) for v, s in zip(row, plain, strict=True)])
            totals = [KINDS[c.kind][1] for c in table.columns]
            for row in table.totals:
                ws.append([cell(ws, v, s) for v, s in zip(row, totals, strict=True)])
        ws.append([cell(ws, "填表人：", "rp_sign")])
    wb.save(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--month", default="2026-11")
    args = parser.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"redprop-bench-{args.cases // 1000}k.db"
    os.environ["REDPROP_NOW"] = NOW
    if count_cases(db) != args.cases:
        start = time.perf_counter()
        build_ledger(db, args.cases)
        print(f"built {args.cases:,} cases in {time.perf_counter() - start:.1f} s: {db}")
    else:
        print(f"reusing {db} ({args.cases:,} cases)")

    from redprop.core.db import open_ledger, session_scope
    from redprop.excel.book import write_ledger
    from redprop.figures.book import build
    from redprop.figures.period import month_period
    from redprop.figures.sheets import sheets

    engine = open_ledger(f"sqlite:///{db}")
    with session_scope(engine, write=False) as session:
        book = build(session, period=month_period(args.month))
    engine.dispose()
    folder = Path(tempfile.mkdtemp())
    ours = folder / "台账.xlsx"
    base = folder / "plain.xlsx"
    ours_s = timed(lambda: write_ledger(sheets(book), ours), args.runs)
    plain_s = timed(lambda: plain_openpyxl(sheets(book), base), args.runs)
    cases, events = len(book.case_rows), len(book.event_rows)
    print(
        f"month workbook ({cases:,} cases, {events:,} events; median of {args.runs}): "
        f"redprop {ours_s:.2f} s, plain openpyxl with the same styles {plain_s:.2f} s"
    )
    print(f"ratio: {ours_s / plain_s:.2f} (goal <= 2.0)")
    redprop = shutil.which("redprop", path=str(Path(sys.executable).parent)) or "redprop"
    env = {**os.environ, "REDPROP_DB": str(db), "REDPROP_NOW": NOW}
    cli = [redprop, "ledger", "export", "--month", args.month, "-o", str(ours)]
    cli_s = timed(lambda: subprocess.run(cli, env=env, check=True, stdout=subprocess.DEVNULL), 1)
    print(f"redprop ledger export as a command (queries included): {cli_s:.2f} s")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
