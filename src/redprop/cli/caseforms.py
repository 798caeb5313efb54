"""`redprop case print`: a case's printable forms (受理登记表, 人民调解协议书), registered on
the `case` group by cli/__init__.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redprop.cli._shared import state

Number = Annotated[str, typer.Argument(help="案件编号，如 2026-00001")]
OutOpt = Annotated[Path, typer.Option("-o", "--out", help="输出的 .xlsx 文件")]
UnmaskOpt = Annotated[
    bool, typer.Option("--unmask", help="当事人写全名、号码不遮挡（须 --as，会记录是谁导出）")
]


def print_case(ctx: typer.Context, number: Number, out: OutOpt, unmask: UnmaskOpt = False) -> None:
    """写出案件的打印表格：矛盾纠纷受理登记表，已化解的案件另附人民调解协议书（各一页 A4）。
    例：redprop case print 2026-00001 -o 登记表.xlsx"""
    from redprop.cases.forms import case_forms
    from redprop.core.errors import UsageProblem
    from redprop.excel.forms import write_forms

    st = state(ctx)
    if out.suffix.lower() != ".xlsx":
        raise UsageProblem("表格文件须以 .xlsx 结尾", "The form file must end in .xlsx")
    # The unmask is recorded in the same transaction as the file is written: no file, no record.
    with st.session(write=unmask) as session:
        forms = case_forms(session, number=number, unmask=unmask, actor=st.actor)
        write_forms(forms, out, masked=not unmask)
    names = "、".join(f.title for f in forms)
    typer.echo(
        st.t(
            f"已写出 {out}：{names}",
            f"Wrote {out}: {len(forms)} form(s) ({'intake record' + (', mediation agreement' if len(forms) > 1 else '')})",
        )
    )


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the `case` group."""
    app.command("print")(print_case)
