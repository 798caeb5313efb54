"""The district server's disk full (issue 20, fault 4): the ledger's tables live on a tablespace
on a small tmpfs, filled to the last byte by another table. A registration through the command
line then fails with the disk-full message and a non-zero exit, writes nothing (no case, no
event, no number taken, no link linked or queued), and every committed case is intact; with space again, the
same command works and db check is clean.

Needs the test PostgreSQL server (REDPROP_TEST_PG) on this machine and root, to mount the tmpfs
and hand it to the server's user (CI runs as root); skipped otherwise, saying why."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from conftest import PG_URL, STREET, _pg_url, small_tree
from redprop.cases.actions import NewCase, register_case
from redprop.core.config import parse_time
from redprop.core.db import open_ledger, session_scope
from redprop.ledger.upkeep import check_ledger, init_ledger

pytestmark = pytest.mark.skipif(PG_URL is None, reason="needs the test PostgreSQL server")

ADMIN = "王敏"
FULL = "账本所在磁盘已满，本次操作已撤销，未写入任何内容；请腾出空间后重试"
NEW = ["case", "new", "--grid", "G001", "--category", "邻里纠纷", "--severity", "small"]
NEW += ["--summary", "楼道堆物"]


@pytest.fixture
def tiny_ledger() -> Iterator[str]:
    """A new database whose tables are on an 8 MB tmpfs tablespace; yields its URL."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
    with admin.connect() as conn:
        data_dir = conn.exec_driver_sql("SHOW data_directory").scalar()
        local = conn.exec_driver_sql("SELECT inet_server_addr()").scalar()
    if local is not None and str(local) not in ("127.0.0.1", "::1"):
        pytest.skip("the test server is not on this machine")
    # Not under tmp_path: the server's user must be able to reach it (pytest's root is 0700).
    outer = Path(tempfile.mkdtemp(prefix="redprop-tiny-"))
    outer.chmod(0o755)
    where = outer / "tiny"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"can't mount a tmpfs here: {mounted.stderr.decode().strip()}")
    owner = Path(str(data_dir)).stat()
    os.chown(where, owner.st_uid, owner.st_gid)
    name = f"redprop_full_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE TABLESPACE {name} LOCATION '{where}'")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
            conn.exec_driver_sql(f"ALTER DATABASE {name} SET default_tablespace = {name}")
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"DROP TABLESPACE IF EXISTS {name}")
        admin.dispose()
        subprocess.run(["umount", str(where)], check=False)
        shutil.rmtree(outer, ignore_errors=True)


def _fill(url: str) -> int:
    """Fill the tablespace with a table of incompressible rows, in ever smaller batches, until
    not one more row fits; returns how many went in."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    rows = 0
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE filler (x text)")
        conn.exec_driver_sql("ALTER TABLE filler ALTER COLUMN x SET STORAGE PLAIN")
        batch = 256
        while batch >= 1:
            try:
                conn.exec_driver_sql(
                    "INSERT INTO filler SELECT (SELECT string_agg(md5(random()::text || i || g), '')"
                    f" FROM generate_series(1, 12) g) FROM generate_series(1, {batch}) i"
                )
                rows += batch
            except OperationalError as exc:
                assert "No space left on device" in str(exc), exc
                batch //= 2
    engine.dispose()
    return rows


def _counts(url: str) -> tuple[int, int, int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        # An event's link may still be queued (chain_pending, core/chain): linked or queued,
        # each event is covered once.
        found = tuple(
            int(conn.exec_driver_sql(f"SELECT {query}").scalar() or 0)
            for query in (
                "count(*) FROM dispute",
                "count(*) FROM case_event",
                "(SELECT count(*) FROM chain_link) + (SELECT count(*) FROM chain_pending)",
            )
        )
        last = conn.exec_driver_sql("SELECT coalesce(max(last), 0) FROM case_counter").scalar()
    engine.dispose()
    return (*found, int(last or 0))  # type: ignore[return-value]


def test_a_full_server_disk_is_named_and_nothing_is_written(tiny_ledger, cli, monkeypatch) -> None:
    url = tiny_ledger
    engine = open_ledger(url)
    with session_scope(engine) as s:
        init_ledger(s, street=STREET, admin=ADMIN)
        small_tree(s)
        first = register_case(
            s,
            new=NewCase(
                grid="G001", category="邻里纠纷", severity="small", summary="漏水", parties=["甲"]
            ),
            actor=ADMIN,
            at=parse_time("2026-11-30T09:00"),
        ).number
    engine.dispose()
    assert _fill(url) > 0
    monkeypatch.setenv("REDPROP_DB", url)
    monkeypatch.setenv("REDPROP_NOW", "2026-11-30T10:00")
    full = _counts(url)
    # A new case lands in pages that may still have room: register until the disk says no.
    done = 0
    for _ in range(200):
        before = _counts(url)
        result = cli(*NEW, "--party", f"住户{done}", code=None)
        if result.exit_code != 0:
            break
        done += 1
    else:
        pytest.fail("200 registrations went in on a full disk")
    assert (result.exit_code, result.stderr) == (1, f"错误：{FULL}\n"), result.output
    assert _counts(url) == before
    cleared = create_engine(url, isolation_level="AUTOCOMMIT")  # space again
    with cleared.connect() as conn:
        conn.exec_driver_sql("DROP TABLE filler")
    cleared.dispose()
    cli(*NEW, "--party", "住户再次")
    # cases, events, links (or queued links) and the year's counter: each registration one
    # more, the failed none
    assert _counts(url) == tuple(n + done + 1 for n in full)
    engine = open_ledger(url, create=False)
    assert check_ledger(engine).problems == []
    with engine.connect() as conn:
        numbers = list(conn.exec_driver_sql("SELECT number FROM dispute ORDER BY id").scalars())
    engine.dispose()
    assert numbers[0] == first
    assert numbers == [f"2026-{n:05d}" for n in range(1, done + 3)]
