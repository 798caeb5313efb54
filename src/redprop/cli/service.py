"""`redprop service …`: the service lists (需求清单、资源清单、服务清单) and micro-wishes (微心愿)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from redprop.cli import complete
from redprop.cli._shared import CommunityOpt, JsonOpt, bounded, emit_json, state, stdout
from redprop.cli.report import FromOpt, MonthOpt, ToOpt

app = typer.Typer(
    help="服务清单：需求、资源、服务项目、微心愿 / service lists", no_args_is_help=True
)
demand_app = typer.Typer(help="需求清单与微心愿 / demands and micro-wishes", no_args_is_help=True)
resource_app = typer.Typer(help="资源清单 / resources", no_args_is_help=True)
item_app = typer.Typer(help="服务清单（便民项目）/ service items", no_args_is_help=True)
record_app = typer.Typer(help="服务记录 / service records", no_args_is_help=True)
app.add_typer(demand_app, name="demand")
app.add_typer(resource_app, name="resource")
app.add_typer(item_app, name="item")
app.add_typer(record_app, name="record")

AtOpt = Annotated[str | None, typer.Option("--at", help="发生时间（默认现在）")]
Number = Annotated[str, typer.Argument(help="需求编号，如 XQ2026-00001")]


def _at(value: str | None) -> Any:
    from redprop.core.config import parse_time

    return parse_time(value) if value else None


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]], lang: str) -> None:
    from redprop.cli.render import table

    stdout().print(table(rows, columns, lang=lang))


@demand_app.command("add")
def demand_add(
    ctx: typer.Context,
    grid: Annotated[str, typer.Option("--grid", "-g", help="网格编号", click_type=complete.GRID)],
    summary: Annotated[str, typer.Option("--summary", help="需求内容")],
    category: Annotated[
        str,
        typer.Option(
            "--category",
            help="需求类型，如 助老、维修、微心愿",
            click_type=complete.DEMAND_CATEGORY,
        ),
    ] = "",
    household: Annotated[
        str | None, typer.Option("--household", help="住户地址，如 铁人路社区/5-2-301")
    ] = None,
    wish: Annotated[bool, typer.Option("--wish", help="这是一个微心愿")] = False,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记一项需求或微心愿，输出编号。例：redprop --as 李娟 service demand add --grid G001 --category 助老 --summary 代购药品"""
    from redprop.core.errors import UsageProblem
    from redprop.servicelists.demands import add_demand

    st = state(ctx)
    if not category and not wish:
        raise UsageProblem(
            "请用 --category 写明需求类型（微心愿可用 --wish）",
            "Give --category (or --wish for a micro-wish)",
        )
    with st.session() as session:
        demand = add_demand(
            session,
            grid=grid,
            category=category,
            summary=summary,
            actor=st.actor,
            household=household,
            wish=wish,
            at=_at(at),
        )
        number = demand.number
    if as_json:
        emit_json({"number": number})
    else:
        typer.echo(number)


def _step(ctx: typer.Context, number: str, action: str, at: str | None, **facts: Any) -> None:
    from redprop.servicelists.demands import DemandFacts, step_demand
    from redprop.servicelists.rules import STATE_NAMES, DemandAction, DemandState

    st = state(ctx)
    with st.session() as session:
        event = step_demand(
            session,
            number=number,
            action=DemandAction(action),
            actor=st.actor,
            facts=DemandFacts(**facts),
            at=_at(at),
        )
        zh, en = STATE_NAMES[DemandState(event.state)]
    typer.echo(st.t(f"{number}：{zh}", f"{number}: {en}"))


@demand_app.command()
def claim(
    ctx: typer.Context,
    number: Number,
    by: Annotated[
        str | None, typer.Option("--by", help="资源编号（如 ZY-0001）或认领的党员、志愿者姓名")
    ] = None,
    at: AtOpt = None,
) -> None:
    """认领需求。例：redprop --as 李娟 service demand claim XQ2026-00001 --by 杨红军"""
    _step(ctx, number, "claim", at, by=by)


