"""Issue 13: who may do what, as a matrix. Every command that writes or unmasks is tried by
every role, on a target inside their unit and outside it (another community of their street;
a community of another street). What the test expects is written here by hand, from the
issue's words, not read from units.authority: a refusal exits 1, says who may, and writes
nothing; an allowed command exits 0."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from conftest import ledger_url, sqlite_only
from redprop.core.db import open_ledger, session_scope
from redprop.core.models import SQLModel
from roster_files import write_csv
from roster_helpers import CANON

# (street, community, grid, building) of each target; the actors all sit in T_HOME.
T_HOME = ("新市区街道", "铁人路社区", "G001", "5")
T_NEIGHBOUR = ("新市区街道", "龙源社区", "G014", "1")
T_AWAY = ("城港路街道", "港湾社区", "G101", "8")
TARGETS = {"home": T_HOME, "neighbour": T_NEIGHBOUR, "away": T_AWAY}

ACTORS = {
    "admin": "王敏",
    "street": "赵建国",
    "community": "吕艳",
    "grid-leader": "周海",
    "grid-worker": "冯福志",
    "building-head": "何秀兰",
    "mediator": "孙立",
}
UNITS = {
    "admin": "新市区街道",
    "street": "新市区街道",
    "community": "铁人路社区",
    "grid-leader": "G001",
    "grid-worker": "G001",
    "building-head": "G001",
    "mediator": "铁人路社区",
}

# Which targets each scope reaches, for actors sitting in T_HOME.
REACHES = {
    "ledger": {"home", "neighbour", "away"},
    "street": {"home", "neighbour"},
    "community": {"home"},
    "grid": {"home"},
}
UNIT_STAFF = {"admin": "ledger", "street": "street", "community": "community"}
EVERYDAY = UNIT_STAFF | {"grid-leader": "grid", "grid-worker": "grid"}

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


# Building heads to remove, one per attempt on each target's grid.
_REMOVABLE = {t[2]: itertools.count(1) for t in TARGETS.values()}


# command -> (who may, over what, as role -> scope; the arguments for a target)
Build = Callable[[tuple[str, str, str, str], Any], list[str]]
MATRIX: dict[str, tuple[dict[str, str], Build]] = {
    "org community add": (
        {"admin": "ledger", "street": "street"},
        lambda t, _: ["org", "community", "add", f"新社区{_n()}", "--street", t[0]],
    ),
    "org grid add": (
        UNIT_STAFF,
        lambda t, _: ["org", "grid", "add", f"GX{_n()}", "--name", "x", "-c", t[1]],
    ),
    "org grid rename": (
        UNIT_STAFF,
        lambda t, _: ["org", "grid", "rename", t[2], f"网格{_n()}"],
    ),
    "org compound add": (
        UNIT_STAFF,
        lambda t, _: ["org", "compound", "add", f"小区{_n()}", "-c", t[1]],
    ),
    "org building add": (
        UNIT_STAFF,
        lambda t, _: ["org", "building", "add", f"{_n() + 100}", "--grid", t[2]],
    ),
    "staff add": (
        UNIT_STAFF,
        lambda t, _: ["staff", "add", f"新人{_n()}", "--role", "building-head", "--unit", t[2]],
    ),
    "staff remove": (
        UNIT_STAFF,
        lambda t, _: ["staff", "remove", f"楼长{t[2]}-{next(_REMOVABLE[t[2]])}"],
    ),
    "roster import": (
        EVERYDAY,
        lambda t, tmp: ["roster", "import", str(_roster(tmp, t))],
    ),
    "roster show --unmask": (
        EVERYDAY,
        lambda t, _: ["roster", "show", f"{t[1]}/{t[3]}-1-101", "--unmask"],
    ),
    "service demand add": (
        EVERYDAY | {"building-head": "grid"},
        lambda t, _: [
            "service",
            "demand",
            "add",
            "-g",
            t[2],
            "--category",
            "助老",
            "--summary",
            "x",
        ],
    ),
    "service item add": (
        UNIT_STAFF,
        lambda t, _: ["service", "item", "add", "--name", f"食堂{_n()}", "-c", t[1]],
    ),
}
# Ledger-wide commands: the admin's, and street staff's where the issue says so.
LEDGER_WIDE: dict[str, tuple[set[str], list[str]]] = {
    "org street add": ({"admin"}, ["org", "street", "add", "第三街道"]),
    "ladder set": ({"admin"}, ["ladder", "set", "--grid", "5"]),
    "calendar add": ({"admin", "street"}, ["calendar", "add", "2026-12-31", "--holiday"]),
    "case category add": ({"admin", "street"}, ["case", "category", "add", "高空抛物"]),
}


def _roster(tmp: Any, t: tuple[str, str, str, str]) -> Any:
    row = [t[1], t[2], None, t[3], 1, 201 + _n(), "新住户", None, None, 1, None, None, None, None]
    return write_csv(tmp / f"r{_n()}.csv", [CANON, row])


@pytest.fixture
def matrix_ledger(cli, monkeypatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-11-20T10:00")
    for grid in _REMOVABLE:
        _REMOVABLE[grid] = itertools.count(1)
    cli("init", "--street", "新市区街道", "--admin", "王敏")
    cli("org", "street", "add", "城港路街道")
    for street, community, grid, building in TARGETS.values():
        cli("org", "community", "add", community, "--street", street)
        cli("org", "grid", "add", grid, "--name", f"{grid}网格", "-c", community)
        cli("org", "building", "add", building, "--grid", grid, "--units", "2")
        for i in range(1, len(ACTORS) + 1):
            cli("staff", "add", f"楼长{grid}-{i}", "--role", "building-head", "--unit", grid)
        row = [community, grid, None, building, 1, 101, "张三", None, None, 3]
        path = write_csv(_tmp(cli) / f"{grid}.csv", [CANON[:10], row])
        cli("roster", "import", str(path), code=None)
    for role, name in ACTORS.items():
        if role != "admin":
            cli("staff", "add", name, "--role", role, "--unit", UNITS[role])


def _tmp(cli: Any) -> Any:
    return Path(os.environ["XDG_CONFIG_HOME"]).parent


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    engine = open_ledger(ledger_url())
    try:
        with session_scope(engine, write=False) as s:
            return {
                name: sorted(map(tuple, s.execute(text(f"SELECT * FROM {name}")).all()), key=repr)
                for name in SQLModel.metadata.tables
            }
    finally:
        engine.dispose()


def _expect_refusal(result: Any, before: dict[str, Any]) -> None:
    assert result.exit_code == 1, (result.stdout, result.stderr)
    said = result.stderr + result.stdout  # an import names the rows outside in its report
    assert ("无权执行" in said and "可以执行的角色：" in said) or "辖区" in said, said
    assert snapshot() == before


@pytest.mark.parametrize("command", sorted(MATRIX))
def test_every_role_inside_and_outside_its_unit(cli, matrix_ledger, tmp_path, command) -> None:
    may, build = MATRIX[command]
    for role, name in ACTORS.items():
        for target_name, target in TARGETS.items():
            args = ["--as", name, *build(target, tmp_path)]
            allowed = role in may and target_name in REACHES[may[role]]
            before = None if allowed else snapshot()
            result = cli(*args, code=None)
            where = (command, role, target_name)
            if allowed:
                assert result.exit_code == 0, (where, result.stdout, result.stderr)
            else:
                _expect_refusal(result, before)


@pytest.mark.parametrize("command", sorted(LEDGER_WIDE))
def test_ledger_wide_commands(cli, matrix_ledger, command) -> None:
    roles, args = LEDGER_WIDE[command]
    for role, name in sorted(ACTORS.items(), key=lambda kv: kv[0] in roles):
        before = snapshot()
        result = cli("--as", name, *args, code=None)
        if role in roles:
            assert result.exit_code == 0, (role, result.stderr)
            return  # done once: a second time would be a duplicate
        _expect_refusal(result, before)


def test_no_actor_and_unknown_actor_write_nothing(cli, matrix_ledger, monkeypatch) -> None:
    monkeypatch.delenv("REDPROP_USER")
    before = snapshot()
    said = cli("org", "community", "add", "无名社区", code=1).stderr
    assert said == "错误：没有操作人：请用 --as 姓名 或环境变量 REDPROP_USER 指明是谁在办理\n"
    said = cli("--as", "冒充者", "org", "community", "add", "无名社区", code=1).stderr
    assert said == "错误：“冒充者”不是在职的登记工作人员；请先 redprop staff add 登记\n"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("actor", "role", "unit", "allowed"),
    [
        ("冯福志", "admin", "新市区街道", False),  # a grid worker makes an admin
        ("冯福志", "grid-worker", "G001", False),  # nor even a peer
        ("吕艳", "community", "铁人路社区", False),  # a peer
        ("吕艳", "grid-worker", "G001", True),
        ("赵建国", "admin", "新市区街道", False),
        ("赵建国", "community", "龙源社区", True),
        ("王敏", "admin", "新市区街道", True),
    ],
)
def test_staff_only_manage_roles_below_their_own(
    cli, matrix_ledger, actor, role, unit, allowed
) -> None:
    before = snapshot()
    result = cli("--as", actor, "staff", "add", "新同事", "--role", role, "--unit", unit, code=None)
    if allowed:
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == 1
    assert "只能管理比自己层级低的角色" in result.stderr or "无权执行" in result.stderr
    assert snapshot() == before


def test_a_peer_can_not_be_retired(cli, matrix_ledger) -> None:
    cli("--as", "赵建国", "staff", "add", "吕二", "--role", "community", "--unit", "龙源社区")
    said = cli("--as", "吕艳", "staff", "remove", "吕二", code=1).stderr
    assert "无权执行" in said or "辖区" in said or "只能管理比自己层级低的角色" in said
    said = cli("--as", "吕艳", "staff", "remove", "冯福志", code=None)
    assert said.exit_code == 0, said.stderr


def test_backup_is_the_admins(cli, matrix_ledger, tmp_path) -> None:
    said = cli("--as", "赵建国", "db", "backup", str(tmp_path / "b.db"), code=1).stderr
    assert "无权执行 db backup；可以执行的角色：管理员" in said
    assert not (tmp_path / "b.db").exists()


@sqlite_only
def test_a_refused_backup_writes_nothing_a_done_one_is_logged(cli, matrix_ledger, tmp_path) -> None:
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"")
    before = snapshot()
    cli("--as", "王敏", "db", "backup", str(taken), code=1)
    assert snapshot() == before
    cli("--as", "王敏", "db", "backup", str(tmp_path / "b.db"))
    log = json.loads(cli("log", "--json").stdout)
    assert [(e["actor"], e["command"]) for e in log][-1] == ("王敏", "db backup")


def test_init_adds_nothing_once_there_is_an_admin(cli, matrix_ledger) -> None:
    before = snapshot()
    said = cli("--as", "冯福志", "init", "--street", "另一个街道", code=1).stderr
    assert said.startswith("错误：账本已有管理员，init 不再添加街道“另一个街道”")
    said = cli("init", "--admin", "冒充者", code=1).stderr
    assert said.startswith("错误：账本已有管理员，init 不再添加管理员“冒充者”")
    assert snapshot() == before
    cli("init", "--street", "新市区街道", "--admin", "王敏")  # the same again: nothing new


def test_a_case_address_is_checked_against_its_grid(cli, matrix_ledger) -> None:
    new = ["--as", "王敏", "case", "new", "--category", "邻里纠纷", "--severity", "small"]
    new += ["--summary", "漏水", "--party", "张三"]
    said = cli(*new, "--grid", "G014", "--building", "1", code=None)
    assert said.exit_code == 0, said.stderr
    cli("org", "building", "add", "9", "--grid", "G001")
    said = cli(*new, "--grid", "G001", "--building", "5", "--room", "101", code=0)
    said = cli(*new, "--grid", "G001", "--room", "101", code=2).stderr
    assert said == "错误：写了单元或房号却没有楼栋；请加 --building\n"
    cli("org", "grid", "add", "G002", "--name", "学校网格", "-c", "铁人路社区")
    said = cli(*new, "--grid", "G002", "--building", "5", code=2).stderr
    assert said == "错误：楼栋 5 属于网格 G001，不在 G002；请核对 --grid 或 --building\n"
