"""`redprop org …`: the unit tree. Each unit kind has add, list, show, rename and remove."""

from pathlib import Path
from typing import Annotated, Any

import typer

from redprop.cli import complete
from redprop.cli._shared import (
    CommunityOpt,
    GridOpt,
    JsonOpt,
    bounded,
    emit_json,
    state,
    stdout,
)
from redprop.core.vocab import UNIT_KINDS

app = typer.Typer(help="单元树：街道、社区、网格、小区、楼栋 / the unit tree", no_args_is_help=True)

# The columns `list` shows for each kind: (key, zh header, en header).
LIST_COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "street": [("name", "街道", "Street")],
    "community": [("name", "社区", "Community"), ("street", "街道", "Street")],
    "grid": [
        ("code", "网格编号", "Code"),
        ("name", "网格名称", "Name"),
        ("kind_label", "类型", "Kind"),
        ("community", "社区", "Community"),
    ],
    "compound": [
        ("name", "小区", "Compound"),
        ("community", "社区", "Community"),
        ("property_company", "物业公司", "Property company"),
    ],
    "building": [
        ("number", "楼栋", "Building"),
        ("community", "社区", "Community"),
        ("grid", "网格", "Grid"),
        ("compound", "小区", "Compound"),
        ("units", "单元数", "Units"),
    ],
}


# What Tab offers for the unit a command names (cli/complete.py); compounds and buildings are
# named within a community or grid, so they are typed out.
KEY_COMPLETION = {
    "street": complete.STREET,
    "community": complete.COMMUNITY,
    "grid": complete.GRID,
}


def _add_generic_commands(kind: str, sub: typer.Typer) -> None:
    """list, show, rename and remove for one unit kind, in the order `--help` lists them."""
    key_help = "网格编号" if kind == "grid" else ("楼栋号" if kind == "building" else "名称")
    _add_list(kind, sub)
    _add_show(kind, sub, key_help)
    _add_rename(kind, sub, key_help)
    _add_remove(kind, sub, key_help)


