"""`redprop visit …`: log a visit (走访), list who is due, a household's visits, the visit plans
and the month's visit figures (docs/design.md §16)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from redprop.cli._shared import (
    CommunityOpt,
    GridOpt,
    JsonOpt,
    bounded,
    emit_json,
    state,
    stdout,
)
from redprop.cli.report import FromOpt, MonthOpt, ToOpt

app = typer.Typer(help="重点人群走访 / visits to households that need them", no_args_is_help=True)

AddressArg = Annotated[str, typer.Argument(help="住户编号，或地址 社区/楼栋-单元-房号")]


def _day(text: str | None, name: str) -> Any:
    from redprop.core.config import local_now, parse_time

    return parse_time(text, name).date() if text else local_now().date()


@app.command("log")
def log(
    ctx: typer.Context,
    ref: AddressArg,
    on: Annotated[
        str | None, typer.Option("--on", help="走访日期，如 2026-11-03（默认今天）")
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="home（入户）| phone（电话）")] = "home",
    note: Annotated[str | None, typer.Option("--note", help="走访情况")] = None,
    needs: Annotated[
        str | None, typer.Option("--needs", help="住户的需求：同时登记一项微心愿")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """记录一次走访（网格员、楼栋长等，只限本辖区住户）。例：redprop --as 李娟 visit log 铁人路社区/5-2-301 --on 2026-11-03 --needs 代购降压药"""
    from redprop.visits.visits import log_visit

    st = state(ctx)
    day = _day(on, "--on")
    with st.session_as("visit log", target=ref, own=True) as session:
        done = log_visit(
            session, ref=ref, on=day, member=st.member, kind=kind, note=note, needs=needs
        )
        st.logged = None  # a visit is its own hashed, chained record
    if as_json:
        emit_json(done)
        return
    typer.echo(
        st.t(
            f"已记录走访 #{done['id']}：住户 #{done['household']}，{done['on']}",
            f"Visit #{done['id']} logged: household #{done['household']}, {done['on']}",
        )
    )
    if done["demand"]:
        typer.echo(st.t(f"已登记微心愿 {done['demand']}", f"Micro-wish {done['demand']} added"))


DUE_COLUMNS = [
    ("household", "编号", "No."),
    ("grid", "网格", "Grid"),
    ("address", "地址", "Address"),
    ("tags", "标签", "Tags"),
    ("days", "周期（天）", "Every (days)"),
    ("last_visit", "上次走访", "Last visit"),
    ("due_on", "应访日期", "Due on"),
    ("overdue_days", "逾期天数", "Days overdue"),
]


@app.command()
def due(
    ctx: typer.Context,
    grid: GridOpt = None,
    on: Annotated[str | None, typer.Option("--on", help="以哪一天计，默认今天")] = None,
    limit: Annotated[
        int, typer.Option("--limit", callback=bounded("--limit"), help="最多显示多少户")
    ] = 50,
    as_json: JsonOpt = False,
) -> None:
    """列出本人辖区内到期或逾期应走访的住户，逾期最久的在前。例：redprop --as 李娟 visit due"""
    from redprop.core.errors import RedpropError
    from redprop.units.lookup import find_acting, find_grid
    from redprop.visits.due import due_list

    st = state(ctx)
    day = _day(on, "--on")
    # SQLAlchemy Core only (visits/due): a grid worker runs this many times a day.
    with st.connection() as conn:
        member = find_acting(conn, st.actor, refuse=RedpropError)
        grid_id = find_grid(conn, grid).id if grid else None
        rows = due_list(conn, member=member, on=day, grid_id=grid_id)
        names = _names(conn, st.lang)
    if as_json:
        emit_json(rows)
        return
    from redprop.cli.render import joined, table

    shown = [
        r
        | {
            "tags": joined((names.get(t, t) for t in r["tags"]), lang=st.lang),
            "last_visit": r["last_visit"] or "-",
        }
        for r in rows[:limit]
    ]
    stdout().print(table(shown, DUE_COLUMNS, lang=st.lang))
    if len(rows) > limit:
        typer.echo(
            st.t(
                f"共 {len(rows)} 户，只显示前 {limit} 户；用 --limit 或 --json 查看全部",
                f"{len(rows)} households; showing the first {limit}: use --limit or --json",
            ),
            err=True,
        )


def _names(db: Any, lang: str) -> dict[str, str]:
    """The tags' English names for --lang en (Core: `visit due` loads no ORM)."""
    if lang != "en":
        return {}
    from sqlalchemy import select

    from redprop.core.tables import tag_kind

    return dict(db.execute(select(tag_kind.c.name, tag_kind.c.name_en)).all())


