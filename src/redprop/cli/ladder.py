"""`redprop ladder …`: the escalation ladder's settings (limits, city level, overdue policy)."""

from __future__ import annotations

from typing import Annotated

import typer

from redprop.cli._shared import JsonOpt, emit_json, state, stdout

app = typer.Typer(
    help="上报阶梯：各层级时限、市级、超期处理 / the escalation ladder", no_args_is_help=True
)


def _show(ctx: typer.Context, as_json: bool) -> None:
    from redprop.cases.settings import load_settings
    from redprop.cli.render import table
    from redprop.core.vocab import LEVELS, label

    st = state(ctx)
    with st.connection() as conn:
        settings = load_settings(conn)
        from redprop.cases.undo import undo_minutes

        minutes = undo_minutes(conn)
    if as_json:
        emit_json(
            {
                "levels": [lv.value for lv in settings.levels],
                "limits": {lv.value: settings.limits[lv] for lv in settings.levels},
                "city_enabled": settings.city_enabled,
                "policy": settings.policy,
                "yellow_share": 0.7,
                "undo_minutes": minutes,
            }
        )
        return
    rows = [
        {"level": label(LEVELS, lv.value, st.lang), "days": settings.limits[lv]}
        for lv in settings.levels
    ]
    stdout().print(
        table(
            rows,
            [("level", "层级", "Level"), ("days", "时限（工作日）", "Limit (working days)")],
            lang=st.lang,
        )
    )
    policy = {
        "escalate": st.t(
            "超期自动上报一级，最高层级督办", "escalate one level; supervise at the top"
        ),
        "supervise": st.t("超期只督办，不自动上报", "supervise only"),
    }[settings.policy]
    typer.echo(
        st.t(
            f"超期处理：{policy}；黄灯：时限的 70%；撤回自己的最后一步：{minutes} 分钟内",
            f"Overdue: {policy}; yellow at 70 % of the limit; undo one's own last step: within "
            f"{minutes} minutes",
        )
    )


@app.command()
def show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """显示各层级时限和超期处理方式。例：redprop ladder show"""
    _show(ctx, as_json)


@app.command("set")
def set_(
    ctx: typer.Context,
    grid: Annotated[int | None, typer.Option("--grid", help="网格时限（工作日）")] = None,
    community: Annotated[int | None, typer.Option("--community", help="社区时限")] = None,
    street: Annotated[int | None, typer.Option("--street", help="街道时限")] = None,
    city: Annotated[int | None, typer.Option("--city", help="市级时限")] = None,
    city_level: Annotated[
        bool | None, typer.Option("--city-level/--no-city-level", help="启用市级（特事市级议）")
    ] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="escalate（自动上报）|supervise（只督办）")
    ] = None,
    undo_minutes: Annotated[
        int | None,
        typer.Option("--undo-minutes", help="多少分钟内可撤回自己的最后一步（1–1440，默认 30）"),
    ] = None,
) -> None:
    """修改上报阶梯设置（只影响之后开始计时的案件）。例：redprop ladder set --grid 3 --city-level --policy escalate"""
    from redprop.cases.rules import Level
    from redprop.cases.settings import update_settings

    limits = {
        lv: d
        for lv, d in (
            (Level.grid, grid),
            (Level.community, community),
            (Level.street, street),
            (Level.city, city),
        )
        if d is not None
    }
    with state(ctx).session_as("ladder set") as session:
        update_settings(
            session, limits=limits, city=city_level, policy=policy, undo_minutes=undo_minutes
        )
    _show(ctx, False)
