"""`redprop db copy FROM TO` (issue 20): a street's SQLite ledger moved whole into another
database (a PostgreSQL one when the suite runs on PostgreSQL), every row, chain and the
fingerprint the same; the target must be empty, and a refused copy writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.conftest import new_ledger_url, small_tree

from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.rules import Action
from redprop.core.chain import fingerprint
from redprop.core.config import parse_time
from redprop.core.db import open_ledger, session_scope
from redprop.core.errors import LedgerError
from redprop.core.models import SQLModel
from redprop.ledger.copy import copy_ledger
from redprop.ledger.upkeep import check_ledger, init_ledger
from redprop.units import staff

ADMIN = "王敏"


@pytest.fixture
def source(tmp_path: Path) -> str:
    """A SQLite ledger with a street, its tree, staff, three cases with their steps."""
    url = f"sqlite:///{tmp_path / 'street.db'}"
    engine = open_ledger(url)
    with session_scope(engine) as s:
        init_ledger(s, street="新市区街道", admin=ADMIN)
        small_tree(s)
        staff.add_staff(s, name="李娟", role="grid-worker", unit="G001")
        for i, at in enumerate(("2026-11-02T09:00", "2026-11-03T09:00", "2026-11-04T09:00")):
            new = NewCase(grid="G001", category="邻里纠纷", severity="small", summary=f"漏水{i}", parties=["张三 13912345678"], building="5", room="301")  # fmt: skip
            number = register_case(s, new=new, actor="李娟", at=parse_time(at)).number
            act(s, number=number, action=Action.accept, actor="李娟", at=parse_time(at.replace("09", "10", 1)))  # fmt: skip
        act(s, number=number, action=Action.resolve, actor="李娟", facts=Facts(outcome="修好", agreement="oral"), at=parse_time("2026-11-05T10:00"))  # fmt: skip
    engine.dispose()
    return url


def _counts(url: str) -> dict[str, int]:
    engine = open_ledger(url, create=False)
    with engine.connect() as conn:
        counts = {
            t.name: conn.scalar(select(func.count()).select_from(t)) or 0
            for t in SQLModel.metadata.sorted_tables
        }
    engine.dispose()
    return counts


def test_a_ledger_moves_whole_and_goes_on_working(source: str, tmp_path: Path) -> None:
    target = new_ledger_url(tmp_path, "district.db")
    engine = open_ledger(source, create=False)
    copied = copy_ledger(engine, target)
    engine.dispose()
    assert copied.counts == _counts(source) == _counts(target)
    assert copied.counts["dispute"] == 3 and copied.counts["case_event"] == 7
    moved = open_ledger(target, create=False)
    assert check_ledger(moved).problems == []
    with session_scope(moved) as s:
        assert fingerprint(s) == copied.fingerprint is not None
        # The copy goes on: the next number, and new ids past the copied ones.
        new = NewCase(grid="G001", category="邻里纠纷", severity="small", summary="又漏水", parties=["张三 13912345678"])  # fmt: skip
        case = register_case(s, new=new, actor="李娟", at=parse_time("2026-11-06T09:00"))
        assert case.number == "2026-00004"
        act(s, number=case.number, action=Action.accept, actor="李娟", at=parse_time("2026-11-06T10:00"))  # fmt: skip
    # The phone's keyed hash still recognises the same person: the key came along.
    from redprop.cases.parties import relations_of

    with moved.connect() as conn:
        assert relations_of(conn, case.id) == {
            "2026-00001": "phone",
            "2026-00002": "phone",
            "2026-00003": "phone",
        }
    assert check_ledger(moved).problems == []
    moved.dispose()


def test_a_target_that_holds_a_ledger_is_refused_and_left_alone(
    source: str, tmp_path: Path
) -> None:
    engine = open_ledger(source, create=False)
    with pytest.raises(LedgerError, match="已有账本或其他数据，db copy 不会覆盖"):
        copy_ledger(engine, source)  # onto itself: it holds a ledger
    other = new_ledger_url(tmp_path, "other.db")
    copy_ledger(engine, other)
    before = _counts(other)
    with pytest.raises(LedgerError, match="不会覆盖"):
        copy_ledger(engine, other)
    engine.dispose()
    assert _counts(other) == before


def test_the_cli_copies_for_the_admin_only(source: str, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "copy.db"
    refused = cli("--as", "李娟", "db", "copy", source, str(target), code=1)
    assert "李娟" in refused.stderr and not target.exists()
    done = cli("--as", ADMIN, "db", "copy", source, str(target))
    assert done.stdout.startswith(f"已复制到 sqlite:///{target}：")
    assert "核对一致；账本指纹 " in done.stdout
    log = cli("--db", str(target), "log", "--json")
    assert '"command": "db copy"' in log.stdout
