"""PostgreSQL against SQLite (issue 7): a 200,000-row roster import and `case list` and `report` on
1,000,000 cases, the same commands on the same data on each back-end.

    python benchmarks/postgres.py [--rows 200000] [--cases 1000000] [--runs 3]
        [--sqlite-db /tmp/rpb/bench1m.db] [--pg-url URL] [--keep DIR] [--port 54341]

Without --pg-url a throwaway PostgreSQL cluster is started (Debian's server package, as
.ci/postgres.sh does: a temporary directory, a non-root owner, a local port) with the server's
durable defaults: fsync, full_page_writes and synchronous_commit stay on, unlike the test
cluster of .ci/postgres.sh. It is stopped and removed at the end. With --pg-url the databases are
created on that server (it must allow CREATE DATABASE) and dropped at the end. Either way the
server's durability settings are printed with the results.

Roster: the roster of --rows rows that benchmarks/roster.py generates (cached in --keep DIR) is
imported with `redprop roster import FILE --json` (REDPROP_DB set) into a fresh demo ledger on
each back-end, then imported again (every row unchanged). On SQLite the demo ledger is the one
`redprop demo` builds; on PostgreSQL the same steps run in this process (services.demo, with the
same REDPROP_NOW), checked row for row against the SQLite one, and each round imports into a
fresh database made from it with CREATE DATABASE … TEMPLATE.

Cases: the SQLite ledger --sqlite-db (built with ledgerbuild.build_ledger when missing) is copied
into a fresh PostgreSQL database: the schema from redprop's migrations (open_ledger), the seeded
rows truncated, every table's rows sent with COPY in dependency order, the id sequences reset,
then ANALYZE. Row counts are checked afterwards. Then, with REDPROP_NOW at the ledger's moment:
  case list  `redprop --db DB case list --grid G007 --status in_progress`
  report     `redprop --db DB report --month 2026-11 --json`
each as its own process, one warm-up and then --runs runs per back-end, alternating, medians
reported. The outputs of both back-ends (and of `case list --json`) must be identical.

Every timing is wall-clock; CPU time (user + system of the redprop process) is shown in brackets.
The PostgreSQL server's own CPU time is not in it: it is a separate process on this machine.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import roster as rb
from ledgerbuild import NOW, build_ledger, count_cases

LIST = ["case", "list", "--grid", "G007", "--status", "in_progress"]
REPORT = ["report", "--month", f"{NOW:%Y-%m}", "--json"]
PREFIX = "redprop_bench_"  # every database this benchmark creates (and drops)
CLUSTER_USER = "redprop-ci"  # the owner of the throwaway cluster when run as root (as in CI)
DURABILITY = ("fsync", "full_page_writes", "synchronous_commit", "wal_level", "shared_buffers")


# ---------------------------------------------------------------------------------------------
# The PostgreSQL server


def conninfo(url: str) -> str:
    """A libpq URI for psycopg from an SQLAlchemy URL (postgresql+psycopg://…)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


def admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def create_database(url: str, name: str, *, template: str | None = None) -> str:
    """A fresh database `name` on the server of `url` (dropped first if it exists); its URL."""
    assert name.startswith(PREFIX)
    create = f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
    admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", create)
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    assert name.startswith(PREFIX)
    admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def server_settings(url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        values = {"server_version": str(version[0]) if version else "?"}
        for name in DURABILITY:
            row = conn.execute(f"SHOW {name}").fetchone()  # type: ignore[arg-type]
            values[name] = str(row[0]) if row else "?"
    return values


class Cluster:
    """A throwaway cluster with the server's durable defaults: .ci/postgres.sh's recipe without
    its -c fsync=off -c full_page_writes=off."""

    def __init__(self, directory: Path, port: int) -> None:
        self.dir = directory
        self.port = port
        self.bin: Path | None = None

    @staticmethod
    def _bin() -> Path | None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
        return found[-1] if found else None

    def _as_owner(self, *cmd: str) -> None:
        if os.getuid() == 0:
            cmd = ("runuser", "-u", CLUSTER_USER, "--", *cmd)
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode:
            log = self.dir / "log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}\n{tail}")

    def start(self) -> str:
        self.bin = self._bin()
        if self.bin is None:
            print("installing Debian's postgresql package …", flush=True)
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            sudo = [] if os.getuid() == 0 else ["sudo"]
            subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
            subprocess.run(
                [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            self.bin = self._bin()
            if self.bin is None:
                sys.exit("PostgreSQL's server binaries are not in /usr/lib/postgresql/*/bin")
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:  # PostgreSQL refuses to run as root
            try:
                pwd.getpwnam(CLUSTER_USER)
            except KeyError:
                subprocess.run(
                    [
                        "useradd",
                        "--system",
                        "--no-create-home",
                        "--shell",
                        "/usr/sbin/nologin",
                        CLUSTER_USER,
                    ],
                    check=True,
                )
            shutil.chown(self.dir, CLUSTER_USER)
        data = str(self.dir / "data")
        self._as_owner(
            str(self.bin / "initdb"), "-D", data, "-U", "redprop", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        )
        self._as_owner(
            str(self.bin / "pg_ctl"), "-D", data, "-l", str(self.dir / "log"), "-w", "-o", options,
            "start",
        )  # fmt: skip
        return f"postgresql+psycopg://redprop@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if self.bin is not None and (self.dir / "data").is_dir():
            cmd = [str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"]  # fmt: skip
            if os.getuid() == 0:
                cmd = ["runuser", "-u", CLUSTER_USER, "--", *cmd]
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Ledgers: the tables, a copy from SQLite, a comparison


def ledger_tables() -> list[str]:
    """Every ledger table, parents before children."""
    from sqlmodel import SQLModel

    import redprop.core.models  # noqa: F401  (registers the tables)

    return [t.name for t in SQLModel.metadata.sorted_tables]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_columns(conn: Any, table: str) -> list[tuple[str, str]]:
    """(name, data type) of a PostgreSQL table's columns, in order."""
    return conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()


def sqlite_columns(src: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in src.execute(f"PRAGMA table_info({_q(table)})")]


@dataclass
class Copied:
    seconds: float = 0.0
    analyze: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    seconds_by_table: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def copy_ledger(
    sqlite_db: Path, url: str, *, log: Callable[[str], None] = lambda _: None
) -> Copied:
    """Every row of the SQLite ledger into the (migrated) PostgreSQL ledger at `url`, with COPY:
    the seeded rows truncated first, the id sequences set past the copied ids afterwards."""
    import psycopg
    from psycopg import sql

    result = Copied()
    tables = ledger_tables()
    src = sqlite3.connect(f"file:{sqlite_db}?mode=ro", uri=True)
    try:
        present = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        extra = present - set(tables) - {"alembic_version", "sqlite_stat1", "sqlite_sequence"}
        if extra:
            result.notes.append(
                f"SQLite tables not in redprop.core.models, not copied: {sorted(extra)}"
            )
        start = time.perf_counter()
        with psycopg.connect(conninfo(url)) as pg:
            pg.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in tables)
                )
            )
            for table in tables:
                began = time.perf_counter()
                target = pg_columns(pg, table)
                source = set(sqlite_columns(src, table)) if table in present else set()
                columns = [name for name, _ in target if name in source]
                missing = [name for name, _ in target if name not in source]
                if table not in present:
                    result.notes.append(f"{table}: not in the SQLite ledger")
                    continue
                if missing:
                    result.notes.append(f"{table}: columns missing in SQLite: {missing}")
                unknown = source - {name for name, _ in target}
                if unknown:
                    result.notes.append(f"{table}: SQLite columns not in PostgreSQL: {sorted(unknown)}")  # fmt: skip
                types = dict(target)
                flags = [i for i, name in enumerate(columns) if types[name] == "boolean"]
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
                )
                select = f"SELECT {', '.join(map(_q, columns))} FROM {_q(table)}"
                count = 0
                with pg.cursor() as cur, cur.copy(copy_sql) as copy:
                    rows = src.execute(select)
                    if flags:
                        for row in rows:
                            values = list(row)
                            for i in flags:
                                if values[i] is not None:
                                    values[i] = bool(values[i])
                            copy.write_row(values)
                            count += 1
                    else:
                        for row in rows:
                            copy.write_row(row)
                            count += 1
                result.rows[table] = count
                result.seconds_by_table[table] = time.perf_counter() - began
                if count >= 100_000:
                    log(f"  {table}: {count:,} rows in {time.perf_counter() - began:.1f} s")
                if "id" in types:
                    pg.execute(
                        sql.SQL(
                            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                            "coalesce(max(id), 0) + 1, false) FROM {} "
                            "WHERE pg_get_serial_sequence(%s, 'id') IS NOT NULL"
                        ).format(sql.Identifier(table)),
                        (table, table),
                    )
            pg.commit()
        result.seconds = time.perf_counter() - start
        start = time.perf_counter()
        with psycopg.connect(conninfo(url), autocommit=True) as pg:
            pg.execute("ANALYZE")
        result.analyze = time.perf_counter() - start
    finally:
        src.close()
    return result