@demand_app.command()
def fulfil(
    ctx: typer.Context,
    number: Number,
    feedback: Annotated[str | None, typer.Option("--feedback", help="完成情况反馈")] = None,
    satisfaction: Annotated[
        str | None, typer.Option("--satisfaction", help="satisfied|basic|unsatisfied")
    ] = None,
    item: Annotated[str | None, typer.Option("--item", help="记入哪个服务项目的服务记录")] = None,
    served: Annotated[
        int | None,
        typer.Option("--served", callback=bounded("--served"), help="服务人数（与 --item 一起用）"),
    ] = None,
    at: AtOpt = None,
) -> None:
    """完成需求，记录反馈和满意度（可同时记入服务项目）。例：redprop --as 李娟 service demand fulfil XQ2026-00001 --feedback 已送达 --satisfaction satisfied"""
    _step(
        ctx,
        number,
        "fulfil",
        at,
        feedback=feedback,
        satisfaction=satisfaction,
        item=item,
        served=served,
    )


@demand_app.command()
def cancel(
    ctx: typer.Context,
    number: Number,
    reason: Annotated[str | None, typer.Option("--reason", help="原因")] = None,
    at: AtOpt = None,
) -> None:
    """取消需求。例：redprop --as 李娟 service demand cancel XQ2026-00001 --reason 居民已自行解决"""
    _step(ctx, number, "cancel", at, reason=reason)


@demand_app.command()
def reopen(
    ctx: typer.Context,
    number: Number,
    reason: Annotated[str | None, typer.Option("--reason", help="原因")] = None,
    at: AtOpt = None,
) -> None:
    """重新打开已完成或已取消的需求。例：redprop --as 李娟 service demand reopen XQ2026-00001 --reason 需求再次出现"""
    _step(ctx, number, "reopen", at, reason=reason)


@demand_app.command("list")
def demand_list(
    ctx: typer.Context,
    community: CommunityOpt = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="open|claimed|fulfilled|cancelled", click_type=complete.DEMAND_STATE
        ),
    ] = None,
    wish: Annotated[bool, typer.Option("--wish", help="只看微心愿")] = False,
    as_json: JsonOpt = False,
) -> None:
    """列出需求清单。例：redprop service demand list --wish --status open"""
    from redprop.servicelists.demands import list_demands
    from redprop.servicelists.rules import STATE_NAMES, DemandState

    st = state(ctx)
    with st.session(write=False) as session:
        rows = list_demands(session, community=community, state=status, wish=wish)
    if as_json:
        emit_json(rows)
        return
    shown = [
        {
            **r,
            "state": st.t(*STATE_NAMES[DemandState(r["state"])]),
            "wish": "✓" if r["wish"] else "",
        }
        for r in rows
    ]
    _table(
        shown,
        [
            ("number", "编号", "Number"),
            ("created_at", "登记时间", "Created"),
            ("community", "社区", "Community"),
            ("grid", "网格", "Grid"),
            ("category", "类型", "Category"),
            ("wish", "微心愿", "Wish"),
            ("summary", "内容", "Summary"),
            ("state", "状态", "State"),
            ("claimed_by", "认领方", "Claimed by"),
        ],
        st.lang,
    )


@demand_app.command("show")
def demand_show(ctx: typer.Context, number: Number, as_json: JsonOpt = False) -> None:
    """显示一项需求及其每一步记录。例：redprop service demand show XQ2026-00001 --json"""
    from redprop.servicelists.demands import demand_detail

    st = state(ctx)
    with st.session(write=False) as session:
        detail = demand_detail(session, number)
    if as_json:
        emit_json(detail)
        return
    from redprop.cli.render import demand_card

    head, events = demand_card(detail, lang=st.lang)
    typer.echo("\n".join(head))
    _table(
        events,
        [
            ("at", "时间", "At"),
            ("action", "操作", "Action"),
            ("state", "之后", "After"),
            ("actor", "操作人", "Actor"),
            ("reason", "说明", "Reason"),
        ],
        st.lang,
    )


