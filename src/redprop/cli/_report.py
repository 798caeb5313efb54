"""The import report for people, shared by every `… import` command (roster, case, service,
demo): the counts, then the problems with row, column and fix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from redprop.cli._shared import State, stdout

if TYPE_CHECKING:
    from redprop.core.importreport import ImportReport

MAX_SHOWN = 50


def print_report(st: State, report: ImportReport, *, verbose: int = 0) -> None:
    """The import report for people: counts, then the problems with row, column and fix."""
    from redprop.core.ids import scrub  # only when there is a report: --help stays light

    c = report.counts()
    typer.echo(
        st.t(
            f"读取 {c['read']} 行：新增 {c['new']}，更新 {c['updated']}，未变 {c['unchanged']}，合并 {c['merged']}，"
            f"警告 {c['warned']}，拒绝 {c['rejected']}，跳过 {c['skipped']}",
            f"{c['read']} rows read: {c['new']} new, {c['updated']} updated, {c['unchanged']} unchanged, "
            f"{c['merged']} merged, {c['warned']} warned, {c['rejected']} rejected, {c['skipped']} skipped",
        )
    )
    if report.dry_run:
        typer.echo(st.t("（试运行：未写入任何内容）", "(dry run: nothing was stored)"))
    elif report.rejected and not report.stored:
        typer.echo(
            st.t(
                "有被拒绝的行，按 --atomic 未写入任何内容",
                "Rows were rejected; with --atomic nothing was stored",
            )
        )
    if report.problems:
        from redprop.cli.render import table

        shown = report.problems if verbose else report.problems[:MAX_SHOWN]
        level = {"error": st.t("拒绝", "rejected"), "warning": st.t("警告", "warning")}
        rows = [{**p.as_dict(st.lang), "level": level[p.level]} for p in shown]
        columns = [
            ("row", "行号", "Row"),
            ("column", "列", "Column"),
            ("level", "结果", "Outcome"),
            ("message", "问题与改法", "Problem and fix"),
        ]
        stdout().print(table(rows, columns, lang=st.lang))
        more = report.problem_count - len(shown)
        if more and len(shown) < len(report.problems):
            typer.echo(
                st.t(
                    f"另有 {more} 条问题；用 -v 或 --errors 查看全部",
                    f"{more} more problems; use -v or --errors",
                )
            )
        elif more:  # -v, past what a report keeps: the errors workbook has every row
            typer.echo(
                st.t(
                    f"另有 {more} 条问题未列出；用 --errors 把所有问题行写到工作簿",
                    f"{more} more problems not listed; use --errors to write every flagged row",
                )
            )
    if report.created_units:
        typer.echo(
            st.t("已创建：", "Created: ") + scrub(st.t("、", ", ").join(report.created_units))
        )
    if report.ignored_columns:
        typer.echo(
            st.t("已忽略未知的列：", "Ignored unknown columns: ")
            + scrub(st.t("、", ", ").join(report.ignored_columns)),
            err=True,
        )


def problems_json(st: State, report: ImportReport) -> dict[str, Any]:
    """The problems part of an import's --json: those kept in full, and how many more were only
    counted (past importreport.KEEP_PROBLEMS)."""
    return {
        "problems": [p.as_dict(st.lang) for p in report.problems],
        "more_problems": report.problem_count - len(report.problems),
    }
