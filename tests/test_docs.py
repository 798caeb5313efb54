"""Every command has help text and appears in the README; the README's state tables are the rules
tables; every docs/design.md citation names a section of it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from redprop.cli import app

pytestmark = pytest.mark.nodb  # never opens a ledger: no database on PostgreSQL

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.main.TyperGroup, prefix: str = "redprop") -> list[tuple[str, object]]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            found.extend(_commands(command, path))  # type: ignore[arg-type]
        else:
            found.append((path, command))
    return found


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_every_command_has_help() -> None:
    missing = [path for path, cmd in COMMANDS if not (cmd.help or "").strip()]  # type: ignore[attr-defined]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    generic = {"list", "show", "rename", "remove", "add"}
    missing = []
    for path, _ in COMMANDS:
        words = path.split()
        # `redprop org grid list` is documented as `redprop org <unit> list|show|…`.
        if len(words) == 4 and words[1] == "org" and words[3] in generic:
            if f"redprop org {words[2]} add" not in README and words[3] == "add":
                missing.append(path)
            continue
        if path not in README:
            missing.append(path)
    assert missing == []


# ---------------------------------------------------------------------------------------------
# The README's state tables against the rules tables, and docs/design.md against its citations.

ROOT = Path(__file__).parents[1]
DESIGN = ROOT / "docs" / "design.md"


def _table(text: str, first_header: str) -> list[list[str]]:
    """The body rows (cells stripped) of the Markdown table whose first header cell is
    `first_header`; a table indented inside a list item counts too."""
    lines = [line.strip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_header:
            rows = []
            for body in lines[index + 2 :]:  # skip the |---| line
                if not body.startswith("|"):
                    break
                rows.append([c.strip() for c in body.strip("|").split("|")])
            return rows
    raise AssertionError(f"README has no table headed '{first_header}'")


def _codes(cell: str) -> list[str]:
    return re.findall(r"`([a-z_]+)`", cell)


def _moves(rows: list[list[str]], actions: Any, states: Any, alternatives: Any = ()) -> dict:
    """{action: (sources, target)} as a table of `action | from | to` rows says. A from-cell of
    "—" is the record not existing yet (None); a to-cell without a code is "unchanged" (None).
    A second code in a to-cell is allowed only for the actions in `alternatives`."""
    found = {}
    for action_cell, from_cell, to_cell in rows:
        (code,) = _codes(action_cell)
        action = actions(code)
        sources = {states(c) for c in _codes(from_cell)}
        if from_cell == "—":
            sources = {None}
        assert sources, f"{code}: no from-states"
        targets = _codes(to_cell)
        if not targets:
            assert to_cell.startswith("unchanged"), f"{code}: say 'unchanged' or name a state"
        assert len(targets) <= 1 or action in alternatives, f"{code}: one to-state"
        assert action not in found, f"{code} has two rows"
        found[action] = (frozenset(sources), states(targets[0]) if targets else None)
    return found


def test_the_readme_case_table_is_the_ladder() -> None:
    from redprop.cases.rules import RULES, Action, State

    documented = _moves(_table(README, "case action"), Action, State, {Action.visit})
    assert documented == {a: (rule.sources, rule.target) for a, rule in RULES.items()}


def test_the_readme_actions_allowed_by_state_are_the_ladder() -> None:
    from redprop.cases.rules import RULES, Action, State

    documented = {
        State(_codes(state)[0]): {Action(word) for word in re.findall(r"[a-z_]+", allowed)}
        for state, _, allowed in _table(README, "state")
    }
    # Supervision (督办) is the sweep's own mark, not an action people take: not listed.
    expected = {
        state: {a for a, r in RULES.items() if state in r.sources and a is not Action.supervise}
        for state in State
    }
    assert documented == expected


def test_the_readme_demand_table_is_the_demand_table() -> None:
    from redprop.servicelists.rules import MOVES, DemandAction, DemandState

    documented = _moves(_table(README, "demand step"), DemandAction, DemandState)
    assert documented == {a: (move.sources, move.target) for a, move in MOVES.items()}


def _sections() -> set[str]:
    text = DESIGN.read_text(encoding="utf-8")
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)*)\.? ", text, flags=re.MULTILINE))


def _sources() -> list[Path]:
    """The repository's code and prose, but this file (whose comments show the patterns)."""
    files = list(ROOT.glob("*.md"))
    for folder in ("src", "tests", "benchmarks", "migrations", "samples", "docs"):
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md")]
    return [p for p in files if p.resolve() != Path(__file__).resolve()]


def test_every_design_citation_names_a_section() -> None:
    sections = _sections()
    assert {"1", "2", "3", "4", "11"} <= sections
    cited: dict[str, list[str]] = {}
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        # "docs/design.md §3", "§3.2", "§1/§3", "§4 and §11"
        for run in re.findall(r"design\.md ((?:§\d+(?:\.\d+)*(?:/| and |, )?)+)", text):
            for number in re.findall(r"§(\d+(?:\.\d+)*)", run):
                cited.setdefault(number, []).append(str(path.relative_to(ROOT)))
    assert cited, "no code cites docs/design.md"
    assert {n: where for n, where in cited.items() if n not in sections} == {}


def test_no_comment_cites_the_design_reference_outside_the_repository() -> None:
    # "DESIGN §n" named a document that is not in the repository; docs/design.md replaces it.
    stale = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bDESIGN §", line)
    ]
    assert stale == []
