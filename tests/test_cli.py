"""The CLI through Typer's CliRunner: exit codes, stdout, stderr, --json and --lang."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from conftest import ledger_url, sqlite_only
from redprop import __version__
from redprop.core.db import SCHEMA_HEAD


def test_version_and_help(cli) -> None:
    assert cli("--version").stdout == f"redprop {__version__}\n"
    out = cli("--help").stdout
    for group in ("org", "staff", "db", "init", "demo"):
        assert group in out


def test_init_then_build_a_tree_from_the_command_line(cli) -> None:
    out = cli("init", "--street", "新市区街道", "--admin", "王敏").stdout
    assert out == f"账本已就绪：{ledger_url()}\n已登记街道：新市区街道\n已登记管理员：王敏\n"
    assert cli("init", "--street", "新市区街道", "--admin", "王敏").stdout == (
        f"账本已就绪：{ledger_url()}\n"
    )
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G001", "--name", "天昊网格", "-c", "铁人路社区")
    cli("org", "company", "add", "嘉华物业")
    cli("org", "compound", "add", "天昊小区", "-c", "铁人路社区", "--company", "嘉华物业")
    assert cli(
        "org", "building", "add", "5号楼", "-g", "G001", "--compound", "天昊小区"
    ).stdout == ("已添加楼栋“5号楼”\n")
    cli("staff", "add", "李娟", "--role", "grid-worker", "--unit", "G001", "--phone", "13912345678")
    tree = json.loads(cli("org", "tree", "--json").stdout)
    assert tree == [
        {
            "name": "新市区街道",
            "grids": 1,
            "buildings": 1,
            "households": 0,
            "communities": [
                {
                    "name": "铁人路社区",
                    "grids": [
                        {
                            "code": "G001",
                            "name": "天昊网格",
                            "kind": "base",
                            "buildings": 1,
                            "households": 0,
                        }
                    ],
                    "buildings": 1,
                    "households": 0,
                    "compounds": 1,
                }
            ],
        }
    ]
    human = cli("org", "tree").stdout
    assert "铁人路社区（1 个网格，1 栋楼，0 户）" in human
    assert "G001 天昊网格 基础网格（1 栋楼，0 户）" in human
    staff = json.loads(cli("staff", "list", "--json").stdout)
    assert staff[1] == {
        "name": "李娟",
        "role": "grid-worker",
        "unit_kind": "grid",
        "unit": "G001",
        "phone": "139****5678",
    }
    listing = cli("staff", "list").stdout
    assert "139****5678" in listing and "13912345678" not in listing
    shown = json.loads(cli("org", "grid", "show", "G001", "--json").stdout)
    assert shown["referred_by"] == {"building": 1, "staff": 1}


def test_refusals_are_one_line_on_stderr_with_exit_codes(cli) -> None:
    cli("init", "--street", "新市区街道")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G001", "--name", "天昊网格", "-c", "铁人路社区")
    dup = cli("org", "grid", "add", "G001", "--name", "x", "-c", "铁人路社区", code=1)
    assert dup.stdout == ""
    assert (
        dup.stderr == "错误：网格“G001”已经存在：换一个名称，或用 redprop org grid show G001 查看\n"
    )
    unknown = cli("org", "grid", "add", "G002", "--name", "x", "-c", "未知社区", code=1)
    assert unknown.stderr.startswith("错误：没有名为“未知社区”的社区")
    ref = cli("--lang", "en", "org", "community", "remove", "铁人路社区", code=1)
    assert ref.stderr == (
        "Error: Can't remove the community '铁人路社区': 1 grid(s) still refer to it; remove or "
        "move them first\n"
    )
    usage = cli("staff", "add", "某", "--role", "grid-worker", "--unit", "铁人路社区", code=2)
    assert "网格员必须属于一个网格" in usage.stderr
    missing = cli("org", "import", "nothing.xlsx", code=1)
    assert missing.stderr == "错误：nothing.xlsx：文件不存在，请检查路径\n"
    assert "Traceback" not in dup.output + unknown.output + ref.output + missing.output


def test_bad_usage_exits_2(cli) -> None:
    result = cli("org", "grid", "add", "G001", code=2)
    assert "--name" in result.stderr
    assert cli("--lang", "fr", "org", "tree", code=2).exit_code == 2


def test_not_a_ledger_and_newer_schema(cli, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    result = cli("--db", str(text), "org", "tree", code=1)
    assert result.stderr == (
        f"错误：{text} 不是 redprop 账本（不是 SQLite 数据库）：请检查 --db 或 REDPROP_DB\n"
    )
    newer = tmp_path / "newer.db"
    cli("--db", str(newer), "init")
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    result = cli("--db", str(newer), "org", "tree", code=1)
    assert "请升级 redprop" in result.stderr


def test_org_import_reports_rows(cli, tmp_path: Path) -> None:
    cli("init", "--street", "新市区街道")
    path = tmp_path / "grids.csv"
    path.write_text(
        "社区,网格编号,网格名称,网格类型\n铁人路社区,G001,天昊网格,基础网格\n铁人路社区,,无编号,基础网格\n",
        encoding="utf-8",
    )
    bad = cli("org", "import", str(path), code=1)
    assert bad.stderr.splitlines()[1:] == [
        "  第 3 行，“网格编号”列：网格编号为空；请填写（如 G001）"
    ]
    path.write_text(
        "社区,网格编号,网格名称,网格类型\n铁人路社区,G001,天昊网格,基础网格\n", encoding="utf-8"
    )
    report = json.loads(cli("org", "import", str(path), "--json").stdout)
    assert report["created"] == {"community": 1, "grid": 1, "compound": 0, "building": 0}
    assert cli("org", "import", str(path)).stdout.endswith("没有任何变化\n")


@sqlite_only
def test_db_commands(cli, tmp_path: Path) -> None:
    cli("init", "--street", "新市区街道")
    assert json.loads(cli("db", "current", "--json").stdout)["revision"] == SCHEMA_HEAD
    assert cli("db", "upgrade").stdout == f"账本已是最新结构（{SCHEMA_HEAD}），无需升级\n"
    assert cli("db", "check").stdout == "检查通过：账本完整\n"
    target = tmp_path / "backup.db"
    cli("db", "backup", str(target))
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT name FROM street").fetchall() == [("新市区街道",)]
    again = cli("db", "backup", str(target), code=1)
    assert "已经存在" in again.stderr


@sqlite_only
def test_no_command_but_init_makes_a_ledger(cli, tmp_path: Path) -> None:
    """A mistyped --db (or a forgotten REDPROP_DB) is refused, naming it, and creates nothing;
    init makes the ledger, and upgrade then finds it up to date."""
    new = tmp_path / "new.db"
    told = (
        f"错误：没有账本：sqlite:///{new}；先运行 redprop init --street 街道名称 --admin 姓名 "
        "创建账本，或检查 --db / REDPROP_DB 是否写错\n"
    )
    for args in (["db", "upgrade"], ["case", "list"], ["org", "tree"], ["db", "check"]):
        assert cli("--db", str(new), *args, code=1).stderr == told, args
        assert not new.exists()
    new.touch()  # an empty file is no ledger either
    assert cli("--db", str(new), "case", "list", code=1).stderr == told
    cli("--db", str(new), "init", "--street", "新市区街道")
    out = cli("--db", str(new), "db", "upgrade").stdout
    assert out == f"账本已是最新结构（{SCHEMA_HEAD}），无需升级\n"


def test_demo_builds_the_yumen_street(cli, tmp_path: Path) -> None:
    out = cli("demo", "--dir", str(tmp_path / "demo")).stdout
    assert out.startswith("新市区街道（104 个网格，472 栋楼，1353 户）\n")
    assert "读取 1357 行：新增 1353，更新 0，未变 0，合并 1，警告 2，拒绝 3，跳过 2" in out
    assert (
        "已建 8 个社区、104 个网格、472 栋楼，登记工作人员 147 名，住户 1353 户，近三个月矛盾纠纷"
        in out
    )
    assert "地下车位长期被占用" in out and "已移交" in out
    assert "矛盾纠纷排查化解情况" in out
    workbook = re.search(r"本月台账：(\S+\.xlsx)", out)
    assert workbook and Path(workbook.group(1)).exists()
    # Running it again starts from a fresh ledger with the same story.
    again = cli("demo", "--dir", str(tmp_path / "demo")).stdout
    numbers = re.compile(r"^(\d{4}-\d{5})\t", re.M)
    assert numbers.findall(again) == numbers.findall(out)