def _add_list(kind: str, sub: typer.Typer) -> None:
    zh = UNIT_KINDS[kind][0]

    @sub.command("list")
    def list_(
        ctx: typer.Context,
        community: CommunityOpt = None,
        grid: GridOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        from redprop.cli.render import table
        from redprop.core.vocab import GRID_KINDS, label
        from redprop.units.view import list_units

        st = state(ctx)
        with st.session(write=False) as session:
            rows = list_units(session, kind=kind, community=community, grid=grid)
        if as_json:
            emit_json(rows)
            return
        for row in rows:
            if "kind" in row:
                row["kind_label"] = label(GRID_KINDS, row["kind"], st.lang)
        stdout().print(table(rows, LIST_COLUMNS[kind], lang=st.lang))

    list_.__doc__ = f"列出{zh}。例：redprop org {kind} list --json"


def _add_show(kind: str, sub: typer.Typer, key_help: str) -> None:
    zh = UNIT_KINDS[kind][0]
    keys = KEY_COMPLETION.get(kind)

    @sub.command()
    def show(
        ctx: typer.Context,
        key: Annotated[str, typer.Argument(help=key_help, click_type=keys)],
        community: CommunityOpt = None,
        grid: GridOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        from redprop.units.org import find_unit
        from redprop.units.view import describe

        st = state(ctx)
        with st.session(write=False) as session:
            unit = find_unit(session, kind=kind, key=key, community=community, grid=grid)
            info = describe(session, kind=kind, unit=unit)
        if as_json:
            emit_json(info)
            return
        from redprop.cli.render import fields, joined
        from redprop.core.vocab import GRID_KINDS, UNIT_FIELDS, label

        lang = st.lang
        values = info | {"unit": label(UNIT_KINDS, kind, lang)}
        if "kind" in info:
            values["kind"] = label(GRID_KINDS, info["kind"], lang)
        refs = (f"{label(UNIT_KINDS, t, lang)} {n}" for t, n in info["referred_by"].items())
        values["referred_by"] = joined(refs, lang=lang) or "-"
        typer.echo("\n".join(fields(values, UNIT_FIELDS, lang=lang)))

    show.__doc__ = f"显示一个{zh}及引用它的内容。例：redprop org {kind} show {key_help}"


def _add_rename(kind: str, sub: typer.Typer, key_help: str) -> None:
    zh, en = UNIT_KINDS[kind]
    keys = KEY_COMPLETION.get(kind)

    @sub.command()
    def rename(
        ctx: typer.Context,
        key: Annotated[str, typer.Argument(help=key_help, click_type=keys)],
        new: Annotated[str, typer.Argument(help="新名称 / new name")],
        community: CommunityOpt = None,
    ) -> None:
        from redprop.units.edit import rename_unit

        st = state(ctx)
        where = (kind, key, community, None)
        with st.session_as(f"org {kind} rename", target=f"{key} → {new}", unit=where) as session:
            rename_unit(session, kind=kind, key=key, new=new, community=community)
        typer.echo(st.t(f"已将{zh}“{key}”改为“{new}”", f"Renamed the {en} '{key}' to '{new}'"))

    rename.__doc__ = (
        f"重命名{zh}（网格改名称，编号不变；楼栋改楼号）。例：redprop org {kind} rename 旧 新"
    )


def _add_remove(kind: str, sub: typer.Typer, key_help: str) -> None:
    zh, en = UNIT_KINDS[kind]
    keys = KEY_COMPLETION.get(kind)

    @sub.command()
    def remove(
        ctx: typer.Context,
        key: Annotated[str, typer.Argument(help=key_help, click_type=keys)],
        community: CommunityOpt = None,
        grid: GridOpt = None,
    ) -> None:
        from redprop.units.edit import remove_unit

        st = state(ctx)
        where = (kind, key, community, grid)
        with st.session_as(f"org {kind} remove", unit=where) as session:
            remove_unit(session, kind=kind, key=key, community=community, grid=grid)
        typer.echo(st.t(f"已删除{zh}“{key}”", f"Removed the {en} '{key}'"))

    remove.__doc__ = f"删除{zh}（仍被引用时拒绝，并说明被谁引用）。例：redprop org {kind} remove …"


street_app = typer.Typer(help="街道 / streets", no_args_is_help=True)
community_app = typer.Typer(help="社区 / communities", no_args_is_help=True)
grid_app = typer.Typer(help="网格 / grids", no_args_is_help=True)
compound_app = typer.Typer(help="小区及物业公司 / compounds", no_args_is_help=True)
building_app = typer.Typer(help="楼栋 / buildings", no_args_is_help=True)


def _added(ctx: typer.Context, kind: str, key: str) -> None:
    st = state(ctx)
    zh, en = UNIT_KINDS[kind]
    typer.echo(st.t(f"已添加{zh}“{key}”", f"Added the {en} '{key}'"))


@street_app.command("add")
def add_street(ctx: typer.Context, name: Annotated[str, typer.Argument(help="街道名称")]) -> None:
    """添加街道。例：redprop org street add 新市区街道"""
    from redprop.units.edit import add_street as service

    with state(ctx).session_as("org street add", target=name) as session:
        service(session, name=name)
    _added(ctx, "street", name)


@community_app.command("add")
def add_community(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="社区名称")],
    street: Annotated[
        str | None,
        typer.Option("--street", help="所属街道（只有一个时可省略）", click_type=complete.STREET),
    ] = None,
) -> None:
    """添加社区。例：redprop org community add 铁人路社区"""
    from redprop.units.edit import add_community as service

    with state(ctx).session_as(
        "org community add", target=name, street=street, default_street=True
    ) as session:
        service(session, name=name, street=street)
    _added(ctx, "community", name)


@grid_app.command("add")
def add_grid(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="网格编号，如 G001")],
    name: Annotated[str, typer.Option("--name", help="网格名称")],
    community: Annotated[
        str, typer.Option("--community", "-c", help="所属社区", click_type=complete.COMMUNITY)
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--kind", help="base（基础网格）或 special（专属网格）", click_type=complete.GRID_KIND
        ),
    ] = "base",
) -> None:
    """添加网格。例：redprop org grid add G001 --name 天昊小区网格 --community 铁人路社区"""
    from redprop.units.edit import add_grid as service

    with state(ctx).session_as("org grid add", target=code, community=community) as session:
        service(session, code=code, name=name, community=community, kind=kind)
    _added(ctx, "grid", code)


