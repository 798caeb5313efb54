"""Case numbers on a shared PostgreSQL (cases/numbering, issue 20): a command's registration
reserves its number in a transaction of its own, so registrations never wait for each other's
COMMIT; a retry uses the number its first attempt reserved; a reservation left behind is a void
number that db check lists, not a deleted case; a number with neither case nor reservation is
still a deleted case. On SQLite the number is taken inside the transaction, as always."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session
from tests.conftest import PG_URL, small_tree

from redprop.cases.actions import NewCase, register_case
from redprop.core import tables as t
from redprop.core.config import parse_time
from redprop.core.models import Case, CaseEvent, NumberReservation
from redprop.ledger.upkeep import check_ledger

pg_only = pytest.mark.skipif(not PG_URL, reason="numbers are reserved on PostgreSQL only")
ADMIN = "王敏"
NEW = NewCase(grid="G001", category="邻里纠纷", severity="small", summary="漏水", parties=["甲"])
AT = parse_time("2026-11-03T09:00")


@pytest.fixture
def ledger(session: Session) -> Session:
    small_tree(session)
    session.commit()
    return session


def reservations(session: Session) -> list[tuple[int, int, str, str]]:
    r = NumberReservation
    rows = session.execute(
        select(r.year, r.serial, r.request, r.actor).order_by(r.year, r.serial)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def counter(session: Session) -> int | None:
    return session.scalar(select(t.case_counter.c.last).where(t.case_counter.c.year == 2026))


def test_a_committed_registration_leaves_no_reservation(ledger: Session) -> None:
    numbers = [
        register_case(ledger, new=NEW, actor=ADMIN, at=AT, request=f"{i:032x}").number
        for i in range(3)
    ]
    ledger.commit()
    assert numbers == ["2026-00001", "2026-00002", "2026-00003"]
    assert reservations(ledger) == [] and counter(ledger) == 3
    ledger.commit()  # SQLite: let check_ledger read
    result = check_ledger(ledger.get_bind())  # type: ignore[arg-type]
    assert (result.problems, result.void) == ([], [])


@pg_only
def test_a_registration_rolled_back_leaves_a_void_number_listed_by_db_check(
    ledger: Session, cli
) -> None:
    register_case(ledger, new=NEW, actor=ADMIN, at=AT, request="a" * 32)
    ledger.commit()
    lost = register_case(ledger, new=NEW, actor=ADMIN, at=AT, request="b" * 32)
    assert lost.number == "2026-00002"
    ledger.rollback()  # the terminal gone between the number and the COMMIT
    assert reservations(ledger) == [(2026, 2, "b" * 32, ADMIN)]
    assert ledger.scalar(select(func.count()).select_from(Case)) == 1
    later = register_case(ledger, new=NEW, actor=ADMIN, at=AT, request="c" * 32)
    ledger.commit()
    assert later.number == "2026-00003"  # a void number is never given again
    result = check_ledger(ledger.get_bind())  # type: ignore[arg-type]
    assert result.problems == [] and [v.number for v in result.void] == ["2026-00002"]
    out = cli("db", "check").stdout.splitlines()
    assert out[0] == "检查通过：账本完整"
    assert out[1] == "作废编号 1 个（登记未完成，编号不再使用）："
    assert out[2].split()[:2] == ["2026-00002", ADMIN]
    data = json.loads(cli("db", "check", "--json").stdout)
    assert data["ok"] is True and [v["number"] for v in data["void"]] == ["2026-00002"]


@pg_only
def test_a_retry_uses_the_number_its_first_attempt_reserved(ledger: Session) -> None:
    first = register_case(ledger, new=NEW, actor=ADMIN, at=AT, request="d" * 32)
    ledger.rollback()  # the connection lost before COMMIT: the retry runs it all again
    again = register_case(ledger, new=NEW, actor=ADMIN, at=AT, request="d" * 32)
    ledger.commit()
    assert first.number == again.number == "2026-00001"
    assert reservations(ledger) == [] and counter(ledger) == 1
    assert ledger.scalar(select(func.count()).select_from(CaseEvent)) == 1
    assert check_ledger(ledger.get_bind()).void == []  # type: ignore[arg-type]


@pg_only
def test_registrations_do_not_wait_for_each_others_commit(ledger: Session) -> None:
    """The first registration's transaction stays open; the second takes the next number and
    commits without waiting for it (with the number inside the transaction it would block on
    the year's counter until the first committed)."""
    bind = ledger.get_bind()
    first = register_case(ledger, new=NEW, actor=ADMIN, at=AT, request="e" * 32)
    done: dict[str, str] = {}

    def second() -> None:
        with Session(bind) as other:
            other.execute(text("SET lock_timeout = '5s'"))
            done["number"] = register_case(
                other, new=NEW, actor=ADMIN, at=AT, request="f" * 32
            ).number
            other.commit()

    worker = threading.Thread(target=second)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive() and done == {"number": "2026-00002"}
    ledger.commit()
    assert first.number == "2026-00001"
    numbers = ledger.scalars(select(Case.number).order_by(Case.number)).all()
    assert numbers == ["2026-00001", "2026-00002"] and reservations(ledger) == []


def test_a_number_with_neither_case_nor_reservation_is_a_deleted_case(ledger: Session) -> None:
    for i in range(3):
        register_case(ledger, new=NEW, actor=ADMIN, at=AT, request=f"{i + 16:032x}")
    ledger.commit()
    case_id = ledger.scalar(select(Case.id).where(Case.number == "2026-00002"))
    ledger.execute(delete(t.case_relation))
    ledger.execute(delete(t.case_party))
    ledger.execute(delete(t.chain_pending))
    ledger.execute(delete(t.case_event).where(t.case_event.c.case_id == case_id))
    ledger.execute(delete(t.dispute).where(t.dispute.c.id == case_id))
    ledger.commit()
    ledger.close()
    problems = [zh for zh, _ in check_ledger(ledger.get_bind()).problems]  # type: ignore[arg-type]
    assert "案件编号 2026-00002 缺失（案件被删除）；请从备份核对恢复" in problems


def test_sqlite_and_bulk_registrations_take_the_number_in_their_transaction(
    ledger: Session,
) -> None:
    """Without a request key (imports, the demo, the benchmark builder), or on SQLite, nothing
    is reserved: a rolled-back registration gives its number back."""
    register_case(ledger, new=NEW, actor=ADMIN, at=AT)
    ledger.rollback()
    assert reservations(ledger) == [] and counter(ledger) is None
    if not PG_URL:
        register_case(ledger, new=NEW, actor=ADMIN, at=AT, request="9" * 32)
        ledger.rollback()
        assert reservations(ledger) == [] and counter(ledger) is None
    assert register_case(ledger, new=NEW, actor=ADMIN, at=AT).number == "2026-00001"
