"""`redprop roster …`: import, list, show and export the household roster (住户花名册)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redprop.cli._report import print_report, problems_json
from redprop.cli._shared import (
    CommunityOpt,
    GridOpt,
    JsonOpt,
    bounded,
    emit_json,
    state,
    stdout,
)

app = typer.Typer(help="住户花名册：导入、查询、导出 / household rosters", no_args_is_help=True)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help=".xlsx/.xlsm/.xls/.ods/.csv 花名册")],
    sheet: Annotated[str | None, typer.Option("--sheet", help="工作表名称")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="可疑值（校验码、电话等）也拒绝")
    ] = False,
    atomic: Annotated[bool, typer.Option("--atomic", help="有任何一行被拒绝就全部不导入")] = False,
    create_units: Annotated[
        bool, typer.Option("--create-units", help="自动创建缺少的社区、网格、小区、楼栋")
    ] = False,
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="把被拒绝和有警告的行写到这个 .xlsx，改正后可再导入"),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="户主换人（迁出迁入）：允许没有完整身份证号的新户主替换原户主"
        ),
    ] = False,
    as_json: JsonOpt = False,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="列出全部问题")] = 0,
) -> None:
    """导入住户花名册：重复导入不变；逐行报告问题（行号、列、改法）。退出码：0 全部导入，3 部分行被拒绝，1 未导入任何行。
    例：redprop roster import 铁人路社区花名册.xlsx --errors 待改正.xlsx"""
    from redprop.roster.file import start_reading

    if errors is not None:
        from redprop.roster.errorsbook import check_errors_target

        check_errors_target(errors, file)  # before anything is read or stored
    # Start parsing the file first: it goes on while the services load and the ledger opens.
    reading = start_reading(file, sheet)
    from redprop.roster.errorsbook import write_errors_workbook
    from redprop.roster.importer import import_roster

    st = state(ctx)
    # Creating units is the unit tree's business: the roles that may import it.
    command = "org import" if create_units else "roster import"
    with st.session_as(command, target=file.name, own=True) as session:
        report = import_roster(
            session,
            path=file,
            sheet=sheet,
            dry_run=dry_run,
            strict=strict,
            atomic=atomic,
            create_units=create_units,
            reading=reading,
            actor=st.member,
            replace=replace,
        )
        st.logged = report.counts() if report.stored and report.imported else None
        # Inside the transaction: if the workbook can't be written, nothing is stored (exit 1).
        wanted = errors is not None and report.flagged_rows
        written = write_errors_workbook(report, errors, session) if wanted else 0  # type: ignore[arg-type]
        report.flagged_rows.close()
    if as_json:
        emit_json(
            {
                "file": report.file,
                "sheet": report.sheet,
                "stored": report.stored,
                "dry_run": report.dry_run,
                "counts": report.counts(),
                **problems_json(st, report),
                "created_units": report.created_units,
                "ignored_columns": report.ignored_columns,
                "errors_file": str(errors) if written else None,
            }
        )
        raise typer.Exit(report.exit_code)
    print_report(st, report, verbose=verbose)
    if written:
        said = f"已把 {written} 行写到 {errors}，改正后可重新导入"
        typer.echo(st.t(said, f"Wrote {written} rows to {errors}; correct and import them again"))
    raise typer.Exit(report.exit_code)


ROSTER_COLUMNS = [
    ("id", "编号", "No."),
    ("community", "社区", "Community"),
    ("grid", "网格", "Grid"),
    ("address", "地址", "Address"),
    ("head_name", "户主", "Head"),
    ("id_number", "身份证号", "ID number"),
    ("phone", "电话", "Phone"),
    ("persons", "人口", "Persons"),
    ("flags", "待核实", "Flags"),
    ("tags", "标签", "Tags"),
]


@app.command("list")
def list_(
    ctx: typer.Context,
    community: CommunityOpt = None,
    grid: GridOpt = None,
    building: Annotated[str | None, typer.Option("--building", "-b", help="楼栋")] = None,
    flagged: Annotated[bool, typer.Option("--flagged", help="只看有待核实标记的住户")] = False,
    tag: Annotated[
        str | None,
        typer.Option("--tag", "-t", help="只看有这个标签的住户（个人信息类标签限本辖区）"),
    ] = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", callback=bounded("--limit"), help="最多显示多少户（--json 时不限）"
        ),
    ] = 50,
    as_json: JsonOpt = False,
) -> None:
    """列出住户（身份证号、电话已脱敏）。例：redprop --as 李娟 roster list --grid G001 --tag 独居老人"""
    from itertools import islice

    from redprop.roster.households import list_households

    st = state(ctx)
    with st.session(write=False) as session:
        found = list_households(
            session,
            community=community,
            grid=grid,
            building=building,
            flagged=flagged,
            viewer=st.actor,
            tag=tag,
        )
        rows = list(found if as_json else islice(found, limit + 1))
        names = _tag_names(session, st.lang)
    if as_json:
        emit_json(rows)
        return
    from redprop.cli.render import joined, table
    from redprop.core.vocab import FLAGS, label

    more = len(rows) > limit
    shown = [
        {
            **r,
            "address": f"{r['building']}-{r['unit'] or '0'}-{r['room']}",
            "flags": joined((label(FLAGS, f, st.lang) for f in r["flags"]), lang=st.lang),
            "tags": joined((names.get(t, t) for t in r["tags"]), lang=st.lang),
        }
        for r in rows[:limit]
    ]
    stdout().print(table(shown, ROSTER_COLUMNS, lang=st.lang))
    if more:
        typer.echo(
            st.t(
                f"只显示前 {limit} 户；用 --limit 或 --json 查看全部",
                f"Showing the first {limit}; use --limit or --json",
            ),
            err=True,
        )


@app.command()
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="住户编号，或地址 社区/楼栋-单元-房号")],
    unmask: Annotated[
        bool, typer.Option("--unmask", help="显示完整号码（会记录是谁查看）")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """显示一户住户。例：redprop roster show 铁人路社区/5-2-301"""
    from redprop.roster.households import show_household

    st = state(ctx)
    with st.session(write=unmask) as session:
        row = show_household(session, ref=ref, unmask=unmask, actor=st.actor)
        names = _tag_names(session, st.lang)
    if as_json:
        emit_json(row, unmasked=unmask)
        return
    from redprop.cli.render import fields, joined
    from redprop.core.vocab import FLAGS, HOUSEHOLD_FIELDS, label

    values = {k: v for k, v in row.items() if v not in (None, [], "")}
    if "flags" in values:
        values["flags"] = joined((label(FLAGS, f, st.lang) for f in values["flags"]), lang=st.lang)
    if "tags" in values:
        values["tags"] = joined((names.get(t, t) for t in values["tags"]), lang=st.lang)
    if "serves" in values:
        values["serves"] = joined((f"#{n}" for n in values["serves"]), lang=st.lang)
    for line in fields(values, HOUSEHOLD_FIELDS, lang=st.lang, masked=not unmask):
        typer.echo(line)


def _tag_names(session: object, lang: str) -> dict[str, str]:
    """The English names of the tags, for --lang en (the data keeps the Chinese ones)."""
    if lang != "en":
        return {}
    from redprop.roster.tags import english_names

    return english_names(session)  # type: ignore[arg-type]


@app.command()
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="导出到 .xlsx 或 .csv")],
    community: CommunityOpt = None,
    grid: GridOpt = None,
    unmask: Annotated[
        bool, typer.Option("--unmask", help="导出完整号码（会记录是谁导出）")
    ] = False,
) -> None:
    """导出花名册（中文表头，默认脱敏，可原样再导入；个人信息类标签须 --unmask）。例：redprop roster export 花名册.xlsx -c 铁人路社区"""
    from redprop.roster.households import export_roster

    st = state(ctx)
    with st.session() as session:
        count = export_roster(
            session, out=out, community=community, grid=grid, unmask=unmask, actor=st.actor
        )
    typer.echo(st.t(f"已导出 {count} 户到 {out}", f"Exported {count} households to {out}"))


@app.command("unmask-log")
def unmask_log(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出查看完整身份证号和电话的记录。例：redprop roster unmask-log"""
    from redprop.cli.render import table
    from redprop.roster.households import unmask_log as service

    st = state(ctx)
    with st.session(write=False) as session:
        rows = service(session)
    if as_json:
        emit_json(rows)
        return
    from redprop.cli.render import logged_command, logged_target

    rows = [
        r
        | {"command": logged_command(r["command"], st.lang)}
        | {"scope": logged_target(r["scope"], st.lang)}
        for r in rows
    ]
    columns = [
        ("at", "时间", "At"),
        ("actor", "操作人", "Actor"),
        ("command", "命令", "Command"),
        ("scope", "范围", "Scope"),
        ("rows", "户数", "Rows"),
    ]
    stdout().print(table(rows, columns, lang=st.lang))


errors_app = typer.Typer(help="错误表暂存的完整号码 / held values of errors workbooks")
app.add_typer(errors_app, name="errors")


@errors_app.command("purge")
def errors_purge(ctx: typer.Context) -> None:
    """删除为错误表暂存的完整身份证号和电话（改正后的错误表将无法还原它们）。例：redprop roster errors purge"""
    from redprop.roster.held import purge

    st = state(ctx)
    with st.session_as("roster errors purge", own=True) as session:
        count = purge(session)
        st.logged = {"rows": count}
    typer.echo(
        st.t(f"已删除 {count} 行被暂存的完整号码", f"Dropped the held values of {count} rows")
    )
