"""Roster import: `redprop roster import` of a 200,000-row .xlsx against python-calamine merely
reading it, in one run (issue 4, docs/design.md §9).

    python benchmarks/roster.py [--rows 200000] [--runs 3] [--keep DIR] [--profile]

The roster is written the way Excel saves it: shared strings (xl/sharedStrings.xml), a merged
title banner, a hint row above the header, the ID and phone columns formatted as text, real dates,
a blank row and a signature line under the table. Its addresses are those of the demo street
(samples/street.csv, read back from a ledger built with `redprop demo`), avoiding the addresses and
ID numbers the demo's sample roster already holds, so that the first import is 200,000 new and
the second 200,000 unchanged. The file is cached in --keep DIR (default: a temporary directory),
named after everything that went into it, so reruns skip the generation.

Timed, median of --runs rounds (each round: a read, a first and a second import):
  read    CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python(), in this process;
  first   `redprop roster import FILE --json` into a fresh copy of the demo ledger (REDPROP_DB);
  second  the same import again into that ledger: every row unchanged.
Peak memory is each import process's own maximum resident set size (os.wait4 on that child).
Every import must exit 0 and report exactly the expected counts.

--profile also runs the first and the second import once each in this process under cProfile and
prints the top 25 entries by cumulative time (and the top 15 by own time) of each.

Goal: each import <= 3x the bare read, peak memory < 600 MB.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from redprop.core.ids import id_check_char

GOAL_RATIO = 3.0
GOAL_MB = 600
SEED = 20240830
# Bump when the generated file changes, so that cached files are not reused.
FORMAT = 2

HEADER = ["社区", "网格", "小区", "楼栋", "单元", "房号", "户主姓名", "身份证号", "联系电话", "人口数", "户籍类型", "房屋性质", "备注", "登记日期"]  # fmt: skip
TEXT_COLUMNS = {7, 8}  # 身份证号, 联系电话: formatted as text (@), as the hint row asks
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "敏娟伟芳军静磊丽强艳杰娜涛超明霞平刚桂英华红建国志勇秀兰玉梅海燕春花德福文斌飞鹏辉亮成琴云莲荣新宏林波宁晶凤洁琳雪"
HUKOU = ("本地", "本地", "本地", "外地")
HOUSING = ("自有", "自有", "自有", "租住", "租住", "公租房")
NOTES = ("独居老人", "低保户", "空巢家庭", "出租户", "残疾人家庭", "退役军人", "人户分离")
PERSONS = (1, 2, 2, 3, 3, 3, 4, 4, 5, 6)
REGION = "620981"  # 玉门市
UNITS = range(1, 7)  # units 1..6 in every building
DOORS = 4  # doors per floor: rooms 101..104, 201..204, …


# ---------------------------------------------------------------------------------------------
# The demo ledger


def build_demo(workdir: Path, redprop: str) -> Path:
    target = workdir / "demo"
    subprocess.run(
        [redprop, "demo", "--dir", str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if k != "REDPROP_DB"},
    )
    return target / "redprop-demo.db"


def fresh_copy(db: Path, dest: Path) -> Path:
    """A consistent copy of the ledger (the backup API takes any WAL content along)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(db), sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return dest


@dataclass(frozen=True)
class Street:
    name: str
    # (building id, community, grid code, compound or None, building number), in ledger order
    buildings: list[tuple[int, str, str, str | None, str]]
    occupied: frozenset[tuple[int, str, str]]  # (building id, unit, room) already stored
    taken_ids: frozenset[str]

    def fingerprint(self, rows: int) -> str:
        digest = hashlib.sha256(
            repr((FORMAT, SEED, rows, self.name, self.buildings, sorted(self.occupied))).encode()
        )
        digest.update("\n".join(sorted(self.taken_ids)).encode())
        return digest.hexdigest()[:12]


def read_street(db: Path) -> Street:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (name,) = conn.execute("SELECT name FROM street ORDER BY id LIMIT 1").fetchone()
        buildings = conn.execute(
            """SELECT b.id, c.name, g.code, p.name, b.number
               FROM building b JOIN community c ON c.id = b.community_id
               JOIN grid g ON g.id = b.grid_id LEFT JOIN compound p ON p.id = b.compound_id
               ORDER BY c.id, b.id"""
        ).fetchall()
        occupied = conn.execute("SELECT building_id, unit, room FROM household").fetchall()
        ids = conn.execute("SELECT id_number FROM household WHERE id_number IS NOT NULL").fetchall()
    finally:
        conn.close()
    return Street(
        name=name,
        buildings=[tuple(b) for b in buildings],  # type: ignore[misc]
        occupied=frozenset(tuple(o) for o in occupied),  # type: ignore[misc]
        taken_ids=frozenset(i for (i,) in ids),
    )