@resource_app.command("add")
def resource_add(
    ctx: typer.Context,
    provider: Annotated[str, typer.Option("--provider", help="提供方名称")],
    provider_type: Annotated[
        str,
        typer.Option(
            "--provider-type", help="unit|company|social-org|volunteer-team|party-member|shop"
        ),
    ],
    kind: Annotated[str, typer.Option("--kind", help="venue|people|skill|funds|goods")],
    summary: Annotated[str, typer.Option("--summary", help="资源内容")],
    community: CommunityOpt = None,
    capacity: Annotated[
        int | None,
        typer.Option("--capacity", callback=bounded("--capacity"), help="服务能力（人次）"),
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="联系电话")] = None,
) -> None:
    """登记一项资源，输出编号。例：redprop service resource add --provider 嘉华物业 --provider-type company --kind people --summary 水电维修"""
    from redprop.servicelists.provision import add_resource

    where = {"community": community} if community else {"own": True}
    with state(ctx).session_as("service resource add", **where) as session:
        resource = add_resource(
            session,
            provider=provider,
            provider_type=provider_type,
            kind=kind,
            summary=summary,
            community=community,
            capacity=capacity,
            phone=phone,
        )
        number = resource.number
    typer.echo(number)


@resource_app.command("list")
def resource_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出资源清单（电话已脱敏）。例：redprop service resource list"""
    from redprop.core.ids import mask_phone
    from redprop.servicelists.provision import list_resources

    st = state(ctx)
    with st.session(write=False) as session:
        rows = [{**r, "phone": mask_phone(r["phone"]) or None} for r in list_resources(session)]
    if as_json:
        emit_json(rows)
        return
    from redprop.core.vocab import PROVIDER_TYPES, RESOURCE_KINDS, label

    _table(
        [
            r
            | {
                "provider_type": label(PROVIDER_TYPES, r["provider_type"], st.lang),
                "kind": label(RESOURCE_KINDS, r["kind"], st.lang),
            }
            for r in rows
        ],
        [
            ("number", "编号", "Number"),
            ("provider", "提供方", "Provider"),
            ("provider_type", "类型", "Type"),
            ("kind", "资源", "Kind"),
            ("summary", "内容", "Summary"),
            ("community", "社区", "Community"),
            ("capacity", "能力", "Capacity"),
            ("phone", "电话", "Phone"),
        ],
        st.lang,
    )


@item_app.command("add")
def item_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="项目名称，如 直饮水站")],
    community: Annotated[
        str, typer.Option("--community", "-c", help="社区", click_type=complete.COMMUNITY)
    ],
    category: Annotated[str, typer.Option("--category", help="类别，如 便民服务")] = "便民服务",
    compound: Annotated[str | None, typer.Option("--compound", help="小区")] = None,
    resource: Annotated[str | None, typer.Option("--resource", help="资源编号")] = None,
    status: Annotated[str, typer.Option("--status", help="planned|running|retired")] = "running",
) -> None:
    """登记服务项目（便民项目）。例：redprop service item add --name 直饮水站 --community 铁人路社区 --compound 天昊小区"""
    from redprop.servicelists.provision import add_item

    with state(ctx).session_as("service item add", community=community) as session:
        add_item(
            session,
            name=name,
            category=category,
            community=community,
            compound=compound,
            resource=resource,
            status=status,
        )
    typer.echo(state(ctx).t(f"已登记服务项目：{name}", f"Added the service item: {name}"))


@item_app.command("list")
def item_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出服务项目。例：redprop service item list"""
    from redprop.servicelists.provision import list_items

    st = state(ctx)
    with st.session(write=False) as session:
        rows = list_items(session)
    if as_json:
        emit_json(rows)
        return
    from redprop.core.vocab import ITEM_STATUSES, label

    _table(
        [r | {"status": label(ITEM_STATUSES, r["status"], st.lang)} for r in rows],
        [
            ("name", "项目", "Item"),
            ("category", "类别", "Category"),
            ("community", "社区", "Community"),
            ("compound", "小区", "Compound"),
            ("resource", "资源", "Resource"),
            ("status", "状态", "Status"),
        ],
        st.lang,
    )


@record_app.command("add")
def record_add(
    ctx: typer.Context,
    item: Annotated[str, typer.Option("--item", help="服务项目名称")],
    on: Annotated[str, typer.Option("--on", help="服务日期，如 2026-11-03")],
    served: Annotated[int, typer.Option("--served", callback=bounded("--served"), help="服务人数")],
    volunteers: Annotated[
        int, typer.Option("--volunteers", callback=bounded("--volunteers"), help="志愿者人次")
    ] = 0,
    note: Annotated[str | None, typer.Option("--note", help="备注")] = None,
    community: CommunityOpt = None,
) -> None:
    """记录一次服务。例：redprop service record add --item 幸福食堂 --on 2026-11-03 --served 42 --volunteers 3"""
    from redprop.core.config import parse_time
    from redprop.servicelists.provision import add_record

    where = {"community": community} if community else {"own": True}
    with state(ctx).session_as("service record add", **where) as session:
        add_record(
            session,
            item=item,
            community=community,
            on=parse_time(on, "--on").date(),
            served=served,
            volunteers=volunteers,
            note=note,
        )
    typer.echo(state(ctx).t("已记录", "Recorded"))