@compound_app.command("add")
def add_compound(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="小区名称")],
    community: Annotated[
        str, typer.Option("--community", "-c", help="所属社区", click_type=complete.COMMUNITY)
    ],
    company: Annotated[str | None, typer.Option("--company", help="物业服务企业")] = None,
) -> None:
    """添加小区及其物业公司。例：redprop org compound add 天昊小区 -c 铁人路社区 --company 嘉华物业"""
    from redprop.units.edit import add_compound as service

    with state(ctx).session_as("org compound add", target=name, community=community) as session:
        service(session, name=name, community=community, property_company=company)
    _added(ctx, "compound", name)


@building_app.command("add")
def add_building(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="楼栋号，如 5 或 5号楼")],
    grid: Annotated[
        str, typer.Option("--grid", "-g", help="所属网格编号", click_type=complete.GRID)
    ],
    compound: Annotated[str | None, typer.Option("--compound", help="所属小区")] = None,
    units: Annotated[int, typer.Option("--units", callback=bounded("--units"), help="单元数")] = 1,
) -> None:
    """添加楼栋。例：redprop org building add 5 --grid G001 --compound 天昊小区 --units 3"""
    from redprop.units.edit import add_building as service

    with state(ctx).session_as("org building add", target=number, grid=grid) as session:
        service(session, number=number, grid=grid, compound=compound, units=units)
    _added(ctx, "building", number)


for _kind, _sub in (
    ("street", street_app),
    ("community", community_app),
    ("grid", grid_app),
    ("compound", compound_app),
    ("building", building_app),
):
    _add_generic_commands(_kind, _sub)
    app.add_typer(_sub, name=_kind)


@app.command()
def tree(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """打印单元树及各级网格、楼栋、住户数。例：redprop org tree"""
    from dataclasses import asdict

    from redprop.units.view import tree as service

    st = state(ctx)
    with st.session(write=False) as session:
        streets = service(session)
    if as_json:
        emit_json([_street_json(s, asdict) for s in streets])
        return
    from redprop.cli.render import unit_tree

    stdout().print(unit_tree(streets, lang=st.lang))


def _street_json(street: Any, asdict: Any) -> dict[str, Any]:
    return {
        "name": street.name,
        "grids": street.grids,
        "buildings": street.buildings,
        "households": street.households,
        "communities": [
            {
                "name": c.name,
                "grids": [asdict(g) for g in c.grids],
                "buildings": c.buildings,
                "households": c.households,
                "compounds": c.compounds,
            }
            for c in street.communities
        ],
    }


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help=".xlsx/.xls/.ods/.csv 文件")],
    street: Annotated[
        str | None, typer.Option("--street", help="新社区所属街道", click_type=complete.STREET)
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="工作表名称")] = None,
    as_json: JsonOpt = False,
) -> None:
    """从表格导入单元树（社区、网格编号、网格名称、网格类型、小区、物业公司、楼栋、单元数）；
    重复导入不会改变任何内容，有错误的行全部列出且不导入任何内容。例：redprop org import 网格.xlsx"""
    from redprop.units.importer import import_org

    st = state(ctx)
    with st.session_as(
        "org import", target=file.name, street=street, default_street=True
    ) as session:
        result = import_org(session, path=file, street=street, sheet=sheet)
    kinds = ("community", "grid", "compound", "building")
    if as_json:
        emit_json(
            {
                "rows": result.rows,
                "skipped": result.skipped,
                "created": {k: result.created[k] for k in kinds},
                "updated": {k: result.updated[k] for k in kinds},
                "unchanged": {k: result.unchanged[k] for k in kinds},
                "ignored_columns": result.ignored_columns,
            }
        )
        return
    for kind in kinds:
        zh, en = UNIT_KINDS[kind]
        c, u, n = result.created[kind], result.updated[kind], result.unchanged[kind]
        typer.echo(
            st.t(
                f"{zh}：新增 {c}，更新 {u}，未变 {n}", f"{en}: {c} new, {u} updated, {n} unchanged"
            )
        )
    if result.ignored_columns:
        cols = "、".join(result.ignored_columns)
        typer.echo(st.t(f"已忽略未知的列：{cols}", f"Ignored unknown columns: {cols}"), err=True)
    if not result.changed:
        typer.echo(st.t("没有任何变化", "Nothing changed"))
