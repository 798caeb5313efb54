"""`redprop ledger export`: the month's ledger workbook (台账) for the street office."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redprop.cli._shared import CommunityOpt, GridOpt, state
from redprop.cli.report import FromOpt, MonthOpt, ToOpt

app = typer.Typer(help="月度台账工作簿 / the monthly ledger workbook", no_args_is_help=True)


@app.command()
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("-o", "--out", help="输出的 .xlsx 文件")],
    month: MonthOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    community: CommunityOpt = None,
    grid: GridOpt = None,
) -> None:
    """写出月度台账工作簿（汇总、分类统计、矛盾纠纷台账、流转记录、服务清单）；已结束的月份重新生成内容不变。
    例：redprop ledger export --month 2026-11 -o 台账-2026-11.xlsx"""
    from redprop.core.config import now
    from redprop.core.errors import UsageProblem
    from redprop.figures.book import build, write
    from redprop.figures.period import parse_period

    st = state(ctx)
    if out.suffix.lower() != ".xlsx":
        raise UsageProblem("台账文件须以 .xlsx 结尾", "The ledger file must end in .xlsx")
    period = parse_period(month=month, start=start, end=end, today=now().date())
    with st.session(write=False) as session:
        book = build(session, period=period, community=community, grid=grid)
    write(book, out)
    typer.echo(
        st.t(
            f"已写出 {out}：{len(book.case_rows)} 件案件，{len(book.event_rows)} 条流转记录",
            f"Wrote {out}: {len(book.case_rows)} cases, {len(book.event_rows)} events",
        )
    )
