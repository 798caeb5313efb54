"""The load harness of issue 20: N worker processes act as the demo street's grid, community and
street staff at once, through the service functions the CLI calls, then the run is verified.

    python benchmarks/load.py --db URL --workers N --seconds S
        [--cases N [--households N]]      build a fresh ledger first (ledgerbuild; PostgreSQL: built
                                          on SQLite, then copied in with ledger/copy, as db copy)
        [--kill-one-after S]              SIGKILL one worker, held inside a transaction, at S
        [--restart-pg-after S --pgdata DIR]   pg_ctl -D DIR restart -m fast at S
        [--sweep-every S] [--report-every S] [--check run|whole] [--seed N]

Each worker takes one persona (two in four a grid worker of their grid, one a community's staff,
one the street office) and loops over the issue's mix: register 20 %, accept 15 %, note 20 %,
escalate 5 %, resolve 15 %, visit 5 %, `case list` of a grid in their unit 15 %, `case show`
5 %. Every write is one transaction (core/db.connection_scope, write=True) retried by
core/retry.retrying with a fresh request key (os.urandom(16).hex()) passed to register_case/act,
as `redprop case …` does; reads are retried too (the CLI's are not: a read is safe to repeat).
Which case to act on is picked outside the timed call, from a pool of the worker's own
candidates refilled by a query when it runs dry (a person at a terminal knows the number).
A ladder refusal (any RedpropError but LedgerError: someone else moved the case first) counts
as "refused"; anything else is an error, by kind. One clerk process runs the overdue sweep every
--sweep-every seconds ("one simulated hour") and the month's report every --report-every (60 s).
The night's sweep is run before the clock starts, so the run sweeps only what the run makes due.

Every worker appends to its own log, unbuffered: `I key action` before a write and
`D key action outcome ms kind` after it, so a killed worker's log says what it had started and
not finished. Verification, after every process has gone (exit 1 if any fails):
  * every case number unique; the run's new cases equal the registrations the workers applied;
  * the run's events by request key equal the applied requests reported, action by action, no
    request twice; the only allowed extra is the killed worker's unfinished action (committed
    before the kill, unreported); an action held inside its transaction at the kill is absent;
    the run's sweep events equal what the sweeps reported; a case number left void (reserved on
    PostgreSQL, cases/numbering) belongs to the killed worker's unfinished registration;
  * ledger/upkeep.check_ledger finds no problem (--check whole; --check run skips it: at
    1,000,000 cases it replays every chain, minutes);
  * the month's report reconciles for the street and each community:
    carried_over + registered + reopened == open_at_end + resolved + referred + withdrawn.

Measured (2 cores shared by server and workers; figures in tests/test_load.py's docstring):
    python benchmarks/ledgerbuild.py /work/bench/district5m.db --cases 5000000 --since 2017
    redprop db copy /work/bench/district5m.db postgresql+psycopg://…/district_5m   # 28 min
    python benchmarks/load.py --db …/district_5m --workers 32 --think 0.5 --warmup 10 \
        --seconds 70 --check run                                      # three times
    python benchmarks/load.py --db …/district_5m --workers 8|32|100 --warmup 10 --seconds 70 \
        --check run
    python benchmarks/load.py --db …/district_5m --workers 100 --think 2 --warmup 10 \
        --seconds 70 --check run
    python benchmarks/load.py --db sqlite:////work/bench/district5m.db --workers 8|32 \
        [--think 0.5] --warmup 10 --seconds 70 --check run
    python benchmarks/load.py --db …/load_100k --workers 8 --seconds 30 \
        --restart-pg-after 12 --pgdata $pgdir/data --kill-one-after 20 --check run
The server ran with shared_buffers=6GB and max_connections=300 (each worker keeps two
connections: case new reserves its number on a second one, cases/numbering).

Long on purpose (over 500 lines): one self-contained script run as such, whose workers,
clerk, fault injection and verification share its types; split, it would be four files that
only make sense together.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIX = (
    ("register", 20),
    ("accept", 15),
    ("note", 20),
    ("escalate", 5),
    ("resolve", 15),
    ("visit", 5),
    ("list", 15),
    ("show", 5),
)
WRITES = ("register", "accept", "note", "escalate", "resolve", "visit")
# The states an action starts from, as the ladder's table has them (cases/rules.py).
FROM_STATES = {
    "accept": ("registered",),
    "note": ("registered", "in_progress"),
    "escalate": ("registered", "in_progress"),
    "resolve": ("in_progress",),
    "visit": ("resolved",),
    "show": ("registered", "in_progress", "resolved"),
}
POOL = 200  # candidates fetched per refill
SUMMARIES = ("楼上漏水", "噪音扰民", "车位纠纷", "宠物扰民", "物业费争议", "邻里口角", "违建占道")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
HOLD_SECONDS = 120.0  # how long the victim sleeps inside its transaction, waiting for SIGKILL


@dataclass
class Persona:
    """Who a worker acts as: a staff member and the unit whose cases they work on."""

    name: str
    kind: str  # grid | community | street
    grids: list[str]  # the grid codes in their unit
    grid_id: int | None = None
    community_id: int | None = None
    community: str | None = None

    def levels(self, action: str) -> tuple[str, ...]:
        """The case levels this persona may take `action` at (rules.GRANTS, simplified)."""
        if self.kind == "grid":
            return ("grid",)
        if self.kind == "community":
            steer = action in ("note", "escalate", "show")
            return ("grid", "community") if steer else ("community",)
        return ("grid", "community") if action == "escalate" else ("grid", "community", "street")


@dataclass
class Config:
    url: str
    seconds: float
    logs: Path
    seed: int
    sweep_every: float
    report_every: float
    think: float = 0.0  # mean pause between one person's actions (exponential); 0: none


# ---------------------------------------------------------------------------------------------
# Building the ledger


def build(url: str, cases: int, households: int) -> None:
    """A fresh ledger at `url`: ledgerbuild's demo street and cases (and `households` households
    in its buildings) on SQLite; for PostgreSQL built in a temporary file and copied in."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ledgerbuild import build_ledger

    from redprop.core.config import sqlite_path

    path = sqlite_path(url)
    work = None if path is not None else tempfile.TemporaryDirectory(prefix="redprop-load-")
    target = path if path is not None else Path(work.name) / "ledger.db"  # type: ignore[union-attr]
    started = time.perf_counter()
    build_ledger(target, cases, log=print)
    if households:
        add_households(target, households)
    print(f"built {cases:,} cases in {time.perf_counter() - started:.1f} s: {target}")
    if work is not None:
        from redprop.core.db import open_ledger
        from redprop.ledger.copy import copy_ledger

        _create_database(url)

        started = time.perf_counter()
        source = open_ledger(f"sqlite:///{target}", create=False)
        copied = copy_ledger(source, url)
        source.dispose()
        print(f"copied into PostgreSQL in {time.perf_counter() - started:.1f} s: {copied}")
        work.cleanup()