def count_rows(url: str, tables: Iterable[str]) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo(url)) as pg:
        counts: dict[str, int] = {}
        for table in tables:
            row = pg.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            counts[table] = int(row[0]) if row else -1
    return counts


def _norm(value: Any) -> Any:
    """A value as SQLite holds it (SQLAlchemy's text formats for dates and times)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def compare_ledgers(sqlite_db: Path, url: str) -> list[str]:
    """Differences between two small ledgers, table by table, every row and column compared
    (ids included, rows in id order): empty when they hold the same rows."""
    import psycopg
    from psycopg import sql

    problems: list[str] = []
    src = sqlite3.connect(f"file:{sqlite_db}?mode=ro", uri=True)
    try:
        with psycopg.connect(conninfo(url)) as pg:
            for table in ledger_tables():
                names = [n for n, _ in pg_columns(pg, table)]
                columns = [n for n in names if n in set(sqlite_columns(src, table))]
                order = "id" if "id" in columns else columns[0]
                a = src.execute(
                    f"SELECT {', '.join(map(_q, columns))} FROM {_q(table)} ORDER BY {_q(order)}"
                ).fetchall()
                b = [
                    tuple(_norm(v) for v in row)
                    for row in pg.execute(
                        sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                            sql.SQL(", ").join(map(sql.Identifier, columns)),
                            sql.Identifier(table),
                            sql.Identifier(order),
                        )
                    )
                ]
                a = [tuple(_norm(v) for v in row) for row in a]
                if len(a) != len(b):
                    problems.append(f"{table}: {len(a)} rows on SQLite, {len(b)} on PostgreSQL")
                    continue
                diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
                if diff:
                    x, y = diff[0]
                    cols = [c for c, u, v in zip(columns, x, y, strict=True) if u != v]
                    problems.append(
                        f"{table}: {len(diff)} of {len(a)} rows differ, first in {cols}: "
                        f"SQLite {x!r} / PostgreSQL {y!r}"
                    )
    finally:
        src.close()
    return problems


def build_pg_demo(url: str) -> None:
    """The demo ledger, as `redprop demo` builds it (cli/demo.py), on PostgreSQL."""
    from redprop.core.config import now
    from redprop.core.db import open_ledger, session_scope
    from redprop.ledger.demo import (
        build_demo,
        build_demo_cases,
        build_demo_history,
        build_demo_services,
        samples_dir,
    )
    from redprop.roster.importer import import_roster

    engine = open_ledger(url)
    try:
        with session_scope(engine) as session:
            build_demo(session, samples=samples_dir())
        with session_scope(engine) as session:
            report = import_roster(session, path=samples_dir() / "roster.xlsx")
        print(f"PostgreSQL demo: samples/roster.xlsx imported: {report.counts()}")
        moment = now().replace(tzinfo=None, microsecond=0)
        with session_scope(engine) as session:
            build_demo_history(session, now=moment)
            build_demo_cases(session, now=moment)
            build_demo_services(session, now=moment)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# Timing


@dataclass
class Sample:
    seconds: float
    cpu: float
    stdout: str


def run(cmd: list[str], env: dict[str, str]) -> Sample:
    """One run of `cmd`: wall-clock and the child's CPU seconds (os.wait4), and its output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code:
        sys.exit(f"{' '.join(cmd)} failed ({code}):\n{stdout[-2000:]}\n{stderr[-4000:]}")
    return Sample(seconds, usage.ru_utime + usage.ru_stime, stdout)


