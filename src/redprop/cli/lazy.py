"""Sub-apps built one command at a time (docs/design.md §2.2): Typer turns every command of a
group into a click command (reading each function's annotations) when the group is built, which
for `case` (thirty-odd commands) costs more than `case show` itself. A `LazyGroup` is built with
its own options and callback only; each command or sub-group is made the first time the command
line (or `--help`, or a Tab) names it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

import typer
from typer import main as typer_main
from typer.core import TyperGroup


class LazyGroup(TyperGroup):
    """A Typer group whose commands are made when first asked for, in their declared order."""

    pending: dict[str, Callable[[], Any]]

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for n in self.pending if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        make = self.pending.pop(cmd_name, None)
        if make is not None:
            self.add_command(make(), cmd_name)
        return self.commands.get(cmd_name)


def _call(fn: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """`fn` with the keyword options its Typer version takes (they vary between releases)."""
    known = inspect.signature(fn).parameters
    return fn(*args, **{k: v for k, v in options.items() if k in known})


def lazy_group(app: typer.Typer, name: str) -> LazyGroup:
    """The click group of sub-app `app`, named `name`, with plain help, its commands pending."""
    commands, groups = app.registered_commands, app.registered_groups
    cls = app.info.cls
    app.registered_commands, app.registered_groups, app.info.cls = [], [], LazyGroup
    try:
        group = typer_main.get_group(app)
    finally:
        app.registered_commands, app.registered_groups, app.info.cls = commands, groups, cls
    assert isinstance(group, LazyGroup)
    group.name, group.rich_markup_mode = name, None  # plain help, as the root's
    options = {"pretty_exceptions_short": app.pretty_exceptions_short, "rich_markup_mode": None}
    group.pending = {}
    for info in commands:
        assert info.callback is not None
        key = info.name or typer_main.get_command_name(info.callback.__name__)
        group.pending[key] = partial(_call, typer_main.get_command_from_info, info, **options)
    for sub in groups:
        assert sub.name and sub.typer_instance is not None
        group.pending[sub.name] = partial(lazy_group, sub.typer_instance, sub.name)
    return group


def lazy_command(function: Callable[..., Any], name: str) -> Any:
    """The click command of a root command's function, with plain help."""
    from typer.models import CommandInfo

    info = CommandInfo(name=name, callback=function)
    return _call(
        typer_main.get_command_from_info, info, pretty_exceptions_short=True, rich_markup_mode=None
    )
