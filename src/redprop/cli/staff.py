"""`redprop staff …`: register, list and remove staff; their role and unit decide where they act."""

from __future__ import annotations

from typing import Annotated

import typer

from redprop.cli import complete
from redprop.cli._shared import JsonOpt, emit_json, state, stdout

app = typer.Typer(help="工作人员：网格员、调解员、楼栋长等 / staff", no_args_is_help=True)

ROLE_HELP = "admin|street|community|grid-leader|grid-worker|mediator|building-head"


@app.command()
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="姓名")],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP, click_type=complete.ROLE)],
    unit: Annotated[
        str, typer.Option("--unit", help="网格编号、社区或街道名称", click_type=complete.UNIT)
    ],
    phone: Annotated[str | None, typer.Option("--phone", help="联系电话")] = None,
    buildings: Annotated[
        str | None,
        typer.Option("--buildings", help="楼栋长负责的楼栋号，逗号分隔（如 5,6），须在其网格内"),
    ] = None,
) -> None:
    """登记工作人员。例：redprop staff add 李娟 --role grid-worker --unit G001 --phone 13912345678"""
    from redprop.core.vocab import ROLES, label
    from redprop.units.staff import add_staff

    st = state(ctx)
    with st.session_as("staff add", target=f"{name} {role} {unit}", staff_unit=unit) as session:
        member = add_staff(session, name=name, role=role, unit=unit, phone=phone, by=st.member)
        if buildings is not None:
            from redprop.units.scope import attach_buildings, parse_buildings

            found = parse_buildings(session, buildings, member)
            attach_buildings(session, member, found)
            st.logged = {"rows": len(found)}
    role_label = label(ROLES, member.role, st.lang)
    typer.echo(
        st.t(
            f"已登记{role_label}：{member.name}（{unit}）",
            f"Registered {role_label}: {member.name} ({unit})",
        )
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    role: Annotated[
        str | None, typer.Option("--role", help=ROLE_HELP, click_type=complete.ROLE)
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="网格编号、社区或街道名称", click_type=complete.UNIT),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出在职工作人员（电话已脱敏）。例：redprop staff list --unit 铁人路社区"""
    from redprop.cli.render import table
    from redprop.core.ids import mask_phone
    from redprop.core.vocab import ROLES, label
    from redprop.units.staff import list_staff

    st = state(ctx)
    with st.session(write=False) as session:
        members = list_staff(session, role=role, unit=unit)
    rows = [
        {
            "name": m.name,
            "role": m.role,
            "role_label": label(ROLES, m.role, st.lang),
            "unit_kind": m.unit_kind,
            "unit": m.unit,
            "phone": mask_phone(m.phone),
        }
        for m in members
    ]
    if as_json:
        emit_json([{k: v for k, v in r.items() if k != "role_label"} for r in rows])
        return
    columns = [
        ("name", "姓名", "Name"),
        ("role_label", "角色", "Role"),
        ("unit", "单位", "Unit"),
        ("phone", "电话", "Phone"),
    ]
    stdout().print(table(rows, columns, lang=st.lang))


@app.command()
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="姓名", click_type=complete.STAFF)],
) -> None:
    """移除工作人员（已有办理记录的改为离任，记录保留）。例：redprop staff remove 李娟"""
    from redprop.units.staff import remove_staff

    st = state(ctx)
    with st.session_as("staff remove", target=name, staff=name) as session:
        outcome = remove_staff(session, name=name, by=st.member)
    if outcome == "retired":
        typer.echo(
            st.t(f"{name} 已离任（其办理记录保留）", f"{name} retired (their records are kept)")
        )
    else:
        typer.echo(st.t(f"已移除 {name}", f"Removed {name}"))