def median(samples: list[Any], cpu: bool = False) -> float:
    return statistics.median(s.cpu if cpu else s.seconds for s in samples)


def figure(samples: list[Any]) -> str:
    return f"{median(samples):7.2f} s [{median(samples, cpu=True):6.2f} s]"


def ratio(pg: list[Any], lite: list[Any]) -> str:
    return f"PG/SQLite {median(pg) / median(lite):5.2f} [{median(pg, cpu=True) / median(lite, cpu=True):5.2f}]"  # fmt: skip


def runs_line(label: str, samples: list[Any]) -> str:
    return f"    {label}: " + " ".join(f"{s.seconds:.2f}" for s in samples)


# ---------------------------------------------------------------------------------------------
# The two benchmarks


def bench_roster(
    args: argparse.Namespace, redprop: str, workdir: Path, server: str, summary: list[str]
) -> None:
    rows = args.rows
    print(f"\n== roster import, {rows:,} rows ==", flush=True)
    demo = rb.build_demo(workdir, redprop)
    street = rb.read_street(demo)
    print(f"SQLite demo ledger: {demo} ({len(street.occupied)} households)")
    keep = args.keep or workdir
    keep.mkdir(parents=True, exist_ok=True)
    roster = rb.roster_file(street, rows, keep)
    rb.check_shared_strings(roster)

    template = PREFIX + "demo"
    start = time.perf_counter()
    demo_url = create_database(server, template)
    build_pg_demo(demo_url)
    print(f"PostgreSQL demo ledger built in process in {time.perf_counter() - start:.1f} s")
    problems = compare_ledgers(demo, demo_url)
    if problems:
        print("!! the PostgreSQL demo ledger differs from the SQLite one:")
        for problem in problems:
            print(f"   {problem}")
        summary.append(f"PRODUCT PROBLEM: demo ledger differs on PostgreSQL: {problems}")
    else:
        print("PostgreSQL demo ledger: the same rows as the SQLite one, table by table")

    def imports(db: str) -> tuple[rb.Run, rb.Run]:
        first = rb.run_import(redprop, roster, db)  # type: ignore[arg-type]
        rb.expect(first.counts, f"first import ({db})", read=rows, new=rows, updated=0, rejected=0)  # fmt: skip
        second = rb.run_import(redprop, roster, db)  # type: ignore[arg-type]
        rb.expect(second.counts, f"second import ({db})", read=rows, unchanged=rows, new=0, updated=0, rejected=0)  # fmt: skip
        return first, second

    # Rounds alternate the back-ends, so that other load on the machine weighs on both alike.
    rb.bare_read(roster)  # the file in the page cache
    lite: tuple[list[rb.Run], list[rb.Run]] = ([], [])
    pg: tuple[list[rb.Run], list[rb.Run]] = ([], [])
    for n in range(args.runs):
        ledger = rb.fresh_copy(demo, workdir / f"ledger-{n}.db")
        for into, got in zip(lite, imports(str(ledger)), strict=True):
            into.append(got)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)
        name = f"{PREFIX}roster_{n}"
        url = create_database(server, name, template=template)
        for into, got in zip(pg, imports(url), strict=True):
            into.append(got)
        drop_database(server, name)
        print(
            f"round {n + 1}: SQLite {lite[0][-1].seconds:.2f} + {lite[1][-1].seconds:.2f} s, "
            f"PostgreSQL {pg[0][-1].seconds:.2f} + {pg[1][-1].seconds:.2f} s",
            flush=True,
        )
    drop_database(server, template)

    summary.append(
        f"roster import, {rows:,} rows, median of {args.runs} (wall [CPU of redprop]; peak RSS):"
    )
    for i, label in enumerate(("first (all new)", "second (unchanged)")):
        for backend, samples in (("SQLite", lite[i]), ("PostgreSQL", pg[i])):
            peak = max(s.peak_mb for s in samples)
            summary.append(f"  {label:19s} {backend:10s} {figure(samples)}  {peak:4.0f} MB")
        summary.append(f"  {label:19s} {'ratio':10s} {ratio(pg[i], lite[i])}")
    for i, label in enumerate(("first", "second")):
        summary.append(runs_line(f"{label} SQLite", lite[i]))
        summary.append(runs_line(f"{label} PostgreSQL", pg[i]))


