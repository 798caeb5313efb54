"""`redprop roster tag …` and `redprop roster link`: household tags (党员户, 独居老人 …) and the
households a 党员中心户 looks after (docs/design.md §16). Registered on the roster app."""

from __future__ import annotations

from typing import Annotated

import typer

from redprop.cli._shared import JsonOpt, emit_json, state, stdout

tag_app = typer.Typer(help="住户标签 / household tags", no_args_is_help=True)

AddressArg = Annotated[str, typer.Argument(help="住户编号，或地址 社区/楼栋-单元-房号")]
TagOpt = Annotated[str, typer.Option("--tag", "-t", help="标签，如 独居老人（见 roster tag list）")]


def register(app: typer.Typer) -> None:
    app.add_typer(tag_app, name="tag")
    app.command("link")(link)


@tag_app.command("add")
def tag_add(
    ctx: typer.Context,
    ref: AddressArg,
    tag: TagOpt,
    note: Annotated[str | None, typer.Option("--note", help="备注")] = None,
) -> None:
    """给住户添加标签（独居老人等标签只有本单位工作人员可见）。例：redprop --as 李娟 roster tag add 铁人路社区/5-2-301 --tag 独居老人"""
    from redprop.roster.tags import add_tag

    st = state(ctx)
    with st.session_as("roster tag add", target=ref, own=True) as session:
        done = add_tag(session, ref=ref, tag=tag, member=st.member, note=note)
        st.logged = {"rows": 1}  # the tag itself stays out of the admin log (personal)
    typer.echo(
        st.t(
            f"已给住户 #{done['household']} 添加标签 {done['tag']}",
            f"Tagged household #{done['household']} {done['tag_en']}",
        )
    )


@tag_app.command("remove")
def tag_remove(ctx: typer.Context, ref: AddressArg, tag: TagOpt) -> None:
    """去掉住户的一个标签（保留添加和去掉的记录）。例：redprop --as 李娟 roster tag remove 铁人路社区/5-2-301 --tag 独居老人"""
    from redprop.roster.tags import remove_tag

    st = state(ctx)
    with st.session_as("roster tag remove", target=ref, own=True) as session:
        done = remove_tag(session, ref=ref, tag=tag, member=st.member)
        st.logged = {"rows": 1}
    typer.echo(
        st.t(
            f"已去掉住户 #{done['household']} 的标签 {done['tag']}",
            f"Took the tag {done['tag_en']} off household #{done['household']}",
        )
    )


@tag_app.command("list")
def tag_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出标签、是否属个人信息、走访周期（天）。例：redprop roster tag list"""
    from redprop.visits.visits import plans

    st = state(ctx)
    with st.session(write=False) as session:
        rows = plans(session)
    if as_json:
        emit_json(rows)
        return
    _print_plans(rows, st.lang)


def _print_plans(rows: list[dict], lang: str) -> None:
    from redprop.cli.render import table

    yes, no = ("yes", "no") if lang == "en" else ("是", "否")
    shown = [
        {
            "tag": r["tag_en"] if lang == "en" else r["tag"],
            "sensitive": yes if r["sensitive"] else no,
            "days": r["days"] if r["days"] is not None else "-",
        }
        for r in rows
    ]
    columns = [
        ("tag", "标签", "Tag"),
        ("sensitive", "个人信息", "Personal"),
        ("days", "走访周期（天）", "Visit every (days)"),
    ]
    stdout().print(table(shown, columns, lang=lang))


@tag_app.command("define")
def tag_define(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="标签的中文名称")],
    en: Annotated[str, typer.Option("--en", help="英文名称")],
    public: Annotated[
        bool, typer.Option("--public", help="不属个人信息（像党员户一样人人可见）")
    ] = False,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=3650, help="走访周期（天）")
    ] = None,
) -> None:
    """新增一个标签（管理员）。例：redprop --as 管理员 roster tag define 失独家庭 --en bereaved --days 14"""
    from redprop.roster.tags import define_tag

    st = state(ctx)
    with st.session_as("roster tag define", target=name, own=True) as session:
        kind = define_tag(session, name=name, en=en, sensitive=not public, days=days)
        said = (kind.name, kind.name_en)
    typer.echo(st.t(f"已新增标签 {said[0]}", f"Added the tag {said[1]}"))


def link(
    ctx: typer.Context,
    ref: AddressArg,
    serves: Annotated[list[str], typer.Option("--serves", help="联系的住户（可重复），编号或地址")],
) -> None:
    """登记党员中心户联系的住户。例：redprop --as 李娟 roster link 铁人路社区/5-1-101 --serves 5-1-102 --serves 5-1-201"""
    from redprop.roster.tags import link_households

    st = state(ctx)
    with st.session_as("roster link", target=ref, own=True) as session:
        done = link_households(session, ref=ref, serves=serves, member=st.member)
        st.logged = {"rows": len(done["added"])}
    count = len(done["added"])
    typer.echo(
        st.t(
            f"党员中心户 #{done['household']} 新增联系 {count} 户",
            f"Household #{done['household']} now also looks after {count} households",
        )
    )
