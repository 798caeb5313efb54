"""`redprop report`: the figures of a period for the street, a community or a grid."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from redprop.cli._shared import CommunityOpt, GridOpt, JsonOpt, emit_json, state, stdout

MonthOpt = Annotated[str | None, typer.Option("--month", help="月份，如 2026-11（默认本月）")]
FromOpt = Annotated[str | None, typer.Option("--from", help="起始日期（含），如 2026-01-01")]
ToOpt = Annotated[str | None, typer.Option("--to", help="截止日期（不含），如 2026-12-01")]

ROW_FIGURES = (
    "carried_over",
    "registered",
    "reopened",
    "resolved",
    "referred",
    "withdrawn",
    "open_at_end",
    "resolution_rate",
    "on_time_rate",
    "small_kept_in_grid_rate",
    "kept_within_street_rate",
    "overdue_at_end",
    "yellow_at_end",
    "escalations",
    "repeat",
    "repeat_rate",
)


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def figure_row(name: str, figures: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"name": name}
    for key in ROW_FIGURES:
        value = figures[key]
        row[key] = pct(value) if key.endswith("_rate") else value
    return row


def report(
    ctx: typer.Context,
    month: MonthOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    community: CommunityOpt = None,
    grid: GridOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """统计一个时段的矛盾纠纷情况（按事件历史计算，已结束的月份任何时候重算都一样）。例：redprop report --month 2026-11 --json"""
    from redprop.core.config import now
    from redprop.figures.period import parse_period
    from redprop.figures.report import report as service

    st = state(ctx)
    today = now().date()
    period = parse_period(month=month, start=start, end=end, today=today)
    with st.connection() as conn:
        result = service(conn, period=period, today=today, community=community, grid=grid)
    if as_json:
        emit_json(result.as_json())
        return
    print_figures(st, result)


def print_figures(st: Any, result: Any, *, breakdowns: bool = True) -> None:
    """The figures as tables: by unit with a total, then by category and by severity."""
    from redprop.cli.render import table
    from redprop.core.vocab import FIGURES, LEVELS, SEVERITIES, label

    period = result.period
    f = result.figures
    console = stdout()
    title = st.t(
        f"{result.unit} 矛盾纠纷排查化解情况 {period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}",
        f"{result.unit}: disputes {period.start:%Y-%m-%d} to {period.last_day:%Y-%m-%d}",
    )
    columns = [("name", "单位", "Unit")] + [(k, *FIGURES[k]) for k in ROW_FIGURES]
    rows = [figure_row(u["unit"], u["figures"]) for u in result.by_unit]
    rows.append(figure_row(st.t("合计", "Total"), f))
    console.print(table(rows, columns, lang=st.lang, title=title))
    levels = st.t("，", ", ").join(
        f"{label(LEVELS, k, st.lang)} {v}" for k, v in f["resolved_by_level"].items()
    )
    typer.echo(st.t(f"化解层级：{levels}", f"Resolved by level: {levels}"))
    if not breakdowns:
        return
    cat_rows = [
        figure_row(name, fig)
        for name, fig in result.by_category.items()
        if any(fig[k] for k in ("carried_over", "registered", "reopened"))
    ]
    if cat_rows:
        console.print(
            table(cat_rows, [("name", "纠纷类型", "Category"), *columns[1:]], lang=st.lang)
        )
    sev_rows = [
        figure_row(label(SEVERITIES, s, st.lang), fig) for s, fig in result.by_severity.items()
    ]
    console.print(table(sev_rows, [("name", "等级", "Severity"), *columns[1:]], lang=st.lang))