def bench_cases(args: argparse.Namespace, redprop: str, server: str, summary: list[str]) -> None:
    path: Path = args.sqlite_db.expanduser().resolve()
    cases = count_cases(path)
    print(f"\n== case list and report on {path} ==", flush=True)
    if cases is None:
        print(f"building {path} with {args.cases:,} cases …", flush=True)
        start = time.perf_counter()
        build_ledger(path, args.cases, log=lambda line: print(line, flush=True))
        print(f"built in {time.perf_counter() - start:.1f} s")
        cases = args.cases
    elif cases != args.cases:
        print(f"note: {path} holds {cases:,} cases, not --cases {args.cases:,}; using it as it is")
    else:
        print(f"SQLite ledger reused: {cases:,} cases")

    from redprop.core.db import open_ledger

    name = PREFIX + "ledger"
    url = create_database(server, name)
    start = time.perf_counter()
    open_ledger(url).dispose()
    migrate = time.perf_counter() - start
    print(f"PostgreSQL schema from the migrations: {migrate:.1f} s; copying …", flush=True)
    copied = copy_ledger(path, url, log=lambda line: print(line, flush=True))
    for note in copied.notes:
        print(f"note: {note}")
    total = sum(copied.rows.values())
    print(
        f"copied {total:,} rows in {copied.seconds:.1f} s ({total / copied.seconds:,.0f} rows/s), "
        f"ANALYZE {copied.analyze:.1f} s",
        flush=True,
    )
    counts = count_rows(url, copied.rows)
    wrong = {t: (n, counts.get(t)) for t, n in copied.rows.items() if counts.get(t) != n}
    if wrong:
        sys.exit(f"row counts differ after the copy (SQLite, PostgreSQL): {wrong}")

    env = dict(os.environ, REDPROP_NOW=f"{NOW:%Y-%m-%dT%H:%M}")
    env.pop("REDPROP_DB", None)
    events = copied.rows.get("case_event", 0)
    summary.append(
        f"copy of the SQLite ledger ({cases:,} cases, {events:,} events, {total:,} rows) to "
        f"PostgreSQL: COPY {copied.seconds:.1f} s, ANALYZE {copied.analyze:.1f} s "
        f"(schema by migrations {migrate:.1f} s)"
    )
    big = sorted(copied.seconds_by_table.items(), key=lambda kv: -kv[1])[:3]
    summary.append("  slowest tables: " + ", ".join(f"{t} {s:.1f} s" for t, s in big))

    # The outputs must agree: the table as timed, all matching cases as JSON, and the report.
    for what, cmd in (("case list", LIST), ("case list --json", [*LIST, "--json"]), ("report", REPORT)):  # fmt: skip
        a = run([redprop, "--db", str(path), *cmd], env).stdout
        b = run([redprop, "--db", url, *cmd], env).stdout
        if a != b:
            diff = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))  # fmt: skip
            message = (
                f"PRODUCT PROBLEM: `redprop {' '.join(cmd)}` prints different output on "
                f"PostgreSQL ({len(b)} chars) and SQLite ({len(a)} chars), first at char {diff}: "
                f"SQLite {a[max(0, diff - 80) : diff + 120]!r} / "
                f"PostgreSQL {b[max(0, diff - 80) : diff + 120]!r}"
            )
            print(message)
            summary.append(message)
            dump = Path(tempfile.gettempdir()) / f"redprop-pg-bench-{what.replace(' ', '_')}"
            Path(f"{dump}.sqlite.out").write_text(a)
            Path(f"{dump}.pg.out").write_text(b)
        else:
            lines = a.count("\n")
            print(f"`redprop {' '.join(cmd)}`: same output on both ({len(a)} chars, {lines} lines)")

    for label, cmd in (("case list", LIST), ("report", REPORT)):
        lite_cmd = [redprop, "--db", str(path), *cmd]
        pg_cmd = [redprop, "--db", url, *cmd]
        run(lite_cmd, env)  # warm-up, each
        run(pg_cmd, env)
        lite: list[Sample] = []
        pg: list[Sample] = []
        for _ in range(args.runs):
            lite.append(run(lite_cmd, env))
            pg.append(run(pg_cmd, env))
        print(f"{label}: SQLite {figure(lite)}, PostgreSQL {figure(pg)}", flush=True)
        summary.append(f"`redprop {' '.join(cmd)}`, median of {args.runs} after a warm-up:")
        summary.append(f"  SQLite     {figure(lite)}")
        summary.append(f"  PostgreSQL {figure(pg)}")
        summary.append(f"  ratio      {ratio(pg, lite)}")
        summary.append(runs_line("SQLite", lite))
        summary.append(runs_line("PostgreSQL", pg))
    if args.pg_url:
        drop_database(server, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sqlite-db", type=Path, default=Path("/tmp/rpb/bench1m.db"))
    parser.add_argument("--pg-url", help="postgresql+psycopg://… of a server (default: own cluster)")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="cache the generated roster here")
    parser.add_argument("--port", type=int, default=54341, help="the throwaway cluster's port")
    parser.add_argument("--skip-roster", action="store_true")
    parser.add_argument("--skip-cases", action="store_true")
    args = parser.parse_args()

    # One clock for everything: the demo ledgers (built by `redprop demo` and in this process
    # alike), the imports and the queries on the ledger built for NOW.
    os.environ["REDPROP_NOW"] = f"{NOW:%Y-%m-%dT%H:%M}"
    os.environ.pop("REDPROP_DB", None)
    redprop = shutil.which("redprop", path=str(Path(sys.executable).parent)) or "redprop"
    workdir = Path(tempfile.mkdtemp(prefix="redprop-pg-bench-"))
    cluster = None
    summary: list[str] = []
    try:
        if args.pg_url:
            server = args.pg_url
            print(f"PostgreSQL: {server} (given)")
        else:
            cluster = Cluster(Path(tempfile.mkdtemp(prefix="redprop-pg-bench-cluster-")), args.port)
            start = time.perf_counter()
            server = cluster.start()
            print(f"PostgreSQL: throwaway cluster {server} in {time.perf_counter() - start:.1f} s")
        settings = server_settings(server)
        shown = ", ".join(f"{k}={v}" for k, v in settings.items())
        print(f"server settings: {shown}")
        durable = all(settings.get(k) == "on" for k in ("fsync", "full_page_writes", "synchronous_commit"))  # fmt: skip
        summary.append(f"PostgreSQL: {shown}" + ("" if durable else "  ** NOT DURABLE **"))
        summary.append(
            "SQLite: redprop's own settings (WAL, synchronous=NORMAL); "
            f"{os.cpu_count()} CPUs, client and server on this machine"
        )
        if not args.skip_roster:
            bench_roster(args, redprop, workdir, server, summary)
        if not args.skip_cases:
            bench_cases(args, redprop, server, summary)
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    summary.append(f"load average at the end (1, 5, 15 min): {load}")
    print("\n== summary ==")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
