"""The root command: global options (--db, --as, --lang, --version) and one sub-app per noun.

Each sub-app module imports only typer at the top; services, SQLAlchemy and the spreadsheet
libraries are imported inside the commands, so `redprop --help` stays fast. The sub-apps
themselves load lazily: `redprop case list` imports and builds the `case` group only (building
every group's click commands costs more than the command itself on a small ledger).
"""

from __future__ import annotations

import importlib
import inspect
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from redprop import __version__
from redprop.cli import complete
from redprop.cli._shared import RedpropGroup, State

# The root's own commands, in the order `redprop --help` lists them: name -> (module, function).
ROOT_COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("db", "init"),
    "demo": ("demo", "demo"),
    "report": ("report", "report"),
    "log": ("db", "log"),
    "history": ("caseundo", "history"),
}
# The sub-apps in the order `redprop --help` lists them: name -> the module whose `app` it is,
# then modules whose `register(app)` adds more commands to it (kept apart for size).
SUB_APPS: dict[str, tuple[str, ...]] = {
    "org": ("org", "orgcompany"),
    "roster": ("roster", "rostertags"),
    "case": ("case", "caseforms", "casework", "caseundo"),
    "calendar": ("calendar",),
    "ladder": ("ladder",),
    "ledger": ("ledger",),
    "service": ("service",),
    "meeting": ("meeting",),
    "rectify": ("rectify",),
    "visit": ("visit",),
    "score": ("score",),
    "staff": ("staff",),
    "db": ("db",),
}


def _root_function(name: str) -> Any:
    module, function = ROOT_COMMANDS[name]
    return getattr(importlib.import_module(f"redprop.cli.{module}"), function)


def sub_app(name: str) -> typer.Typer:
    """The Typer app of sub-command `name`, with the commands its helper modules register."""
    main, *more = (importlib.import_module(f"redprop.cli.{m}") for m in SUB_APPS[name])
    if not getattr(main.app, "_redprop_registered", False):
        for module in more:
            module.register(main.app)
        main.app._redprop_registered = True  # type: ignore[attr-defined]
    return main.app  # type: ignore[no-any-return]


class RootGroup(RedpropGroup):
    """The root group: each of its own commands (init, demo, report, log, history) and each
    sub-app built the first time the command line names it, a sub-app one command at a time
    (cli/lazy)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*ROOT_COMMANDS, *SUB_APPS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in ROOT_COMMANDS:
            from redprop.cli.lazy import lazy_command

            found = lazy_command(_root_function(cmd_name), cmd_name)
            self.add_command(found, cmd_name)
        elif found is None and cmd_name in SUB_APPS:
            from redprop.cli.lazy import lazy_group

            found = lazy_group(sub_app(cmd_name), cmd_name)
            self.add_command(found, cmd_name)
        return found

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """`redprop --help` lists each sub-app by the help of its Typer, without building it."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in self.commands:
                said = self.commands[name].help or ""
            elif name in ROOT_COMMANDS:
                said = inspect.getdoc(_root_function(name)) or ""
            else:
                said = sub_app(name).info.help or ""
            rows.append((name, TyperGroup(name=name, help=said).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    cls=RootGroup,
    name="redprop",
    help="redprop：网格化治理与红色物业的矛盾纠纷台账 / the case ledger of a street office.",
    no_args_is_help=True,
    # Plain help: rich-formatted help imports rich and doubles the start-up time.
    rich_markup_mode=None,
    # Never print local variables of a crash: they may hold ID and phone numbers.
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"redprop {__version__}")
        raise typer.Exit()


def _lang(value: str) -> str:
    value = (value or "zh").lower()
    if value not in ("zh", "en"):
        raise typer.BadParameter("请用 zh 或 en / use zh or en")
    return value


@app.callback()
def root(
    ctx: typer.Context,
    db_: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="REDPROP_DB",
            help="账本文件路径或 SQLAlchemy URL（默认：应用目录下的 redprop.db）/ ledger path or URL",
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="REDPROP_USER",
            help="以哪位工作人员的身份操作 / acting staff",
            click_type=complete.STAFF,
        ),
    ] = None,
    lang: Annotated[
        str,
        typer.Option(
            "--lang", envvar="REDPROP_LANG", callback=_lang, help="界面语言 zh|en / language"
        ),
    ] = "zh",
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="显示版本 / show version"),
    ] = False,
) -> None:
    """redprop：矛盾纠纷台账。小事网格议、大事社区议、难事街道议。"""
    ctx.obj = State(db=db_, actor=actor, lang=lang)
    from redprop.core.config import check_environment

    check_environment()  # REDPROP_TZ / _NOW / _BUSY_TIMEOUT_MS: refused before any command runs


def main() -> None:
    app()
