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
