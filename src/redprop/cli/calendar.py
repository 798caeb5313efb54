"""`redprop calendar …`: public holidays and make-up working days, for the working-day clock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redprop.cli._shared import JsonOpt, bounded, emit_json, state, stdout

app = typer.Typer(
    help="工作日历：法定节假日与调休上班日 / the working-day calendar", no_args_is_help=True
)


@app.command()
def add(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="日期，如 2026-10-01")],
    to: Annotated[str | None, typer.Option("--to", help="结束日期（含）")] = None,
    holiday: Annotated[bool, typer.Option("--holiday", help="放假")] = False,
    workday: Annotated[bool, typer.Option("--workday", help="调休上班")] = False,
    name: Annotated[str | None, typer.Option("--name", help="名称，如 国庆节")] = None,
) -> None:
    """登记放假日或调休上班日。例：redprop calendar add 2026-10-01 --to 2026-10-07 --holiday --name 国庆节"""
    from redprop.cases.settings import add_days
    from redprop.core.config import parse_time
    from redprop.core.errors import UsageProblem

    st = state(ctx)
    if holiday == workday:
        raise UsageProblem(
            "请二选一：--holiday（放假）或 --workday（调休上班）",
            "Say either --holiday or --workday",
        )
    start = parse_time(day, "DAY").date()
    end = parse_time(to, "--to").date() if to else None
    with st.session_as(
        "calendar add", target=f"{start}" + (f"..{end}" if end else ""), own=True
    ) as session:
        count = add_days(
            session, start=start, end=end, kind="holiday" if holiday else "workday", name=name
        )
    typer.echo(st.t(f"已登记 {count} 天", f"{count} day(s) recorded"))


@app.command("list")
def list_(
    ctx: typer.Context,
    year: Annotated[
        int | None, typer.Option("--year", callback=bounded("--year"), help="年份")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出登记的放假日和调休上班日。例：redprop calendar list --year 2026"""
    from redprop.cases.settings import list_days
    from redprop.cli.render import table
    from redprop.core.vocab import DAY_KINDS, label

    st = state(ctx)
    with st.session(write=False) as session:
        days = list_days(session, year=year)
    rows = [{"day": d.day.isoformat(), "kind": d.kind, "name": d.name} for d in days]
    if as_json:
        emit_json(rows)
        return
    shown = [{**r, "kind": label(DAY_KINDS, str(r["kind"]), st.lang)} for r in rows]
    stdout().print(
        table(
            shown,
            [("day", "日期", "Date"), ("kind", "类型", "Kind"), ("name", "名称", "Name")],
            lang=st.lang,
        )
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="含 日期、类型（休/班）、名称 的表格")],
) -> None:
    """从表格导入日历（日期、类型 休/班、名称）。例：redprop calendar import 2026节假日.xlsx"""
    from redprop.cases.settings import import_days

    st = state(ctx)
    with st.session_as("calendar import", target=file.name, own=True) as session:
        count = import_days(session, path=file)
    typer.echo(st.t(f"已导入 {count} 天", f"{count} day(s) imported"))


@app.command()
def show(
    ctx: typer.Context,
    year: Annotated[int, typer.Option("--year", callback=bounded("--year"), help="年份")],
    as_json: JsonOpt = False,
) -> None:
    """显示一年的法定节假日和调休上班日（国务院安排，来自 chinese-calendar）及本账本的调整。
    例：redprop calendar show --year 2026"""
    from redprop.cases.settings import year_days
    from redprop.cli.render import table
    from redprop.core.vocab import DAY_KINDS, label

    st = state(ctx)
    with st.session(write=False) as session:
        days, known = year_days(session, year)
    rows = [
        {"day": d.day.isoformat(), "kind": d.kind, "name": d.name, "source": d.source} for d in days
    ]
    if as_json:
        emit_json({"year": year, "official": known, "days": rows})
        return
    if not known:
        typer.echo(
            st.t(
                f"提示：{year} 年的法定节假日安排尚未收录，期限按周一至周五计算；"
                "国务院公布后升级 redprop（chinese-calendar），或用 redprop calendar add 登记",
                f"Note: the official schedule for {year} isn't known yet, so due dates count "
                "Monday to Friday; upgrade redprop (chinese-calendar) once it is published, or "
                "add the days with redprop calendar add",
            ),
            err=True,
        )
    source = {"official": st.t("国家安排", "official"), "ledger": st.t("本账本", "this ledger")}
    shown = [
        {**r, "kind": label(DAY_KINDS, str(r["kind"]), st.lang), "source": source[str(r["source"])]}
        for r in rows
    ]
    columns = [("day", "日期", "Date"), ("kind", "类型", "Kind"), ("name", "名称", "Name")]
    stdout().print(table(shown, [*columns, ("source", "来源", "Source")], lang=st.lang))
