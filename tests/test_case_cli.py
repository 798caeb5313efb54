"""Case, calendar and ladder commands through CliRunner, plus concurrent registration by real
processes. REDPROP_NOW fixes the clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ledger_url
from redprop.cli import _shared

NOW = "2026-11-20T18:00"


def raw_sql(*statements: str) -> list[tuple[object, ...]]:
    """Statements run behind redprop's back, on whichever back-end the ledger is on."""
    from sqlalchemy import create_engine, text

    engine = create_engine(ledger_url())
    rows: list[tuple[object, ...]] = []
    with engine.begin() as conn:
        for sql in statements:
            result = conn.execute(text(sql))
            if result.returns_rows:
                rows = [tuple(r) for r in result]
    engine.dispose()
    return rows


@pytest.fixture
def street(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", NOW)
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G003", "--name", "铁人路第3网格", "-c", "铁人路社区")
    cli("org", "grid", "add", "G004", "--name", "铁人路第4网格", "-c", "铁人路社区")
    cli("org", "company", "add", "嘉华物业")
    cli("org", "compound", "add", "天昊小区", "-c", "铁人路社区", "--company", "嘉华物业")
    cli("org", "building", "add", "5", "-g", "G003", "--compound", "天昊小区", "--units", "3")
    cli("staff", "add", "李娟", "--role", "grid-worker", "--unit", "G003")
    cli("staff", "add", "周涛", "--role", "community", "--unit", "铁人路社区")
    cli("staff", "add", "张建国", "--role", "street", "--unit", "新市区街道")
    cli("staff", "add", "陈平", "--role", "grid-worker", "--unit", "G004")


def new_case(cli, *extra: str, at: str = "2026-11-03T09:30") -> str:
    out = cli(
        "--as",
        "李娟",
        "case",
        "new",
        "--grid",
        "G003",
        "--category",
        "邻里纠纷",
        "--severity",
        "small",
        "--summary",
        "楼上漏水",
        "--party",
        "张三",
        "--party",
        "李四",
        "--building",
        "5号楼",
        "--unit",
        "2",
        "--room",
        "301",
        "--at",
        at,
        "--json",
        *extra,
    ).stdout
    return json.loads(out)["number"]


def test_a_case_through_the_ladder(cli, street) -> None:
    number = new_case(cli)
    assert number == "2026-00001"
    assert cli("--as", "李娟", "case", "accept", number, "--at", "2026-11-03T10:00").stdout == (
        "2026-00001：办理中（网格），期限 2026-11-10\n"
    )
    cli(
        "--as",
        "李娟",
        "case",
        "escalate",
        number,
        "--reason",
        "涉及多户",
        "--at",
        "2026-11-05T09:00",
    )
    cli("--as", "周涛", "case", "accept", number, "--at", "2026-11-05T10:00")
    cli(
        "--as",
        "张建国",
        "case",
        "extend",
        number,
        "--days",
        "3",
        "--reason",
        "需要鉴定",
        "--at",
        "2026-11-06T10:00",
    )
    cli(
        "--as",
        "周涛",
        "case",
        "resolve",
        number,
        "--outcome",
        "修复防水",
        "--agreement",
        "written",
        "--at",
        "2026-11-10T10:00",
    )
    cli(
        "--as",
        "周涛",
        "case",
        "visit",
        number,
        "--satisfaction",
        "satisfied",
        "--fulfilled",
        "yes",
        "--at",
        "2026-11-17T10:00",
    )
    detail = json.loads(cli("case", "show", number, "--json").stdout)
    assert {
        k: detail[k]
        for k in ("number", "state", "level", "severity", "category", "grid", "due_at", "warning")
    } == {
        "number": "2026-00001",
        "state": "closed",
        "level": "community",
        "severity": "small",
        "category": "邻里纠纷",
        "grid": "G003",
        "due_at": None,
        "warning": "none",
    }
    assert detail["address"] == "5号楼2单元301室"
    assert [
        (e["action"], e["state"], e["level"], e["at"], e["actor"], e["reason"])
        for e in detail["events"]
    ] == [
        ("register", "registered", "grid", "2026-11-03T09:30", "李娟", None),
        ("accept", "in_progress", "grid", "2026-11-03T10:00", "李娟", None),
        ("escalate", "registered", "community", "2026-11-05T09:00", "李娟", "涉及多户"),
        ("accept", "in_progress", "community", "2026-11-05T10:00", "周涛", None),
        ("extend", "in_progress", "community", "2026-11-06T10:00", "张建国", "需要鉴定"),
        ("resolve", "resolved", "community", "2026-11-10T10:00", "周涛", "修复防水"),
        ("visit", "closed", "community", "2026-11-17T10:00", "周涛", None),
    ]
    # Community clock: 10 working days from Thu 5 Nov is Thu 19 Nov; +3 days extension: Tue 24 Nov.
    assert detail["events"][4]["due_at"] == "2026-11-24"
    assert all(e["recorded_at"] == "2026-11-20T18:00:00" for e in detail["events"])
    assert cli("db", "check").stdout == "检查通过：账本完整\n"


def test_refusals_name_the_case_state_and_action_and_write_nothing(
    cli, street, db_path: Path
) -> None:
    number = new_case(cli)

    def events() -> int:
        return raw_sql("SELECT count(*) FROM case_event")[0][0]

    before = events()
    r = cli(
        "--as", "李娟", "case", "resolve", number, "--outcome", "x", "--agreement", "oral", code=1
    )
    assert r.stderr == (
        "错误：不能对待受理的案件 2026-00001 执行化解；此状态下可以：受理、交办、上报、延期、调解记录、移交、撤销\n"
    )
    r = cli("--lang", "en", "--as", "李娟", "case", "escalate", number, code=1)
    assert r.stderr == "Error: Can't escalate case 2026-00001 (registered): --reason is required\n"
    r = cli("--as", "陈平", "case", "accept", number, code=1)
    assert (
        r.stderr
        == "错误：不能对待受理的案件 2026-00001 执行受理：陈平（网格员）无权操作：案件不在其辖区内\n"
    )
    r = cli("--as", "李娟", "case", "extend", number, "--days", "2", "--reason", "x", code=1)
    assert "延期须由案件所在层级的上级批准" in r.stderr
    r = cli("--as", "李娟", "case", "accept", number, "--at", "2026-11-21T09:00", code=1)
    assert (
        r.stderr
        == "错误：不能对待受理的案件 2026-00001 执行受理：时间 2026-11-21 09:00 晚于现在，不能登记未来的事\n"
    )
    r = cli("--as", "李娟", "case", "accept", number, "--at", "2026-11-02T09:00", code=1)
    assert "早于该案上一次办理（2026-11-03 09:30）" in r.stderr
    r = cli("--as", "", "case", "accept", number, code=1)
    assert "没有操作人：请用 --as 姓名 或环境变量 REDPROP_USER" in r.stderr
    cli("--as", "王敏", "case", "escalate", number, "--reason", "a", "--at", "2026-11-04T09:00")
    cli("--as", "王敏", "case", "escalate", number, "--reason", "b", "--at", "2026-11-04T10:00")
    r = cli("--as", "王敏", "case", "escalate", number, "--reason", "c", code=1)
    assert r.stderr.startswith("错误：案件 2026-00001 已在最高层级（街道），不能再上报")
    assert events() == before + 2
    assert cli("case", "show", "2026-99999", code=1).stderr == (
        "错误：没有编号为 2026-99999 的案件：用 redprop case list 查看案件编号\n"
    )


def test_new_without_a_terminal_names_what_is_missing(cli, street) -> None:
    r = cli("--as", "李娟", "case", "new", "--grid", "G003", code=2)
    assert r.stderr == "错误：缺少 --category --severity --summary --party：请在命令中给出\n"


def test_new_in_a_terminal_prompts_for_what_is_missing(cli, street, monkeypatch) -> None:
    monkeypatch.setattr(_shared, "is_interactive", lambda: True)
    r = cli(
        "--as",
        "李娟",
        "case",
        "new",
        "--grid",
        "G003",
        input="邻里纠纷\nsmall\n噪音扰民\n吴十、郑十一\n",
    )
    assert r.stdout.strip().endswith("2026-00001")
    detail = json.loads(cli("case", "show", "2026-00001", "--json").stdout)
    assert (detail["summary"], detail["parties"]) == ("噪音扰民", ["吴十", "郑十一"])


def test_list_filters_warnings_and_sweep(cli, street) -> None:
    old = new_case(cli, at="2026-11-02T09:00")  # due Mon 9 Nov: red by the 20th
    recent = new_case(cli, at="2026-11-16T09:00")  # due 23 Nov, yellow from Fri 20 Nov
    rows = json.loads(cli("case", "list", "--json").stdout)
    assert [(r["number"], r["warning"], r["due_at"]) for r in rows] == [
        (recent, "yellow", "2026-11-23"),
        (old, "red", "2026-11-09"),
    ]
    assert [r["number"] for r in json.loads(cli("case", "list", "--overdue", "--json").stdout)] == [
        old
    ]
    assert [r["number"] for r in json.loads(cli("case", "list", "--yellow", "--json").stdout)] == [
        recent
    ]
    assert json.loads(cli("case", "list", "--grid", "G004", "--json").stdout) == []
    swept = json.loads(cli("case", "sweep", "--json").stdout)
    assert swept == [
        {
            "number": old,
            "action": "escalate",
            "from_level": "grid",
            "level": "community",
            "due_at": "2026-11-09",
        }
    ]
    assert cli("case", "sweep").stdout == "处理了 0 件超期案件\n"
    event = json.loads(cli("case", "show", old, "--json").stdout)["events"][-1]
    assert (event["actor"], event["reason"], event["level"]) == (
        "系统",
        "超期自动上报",
        "community",
    )


def test_calendar_and_ladder_settings(cli, street, tmp_path: Path) -> None:
    cli("calendar", "add", "2026-10-01", "--to", "2026-10-07", "--holiday", "--name", "国庆节")
    cli("calendar", "add", "2026-10-10", "--workday", "--name", "国庆调休")
    days = json.loads(cli("calendar", "list", "--year", "2026", "--json").stdout)
    assert len(days) == 8 and days[-1] == {
        "day": "2026-10-10",
        "kind": "workday",
        "name": "国庆调休",
    }
    sheet = tmp_path / "holidays.csv"
    sheet.write_text(
        "日期,类型,名称\n2026-01-01,休,元旦\n2026/1/4,班,元旦调休\n2026年1月5日,放风,错\n",
        encoding="utf-8",
    )
    bad = cli("calendar", "import", str(sheet), code=1)
    assert "第 4 行，“类型”列：请写 休（放假）或 班（调休上班）" in bad.stderr
    sheet.write_text("日期,类型,名称\n2026-01-01,休,元旦\n2026/1/4,班,元旦调休\n", encoding="utf-8")
    assert cli("calendar", "import", str(sheet)).stdout == "已导入 2 天\n"
    cli("ladder", "set", "--grid", "3", "--city-level", "--policy", "supervise")
    assert json.loads(cli("ladder", "show", "--json").stdout) == {
        "levels": ["grid", "community", "street", "city"],
        "limits": {"grid": 3, "community": 10, "street": 15, "city": 20},
        "city_enabled": True,
        "policy": "supervise",
        "yellow_share": 0.7,
        "undo_minutes": 30,
    }
    assert cli("ladder", "set", "--grid", "0", code=2).stderr.startswith(
        "错误：网格层级的时限必须是"
    )


def test_db_check_finds_an_edited_a_deleted_and_an_inserted_event(
    cli, street, db_path: Path
) -> None:
    first, second, third = new_case(cli), new_case(cli), new_case(cli)
    cli("--as", "李娟", "case", "accept", second, "--at", "2026-11-04T09:00")
    cli("--as", "李娟", "case", "accept", third, "--at", "2026-11-04T09:00")
    raw_sql(
        "UPDATE case_event SET actor = '某人' WHERE seq = 1 AND case_id = 1",
        "DELETE FROM case_event WHERE seq = 2 AND case_id = 2",
        "INSERT INTO case_event (case_id, seq, action, state, level, at, recorded_at, actor, data, prev_hash, hash)"
        " SELECT case_id, 3, 'note', state, level, at, recorded_at, actor, data, hash, hash"
        " FROM case_event WHERE case_id = 3 AND seq = 2",
    )
    r = cli("db", "check", code=1)
    assert r.stderr.splitlines() == [
        f"案件 {first} 的办理记录被绕过 redprop 改动：第 1 条事件（register）被改动；请从备份核对恢复",
        f"案件 {second} 的办理记录被绕过 redprop 改动：事件被删除或插入（与案件记录的事件数或末条哈希不符）；请从备份核对恢复",
        f"案件 {third} 的办理记录被绕过 redprop 改动：第 3 条事件（note）被改动；请从备份核对恢复",
        # the ledger-wide chain sees the insertion and the deletion too
        "账本链（case #6）：案件事件 #6 不在账本链中（是后来插入的）；请从备份核对恢复",
        "账本链（case #4）：案件事件 #4 在账本链中，却已被删除；请从备份核对恢复",
    ]


def test_case_numbers_are_unique_when_processes_register_at_once(
    cli, street, db_path: Path
) -> None:
    script = (
        "import sys\n"
        "from redprop.cli import app\n"
        "for _ in range(15):\n"
        "    app(['--as', '李娟', 'case', 'new', '--grid', 'G003', '--category', '邻里纠纷', '--severity', 'small',"
        " '--summary', 's', '--party', 'p'], standalone_mode=False)\n"
    )
    env = {**os.environ, "REDPROP_NOW": NOW}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [o[1][-500:] for o in outputs]
    numbers = [line for out, _ in outputs for line in out.split()]
    assert sorted(numbers) == [f"2026-{n:05d}" for n in range(1, 61)]
