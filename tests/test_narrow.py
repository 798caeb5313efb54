"""Narrow terminals and pipes (issue 15): key commands run in a real pseudo-terminal 80 and 60
columns wide show every case number, grid code and address whole and no line wider than the
terminal; piped output is plain tab-separated lines with no box drawing."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

pytestmark = pytest.mark.nodb  # the demo ledger is a SQLite file of its own

COMMANDS = [
    ("case", "list"),
    ("case", "show", "2026-00083"),
    ("case", "todo"),
    ("report",),
    ("report", "--month", "2026-11"),
    ("org", "grid", "list"),
    ("staff", "list"),
    ("service", "demand", "list"),
    ("roster", "list"),
]
# What an identifier looks like: case and demand numbers, grid codes, roster addresses.
IDENTIFIERS = re.compile(r"(?:XQ)?\d{4}-\d{5}|G\d{3}|\d+-\d+-\d{3,4}")
BOX = re.compile(r"[\u2500-\u257f]")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _redprop() -> list[str]:
    found = shutil.which("redprop", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "redprop"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A demo ledger built once by the real CLI, and the environment that points at it."""
    home = tmp_path_factory.mktemp("narrow")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDPROP_")}
    env |= {"XDG_CONFIG_HOME": str(home), "REDPROP_USER": "王敏", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    built = subprocess.run(
        [*_redprop(), "demo", "--dir", str(home)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    # Piped, the demo's own output is plain too: the unit tree as indented lines.
    assert built.stdout.startswith("新市区街道（") and not BOX.search(built.stdout)
    env["REDPROP_DB"] = str(home / "redprop-demo.db")
    return env


def in_terminal(args: tuple[str, ...], width: int, env: dict[str, str]) -> str:
    """What `redprop ARGS` shows in a pseudo-terminal `width` columns wide, colour removed."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 60, width, 0, 0))
    proc = subprocess.Popen(
        [*_redprop(), *args],
        stdin=side,
        stdout=side,
        stderr=subprocess.PIPE,
        env={**env, "COLUMNS": str(width)},
    )
    os.close(side)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([main], [], [], 60)
            assert ready, f"redprop {' '.join(args)} printed nothing for a minute"
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: the command has closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    except BaseException:
        proc.kill()
        raise
    finally:
        os.close(main)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    return ANSI.sub("", b"".join(chunks).decode().replace("\r\n", "\n"))


def piped(args: tuple[str, ...], env: dict[str, str]) -> str:
    done = subprocess.run(
        [*_redprop(), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def whole(value: str, text: str) -> bool:
    """`value` appears in `text` on one line, not as part of a longer identifier."""
    return re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text) is not None


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_key_commands_fit_80_and_60_columns_with_identifiers_whole(
    demo: dict[str, str], args: tuple[str, ...]
) -> None:
    plain = piped(args, demo)
    assert not BOX.search(plain)
    wanted = set(IDENTIFIERS.findall(plain))
    if args[0] == "report":  # the units, named in the first field of each row
        wanted |= {line.split("\t")[0] for line in plain.splitlines() if "社区\t" in line}
    assert wanted, plain
    for width in (80, 60):
        shown = in_terminal(args, width, demo)
        lines = shown.splitlines()
        assert max(cell_len(line) for line in lines) <= width, shown
        assert "…" not in shown, shown
        missing = sorted(v for v in wanted if not whole(v, shown))
        assert missing == [], f"{width} columns: {missing}\n{shown}"


def test_narrow_case_list_keeps_number_grid_state_due_and_summary(demo: dict[str, str]) -> None:
    shown = in_terminal(("case", "list", "--limit", "5"), 60, demo)
    header = next(line for line in shown.splitlines() if "编号" in line)
    for column in ("编号", "网格", "状态", "期限", "简要情况"):
        assert column in header
    assert "登记时间" not in header and "未显示：登记时间" in shown  # said, not silently lost
    wide = in_terminal(("case", "list", "--limit", "5"), 200, demo)
    assert "登记时间" in wide and "未显示" not in wide


def test_report_at_60_columns_is_one_block_per_unit(demo: dict[str, str]) -> None:
    shown = in_terminal(("report", "--month", "2026-11"), 60, demo)
    assert "┃" not in shown
    assert shown.count("小事不出网格率") >= 9  # eight communities and the total
    assert re.search(r"^合计\s*$|\s合计\s*$", shown, re.M)
    english = in_terminal(("--lang", "en", "report", "--month", "2026-11"), 60, demo)
    assert english.count("small kept in grid") >= 9


def test_piped_output_is_plain_tab_separated(demo: dict[str, str]) -> None:
    out = piped(("case", "list", "--limit", "5"), demo)
    lines = out.splitlines()
    assert not BOX.search(out)
    header, *rows = (line.split("\t") for line in lines)
    assert header[:4] == ["编号", "登记时间", "社区", "网格"] and len(header) == 11
    assert len(rows) == 5 and all(len(row) == len(header) for row in rows)
    assert all(re.fullmatch(r"\d{4}-\d{5}", row[0]) and row[3].startswith("G") for row in rows)
    assert all(line == line.strip(" ") for line in lines)  # no padding
    card = piped(("case", "show", "2026-00083"), demo).splitlines()
    assert card[0] == "编号\t2026-00083"
    assert any(line.startswith("时间\t操作\t") for line in card)
    tree = piped(("org", "tree"), demo).splitlines()
    assert tree[1].startswith("  ") and tree[2].startswith("    G001 ")
    assert not any(BOX.search(line) for line in tree)


def test_json_is_unchanged_by_the_layout(demo: dict[str, Any]) -> None:
    import json

    rows = json.loads(piped(("case", "list", "--json"), demo))
    assert rows[0]["number"].startswith("2026-") and "registered_at" in rows[0]
