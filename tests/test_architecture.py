"""The tree shows the architecture (docs/design.md §2), and these tests keep it so: no layer
imports one above it, the domain never imports the terminal libraries, and modules and
functions stay small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.nodb  # never opens a ledger: no database on PostgreSQL

SRC = Path(__file__).resolve().parents[1] / "src" / "redprop"

# Lowest first. A module may import its own layer and the layers before it.
LAYERS = (
    "core",
    "excel",
    "units",
    "roster",
    "cases",
    "servicelists",
    "visits",
    "meetings",
    "property",
    "figures",
    "ledger",
    "cli",
)
TERMINAL = ("typer", "rich", "click")
MAX_FUNCTION = 80
MAX_MODULE = 500
# A module may run longer when its docstring says why, with these words.
LONG_REASON = "long on purpose"


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


def layer_of(path: Path) -> str | None:
    parts = path.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else None


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "redprop":  # from redprop import x
                names.update(f"redprop.{alias.name}" for alias in node.names)
    return names


def test_every_module_lives_in_a_layer() -> None:
    loose = [p.name for p in SRC.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert loose == []
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(LAYERS)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_layer_imports_one_above_it(path: Path) -> None:
    layer = layer_of(path)
    if layer is None:
        return
    rank = LAYERS.index(layer)
    above = []
    for name in imported(path):
        parts = name.split(".")
        if parts[0] == "redprop" and len(parts) > 1 and parts[1] in LAYERS[rank + 1 :]:
            above.append(name)
    assert above == [], f"{layer} must not import {above}"


@pytest.mark.parametrize(
    "path",
    [p for p in modules() if layer_of(p) not in (None, "cli")],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_the_domain_never_imports_the_terminal(path: Path) -> None:
    terminal = sorted(n for n in imported(path) if n.split(".")[0] in TERMINAL)
    assert terminal == []


def test_excel_imports_no_domain() -> None:
    for path in (SRC / "excel").glob("*.py"):
        domain = sorted(
            n for n in imported(path) if n.startswith("redprop.") and n.split(".")[1] != "core"
        )
        domain = [n for n in domain if not n.startswith("redprop.excel")]
        assert domain == [], f"{path.name} imports {domain}"


def test_functions_are_short() -> None:
    long = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION:
                    long.append(f"{path.relative_to(SRC)}:{node.name} ({lines} lines)")
    assert long == []


def test_long_modules_say_why() -> None:
    unexplained = []
    for path in modules():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if LONG_REASON not in doc.lower():
                unexplained.append(f"{path.relative_to(SRC)} ({text.count(chr(10))} lines)")
    assert unexplained == []