def _create_database(url: str) -> None:
    """The PostgreSQL database `url` names, created on its server when missing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database}
        )
        if not found:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def add_households(path: Path, count: int) -> None:
    """`count` households spread over the demo street's buildings, in bulk."""
    import sqlite3

    con = sqlite3.connect(path)
    buildings = con.execute("SELECT id, community_id, grid_id FROM building ORDER BY id").fetchall()
    first = con.execute("SELECT coalesce(max(id), 0) FROM household").fetchone()[0] + 1
    rows = []
    for n in range(count):
        building, community, grid = buildings[n % len(buildings)]
        room = str(101 + n // len(buildings))
        head = SURNAMES[n % len(SURNAMES)] + "某"
        rows.append((first + n, community, grid, building, "1", room, head))
    con.executemany(
        "INSERT INTO household (id, community_id, grid_id, building_id, unit, room, head_name, "
        "persons, flags) VALUES (?, ?, ?, ?, ?, ?, ?, 1, '')",
        rows,
    )
    con.commit()
    con.close()


# ---------------------------------------------------------------------------------------------
# Personas and candidates


def personas(engine: Any, workers: int, rng: random.Random) -> list[Persona]:
    """One persona per worker: of each four, two grid workers, a community's staff, the street."""
    from sqlalchemy import select

    from redprop.core import tables as t

    s, g, c = t.staff.c, t.grid.c, t.community.c
    with engine.connect() as conn:
        grids = conn.execute(select(g.id, g.code, g.community_id).order_by(g.code)).all()
        names = dict(conn.execute(select(c.id, c.name)).all())
        staff = conn.execute(
            select(s.name, s.role, s.grid_id, s.community_id)
            .where(
                s.active.is_(True),
                s.role.in_(("grid-worker", "grid-leader", "community", "street")),
            )
            .order_by(s.id)
        ).all()
    codes = {row.id: row.code for row in grids}
    grid_staff = [m for m in staff if m.grid_id is not None and m.role != "community"]
    community_staff = [m for m in staff if m.role == "community" and m.community_id]
    street_staff = [m for m in staff if m.role == "street"]
    rng.shuffle(grid_staff)
    rng.shuffle(community_staff)
    out = []
    for i in range(workers):
        slot = i % 4
        if slot < 2:
            m = grid_staff[(i // 4 * 2 + slot) % len(grid_staff)]
            out.append(Persona(m.name, "grid", [codes[m.grid_id]], grid_id=m.grid_id))
        elif slot == 2:
            m = community_staff[(i // 4) % len(community_staff)]
            mine = [r.code for r in grids if r.community_id == m.community_id]
            cid = m.community_id
            out.append(Persona(m.name, "community", mine, community_id=cid, community=names[cid]))
        else:
            m = street_staff[(i // 4) % len(street_staff)]
            out.append(Persona(m.name, "street", [r.code for r in grids]))
    return out


class Pool:
    """A worker's candidate cases by state, refilled from the ledger when one runs dry."""

    def __init__(self, persona: Persona, rng: random.Random) -> None:
        self.persona, self.rng = persona, rng
        self.by_state: dict[str, list[tuple[str, str]]] = defaultdict(list)

    def pick(self, conn_of: Any, action: str) -> str | None:
        levels = self.persona.levels(action)
        for attempt in range(2):
            found = [
                (state, i)
                for state in FROM_STATES[action]
                for i, (_, level) in enumerate(self.by_state[state])
                if level in levels
            ]
            if found:
                state, i = self.rng.choice(found)
                pool = self.by_state[state]
                number = pool[i][0]
                if action != "show":
                    pool[i] = pool[-1]
                    pool.pop()
                return number
            if attempt == 0:
                self.refill(conn_of, FROM_STATES[action], levels)
        return None

    def refill(self, conn_of: Any, states: tuple[str, ...], levels: tuple[str, ...]) -> None:
        from sqlalchemy import select

        from redprop.core import tables as t

        d = t.dispute.c
        query = select(d.number, d.state, d.level).where(d.state.in_(states), d.level.in_(levels))
        if self.persona.grid_id is not None:
            query = query.where(d.grid_id == self.persona.grid_id)
        elif self.persona.community_id is not None:
            query = query.where(d.community_id == self.persona.community_id)
        from redprop.core.retry import retrying

        def read() -> Any:
            with conn_of() as conn:
                return conn.execute(query.order_by(d.id.desc()).limit(POOL)).all()

        rows = retrying(read)
        known = {n for pool in self.by_state.values() for n, _ in pool}
        for row in rows:
            if row.number not in known:
                self.by_state[row.state].append((row.number, row.level))

    def moved(self, number: str, state: str, level: str) -> None:
        pool = self.by_state[state]
        if len(pool) < 4 * POOL:
            pool.append((number, level))


# ---------------------------------------------------------------------------------------------
# The workers


class Log:
    """A worker's log: one line per write, unbuffered (O_APPEND), so a kill loses no line."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def line(self, *parts: object) -> None:
        os.write(self.fd, (" ".join(str(p) for p in parts) + "\n").encode())


def worker(cfg: Config, index: int, persona: Persona, go: Any, stop: Any, hold: Any) -> None:
    """One member of staff at work until `stop`; with `hold` set, the next write sleeps inside
    its transaction (after the event is appended, before COMMIT) until the harness kills it."""
    from redprop.core.db import open_ledger

    engine = open_ledger(cfg.url, create=False)
    rng = random.Random(cfg.seed * 1000 + index)
    log = Log(cfg.logs / f"worker-{index}.log")
    pool = Pool(persona, rng)
    actions = [a for a, _ in MIX]
    weights = [w for _, w in MIX]
    go.wait()
    harness = os.getppid()
    # A harness killed (^C, kill) cannot set `stop`: its workers go with it, not on for ever.
    while not stop.is_set() and os.getppid() == harness:
        action = rng.choices(actions, weights)[0]
        if action == "register" or action == "list":
            target = None
        else:
            try:
                target = pool.pick(lambda: engine.connect(), action)
            except Exception as exc:  # finding a case is not the action: noted, not counted
                log.line("S", "-", action, type(exc).__name__)
                time.sleep(0.1)
                continue
            if target is None:
                log.line("S", "-", action)  # nothing to act on in this persona's unit
                continue
        one_action(engine, log, pool, persona, rng, action, target, hold)
        if cfg.think:  # a person reads the screen, answers the phone, walks the grid
            stop.wait(rng.expovariate(1 / cfg.think))
    engine.dispose()


def one_action(
    engine: Any,
    log: Log,
    pool: Pool,
    persona: Persona,
    rng: random.Random,
    action: str,
    target: str | None,
    hold: Any,
) -> None:
    from redprop.core.errors import LedgerError, RedpropError
    from redprop.core.retry import retrying

    write = action in WRITES
    request = os.urandom(16).hex() if write else "-"
    if write:
        log.line("I", request, action)
    work = make_work(persona, rng, action, target, request, log if hold.is_set() else None)
    retries = []

    def nap(seconds: float) -> None:  # core/retry's backoff, counted
        retries.append(seconds)
        time.sleep(seconds)

    started = time.perf_counter()
    kind = "-"
    try:
        result = retrying(lambda: in_transaction(engine, work, write=write), sleep=nap)
        outcome = "applied" if write else "ok"
    except LedgerError as exc:
        outcome, kind = "error", f"LedgerError:{str(exc)[:40].replace(' ', '_')}"
    except RedpropError:
        outcome = "refused"
    except Exception as exc:  # every other failure is an error, counted by kind
        outcome, kind = "error", type(exc).__name__
    ms = (time.perf_counter() - started) * 1000
    log.line(
        "D", request, action, outcome, f"{ms:.2f}", kind, f"retries={len(retries)}",
        f"t={time.time() - ms / 1000:.3f}",
    )  # fmt: skip
    if outcome == "applied":
        pool.moved(result.number, result.state, result.level)


def in_transaction(engine: Any, work: Any, *, write: bool) -> Any:
    from redprop.core.db import connection_scope

    with connection_scope(engine, write=write) as conn:
        return work(conn)


def make_work(
    persona: Persona,
    rng: random.Random,
    action: str,
    target: str | None,
    request: str,
    hold: Log | None,
) -> Any:
    """The action as a function of the transaction's connection, as `redprop case …` runs it."""
    from redprop.cases.actions import Facts, NewCase, act, register_case
    from redprop.cases.rules import Action

    if action == "list":
        return lambda conn: list_grid(conn, rng.choice(persona.grids))
    if action == "show":
        from redprop.cases.detail import case_detail

        return lambda conn: case_detail(conn, str(target))
    facts = {
        "note": Facts(text="电话联系双方当事人，约定周末到场调解"),
        "escalate": Facts(reason="网格调解未果，请上级协调"),
        "resolve": Facts(outcome="双方达成一致，已修复", agreement=rng.choice(("oral", "written"))),
        "visit": Facts(satisfaction="satisfied", fulfilled="yes"),
    }.get(action)

    def work(conn: Any) -> Any:
        done: Any
        if action == "register":
            severity = "major" if persona.kind != "grid" and rng.random() < 0.3 else "small"
            new = NewCase(
                grid=rng.choice(persona.grids),
                category="邻里纠纷",
                severity=severity,
                summary="负载测试：" + rng.choice(SUMMARIES),
                parties=[rng.choice(SURNAMES) + "某甲", rng.choice(SURNAMES) + "某乙"],
            )
            done = register_case(conn, new=new, actor=persona.name, request=request)
        else:
            assert target is not None
            done = act(
                conn,
                number=target,
                action=Action(action),
                actor=persona.name,
                facts=facts,
                request=request,
            )
        if hold is not None:
            hold.line("H", request, action)
            time.sleep(HOLD_SECONDS)  # killed here, inside the transaction
        return done

    return work


def list_grid(conn: Any, code: str) -> Any:
    from redprop.cases.query import CaseFilter, list_cases
    from redprop.core.config import local_now

    return list_cases(conn, filt=CaseFilter(grid=code), today=local_now().date(), limit=50)


# ---------------------------------------------------------------------------------------------
# The clerk: the sweep and the month's report


def clerk(cfg: Config, go: Any, stop: Any) -> None:
    """The overdue sweep every `sweep_every` seconds and the month's report every
    `report_every` (the first at half the run when that comes sooner), each logged."""
    from redprop.core.db import open_ledger

    engine = open_ledger(cfg.url, create=False)
    log = Log(cfg.logs / "clerk.log")
    go.wait()
    start = time.monotonic()
    next_sweep = cfg.sweep_every
    next_report = min(cfg.report_every, cfg.seconds / 2)
    harness = os.getppid()
    while not stop.wait(0.05) and os.getppid() == harness:
        now = time.monotonic() - start
        if now >= next_sweep:
            next_sweep += cfg.sweep_every
            timed(log, "sweep", lambda: run_sweep(engine))
        if now >= next_report:
            next_report += cfg.report_every
            timed(log, "report", lambda: run_report(engine))
    engine.dispose()


def timed(log: Log, what: str, job: Any) -> None:
    started = time.perf_counter()
    kind, info = "-", ""
    try:
        info = job()
        outcome = "applied" if what == "sweep" else "ok"
    except Exception as exc:  # counted by kind, like the workers'
        outcome, kind = "error", type(exc).__name__
    ms = (time.perf_counter() - started) * 1000
    log.line("D", "-", what, outcome, f"{ms:.2f}", kind, info)


def run_sweep(engine: Any) -> str:
    """One sweep in one writing transaction, as `redprop case sweep` (cron) runs it."""
    from redprop.cases.sweep import sweep
    from redprop.core.retry import retrying

    done = retrying(lambda: in_transaction(engine, lambda conn: sweep(conn), write=True))
    return f"swept={len(done)}"


def run_report(engine: Any) -> str:
    """This month's street report, as `redprop report --month` runs it; says which units'
    figures fail the identity."""
    from redprop.core.config import local_now
    from redprop.core.db import session_scope
    from redprop.figures.period import month_period
    from redprop.figures.report import report

    today = local_now().date()
    with session_scope(engine, write=False) as session:
        result = report(session, period=month_period(f"{today:%Y-%m}"), today=today)
    units = [("street", result.figures)] + [(u["unit"], u["figures"]) for u in result.by_unit]
    bad = [name for name, f in units if not reconciles(f)]
    return "unreconciled=" + (",".join(bad) or "none")


def reconciles(f: dict[str, Any]) -> bool:
    came = f["carried_over"] + f["registered"] + f["reopened"]
    return bool(came == f["open_at_end"] + f["resolved"] + f["referred"] + f["withdrawn"])


# ---------------------------------------------------------------------------------------------
# Running and the faults


@dataclass
class Faults:
    kill_after: float | None = None
    restart_after: float | None = None
    pgdata: Path | None = None
    killed: int | None = None  # the worker killed
    held: bool = False  # whether it was inside a transaction when killed
    restart_took: float | None = None
    notes: list[str] = field(default_factory=list)


def run(cfg: Config, people: list[Persona], faults: Faults) -> float:
    """Start the workers and the clerk, inject the faults on time, stop them all; returns the
    seconds the workers ran."""
    ctx = mp.get_context("spawn")
    go, stop = ctx.Event(), ctx.Event()
    holds = [ctx.Event() for _ in people]
    procs = [
        ctx.Process(target=worker, args=(cfg, i, p, go, stop, holds[i]), daemon=True)
        for i, p in enumerate(people)
    ]
    procs.append(ctx.Process(target=clerk, args=(cfg, go, stop), daemon=True))
    for p in procs:
        p.start()
    # Imports and engines ready before the clock starts: each process says so in its log.
    ready = time.monotonic() + 120
    while time.monotonic() < ready and len(list(cfg.logs.glob("*.log"))) < len(procs):
        time.sleep(0.05)
    go.set()
    start = time.monotonic()
    pending = sorted(
        (at, what)
        for at, what in ((faults.kill_after, "kill"), (faults.restart_after, "restart"))
        if at is not None
    )
    for at, what in pending:
        time.sleep(max(0.0, start + at - time.monotonic()))
        if what == "kill":
            kill_one(cfg, procs, holds, faults)
        else:
            restart_pg(faults)
    time.sleep(max(0.0, start + cfg.seconds - time.monotonic()))
    stop.set()
    ran = time.monotonic() - start
    for p in procs:
        p.join(timeout=HOLD_SECONDS + 30)
        if p.is_alive():
            faults.notes.append(f"process {p.pid} did not stop; killed")
            p.kill()
    return ran


def kill_one(cfg: Config, procs: list[Any], holds: list[Any], faults: Faults) -> None:
    """SIGKILL worker 0 once it sleeps inside a transaction (its log says `H`), or after 10 s."""
    victim = 0
    holds[victim].set()
    log = cfg.logs / f"worker-{victim}.log"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines()[-5:] if log.exists() else []
        if any(line.startswith("H ") for line in lines):
            faults.held = True
            break
        time.sleep(0.02)
    os.kill(procs[victim].pid, signal.SIGKILL)
    faults.killed = victim


def restart_pg(faults: Faults) -> None:
    """pg_ctl -D DIR restart -m fast, as the data directory's owner."""
    assert faults.pgdata is not None
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    pg_ctl = str(bins[-1]) if bins else "pg_ctl"
    cmd = [pg_ctl, "-D", str(faults.pgdata), "-w", "restart", "-m", "fast"]
    if os.geteuid() == 0:
        import pwd

        owner = pwd.getpwuid(faults.pgdata.stat().st_uid).pw_name
        cmd = ["runuser", "-u", owner, "--", *cmd]
    # The new server inherits pg_ctl's output: a file, never a pipe this process would wait on.
    log = faults.pgdata.parent / "restart.log"
    started = time.monotonic()
    with log.open("ab") as out:
        done = subprocess.run(cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL, check=False)
    faults.restart_took = time.monotonic() - started
    if done.returncode:
        faults.notes.append(f"pg_ctl restart failed ({done.returncode}): see {log}")


# ---------------------------------------------------------------------------------------------
# What the workers said


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    applied: dict[str, str] = field(default_factory=dict)  # request → action
    unfinished: dict[str, str] = field(default_factory=dict)  # request → action, killed worker's
    held: set[str] = field(default_factory=set)
    swept: int = 0
    unreconciled: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)  # core/retry's tries again, by action


def read_logs(logs: Path, warmup: float = 0.0) -> Tally:
    """What the logs say; latencies only of the actions started `warmup` seconds or more after
    the first one (every worker's first action pays for its cold caches at the same moment)."""
    tally = Tally()
    first = min(
        (float(item[2:]) for path in logs.glob("*.log") for line in path.read_text().splitlines()
         for item in line.split(" ")[6:] if item.startswith("t=")),
        default=0.0,
    )  # fmt: skip
    for path in sorted(logs.glob("*.log")):
        started: dict[str, str] = {}
        for line in path.read_text().splitlines():
            parts = line.split(" ")
            if parts[0] == "I":
                started[parts[1]] = parts[2]
            elif parts[0] == "H":
                tally.held.add(parts[1])
            elif parts[0] == "S":
                tally.skipped[parts[2]] += 1
            elif parts[0] == "D" and len(parts) >= 6:
                _, request, action, outcome, ms, kind, *info = parts
                started.pop(request, None)
                tally.outcomes[action, outcome] += 1
                began = next((float(i[2:]) for i in info if i.startswith("t=")), float("inf"))
                if began >= first + warmup:
                    tally.latencies[action].append(float(ms))
                if outcome == "error":
                    tally.errors[f"{action}: {kind}"] += 1
                if outcome == "applied" and request != "-":
                    tally.applied[request] = action
                for item in info:
                    key, _, value = item.partition("=")
                    if key == "retries":
                        tally.retries[action] += int(value)
                    elif key == "swept":
                        tally.swept += int(value)
                    elif key == "unreconciled" and value != "none":
                        tally.unreconciled.append(value)
        tally.unfinished.update(started)
    return tally


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def print_figures(tally: Tally, ran: float, workers: int) -> None:
    print(f"\n{workers} workers, {ran:.1f} s")
    head = f"{'action':<9}{'n':>7}{'applied':>9}{'refused':>9}{'errors':>8}"
    print(head + f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'per s':>8}")
    order = [a for a, _ in MIX] + ["sweep", "report"]
    total = 0
    for action in order:
        values = tally.latencies.get(action, [])
        if not values:
            continue
        ok = tally.outcomes[action, "applied"] + tally.outcomes[action, "ok"]
        n = ok + tally.outcomes[action, "refused"] + tally.outcomes[action, "error"]
        total += n
        print(
            f"{action:<9}{n:>7}{ok:>9}{tally.outcomes[action, 'refused']:>9}"
            f"{tally.outcomes[action, 'error']:>8}{percentile(values, 0.5):>9.1f}"
            f"{percentile(values, 0.95):>9.1f}{percentile(values, 0.99):>9.1f}"
            f"{max(values):>9.1f}{n / ran:>8.1f}"
        )
    writes = [v for a in WRITES for v in tally.latencies.get(a, [])]
    print(
        f"all      {total:>7}   {total / ran:.1f} actions/s; writes p99 {percentile(writes, 0.99):.1f} ms"
    )
    if tally.skipped:
        print(
            "no candidate (skipped): "
            + ", ".join(f"{a} {n}" for a, n in sorted(tally.skipped.items()))
        )
    retried = ", ".join(f"{a} {n}" for a, n in sorted(tally.retries.items()) if n)
    print("retried (core/retry): " + (retried or "none"))
    print("errors: " + (", ".join(f"{k} ×{n}" for k, n in sorted(tally.errors.items())) or "none"))


# ---------------------------------------------------------------------------------------------
# Verifying


@dataclass
class Marks:
    """Where the ledger stood when the clock started: the run's rows come after these ids."""

    case_id: int
    event_id: int
    void: frozenset[str]  # request keys of case numbers already void (cases/numbering)


def marks(engine: Any) -> Marks:
    from sqlalchemy import func, select

    from redprop.core import tables as t

    with engine.connect() as conn:
        case_id = conn.scalar(select(func.coalesce(func.max(t.dispute.c.id), 0)))
        event_id = conn.scalar(select(func.coalesce(func.max(t.case_event.c.id), 0)))
        void = frozenset(conn.scalars(select(t.number_reservation.c.request)))
    return Marks(int(case_id or 0), int(event_id or 0), void)


def verify(engine: Any, start: Marks, tally: Tally, faults: Faults, check: str) -> list[str]:
    """Every check of the module docstring; returns the failures (printing each verdict)."""
    from sqlalchemy import func, select

    from redprop.core import tables as t

    d, e = t.dispute.c, t.case_event.c
    with engine.connect() as conn:
        doubled = conn.execute(
            select(d.number).group_by(d.number).having(func.count() > 1).limit(5)
        ).all()
        new_cases = conn.scalar(select(func.count()).where(d.id > start.case_id)) or 0
        events = conn.execute(select(e.request, e.action).where(e.id > start.event_id)).all()
        void = set(conn.scalars(select(t.number_reservation.c.request))) - start.void
    keyed = Counter(r.request for r in events if r.request is not None)
    swept = sum(1 for r in events if r.request is None)
    twice = [k for k, n in keyed.items() if n > 1]
    committed_unfinished = {k: a for k, a in tally.unfinished.items() if k in keyed}
    expected = dict(tally.applied) | committed_unfinished
    by_action = Counter(r.action for r in events if r.request is not None)
    said = Counter(expected.values())
    registers = said["register"]
    results = [
        ("every case number unique", not doubled, f"doubled: {[r.number for r in doubled]}"),
        (
            f"new cases {new_cases} == registrations applied {registers}",
            new_cases == registers,
            "",
        ),
        ("no request applied twice", not twice, f"{len(twice)} requests twice"),
        (
            f"events by request key {sum(keyed.values())} == applied as reported "
            f"{len(tally.applied)} + committed unfinished {len(committed_unfinished)}",
            set(keyed) == set(expected),
            f"lost {len(set(expected) - set(keyed))}, unreported {len(set(keyed) - set(expected))}",
        ),
        ("events by action == what the workers did", by_action == said, f"{by_action} vs {said}"),
        (f"sweep events {swept} == swept as reported {tally.swept}", swept == tally.swept, ""),
        (
            f"held in a transaction at the kill and absent: {len(tally.held)}",
            not (tally.held & set(keyed)),
            "a held action was committed",
        ),
        (
            # A number reserved on PostgreSQL for a registration that never committed: only
            # the killed worker's unfinished one may leave it.
            f"void case numbers {len(void)}, each a registration left unfinished",
            not (void & set(keyed)) and void <= set(tally.unfinished) | tally.held,
            f"{len(void & set(keyed))} of a committed case, "
            f"{len(void - set(tally.unfinished) - tally.held)} of no unfinished registration",
        ),
        (
            "every in-run report reconciles",
            not tally.unreconciled,
            "; ".join(tally.unreconciled),
        ),
        month_reconciles(engine),
    ]
    if check == "whole":
        results.append(chains(engine))
    failures = []
    for what, ok, why in results:
        print(f"verify: {what}: {'ok' if ok else 'FAILED ' + why}")
        if not ok:
            failures.append(what)
    return failures


def month_reconciles(engine: Any) -> tuple[str, bool, str]:
    started = time.perf_counter()
    verdict = run_report(engine)
    took = time.perf_counter() - started
    what = f"the month's figures reconcile, street and each community (report {took:.1f} s)"
    return what, verdict.endswith("none"), verdict


def chains(engine: Any) -> tuple[str, bool, str]:
    from redprop.ledger.upkeep import check_ledger

    started = time.perf_counter()
    problems = check_ledger(engine).problems
    took = time.perf_counter() - started
    what = f"every hash chain verifies: check_ledger problems == [] ({took:.1f} s)"
    return what, not problems, "; ".join(en for _, en in problems[:5])


# ---------------------------------------------------------------------------------------------
# The command


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="sqlite:///path or postgresql+psycopg://…")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--minutes", type=float, default=None, help="the same, in minutes")
    parser.add_argument("--cases", type=int, default=None, help="build a fresh ledger first")
    parser.add_argument("--households", type=int, default=0)
    parser.add_argument("--kill-one-after", type=float, default=None)
    parser.add_argument("--restart-pg-after", type=float, default=None)
    parser.add_argument("--pgdata", type=Path, default=None)
    parser.add_argument("--sweep-every", type=float, default=10.0, help="one simulated hour")
    parser.add_argument("--report-every", type=float, default=60.0)
    parser.add_argument("--check", choices=("whole", "run"), default="whole")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds between one worker's actions"
    )
    parser.add_argument(
        "--warmup", type=float, default=0.0, help="leave the first S seconds out of latencies"
    )
    parser.add_argument("--logs", type=Path, default=None, help="keep the workers' logs here")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 60 * args.minutes if args.minutes is not None else 20.0
    if args.restart_pg_after is not None and args.pgdata is None:
        parser.error("--restart-pg-after needs --pgdata DIR (the cluster's data directory)")
    return args


def prepare(url: str) -> Any:
    """The ledger opened (upgraded to this redprop's schema) and swept as of now, as the night's
    cron run would have left it: the run's sweeps then handle only what the run makes due."""
    from redprop.core.db import open_ledger

    engine = open_ledger(url, create=False)
    started = time.perf_counter()
    swept = run_sweep(engine)
    print(f"night's sweep before the run: {swept} in {time.perf_counter() - started:.1f} s")
    return engine


def main() -> int:
    args = arguments()
    from redprop.core.config import sqlite_path

    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    if args.cases is not None:
        build(url, args.cases, args.households)
    engine = prepare(url)
    logs = args.logs or Path(tempfile.mkdtemp(prefix="redprop-load-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    cfg = Config(
        url, args.seconds, logs, args.seed, args.sweep_every, args.report_every, args.think
    )
    people = personas(engine, args.workers, random.Random(args.seed))
    kinds = Counter(p.kind for p in people)
    backend = "SQLite (WAL)" if sqlite_path(url) else "PostgreSQL"
    paced = f", think {args.think:g} s" if args.think else ", back to back"
    print(
        f"{backend}: {args.workers} workers ({dict(kinds)}){paced}, {args.seconds:.0f} s, "
        f"logs {logs}"
    )
    faults = Faults(args.kill_one_after, args.restart_pg_after, args.pgdata)
    start = marks(engine)
    ran = run(cfg, people, faults)
    tally = read_logs(logs, args.warmup)
    print_figures(tally, ran, args.workers)
    if args.warmup:
        print(f"latencies leave out actions started in the first {args.warmup:g} s (warm-up)")
    if faults.killed is not None:
        where = "inside a transaction" if faults.held else "between transactions"
        print(f"fault: worker {faults.killed} killed with SIGKILL at {args.kill_one_after:.0f} s, "
              f"{where}; unfinished actions: {len(tally.unfinished)}")  # fmt: skip
    if faults.restart_took is not None:
        print(f"fault: PostgreSQL restarted (pg_ctl restart -m fast) at "
              f"{args.restart_pg_after:.0f} s, took {faults.restart_took:.1f} s")  # fmt: skip
    for note in faults.notes:
        print("note: " + note)
    failures = verify(engine, start, tally, faults, args.check)
    engine.dispose()
    print("verification: " + ("clean" if not failures else f"{len(failures)} FAILED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
