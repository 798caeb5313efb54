"""What a resolve keeps (cases/lateness, docs/design.md §15): whether the case ran late at any
level, or was supervised, before it, and whether it had been resolved before. Set when the
resolve is appended, walked again by db check, filled for old ledgers by migration 0016 (cases
with an undo keep none and are walked when read), and read by the quarterly score."""

from __future__ import annotations

from sqlalchemy import text

from conftest import small_tree, sqlite_only
from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.rules import Action
from redprop.cases.undo import undo
from redprop.core.config import parse_time
from redprop.core.db import _alembic_config, session_scope
from redprop.ledger.upkeep import check_ledger
from redprop.property.items import Quarter
from redprop.property.scores import company_cases

ADMIN = "王敏"
RESOLVED = {"outcome": "已调解", "agreement": "oral"}


def _new(s, at: str) -> str:
    case = NewCase(
        grid="G001",
        category="物业纠纷",
        severity="small",
        summary="电梯停运",
        parties=["罗玉福"],
        building="5",
    )
    return register_case(s, new=case, actor=ADMIN, at=parse_time(at)).number


def _do(s, number: str, action: Action, at: str, **facts: object) -> None:
    act(s, number=number, action=action, actor=ADMIN, at=parse_time(at), facts=Facts(**facts))  # type: ignore[arg-type]


def _histories(s, monkeypatch) -> dict[str, str]:
    """Five complaints at 天昊小区 (嘉华物业), each resolved in 2026 Q4."""
    monkeypatch.setenv("REDPROP_NOW", "2026-12-31T20:00")
    small_tree(s)
    cases = {name: _new(s, "2026-10-08T09:00") for name in ("on_time", "late", "again", "undone")}
    for number in cases.values():
        _do(s, number, Action.accept, "2026-10-08T10:00")
    _do(s, cases["on_time"], Action.resolve, "2026-10-09T10:00", **RESOLVED)
    # accepted on 8 Oct, first touched again after Christmas: its clock ran out long before
    _do(s, cases["late"], Action.note, "2026-12-26T10:00", text="催办")
    _do(s, cases["late"], Action.resolve, "2026-12-28T10:00", **RESOLVED)
    _do(s, cases["again"], Action.resolve, "2026-10-09T11:00", **RESOLVED)
    _do(s, cases["again"], Action.reopen, "2026-10-10T09:00", reason="又漏水")
    _do(s, cases["again"], Action.resolve, "2026-10-12T09:00", **RESOLVED)
    # a resolve taken back: the resolve after it is the case's first
    monkeypatch.setenv("REDPROP_NOW", "2026-10-08T11:10")
    _do(s, cases["undone"], Action.resolve, "2026-10-08T11:00", **RESOLVED)
    undo(s, number=cases["undone"], actor=ADMIN, at=parse_time("2026-10-08T11:05"))
    monkeypatch.setenv("REDPROP_NOW", "2026-12-31T20:00")
    _do(s, cases["undone"], Action.resolve, "2026-10-08T12:00", **RESOLVED)
    return cases


def _facts(conn, number: str) -> list[tuple[int, object, object]]:
    rows = conn.execute(
        text(
            "SELECT e.seq, e.overdue, e.resolved_before FROM case_event e "
            "JOIN dispute d ON d.id = e.case_id "
            "WHERE d.number = :n AND e.action = 'resolve' ORDER BY e.seq"
        ),
        {"n": number},
    )
    return [
        (seq, None if o is None else bool(o), None if r is None else bool(r)) for seq, o, r in rows
    ]


def test_each_resolve_keeps_its_facts(engine, monkeypatch) -> None:
    with session_scope(engine) as s:
        cases = _histories(s, monkeypatch)
    with engine.connect() as conn:
        assert _facts(conn, cases["on_time"]) == [(3, False, False)]
        assert _facts(conn, cases["late"]) == [(4, True, False)]
        assert _facts(conn, cases["again"]) == [(3, False, False), (5, False, True)]
        assert _facts(conn, cases["undone"]) == [(3, False, False), (5, False, False)]
    assert check_ledger(engine).ok


def test_the_quarter_reads_the_facts(engine, monkeypatch) -> None:
    """Four complaints first resolved in Q4 (the reopened one once), one of them late."""
    with session_scope(engine) as s:
        _histories(s, monkeypatch)
        q4 = Quarter(2026, 4)
        tallies = company_cases(s, q4.start, q4.end)
    assert [(t.substantiated, t.overdue) for t in tallies.values()] == [(4, 1)]


def test_db_check_finds_an_edited_fact(engine, monkeypatch) -> None:
    with session_scope(engine) as s:
        cases = _histories(s, monkeypatch)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE case_event SET overdue = :t WHERE action = 'resolve' AND case_id = "
                "(SELECT id FROM dispute WHERE number = :n)"
            ),
            {"t": False, "n": cases["late"]},
        )
    problems = check_ledger(engine).problems
    zh = (
        f"案件 {cases['late']} 的办理记录被绕过 redprop 改动：第 4 条事件（办结）记录的是否超期或"
        "曾办结与办理记录不符；请从备份核对恢复"
    )
    assert [p for p in problems if p[0] == zh] == [
        (
            zh,
            f"Case {cases['late']}: its events were changed outside redprop: event 4 (resolve) "
            "says wrongly whether the case ran late or was resolved before; compare with a backup",
        )
    ]


@sqlite_only
def test_migration_0016_fills_the_facts_of_old_resolves(engine, monkeypatch) -> None:
    """A ledger taken back to 0015 (no facts) and upgraded again: every resolve of a case
    without an undo gets the facts appending gave it; the case with an undo gets none, and the
    quarter's tally is the same."""
    from alembic import command

    q4 = Quarter(2026, 4)
    with session_scope(engine) as s:
        cases = _histories(s, monkeypatch)
        before = {k: vars(v) for k, v in company_cases(s, q4.start, q4.end).items()}
    with engine.connect() as conn:
        appended = {name: _facts(conn, number) for name, number in cases.items()}
        conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        command.downgrade(_alembic_config(conn), "0015")
        conn.commit()
        assert "overdue" not in {
            c[1] for c in conn.exec_driver_sql("PRAGMA table_info(case_event)")
        }
        command.upgrade(_alembic_config(conn), "head")
        conn.commit()
        conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
        filled = {name: _facts(conn, number) for name, number in cases.items()}
    assert filled == appended | {"undone": [(3, None, None), (5, None, None)]}
    with session_scope(engine) as s:
        after = {k: vars(v) for k, v in company_cases(s, q4.start, q4.end).items()}
    assert after == before
    assert check_ledger(engine).ok
