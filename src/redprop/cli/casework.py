"""`redprop case todo`: my to-do list (issue 15); `redprop case import` and `case export`: old
ledgers in, and every case with every step out, for a round trip without loss (issue 13); the
dispute categories. Registered on the `case` group by cli/__init__.py, apart from cli/case.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redprop.cli._shared import JsonOpt, emit_json, state, stdout


def todo_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """我的待办：我现在可以办理的案件（待受理、办理中、待回访），超期的在前，再是黄灯，再按期限。
    例：redprop --as 李娟 case todo"""
    from redprop.cases.todo import todo
    from redprop.cli.render import table
    from redprop.core.config import local_now
    from redprop.core.vocab import LEVELS, WAITING, label

    st = state(ctx)
    with st.connection() as conn:
        rows = todo(conn, actor=st.actor, today=local_now().date())
    if as_json:
        emit_json(rows)
        return
    if not rows:
        typer.echo(st.t("没有待办的案件", "Nothing to do"))
        return
    flag = {"red": st.t("超期", "overdue"), "yellow": st.t("黄灯", "yellow"), "none": ""}
    shown = [
        {
            **r,
            "waiting": label(WAITING, r["waiting"], st.lang),
            "level": label(LEVELS, r["level"], st.lang),
            "warning": flag[r["warning"]],
            "due_at": r["due_at"] or "",
        }
        for r in rows
    ]
    columns = [
        ("number", "编号", "No."),
        ("waiting", "待办", "To do"),
        ("warning", "预警", "Flag"),
        ("due_at", "期限", "Due"),
        ("level", "层级", "Level"),
        ("grid", "网格", "Grid"),
        ("summary", "简要情况", "Summary"),
    ]
    stdout().print(table(shown, columns, lang=st.lang))


def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="导出到 .xlsx")],
    unmask: Annotated[
        bool, typer.Option("--unmask", help="简要情况、当事人等原文导出（会记录是谁导出）")
    ] = False,
) -> None:
    """导出全部案件及其每一步办理记录和层级设置（案件、办理记录、层级设置 三张表）；导入空账本后各月统计不变。
    例：redprop case export 案件.xlsx"""
    from redprop.cases.history import export_cases

    st = state(ctx)
    with st.session(write=unmask) as session:
        if unmask:
            from redprop.roster.households import record_unmask, unmasking_staff

            name = unmasking_staff(session, st.actor)  # the whole ledger: the admin's
            record_unmask(session, actor=name, command="case export", scope=out.name, rows=0)
        counts = export_cases(session, out=out, unmask=unmask)
    typer.echo(
        st.t(
            f"已导出 {counts['案件']} 件案件、{counts['办理记录']} 条办理记录到 {out}",
            f"Exported {counts['案件']} cases and {counts['办理记录']} steps to {out}",
        )
    )


category_app = typer.Typer(help="纠纷类型 / dispute categories", no_args_is_help=True)


@category_app.command("list")
def category_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出纠纷类型。例：redprop case category list"""
    from redprop.cases.categories import list_categories

    with state(ctx).session(write=False) as session:
        names = list_categories(session)
    if as_json:
        emit_json(names)
    else:
        typer.echo("\n".join(names))


@category_app.command("add")
def category_add(ctx: typer.Context, name: Annotated[str, typer.Argument(help="类型名称")]) -> None:
    """新增纠纷类型。例：redprop case category add 噪音扰民"""
    from redprop.cases.categories import add_category

    st = state(ctx)
    with st.session_as("case category add", target=name, own=True) as session:
        add_category(session, name=name)
    typer.echo(st.t(f"已新增纠纷类型：{name}", f"Added the category: {name}"))


def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="台账表格 .xlsx/.xls/.ods/.csv")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入")] = False,
    as_json: JsonOpt = False,
) -> None:
    """导入已有的 Excel 案件台账（本系统的台账格式，或含 登记日期、网格、当事人、纠纷类型、简要情况、状态、化解日期 等列的表格），按各列补齐办理记录；重复导入不产生重复案件。
    例：redprop --as 王敏 case import 2025年台账.xlsx"""
    from redprop.cases.importer import import_cases
    from redprop.cli._report import print_report, problems_json

    st = state(ctx)
    with st.session_as("case import", target=file.name, own=True) as session:
        report = import_cases(session, path=file, actor=st.actor, dry_run=dry_run)
        st.logged = report.counts() if report.stored and report.imported else None
    if as_json:
        emit_json(
            {
                "file": report.file,
                "sheet": report.sheet,
                "stored": report.stored,
                "dry_run": report.dry_run,
                "counts": {
                    k: report.counts()[k]
                    for k in ("read", "new", "unchanged", "rejected", "skipped")
                },
                **problems_json(st, report),
                "ignored_columns": report.ignored_columns,
            }
        )
    else:
        print_report(st, report)
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    app.command("todo")(todo_)
    app.command("import")(import_)
    app.command("export")(export)
    app.add_typer(category_app, name="category")
