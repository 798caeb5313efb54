"""The root command: global options (--db, --as, --lang, --version) and one sub-app per noun.

Each sub-app module imports only typer at the top; services, SQLAlchemy and the spreadsheet
libraries are imported inside the commands, so `redprop --help` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from redprop import __version__
from redprop.cli import (
    calendar,
    case,
    caseforms,
    casework,
    db,
    demo,
    ladder,
    ledger,
    org,
    report,
    roster,
    service,
    staff,
)
from redprop.cli._shared import RedpropGroup, State

app = typer.Typer(
    cls=RedpropGroup,
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
        typer.Option("--as", envvar="REDPROP_USER", help="以哪位工作人员的身份操作 / acting staff"),
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


app.command("init")(db.init)
app.command("demo")(demo.demo)
app.command("report")(report.report)
app.command("log")(db.log)
app.add_typer(org.app, name="org")
app.add_typer(roster.app, name="roster")
caseforms.register(case.app)  # case print (issue 14), kept apart from cli/case.py
casework.register(case.app)  # case todo, case export
app.add_typer(case.app, name="case")
app.add_typer(calendar.app, name="calendar")
app.add_typer(ladder.app, name="ladder")
app.add_typer(ledger.app, name="ledger")
app.add_typer(service.app, name="service")
app.add_typer(staff.app, name="staff")
app.add_typer(db.app, name="db")


def main() -> None:
    app()
