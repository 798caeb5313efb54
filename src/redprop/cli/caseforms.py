"""`redprop case print`: a case's printable forms (受理登记表, 人民调解协议书); `case attach` and
`case attachment get|list`: the signed paper that comes back. Registered on the `case` group by
cli/__init__.py (issue 14)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from redprop.cli import complete
from redprop.cli._shared import JsonOpt, emit_json, state

Number = Annotated[
    str, typer.Argument(help="案件编号，如 2026-00001", click_type=complete.CASE_NUMBER)
]
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


KindOpt = Annotated[
    str, typer.Option("--kind", help="附件类别 agreement（协议书）| photo（照片）| record（记录）")
]
AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="附加时间（默认现在），如 2026-11-20T09:30 / when it was attached"),
]
attachments = typer.Typer(help="案件附件 / a case's attachments", no_args_is_help=True)


def attach(
    ctx: typer.Context,
    number: Number,
    file: Annotated[Path, typer.Argument(help="扫描件、照片或 PDF", show_default=False)],
    kind: KindOpt = "record",
    at: AtOpt = None,
) -> None:
    """给案件附加签字协议书的扫描件、照片或记录（图片或 PDF，按 SHA-256 存入账本，记入案件流转）。
    例：redprop --as 李娟 case attach 2026-00001 协议书.pdf --kind agreement"""
    from redprop.cases.attachments import attach as service
    from redprop.core.config import parse_time

    st = state(ctx)
    with st.session() as session:
        done = service(
            session,
            number=number,
            path=file,
            kind=kind,
            actor=st.actor,
            at=parse_time(at, "--at") if at else None,
        )
    size = f"{done.size / 1024:.0f} KB"
    typer.echo(
        st.t(
            f"{done.number}：已附加第 {done.seq} 个附件（{done.content_type}，{size}，SHA-256 {done.sha256[:12]}…）",
            f"{done.number}: attachment {done.seq} added ({done.content_type}, {size}, "
            f"SHA-256 {done.sha256[:12]}…)",
        )
    )


@attachments.command("get")
def get(
    ctx: typer.Context,
    number: Number,
    n: Annotated[int, typer.Argument(help="附件序号（case show 中的序号）", min=1)],
    out: OutOpt,
) -> None:
    """写出案件的一个附件，内容先与其 SHA-256 核对。例：redprop case attachment get 2026-00001 1 -o 协议书.pdf"""
    from redprop.cases.attachments import get_attachment
    from redprop.core.files import atomic_write
    from redprop.excel.write import check_target

    st = state(ctx)
    check_target(out)
    with st.session(write=False) as session:
        meta, data = get_attachment(session, number=number, n=n)
    with atomic_write(out) as temp:
        temp.write_bytes(data)
    typer.echo(
        st.t(
            f"已写出 {out}：{number} 的第 {n} 个附件（{meta['file']}，{meta['type']}）",
            f"Wrote {out}: attachment {n} of {number} ({meta['file']}, {meta['type']})",
        )
    )


@attachments.command("list")
def list_(ctx: typer.Context, number: Number, as_json: JsonOpt = False) -> None:
    """列出案件的附件。例：redprop case attachment list 2026-00001 --json"""
    from redprop.cases.actions import get_case
    from redprop.cases.attachments import list_attachments

    st = state(ctx)
    with st.session(write=False) as session:
        rows = list_attachments(session, get_case(session, number).id)  # type: ignore[arg-type]
    if as_json:
        emit_json(rows)
        return
    from redprop.cli._shared import stdout
    from redprop.cli.render import attachment_table

    stdout().print(attachment_table(rows, lang=st.lang))


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the `case` group."""
    app.command("print")(print_case)
    app.command("attach")(attach)
    app.add_typer(attachments, name="attachment")