# ---------------------------------------------------------------------------------------------
# The roster's rows


def addresses(
    street: Street, rows: int
) -> Iterator[tuple[tuple[int, str, str, str | None, str], int, int]]:
    """`rows` free (building, unit, room) triples, spread evenly over the street's buildings and
    each building's six units, in the order a clerk's roster lists them."""
    count = len(street.buildings)
    for index, building in enumerate(street.buildings):
        quota = rows // count + (1 if index < rows % count else 0)
        per_unit = -(-quota // len(UNITS))
        rooms: list[tuple[int, int]] = []
        for unit in UNITS:
            k = taken = 0
            while taken < per_unit:
                room = (k // DOORS + 1) * 100 + k % DOORS + 1
                k += 1
                if (building[0], str(unit), str(room)) not in street.occupied:
                    rooms.append((unit, room))
                    taken += 1
        for unit, room in rooms[:quota]:
            yield building, unit, room


def id_numbers(rng: random.Random, rows: int, taken: frozenset[str]) -> Iterator[str]:
    """Unique, valid 18-character IDs born 1940..2005, none of them already in the ledger."""
    first_day = date(1940, 1, 1)
    days = (date(2005, 12, 31) - first_day).days + 1
    picked = rng.sample(range(days * 1000), rows + len(taken))
    produced = 0
    for value in picked:
        born = first_day + timedelta(days=value // 1000)
        first17 = f"{REGION}{born:%Y%m%d}{value % 1000:03d}"
        number = first17 + id_check_char(first17)
        if number in taken:
            continue
        yield number
        produced += 1
        if produced == rows:
            return


def roster_rows(street: Street, rows: int) -> Iterator[list[Any]]:
    rng = random.Random(SEED)
    ids = id_numbers(rng, rows, street.taken_ids)
    first_registered = date(2019, 1, 1)
    for (_, community, grid, compound, number), unit, room in addresses(street, rows):
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        yield [
            community,
            grid,
            compound,
            f"{number}号楼",
            unit,  # numbers, as typed into Excel
            room,
            rng.choice(SURNAMES) + given,
            next(ids),
            f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            rng.choice(PERSONS),
            rng.choice(HUKOU),
            rng.choice(HOUSING),
            rng.choice(NOTES) if rng.random() < 0.06 else None,
            first_registered + timedelta(days=rng.randrange(5 * 365)),
        ]


# ---------------------------------------------------------------------------------------------
# Writing .xlsx as Excel does (openpyxl 3.1 writes inline strings, so the XML is written here)

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'{_XML}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        f'{_XML}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        f'{_XML}<styleSheet xmlns="{_NS}">'
        '<fonts count="1"><font><sz val="11"/><name val="等线"/><family val="2"/>'
        '<charset val="134"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        # 1: a date (built-in 14, shown yyyy/m/d in a Chinese locale); 2: text (@)
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_EPOCH = date(1899, 12, 30)


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def write_xlsx(
    path: Path,
    sheet: str,
    rows: Iterable[list[Any]],
    *,
    merged: Iterable[str] = (),
    text_columns: set[int] = frozenset(),  # type: ignore[assignment]
) -> tuple[int, int]:
    """One sheet, strings shared as Excel shares them. Returns (rows, distinct strings)."""
    strings: dict[str, int] = {}
    total = 0
    letters = [_col(i) for i in range(64)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, text in _PARTS.items():
            zf.writestr(name, text)
        zf.writestr(
            "xl/workbook.xml",
            f'{_XML}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as raw:
            raw.write(
                f'{_XML}<worksheet xmlns="{_NS}" xmlns:r="{_REL}">'
                '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
                '<sheetFormatPr defaultRowHeight="14.25"/><sheetData>'.encode()
            )
            buffer: list[str] = []
            for r, row in enumerate(rows, start=1):
                cells = []
                for c, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    ref = f"{letters[c]}{r}"
                    style = ' s="2"' if c in text_columns else ""
                    if isinstance(value, str):
                        total += 1
                        index = strings.setdefault(value, len(strings))
                        cells.append(f'<c r="{ref}"{style} t="s"><v>{index}</v></c>')
                    elif isinstance(value, date):
                        cells.append(f'<c r="{ref}" s="1"><v>{(value - _EPOCH).days}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}"{style}><v>{value}</v></c>')
                if cells:  # Excel leaves out empty rows
                    buffer.append(f'<row r="{r}">{"".join(cells)}</row>')
                if len(buffer) >= 5000:
                    raw.write("".join(buffer).encode())
                    buffer.clear()
            raw.write("".join(buffer).encode())
            refs = list(merged)
            tail = "</sheetData>"
            if refs:
                tail += f'<mergeCells count="{len(refs)}">'
                tail += "".join(f'<mergeCell ref="{ref}"/>' for ref in refs) + "</mergeCells>"
            raw.write(tail.encode())
            raw.write(
                b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                b'footer="0.3"/></worksheet>'
            )
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as raw:
            raw.write(
                f'{_XML}<sst xmlns="{_NS}" count="{total}" uniqueCount="{len(strings)}">'.encode()
            )
            chunk: list[str] = []
            for text in strings:
                chunk.append(f"<si><t>{escape(text)}</t></si>")
                if len(chunk) >= 10000:
                    raw.write("".join(chunk).encode())
                    chunk.clear()
            raw.write(("".join(chunk) + "</sst>").encode())
    return total, len(strings)


def roster_file(street: Street, rows: int, keep: Path) -> Path:
    """The cached roster for this street and row count, generated when missing."""
    path = keep / f"roster-{rows}-{street.fingerprint(rows)}.xlsx"
    if path.exists():
        print(f"roster: {path} (cached)")
        return path
    start = time.perf_counter()
    last = _col(len(HEADER) - 1)
    sheet_rows = [
        [f"{street.name}住户信息登记表"],
        ["填表说明：身份证号、联系电话请设为文本格式；房号写 301 这样的数字；登记日期写 2024/1/5"],
        HEADER,
    ]
    footer = [[], ["填表人：吕艳", None, None, "审核人：王敏", None, None, "日期：2024年8月30日"]]

    def everything() -> Iterator[list[Any]]:
        yield from sheet_rows
        yield from roster_rows(street, rows)
        yield from footer

    partial = path.with_suffix(".partial")
    _, unique = write_xlsx(
        partial,
        "花名册",
        everything(),
        merged=[f"A1:{last}1", f"A2:{last}2"],
        text_columns=TEXT_COLUMNS,
    )
    partial.replace(path)
    size = path.stat().st_size / 2**20
    print(
        f"roster: {path} generated in {time.perf_counter() - start:.1f} s "
        f"({rows} rows, {size:.1f} MB, {unique} distinct shared strings)"
    )
    return path


def check_shared_strings(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        if "xl/sharedStrings.xml" not in zf.namelist():
            sys.exit(f"{path}: no xl/sharedStrings.xml; the roster must use shared strings")
        with zf.open("xl/worksheets/sheet1.xml") as fh:
            head = fh.read(1 << 20)
    if b"inlineStr" in head or b't="s"' not in head:
        sys.exit(f"{path}: the sheet does not use shared strings")


# ---------------------------------------------------------------------------------------------
# Timing


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds
    peak_mb: float
    counts: dict[str, int]


def bare_read(path: Path) -> Run:
    from python_calamine import CalamineWorkbook

    start, cpu = time.perf_counter(), time.process_time()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return Run(seconds, cpu, 0.0, {"rows": len(rows)})


def run_import(redprop: str, roster: Path, db: Path) -> Run:
    """`redprop roster import --json` as its own process; its peak RSS comes from os.wait4,
    which reports that child's own rusage (RUSAGE_CHILDREN would be the max over all children)."""
    env = {**os.environ, "REDPROP_DB": str(db)}
    cmd = [redprop, "roster", "import", str(roster), "--json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code != 0:
        sys.exit(f"{' '.join(cmd)} exited {code}:\n{stdout[:2000]}\n{stderr[-4000:]}")
    try:
        counts = json.loads(stdout)["counts"]
    except (ValueError, KeyError) as exc:
        sys.exit(f"{' '.join(cmd)}: no JSON report ({exc}):\n{stdout[:2000]}\n{stderr[-2000:]}")
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss * scale / 2**20, counts)


def expect(counts: dict[str, int], what: str, **wanted: int) -> None:
    wrong = {k: (counts.get(k), v) for k, v in wanted.items() if counts.get(k) != v}
    if wrong:
        sys.exit(f"{what}: unexpected counts {counts} (want {wanted})")


def profile_import(roster: Path, db: Path, rows: int) -> None:
    """The first import into `db` (a fresh ledger), then the second, each once in this process
    under cProfile: the top 25 entries by cumulative time and the top 15 by own time."""
    from redprop.core.db import open_ledger, session_scope
    from redprop.roster.importer import import_roster

    engine = open_ledger(f"sqlite:///{db}")
    try:
        for what, wanted in (
            ("first import (all new)", {"new": rows}),
            ("second import (unchanged)", {"unchanged": rows}),
        ):
            profiler = cProfile.Profile()
            start = time.perf_counter()
            profiler.enable()
            with session_scope(engine) as session:
                report = import_roster(session, path=roster)
            profiler.disable()
            seconds = time.perf_counter() - start
            expect(report.counts(), f"profiled {what}", read=rows, rejected=0, **wanted)
            print(f"\nprofiled {what}, in process: {seconds:.2f} s (with cProfile overhead)")
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(25)
            stats.sort_stats("tottime").print_stats(15)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="cache the generated roster here")
    parser.add_argument(
        "--profile", action="store_true", help="also profile each import once, in process"
    )
    args = parser.parse_args()
    redprop = shutil.which("redprop", path=str(Path(sys.executable).parent)) or "redprop"
    workdir = Path(tempfile.mkdtemp(prefix="redprop-roster-bench-"))
    try:
        keep = args.keep or workdir
        keep.mkdir(parents=True, exist_ok=True)
        demo = build_demo(workdir, redprop)
        street = read_street(demo)
        print(
            f"ledger: `redprop demo`, {len(street.buildings)} buildings, "
            f"{len(street.occupied)} households already stored"
        )
        roster = roster_file(street, args.rows, keep)
        check_shared_strings(roster)

        # Rounds interleave the three timings, so that other load on the machine weighs on all
        # of them alike. Each round imports into its own fresh copy of the demo ledger.
        bare_read(roster)  # warm-up: the file in the page cache for every timing that follows
        reads: list[Run] = []
        firsts: list[Run] = []
        seconds: list[Run] = []
        rows = args.rows
        for n in range(args.runs):
            read = bare_read(roster)
            if read.counts["rows"] != rows + 5:  # title, hint, header, rows, blank, footer
                sys.exit(f"calamine read {read.counts['rows']} rows, expected {rows + 5}")
            reads.append(read)
            ledger = fresh_copy(demo, workdir / f"ledger-{n}.db")
            run = run_import(redprop, roster, ledger)
            expect(run.counts, "first import", read=rows, new=rows, updated=0, rejected=0)
            firsts.append(run)
            run = run_import(redprop, roster, ledger)
            expect(run.counts, "second import", read=rows, unchanged=rows, new=0, updated=0, rejected=0)  # fmt: skip
            seconds.append(run)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{ledger}{suffix}").unlink(missing_ok=True)

        def median(runs: list[Run], cpu: bool = False) -> float:
            return statistics.median(r.cpu if cpu else r.seconds for r in runs)

        def verdict(ok: bool) -> str:
            return "ok" if ok else "OVER GOAL"

        read, read_cpu = median(reads), median(reads, cpu=True)
        print(f"\n{rows} rows, median of {args.runs} runs each (wall time; CPU time in brackets)")
        print(f"calamine read:              {read:6.2f} s [{read_cpu:6.2f} s]")
        for label, runs in (("first import (all new):", firsts), ("second import (unchanged):", seconds)):  # fmt: skip
            wall, cpu = median(runs), median(runs, cpu=True)
            peak = max(r.peak_mb for r in runs)
            print(
                f"{label:27s} {wall:6.2f} s [{cpu:6.2f} s]  ratio {wall / read:5.2f} "
                f"[{cpu / read_cpu:5.2f}] (goal <= {GOAL_RATIO}) {verdict(wall / read <= GOAL_RATIO)}"
                f"  peak {peak:4.0f} MB (goal < {GOAL_MB}) {verdict(peak < GOAL_MB)}"
            )
        print(
            "runs (s): read "
            + " ".join(f"{r.seconds:.2f}" for r in reads)
            + " | first "
            + " ".join(f"{r.seconds:.2f}" for r in firsts)
            + " | second "
            + " ".join(f"{r.seconds:.2f}" for r in seconds)
        )

        if args.profile:
            profile_import(roster, fresh_copy(demo, workdir / "profiled.db"), args.rows)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
