"""`visit due` on a large ledger (issue 18; docs/design.md §16, §9): 200,000 households, 20,000
of them tagged with a visit plan and about five visits each, built with bulk inserts on a
migrated ledger. Measures the due list of a street staff member (every household in scope) and
of one grid worker, in process, against one raw SQL query computing the same due list with the
sqlite3 module on the same data; then the whole command as a subprocess.

    python benchmarks/visits.py [/tmp/redprop-bench-visits.db] [--runs 7]

Goal: under 1 s for the whole street.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

HOUSEHOLDS = 200_000
TAGGED = 20_000
COMMUNITIES = 10
GRIDS = 200  # 1,000 households each
PER_BUILDING = 50
DAY = date(2026, 12, 1)
STREET_STAFF = "街道王"
GRID_WORKER = "网格李"

RAW = """
WITH plan AS (
    SELECT ht.household_id AS hid, min(k.visit_days) AS days, min(date(ht.added_at)) AS since
    FROM household_tag ht JOIN tag_kind k ON k.id = ht.tag_id
    WHERE k.visit_days IS NOT NULL AND ht.added_at < :end
      AND (ht.removed_at IS NULL OR ht.removed_at >= :end)
    GROUP BY ht.household_id
), last AS (
    SELECT household_id AS hid, max("on") AS seen FROM visit WHERE "on" <= :day
    GROUP BY household_id
)
SELECT plan.hid, date(max(since, coalesce(seen, since)), '+' || days || ' days') AS due
FROM plan LEFT JOIN last ON last.hid = plan.hid
WHERE due <= :day ORDER BY due, plan.hid
"""


def build(path: Path) -> None:
    """A migrated ledger, then the street's units, households, tags and visits in bulk."""
    from redprop.core.db import open_ledger, session_scope
    from redprop.ledger.upkeep import init_ledger

    if path.exists():
        path.unlink()
    engine = open_ledger(f"sqlite:///{path}", create=True)
    with session_scope(engine) as session:
        init_ledger(session, street="新市区街道", admin="王敏")
    engine.dispose()
    con = sqlite3.connect(path)
    rng = random.Random(18)
    con.executemany(
        "INSERT INTO community (id, street_id, name) VALUES (?, 1, ?)",
        [(c, f"第{c}社区") for c in range(1, COMMUNITIES + 1)],
    )
    grids = [
        (g, 1 + (g - 1) * COMMUNITIES // GRIDS, f"G{g:03d}", f"第{g}网格")
        for g in range(1, GRIDS + 1)
    ]
    con.executemany(
        "INSERT INTO grid (id, community_id, code, name, kind) VALUES (?, ?, ?, ?, 'base')", grids
    )
    buildings, households = [], []
    per_grid = HOUSEHOLDS // GRIDS
    for g, community, _code, _name in grids:
        for _ in range(per_grid // PER_BUILDING):
            building = len(buildings) + 1
            buildings.append((building, community, g, str(len(buildings) + 1)))
            for room in range(PER_BUILDING):
                households.append(
                    (len(households) + 1, community, g, building, "1", str(101 + room), "户主")
                )
    con.executemany(
        "INSERT INTO building (id, community_id, grid_id, number, units) VALUES (?, ?, ?, ?, 1)",
        buildings,
    )
    con.executemany(
        "INSERT INTO household (id, community_id, grid_id, building_id, unit, room, head_name, "
        "persons, flags) VALUES (?, ?, ?, ?, ?, ?, ?, 1, '')",
        households,
    )
    _tags_and_visits(con, rng)
    con.executemany(
        "INSERT INTO staff (name, role, street_id, grid_id, active) VALUES (?, ?, ?, ?, 1)",
        [(STREET_STAFF, "street", 1, None), (GRID_WORKER, "grid-worker", None, 1)],
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()


def _tags_and_visits(con: sqlite3.Connection, rng: random.Random) -> None:
    planned = [i for (i,) in con.execute("SELECT id FROM tag_kind WHERE visit_days IS NOT NULL")]
    tagged = rng.sample(range(1, HOUSEHOLDS + 1), TAGGED)
    tags, visits = [], []
    for household in tagged:
        added = datetime(2025, 6, 1) + timedelta(days=rng.randrange(500))
        for tag in rng.sample(planned, rng.choice((1, 1, 2))):
            tags.append((household, tag, added.isoformat(sep=" "), "导入"))
        day = added.date()
        for _ in range(rng.randrange(10)):
            day += timedelta(days=rng.randrange(3, 40))
            if day > DAY:
                break
            visits.append((household, day.isoformat(), "网格李", day.isoformat() + " 18:00:00"))
    con.executemany(
        "INSERT INTO household_tag (household_id, tag_id, added_at, added_by) VALUES (?, ?, ?, ?)",
        tags,
    )
    con.executemany(
        'INSERT INTO visit (household_id, "on", kind, actor, recorded_at, hash) '
        "VALUES (?, ?, 'home', ?, ?, '')",
        visits,
    )
    print(f"{len(tags):,} tags on {TAGGED:,} households, {len(visits):,} visits")


def raw(path: Path) -> tuple[float, int]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    end = (DAY + timedelta(days=1)).isoformat() + " 00:00:00"
    start = time.perf_counter()
    rows = con.execute(RAW, {"day": DAY.isoformat(), "end": end}).fetchall()
    took = time.perf_counter() - start
    con.close()
    return took, len(rows)


def ours(url: str, who: str) -> tuple[float, int]:
    """The due list as `visit due` reads it (Core, on the command's connection)."""
    from redprop.core.db import connection_scope, open_ledger
    from redprop.core.errors import RedpropError
    from redprop.units.lookup import find_acting
    from redprop.visits.due import due_list

    engine = open_ledger(url)
    with connection_scope(engine) as conn:
        member = find_acting(conn, who, refuse=RedpropError)
        start = time.perf_counter()
        rows = due_list(conn, member=member, on=DAY)
        took = time.perf_counter() - start
    engine.dispose()
    return took, len(rows)


def command(path: Path, who: str, json_out: bool) -> float:
    env = dict(os.environ, REDPROP_DB=str(path), REDPROP_NOW="2026-12-01T18:00")
    args = [sys.executable, "-m", "redprop", "--as", who, "visit", "due"]
    start = time.perf_counter()
    out = subprocess.DEVNULL
    subprocess.run(
        [*args, "--json"] if json_out else args, env=env, check=True, stdout=out, stderr=out
    )
    return time.perf_counter() - start


def _bare() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import typer, sqlalchemy, rich.table"], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="/tmp/redprop-bench-visits.db", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep an already built ledger")
    args = parser.parse_args()
    if not (args.reuse and args.path.exists()):
        began = time.perf_counter()
        build(args.path)
        print(f"built {args.path} in {time.perf_counter() - began:.1f} s")
    url = f"sqlite:///{args.path}"
    results: dict[str, list[float]] = {"raw": [], "street": [], "grid": []}
    counts = {}
    for _ in range(args.runs):  # round-robin, so a busy moment slows them alike
        took, counts["raw"] = raw(args.path)
        results["raw"].append(took)
        took, counts["street"] = ours(url, STREET_STAFF)
        results["street"].append(took)
        took, counts["grid"] = ours(url, GRID_WORKER)
        results["grid"].append(took)
    assert counts["raw"] == counts["street"], counts
    for name, label in (
        ("raw", "raw SQL (sqlite3, one query)"),
        ("street", "visit due, street staff (200,000 households in scope)"),
        ("grid", "visit due, one grid worker (1,000 households)"),
    ):
        median = statistics.median(results[name])
        print(f"{label}: median {median * 1000:.1f} ms over {args.runs} runs, {counts[name]} due")
    ratio = statistics.median(results["street"]) / statistics.median(results["raw"])
    print(f"street / raw: {ratio:.2f}x")
    for who, json_out in ((STREET_STAFF, False), (STREET_STAFF, True), (GRID_WORKER, False)):
        whole = statistics.median(command(args.path, who, json_out) for _ in range(5))
        said = " --json" if json_out else ""
        print(f"whole command (redprop --as {who} visit due{said}): median {whole:.2f} s")
    bare = statistics.median(_bare() for _ in range(5))
    print(f"python -c 'import typer, sqlalchemy, rich.table' alone: median {bare:.2f} s")


if __name__ == "__main__":
    main()
