"""`redprop demo`: build the sample street in a fresh SQLite ledger and show it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from redprop.cli._report import print_report
from redprop.cli._shared import state, stdout
from redprop.cli.report import print_figures

if TYPE_CHECKING:
    from redprop.cli._shared import State
    from redprop.core.importreport import ImportReport
    from redprop.ledger.demo import DemoResult
    from redprop.units.view import StreetNode


def demo(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="演示账本所在目录（默认：应用目录下的 demo/）"),
    ] = None,
) -> None:
    """新建一个示例街道账本（8 个社区、104 个网格）并显示单元树；不使用 --db。例：redprop demo --dir /tmp/demo"""
    from redprop.core.config import app_dir

    st = state(ctx)
    target = (directory or app_dir() / "demo").expanduser().resolve()
    target.mkdir(parents=True, exist_ok=True)
    _show(st, _build(target))


@dataclass
class _Built:
    """What the demo built and read back, for the screens printed after it."""

    path: Path
    workbook: Path
    result: DemoResult
    roster: ImportReport
    disputes: int
    demands: int
    streets: list[StreetNode]
    cases: list[dict[str, Any]]
    month: Any


def _build(target: Path) -> _Built:
    """A fresh demo ledger in `target` (any previous one is deleted), its street's story up to
    now, and this month's ledger workbook beside it."""
    from redprop.cases.query import CaseFilter, list_cases
    from redprop.core.config import now
    from redprop.core.db import open_ledger, session_scope
    from redprop.figures.book import build, write
    from redprop.figures.period import month_period
    from redprop.figures.report import report
    from redprop.ledger.demo import (
        build_demo,
        build_demo_cases,
        build_demo_history,
        build_demo_services,
        samples_dir,
    )
    from redprop.ledger.demovisits import build_demo_visits
    from redprop.roster.importer import import_roster
    from redprop.units.view import tree

    path = target / "redprop-demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = open_ledger(f"sqlite:///{path}")
    try:
        with session_scope(engine) as session:
            result = build_demo(session, samples=samples_dir())
        with session_scope(engine) as session:
            roster = import_roster(session, path=samples_dir() / "roster.xlsx")
        moment = now().replace(tzinfo=None, microsecond=0)
        with session_scope(engine) as session:
            history = build_demo_history(session, now=moment)
            scripted = build_demo_cases(session, now=moment)
            demands = build_demo_services(session, now=moment)
            build_demo_visits(session, now=moment)
        with session_scope(engine, write=False) as session:
            streets = tree(session)
            cases = list_cases(session, filt=CaseFilter(), today=now().date(), limit=8).rows
            period = month_period(f"{moment:%Y-%m}")
            month = report(session, period=period, today=moment.date())
            book = build(session, period=period)
        workbook = target / f"台账-{moment:%Y-%m}.xlsx"
        write(book, workbook)
    finally:
        engine.dispose()
    disputes = history + len(scripted)
    return _Built(path, workbook, result, roster, disputes, demands, streets, cases, month)


def _show(st: State, built: _Built) -> None:
    """The unit tree, the roster import's report, the latest disputes, this month's figures and
    a summary saying where the ledger and its workbook are."""
    from redprop.cli.render import case_table, unit_tree

    console = stdout()
    console.print(unit_tree(built.streets, lang=st.lang))
    typer.echo(
        st.t(
            "\n导入示例花名册 samples/roster.xlsx：",
            "\nImporting the sample roster samples/roster.xlsx:",
        )
    )
    print_report(st, built.roster)
    typer.echo(st.t("\n最近登记的矛盾纠纷：", "\nThe latest disputes:"))
    console.print(case_table(built.cases, lang=st.lang))
    typer.echo("")
    print_figures(st, built.month, breakdowns=False)
    path, workbook, result, roster = built.path, built.workbook, built.result, built.roster
    grids = result.org.created["grid"]
    buildings = result.org.created["building"]
    total = built.disputes
    demands = built.demands
    console.print(
        st.t(
            f"\n演示账本：{path}\n已建 {result.org.created['community']} 个社区、{grids} 个网格、"
            f"{buildings} 栋楼，登记工作人员 {result.staff} 名，住户 {roster.new} 户，近三个月矛盾纠纷 {total} 件，服务需求 {demands} 项。\n"
            f"本月台账：{workbook}\n"
            f"继续体验：export REDPROP_DB={path}，然后 redprop case list、redprop report、redprop service demand list",
            f"\nDemo ledger: {path}\nBuilt {result.org.created['community']} communities, {grids} "
            f"grids, {buildings} buildings, {result.staff} staff, {roster.new} households and "
            f"{total} disputes over three months, {demands} service demands.\nThis month's ledger workbook: {workbook}\n"
            f"Explore it: export REDPROP_DB={path}, then redprop case list, redprop report",
        ),
        soft_wrap=True,
    )
