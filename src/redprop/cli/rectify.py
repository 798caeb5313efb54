"""`redprop rectify …`: the rectification ledger (整改台账): the tasks meetings decided, moved
open → in progress → done → verified (or back to in progress when verification fails), each
step one hash-chained event (docs/design.md §14)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from redprop.cli._shared import CommunityOpt, JsonOpt, emit_json, state, stdout
from redprop.cli.report import FromOpt, MonthOpt, ToOpt

app = typer.Typer(
    help="整改台账：会议议定的整改任务 / the rectification ledger", no_args_is_help=True
)

Number = Annotated[str, typer.Argument(help="任务编号，如 ZG2026-00001（或 ZG1）")]
AtOpt = Annotated[str | None, typer.Option("--at", help="发生时间（默认现在）")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="说明")]
COLUMNS = [
    ("number", "编号", "Number"),
    ("summary", "整改任务", "Task"),
    ("meeting", "来源会议", "Meeting"),
    ("owner", "责任方", "Owner"),
    ("due", "整改时限", "Due"),
    ("state", "状态", "State"),
    ("overdue", "超期", "Overdue"),
    ("verified", "验收", "Verified"),
]


def _shown(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    from redprop.core.vocab import TASK_STATES, label

    out = []
    for r in rows:
        verified = ""
        if r["verified_by"]:
            verified = f"{r['verified_by']} {r['verified_at'].replace('T', ' ')}"
        out.append(
            {
                **r,
                "summary": r["task"],
                "state": label(TASK_STATES, r["state"], lang),
                "overdue": ("overdue" if lang == "en" else "超期") if r["overdue"] else "",
                "verified": verified,
            }
        )
    return out


@app.command("list")
def list_(
    ctx: typer.Context,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="只看超期未完成的（待整改、整改中且已过时限）")
    ] = False,
    owner: Annotated[str | None, typer.Option("--owner", help="只看某责任方的")] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出整改任务。例：redprop rectify list --overdue --owner 嘉华物业"""
    from redprop.cli.render import table
    from redprop.meetings.tasks import task_rows

    st = state(ctx)
    with st.session(write=False) as session:
        rows = task_rows(session, owner=owner, overdue=overdue)
    if as_json:
        emit_json(rows)
        return
    stdout().print(table(_shown(rows, st.lang), COLUMNS, lang=st.lang))


@app.command("show")
def show(ctx: typer.Context, number: Number, as_json: JsonOpt = False) -> None:
    """显示一项整改任务及其每一步记录。例：redprop rectify show ZG1"""
    from redprop.cli.render import table
    from redprop.core.vocab import TASK_ACTIONS, TASK_STATES, label
    from redprop.meetings.tasks import task_detail

    st = state(ctx)
    with st.session(write=False) as session:
        detail = task_detail(session, number)
    if as_json:
        emit_json(detail)
        return
    head = _shown([detail], st.lang)[0]
    stdout().print(table([head], COLUMNS, lang=st.lang))
    events = [
        {
            **e,
            "action": label(TASK_ACTIONS, e["action"], st.lang),
            "state": label(TASK_STATES, e["state"], st.lang),
        }
        for e in detail["events"]
    ]
    columns = [
        ("at", "时间", "At"),
        ("action", "操作", "Action"),
        ("state", "之后", "After"),
        ("actor", "操作人", "Actor"),
        ("reason", "说明", "Note"),
    ]
    stdout().print(table(events, columns, lang=st.lang))


def _step(ctx: typer.Context, number: str, action: str, reason: str | None, at: str | None) -> None:
    from redprop.core.config import parse_time
    from redprop.core.models import RectifyTask
    from redprop.core.vocab import TaskAction, TaskState
    from redprop.meetings.rules import STATE_NAMES
    from redprop.meetings.tasks import step_task

    st = state(ctx)
    with st.session() as session:
        event = step_task(
            session,
            number=number,
            action=TaskAction(action),
            actor=st.actor,
            reason=reason,
            at=parse_time(at) if at else None,
        )
        zh, en = STATE_NAMES[TaskState(event.state)]
        full = session.get_one(RectifyTask, event.task_id).number
    typer.echo(st.t(f"{full}：{zh}", f"{full}: {en}"))


@app.command()
def start(ctx: typer.Context, number: Number, reason: ReasonOpt = None, at: AtOpt = None) -> None:
    """开始整改。例：redprop --as 李娟 rectify start ZG1"""
    _step(ctx, number, "start", reason, at)


@app.command()
def done(ctx: typer.Context, number: Number, reason: ReasonOpt = None, at: AtOpt = None) -> None:
    """报告整改完成，待验收。例：redprop --as 李娟 rectify done ZG1 --reason 已清理通道"""
    _step(ctx, number, "done", reason, at)


@app.command()
def verify(ctx: typer.Context, number: Number, reason: ReasonOpt = None, at: AtOpt = None) -> None:
    """验收通过（召开会议的单位或其上级的工作人员）。例：redprop --as 李娟 rectify verify ZG1"""
    _step(ctx, number, "verify", reason, at)


@app.command()
def reject(ctx: typer.Context, number: Number, reason: ReasonOpt = None, at: AtOpt = None) -> None:
    """验收不通过，退回整改（须写明 --reason）。例：redprop --as 李娟 rectify reject ZG1 --reason 通道仍有杂物"""
    _step(ctx, number, "reject", reason, at)


@app.command()
def report(
    ctx: typer.Context,
    month: MonthOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    community: CommunityOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """整改台账的期间数字：召开会议、列入问题、议定任务、本期到期、按期完成、验收、退回、期末超期（按事件统计，已结束的月份不变）。例：redprop rectify report --month 2026-11"""
    from redprop.core.config import now
    from redprop.core.vocab import RECTIFY_FIGURES, label
    from redprop.figures.period import parse_period
    from redprop.meetings.figures import rectify_figures

    st = state(ctx)
    period = parse_period(month=month, start=start, end=end, today=now().date())
    with st.session(write=False) as session:
        figures = rectify_figures(session, start=period.start, end=period.end, community=community)
    if as_json:
        emit_json({"period": period.as_dict(), "figures": figures})
        return
    from redprop.cli.report import pct

    shown = [
        f"{label(RECTIFY_FIGURES, key, st.lang)} "
        + (pct(value) if key.endswith("_rate") else str(value))
        for key, value in figures.items()
    ]
    span = f"{period.start:%Y-%m-%d} – {period.last_day:%Y-%m-%d}"
    typer.echo(
        f"{span}: " + ", ".join(shown) if st.lang == "en" else f"{span}：" + "，".join(shown)
    )