@app.command("export")
def export(ctx: typer.Context, out: Annotated[Path, typer.Argument(help="导出到 .xlsx")]) -> None:
    """导出需求、资源、服务清单和服务记录（中文表头，电话脱敏）。例：redprop service export 清单.xlsx"""
    from redprop.core.errors import UsageProblem
    from redprop.servicelists.io import export_lists

    st = state(ctx)
    if out.suffix.lower() != ".xlsx":
        raise UsageProblem("清单文件须以 .xlsx 结尾", "The file must end in .xlsx")
    with st.session(write=False) as session:
        counts = export_lists(session, out=out)
    typer.echo(
        st.t(
            f"已导出到 {out}：" + "，".join(f"{k} {v} 条" for k, v in counts.items()),
            f"Exported to {out}: {counts}",
        )
    )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="清单工作簿 .xlsx")],
    as_json: JsonOpt = False,
) -> None:
    """导入需求、资源、服务清单和服务记录（redprop service export 的格式）；重复导入不变。例：redprop --as 王敏 service import 清单.xlsx"""
    from redprop.cli._report import print_report, problems_json
    from redprop.servicelists.io import import_lists

    st = state(ctx)
    with st.session_as("service import", target=file.name, own=True) as session:
        report = import_lists(session, path=file, actor=st.actor)
        st.logged = report.counts() if report.stored and report.imported else None
    if as_json:
        emit_json(
            {
                "counts": {
                    k: report.counts()[k]
                    for k in ("read", "new", "unchanged", "rejected", "skipped")
                },
                **problems_json(st, report),
            }
        )
    else:
        print_report(st, report)
    raise typer.Exit(report.exit_code)


@app.command("report")
def report(
    ctx: typer.Context,
    month: MonthOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    community: CommunityOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """服务清单的月度数字：需求新增、认领、完成、取消、月末待办，完成率，微心愿完成率，各项目服务人数和志愿者人次。例：redprop service report --month 2026-11 --json"""
    from redprop.core.config import now
    from redprop.figures.period import parse_period
    from redprop.servicelists.figures import service_figures

    st = state(ctx)
    period = parse_period(month=month, start=start, end=end, today=now().date())
    with st.session(write=False) as session:
        figures = service_figures(session, start=period.start, end=period.end, community=community)
    if as_json:
        emit_json({"period": period.as_dict(), "figures": figures})
        return
    from redprop.cli.report import pct

    f = figures
    typer.echo(
        st.t(
            f"{period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}：需求新增 {f['new']}，认领 {f['claimed']}，完成 {f['fulfilled']}，取消 {f['cancelled']}，"
            f"月末待办 {f['open_at_end']}；完成率 {pct(f['fulfilment_rate'])}，微心愿完成率 {pct(f['wish_fulfilment_rate'])}；服务 {f['served']} 人次，志愿者 {f['volunteer_turns']} 人次",
            f"{period.start:%Y-%m-%d} to {period.last_day:%Y-%m-%d}: {f['new']} new, {f['claimed']} claimed, {f['fulfilled']} fulfilled, {f['cancelled']} cancelled, "
            f"{f['open_at_end']} open; fulfilment {pct(f['fulfilment_rate'])}, wishes {pct(f['wish_fulfilment_rate'])}; {f['served']} served, {f['volunteer_turns']} volunteer turns",
        )
    )
    if f["by_item"]:
        _table(
            f["by_item"],
            [
                ("item", "服务项目", "Item"),
                ("community", "社区", "Community"),
                ("records", "服务次数", "Records"),
                ("served", "服务人数", "Served"),
                ("volunteers", "志愿者人次", "Volunteers"),
            ],
            st.lang,
        )
