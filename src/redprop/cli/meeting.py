"""`redprop meeting …`: meetings (联席会议, 每周说事, 五+X, 听证会), their problem lists (问题清单)
and the decisions that become rectification tasks (docs/design.md §14)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from redprop.cli._shared import JsonOpt, emit_json, shown, state, stdout

app = typer.Typer(
    help="会议与问题清单：联席会议、每周说事、五+X、听证会 / meetings and their problem lists",
    no_args_is_help=True,
)
item_app = typer.Typer(help="问题清单 / a meeting's problem list", no_args_is_help=True)
app.add_typer(item_app, name="item")

AtOpt = Annotated[str | None, typer.Option("--at", help="登记时间（默认现在）")]
MeetingArg = Annotated[str, typer.Argument(help="会议编号，如 HY2026-00001（或 HY1）")]


def _time(value: str | None, name: str = "--at") -> Any:
    from redprop.core.config import parse_time

    return parse_time(value, name) if value else None


def _said(number: str, as_json: bool) -> None:
    """A new record's number: on its own line, or as JSON for scripts."""
    if as_json:
        emit_json({"number": number})
    else:
        typer.echo(number)


@app.command("new")
def new(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option("--kind", help="joint|weekly|five-plus-x|hearing")],
    unit: Annotated[str, typer.Option("--unit", help="召开会议的社区或街道")],
    on: Annotated[str, typer.Option("--on", help="会议时间，如 2026-11-04T15:00")],
    attendees: Annotated[
        str,
        typer.Option(
            "--attendees",
            help="参会方，逗号或顿号分隔：单位、工作人员、物业公司、业委会、派出所……",
        ),
    ],
    minutes: Annotated[str | None, typer.Option("--minutes", help="会议纪要")] = None,
    as_json: JsonOpt = False,
) -> None:
    """登记一次会议，输出编号。例：redprop --as 李娟 meeting new --kind five-plus-x --unit 铁人路社区 --on 2026-11-04T15:00 --attendees "社区党委,嘉华物业,业委会,派出所\""""
    from redprop.meetings.meetings import new_meeting

    st = state(ctx)
    with st.session() as session:
        meeting = new_meeting(
            session,
            kind=kind,
            unit=unit,
            on=_time(on, "--on"),
            attendees=attendees,
            minutes=minutes,
            actor=st.actor,
        )
        number = meeting.number
    _said(number, as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option("--unit", help="只看某社区或街道的会议")] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出会议，最近的在前。例：redprop meeting list --unit 铁人路社区"""
    from redprop.cli.render import joined, table
    from redprop.meetings.meetings import kind_label, list_meetings

    st = state(ctx)
    with st.session(write=False) as session:
        rows = list_meetings(session, unit=unit)
    if as_json:
        emit_json(rows)
        return
    # Keys by their role on a narrow screen (cli/layout): the time never wraps, attendees are text.
    shown_rows = [
        {
            **r,
            "at": r["on"],
            "kind": kind_label(r["kind"], st.lang),
            "summary": joined(r["attendees"], lang=st.lang),
        }
        for r in rows
    ]
    columns = [
        ("number", "编号", "Number"),
        ("at", "时间", "When"),
        ("kind", "类型", "Kind"),
        ("unit", "召开单位", "Held by"),
        ("summary", "参会方", "Attendees"),
        ("items", "问题", "Items"),
        ("tasks", "整改任务", "Tasks"),
    ]
    stdout().print(table(shown_rows, columns, lang=st.lang))


@app.command("show")
def show(ctx: typer.Context, number: MeetingArg, as_json: JsonOpt = False) -> None:
    """显示一次会议：参会方、纪要、问题清单及其整改任务。例：redprop meeting show HY2026-00001"""
    from redprop.cli.render import joined, table
    from redprop.core.vocab import TASK_STATES, label
    from redprop.meetings.meetings import kind_label, meeting_detail

    st = state(ctx)
    with st.session(write=False) as session:
        detail = meeting_detail(session, number)
    if as_json:
        emit_json(detail)
        return
    names = joined((a["name"] for a in detail["attendees"]), lang=st.lang)
    lines = [
        st.t("编号：", "Number: ") + detail["number"],
        st.t("类型：", "Kind: ") + kind_label(detail["kind"], st.lang),
        st.t("召开单位：", "Held by: ") + detail["unit"],
        st.t("时间：", "When: ") + detail["on"].replace("T", " "),
        st.t("参会方：", "Attendees: ") + shown(names),
        st.t("纪要：", "Minutes: ") + shown(detail["minutes"]),
        st.t("登记人：", "Recorded by: ") + detail["actor"],
    ]
    typer.echo("\n".join(lines))
    rows = []
    for item in detail["items"]:
        source = item["case"] or item["demand"] or ""
        tasks = [
            f"{t['number']} {t['owner']} {t['due']} {label(TASK_STATES, t['state'], st.lang)}"
            for t in item["tasks"]
        ]
        rows.append({**item, "source": source, "summary": item["text"], "reason": "\n".join(tasks)})
    columns = [
        ("number", "问题编号", "Item"),
        ("source", "来源", "From"),
        ("summary", "问题", "Problem"),
        ("reason", "整改任务", "Tasks"),
    ]
    stdout().print(table(rows, columns, lang=st.lang, title=st.t("问题清单", "Problem list")))


@item_app.command("add")
def item_add(
    ctx: typer.Context,
    meeting: MeetingArg,
    case: Annotated[str | None, typer.Option("--case", help="列入的案件编号，如 87")] = None,
    demand: Annotated[str | None, typer.Option("--demand", help="列入的需求编号，如 XQ12")] = None,
    text: Annotated[str | None, typer.Option("--text", help="问题描述")] = None,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """把一件案件、一项需求或一个问题列入会议的问题清单，输出问题编号；案件会记一条调解记录。
    例：redprop --as 李娟 meeting item add HY1 --case 87"""
    from redprop.meetings.meetings import add_item

    st = state(ctx)
    with st.session() as session:
        item = add_item(
            session,
            meeting=meeting,
            case=case,
            demand=demand,
            text=text,
            actor=st.actor,
            at=_time(at),
        )
        number = item.number
    _said(number, as_json)


@app.command("decide")
def decide(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="问题编号，如 WT2026-00001（或 WT1）")],
    task: Annotated[str | None, typer.Option("--task", help="整改任务")] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="责任方：单位、物业公司或工作人员")
    ] = None,
    due: Annotated[
        str | None, typer.Option("--due", help="整改时限（日期），如 2026-11-20")
    ] = None,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """议定一项整改任务，输出任务编号。例：redprop --as 李娟 meeting decide WT1 --task 修复消防通道 --owner 嘉华物业 --due 2026-11-20"""
    from redprop.core.errors import UsageProblem
    from redprop.meetings.tasks import decide as decide_task

    st = state(ctx)
    if not due:
        raise UsageProblem("请用 --due 给出整改时限（日期）", "Give the due date with --due")
    with st.session() as session:
        rect = decide_task(
            session,
            item=item,
            task=task,
            owner=owner,
            due=_time(due, "--due").date(),
            actor=st.actor,
            at=_time(at),
        )
        number = rect.number
    _said(number, as_json)
