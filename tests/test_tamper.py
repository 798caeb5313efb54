"""Issue 13: tamper evidence that holds. Each change made behind redprop's back (SQL on the
ledger) makes `db check` fail, naming the case or row; a chain rewritten and re-hashed end to
end passes every internal check, and is caught by the fingerprint printed on paper."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from conftest import ledger_url
from redprop.cases.log import event_hash
from redprop.core.chain import link_hash
from redprop.core.db import open_ledger, session_scope

NOW = "2026-11-20T18:00"


@pytest.fixture
def ledger(cli, monkeypatch, tmp_path) -> list[str]:
    monkeypatch.setenv("REDPROP_NOW", NOW)
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")
    cli("org", "grid", "add", "G004", "--name", "铁人路第4网格", "-c", "铁人路社区")
    cli("org", "building", "add", "5", "--grid", "G003")
    cli("staff", "add", "李娟", "--role", "grid-worker", "--unit", "G003")
    numbers = []
    for day, summary in (("03", "楼上漏水"), ("04", "停车纠纷"), ("05", "噪音扰民")):
        numbers.append(
            cli(
                "--as", "李娟", "case", "new", "--grid", "G003", "--category", "邻里纠纷",
                "--severity", "small", "--summary", summary, "--party", "张三", "--party",
                "李四", "--building", "5", "--at", f"2026-11-{day}T09:30",
            ).stdout.strip()
        )  # fmt: skip
        cli("--as", "李娟", "case", "accept", numbers[-1], "--at", f"2026-11-{day}T10:00")
    cli(
        "--as", "李娟", "case", "note", numbers[0], "--text", "上门查看", "--at", "2026-11-06T10:00"
    )
    cli("--as", "王敏", "roster", "export", str(tmp_path / "x.xlsx"), "--unmask")
    assert cli("db", "check").stdout == "检查通过：账本完整\n"
    return numbers


def _sql(*statements: str, **params: Any) -> None:
    engine = open_ledger(ledger_url())
    with session_scope(engine) as s:
        for statement in statements:
            s.execute(text(statement), params)
    engine.dispose()


def _case_id(number: str) -> str:
    return f"(SELECT id FROM dispute WHERE number = '{number}')"


def _failed(cli) -> str:
    return cli("db", "check", code=1).stderr


def test_a_case_deleted_whole_shows(cli, ledger) -> None:
    n = ledger[1]
    _sql(
        f"DELETE FROM case_event WHERE case_id = {_case_id(n)}",
        f"DELETE FROM case_party WHERE case_id = {_case_id(n)}",  # its parties (issue 19) too
        f"DELETE FROM case_relation WHERE {_case_id(n)} IN (case_id, related_id)",
        f"DELETE FROM dispute WHERE number = '{n}'",
    )
    said = _failed(cli)
    assert "在账本链中，却已被删除" in said and "案件事件 #" in said
    assert f"案件编号 {n} 缺失（案件被删除）" in said


def test_a_last_event_dropped_with_the_counters_set_back_shows(cli, ledger) -> None:
    n = ledger[0]
    cid = _case_id(n)
    _sql(
        f"DELETE FROM case_event WHERE case_id = {cid} AND seq = 3",
        f"UPDATE dispute SET event_count = 2, last_hash = (SELECT hash FROM case_event "
        f"WHERE case_id = {cid} AND seq = 2) WHERE number = '{n}'",
    )
    said = _failed(cli)
    assert "在账本链中，却已被删除" in said
    assert f"案件 {n}" in said  # the cached last time no longer matches either


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("summary", "'改过的情况'"),
        ("parties", "'[\"王五\"]'"),
        ("grid_id", "(SELECT id FROM grid WHERE code = 'G004')"),
        ("category_id", "(SELECT id FROM category WHERE name = '物业纠纷')"),
        ("severity", "'major'"),
        ("room", "'999'"),
    ],
)
def test_what_was_registered_can_not_be_edited(cli, ledger, column, value) -> None:
    n = ledger[2]
    _sql(f"UPDATE dispute SET {column} = {value} WHERE number = '{n}'")
    said = _failed(cli)
    assert f"案件 {n} 的办理记录被绕过 redprop 改动" in said
    if column != "severity":  # a severity change also breaks the replay first
        assert "登记内容（地址、类型、等级、当事人或简要情况）与登记记录不符" in said


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("UPDATE dispute SET due_on = '2099-12-31' WHERE number = '{n}'", "期限或预警日期"),
        ("UPDATE dispute SET registered_at = '2026-10-01 09:00:00' WHERE number = '{n}'", "登记或最后办理时间"),
        ("UPDATE dispute SET limit_days = 99 WHERE number = '{n}'", "期限、挂起或督办"),
        (
            "UPDATE case_event SET staff_id = (SELECT id FROM staff WHERE name = '王敏') "
            "WHERE case_id = (SELECT id FROM dispute WHERE number = '{n}') AND seq = 2",
            "第 2 条事件的办理人被改动",
        ),
    ],
)  # fmt: skip
def test_cached_columns_are_verified_against_the_events(cli, ledger, statement, message) -> None:
    n = ledger[0]
    _sql(statement.format(n=n))
    said = _failed(cli)
    assert f"案件 {n}" in said and message in said


def test_a_deleted_unmask_request_shows(cli, ledger) -> None:
    _sql("DELETE FROM unmask_log")
    assert "unmask_log 中被删除" in _failed(cli)


def test_an_altered_admin_entry_shows(cli, ledger) -> None:
    _sql("UPDATE admin_event SET actor = '别人' WHERE command = 'staff add'")
    assert "管理日志第" in _failed(cli)


def _rewrite_reason(number: str, reason: str) -> None:
    """What a careful forger does: change one event, re-hash the case's chain after it, and
    re-hash the ledger chain's links from there to the end."""
    engine = open_ledger(ledger_url())
    with session_scope(engine) as s:
        cid = s.execute(text("SELECT id FROM dispute WHERE number = :n"), {"n": number}).scalar()
        events = s.execute(
            text("SELECT * FROM case_event WHERE case_id = :c ORDER BY seq"), {"c": cid}
        ).mappings()
        prev, new_hashes = "0" * 64, {}
        for ev in [dict(e) for e in events]:
            if ev["seq"] == 3:
                ev["reason"] = reason
            ev["prev_hash"] = prev
            for key in ("at", "recorded_at"):
                ev[key] = _dt(ev[key])
            for key in ("due_on", "yellow_on"):
                ev[key] = _d(ev[key])
            ev["hash"] = event_hash(number, _Obj(ev))
            s.execute(
                text("UPDATE case_event SET reason = :r, prev_hash = :p, hash = :h WHERE id = :i"),
                {"r": ev["reason"], "p": prev, "h": ev["hash"], "i": ev["id"]},
            )
            new_hashes[ev["id"]], prev = ev["hash"], ev["hash"]
        s.execute(text("UPDATE dispute SET last_hash = :h WHERE id = :c"), {"h": prev, "c": cid})
        prev = "0" * 64
        links = s.execute(text("SELECT * FROM chain_link ORDER BY seq")).mappings()
        for row in [dict(r) for r in links]:
            event = row["event_hash"]
            if row["source"] == "case" and row["event_id"] in new_hashes:
                event = new_hashes[row["event_id"]]
            hash_ = link_hash(row["seq"], row["source"], row["event_id"], event, prev)
            s.execute(
                text(
                    "UPDATE chain_link SET event_hash = :e, prev_hash = :p, hash = :h WHERE seq = :s"
                ),
                {"e": event, "p": prev, "h": hash_, "s": row["seq"]},
            )
            prev = hash_
    engine.dispose()


