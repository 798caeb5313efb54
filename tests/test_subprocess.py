"""redprop as the installed console script, in a real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def _redprop() -> list[str]:
    found = shutil.which("redprop", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "redprop"]


def test_installed_redprop_runs_demo_and_refuses_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "REDPROP_DB": str(tmp_path / "l.db"), "XDG_CONFIG_HOME": str(tmp_path)}
    demo = subprocess.run(
        [*_redprop(), "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stderr
    assert "已建 8 个社区、104 个网格" in demo.stdout
    none = subprocess.run(
        [*_redprop(), "case", "list"], capture_output=True, text=True, env=env, timeout=60
    )
    assert none.returncode == 1 and none.stderr.startswith("错误：没有账本：")
    assert not (tmp_path / "l.db").exists()
    env["REDPROP_DB"] = str(tmp_path / "demo" / "redprop-demo.db")
    bad = subprocess.run(
        [*_redprop(), "org", "grid", "show", "G999"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert bad.returncode == 1
    assert bad.stderr == "错误：没有编号为“G999”的网格：用 redprop org grid list 查看网格编号\n"
    module = subprocess.run(
        [sys.executable, "-m", "redprop", "--version"], capture_output=True, text=True, check=True
    )
    assert module.stdout.startswith("redprop ")


def test_a_closed_pipe_ends_quietly_and_no_color_means_none(tmp_path: Path) -> None:
    """`redprop roster list --json | head -c 20`: no traceback when the reader goes away; and
    NO_COLOR turns colour off on stderr even where a terminal would get it."""
    from typer.testing import CliRunner

    from redprop.cli import app

    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    subprocess.run([*_redprop(), "demo", "--dir", str(tmp_path)], env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    env["REDPROP_DB"] = str(tmp_path / "redprop-demo.db")
    reader = subprocess.Popen(
        [*_redprop(), "roster", "list", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.read(20).startswith(b"[")
    reader.stdout.close()
    reader.wait(timeout=60)
    assert reader.stderr.read() == b""
    runner = CliRunner()
    coloured = runner.invoke(app, ["--db", env["REDPROP_DB"], "case", "show", "9999"], color=True)
    assert "\x1b[" in coloured.stderr
    plain = runner.invoke(
        app, ["--db", env["REDPROP_DB"], "case", "show", "9999"], color=True, env={"NO_COLOR": "1"}
    )
    assert plain.stderr.startswith("错误：") and "\x1b[" not in plain.stderr
