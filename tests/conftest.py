"""Shared fixtures: every test gets its own ledger file and app directory, never the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redprop.cli import app
from redprop.db import open_ledger, session_scope

STREET = "新市区街道"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app directory and REDPROP_DB at tmp_path; no test touches a real ledger."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    db = tmp_path / "ledger.db"
    monkeypatch.setenv("REDPROP_DB", str(db))
    for var in ("REDPROP_USER", "REDPROP_LANG", "REDPROP_NOW", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return db


@pytest.fixture
def db_path(isolated: Path) -> Path:
    return isolated


@pytest.fixture
def engine(db_path: Path) -> Iterator[object]:
    """A real SQLite ledger, migrated by Alembic, with the street registered."""
    from redprop.services.ledger import init_ledger

    eng = open_ledger(f"sqlite:///{db_path}")
    with session_scope(eng) as s:
        init_ledger(s, street=STREET, admin="王敏")
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: object) -> Iterator[object]:
    """A session whose work is committed at the end of the test body only if it succeeds."""
    with session_scope(engine) as s:  # type: ignore[arg-type]
        yield s


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int | None = 0):
        result = self.runner.invoke(app, list(args), input=input)
        if code is not None:
            assert result.exit_code == code, (
                f"exit {result.exit_code} != {code}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}\n{result.exception!r}"
            )
        return result


@pytest.fixture
def cli() -> Cli:
    return Cli()


def small_tree(session: object) -> None:
    """Two communities, three grids, compounds and buildings from the Yumen case study."""
    from redprop.services import org

    org.add_community(session, name="铁人路社区")
    org.add_community(session, name="龙源社区")
    org.add_grid(session, code="G001", name="天昊网格", community="铁人路社区")
    org.add_grid(session, code="G002", name="学校专属网格", community="铁人路社区", kind="special")
    org.add_grid(session, code="G014", name="龙源第1网格", community="龙源社区")
    org.add_compound(session, name="天昊小区", community="铁人路社区", property_company="嘉华物业")
    org.add_compound(
        session, name="龙源小区", community="龙源社区", property_company="世纪之星物业"
    )
    org.add_building(session, number="5号楼", grid="G001", compound="天昊小区", units=3)
    org.add_building(session, number="6", grid="G001", compound="天昊小区", units=2)
    org.add_building(session, number="1栋", grid="G014", compound="龙源小区")