@app.command("list")
def list_(ctx: typer.Context, ref: AddressArg, as_json: JsonOpt = False) -> None:
    """列出一户住户的走访记录（只限本辖区）。例：redprop --as 李娟 visit list 铁人路社区/5-2-301"""
    from redprop.core.vocab import VISIT_KINDS, label
    from redprop.units.authority import acting
    from redprop.visits.visits import household_visits

    st = state(ctx)
    with st.session(write=False) as session:
        rows = household_visits(session, ref=ref, member=acting(session, st.actor))
    if as_json:
        emit_json(rows)
        return
    from redprop.cli.render import table

    shown = [r | {"kind": label(VISIT_KINDS, r["kind"], st.lang)} for r in rows]
    columns = [
        ("id", "编号", "No."),
        ("on", "日期", "On"),
        ("kind", "方式", "Kind"),
        ("actor", "走访人", "By"),
        ("note", "情况", "Note"),
        ("demand", "微心愿", "Wish"),
    ]
    stdout().print(table(shown, columns, lang=st.lang))


@app.command()
def plan(
    ctx: typer.Context,
    tag: Annotated[str | None, typer.Argument(help="要修改的标签")] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=3650, help="新的走访周期（天）")
    ] = None,
    none: Annotated[bool, typer.Option("--none", help="这个标签不再安排走访")] = False,
    as_json: JsonOpt = False,
) -> None:
    """查看或修改各标签的走访周期（修改限管理员）。例：redprop --as 管理员 visit plan 独居老人 --days 5"""
    from redprop.core.errors import UsageProblem
    from redprop.visits.visits import plans, set_plan

    st = state(ctx)
    if tag is None:
        with st.session(write=False) as session:
            rows = plans(session)
    else:
        if (days is None) == (not none):
            raise UsageProblem(
                "修改走访周期须给出 --days 天数或 --none（二选一）",
                "Give --days N or --none (one of them) to change a plan",
            )
        with st.session_as("visit plan", target=tag, own=True) as session:
            set_plan(session, tag=tag, days=None if none else days)
            st.logged = {"rows": 1}
            rows = plans(session)
    if as_json:
        emit_json(rows)
        return
    from redprop.cli.rostertags import _print_plans

    _print_plans(rows, st.lang)


@app.command()
def report(
    ctx: typer.Context,
    month: MonthOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    community: CommunityOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """各网格的走访数字：重点户、走访次数、应访户数、按期走访、覆盖率、期末逾期（只有数字）。例：redprop visit report --month 2026-11 -c 铁人路社区"""
    from redprop.core.config import now
    from redprop.figures.period import parse_period
    from redprop.visits.figures import totals, visit_figures

    st = state(ctx)
    period = parse_period(month=month, start=start, end=end, today=now().date())
    with st.session(write=False) as session:
        community_id = None
        if community:
            from redprop.units.org import get_community

            community_id = get_community(session, community).id
        rows = visit_figures(
            session,
            start=period.start.date(),
            end=period.end.date(),
            today=now().date(),
            community=community_id,
        )
    total = totals(rows)[0] if rows else None
    if as_json:
        emit_json({"period": period.as_dict(), "units": rows, "total": total})
        return
    from redprop.cli.render import table
    from redprop.cli.report import pct
    from redprop.core.vocab import VISIT_FIGURES

    everything = [*rows, total | {"community": st.t("合计", "Total"), "grid": ""}] if total else []
    shown = [r | {"coverage": pct(r["coverage"])} for r in everything]
    columns = [("community", "社区", "Community"), ("grid", "网格", "Grid")]
    columns += [(key, zh, en) for key, (zh, en) in VISIT_FIGURES.items()]
    stdout().print(table(shown, columns, lang=st.lang))