class _Obj:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _dt(value: Any) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(str(value)) if value is not None else None


def _d(value: Any) -> Any:
    from datetime import date

    return date.fromisoformat(str(value)[:10]) if value is not None else None


def test_a_rewritten_chain_is_caught_by_the_signed_fingerprint(cli, ledger) -> None:
    fingerprint = json.loads(cli("db", "fingerprint", "--json").stdout)["fingerprint"]
    assert cli("db", "check", "--fingerprint", fingerprint).exit_code == 0
    _rewrite_reason(ledger[0], "根本没有上门")
    assert cli("db", "check").exit_code == 0  # every internal check holds: the forger's work
    said = cli("db", "check", "--fingerprint", fingerprint, code=1).stderr
    assert f"指纹 {fingerprint} 与账本不符：签字时的记录之后被改动过" in said
    said = cli("db", "check", "--fingerprint", "nonsense", code=1).stderr
    assert "“nonsense”不是账本指纹" in said


def test_the_month_workbook_prints_the_fingerprint_it_can_be_checked_by(
    cli, ledger, tmp_path, monkeypatch
) -> None:
    import re

    import openpyxl

    def printed() -> str:
        out = tmp_path / "台账.xlsx"
        cli("ledger", "export", "--month", "2026-11", "-o", str(out))
        ws = openpyxl.load_workbook(out, read_only=True)["汇总"]
        text = "".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
        found = re.search(r"账本指纹（截至月末）：(\d+-[0-9a-f]{16})", text)
        assert found, text
        return found.group(1)

    signed = printed()
    cli("db", "check", "--fingerprint", signed)
    # December's work changes nothing of November's paper.
    monkeypatch.setenv("REDPROP_NOW", "2026-12-02T10:00")
    cli("--as", "李娟", "case", "note", ledger[1], "--text", "回访", "--at", "2026-12-01T10:00")
    assert printed() == signed
    cli("db", "check", "--fingerprint", signed)
