"""Every command has help text and appears in the README."""

from __future__ import annotations

from pathlib import Path

import typer

from redprop.cli import app

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
