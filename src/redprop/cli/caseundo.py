"""`redprop case related`, `case undo` and `redprop history` (issue 19): the cases a dispute
relates to, taking back one's own last step, and one's own recent steps with whether each can
still be taken back. Registered on the `case` group and the root by cli/__init__.py."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from redprop.cli import complete
from redprop.cli._shared import JsonOpt, bounded, emit_json, state, stdout

Number = Annotated[
    str, typer.Argument(help="案件编号，如 2026-00001 或 87", click_type=complete.CASE_NUMBER)
]


def related(ctx: typer.Context, number: Number, as_json: JsonOpt = False) -> None:
    """同一住户、当事人电话或地址前后 12 个月内的其他纠纷，及手工关联的案件，并说明其结果。
    例：redprop case related 2026-00087"""
    from redprop.cases.parties import related_cases
    from redprop.cli.render import table
    from redprop.core.vocab import RELATED_WHY, STATES, label

    st = state(ctx)
    with st.connection() as conn:
        found = related_cases(conn, number)
    if as_json:
        emit_json(found)
        return
    if not found["related"]:
        typer.echo(
            st.t(
                f"{found['number']} 前后 12 个月没有相关纠纷",
                f"No related case within 12 months of {found['number']}",
            )
        )
        return
    shown = [
        {
            **r,
            "why": label(RELATED_WHY, r["why"], st.lang),
            "state": label(STATES, r["state"], st.lang),
            "outcome": r["outcome"] or "",
        }
        for r in found["related"]
    ]
    columns = [
        ("number", "编号", "No."),
        ("registered_at", "登记时间", "Registered"),
        ("why", "关联", "Why"),
        ("state", "状态", "State"),
        ("outcome", "结果", "Outcome"),
        ("summary", "简要情况", "Summary"),
    ]
    stdout().print(table(shown, columns, lang=st.lang))


def undo(ctx: typer.Context, number: Number) -> None:
    """撤回自己在这件案件上的最后一步（须是案件的最后一步，且在 30 分钟内；管理员可用
    redprop ladder set --undo-minutes 调整）。登记错了请用 case withdraw。
    例：redprop --as 李娟 case undo 2026-00087"""
    from redprop.cases.undo import undo as service
    from redprop.core.vocab import EVENT_ACTIONS, LEVELS, STATES, label

    st = state(ctx)
    event = st.retried(
        lambda conn: service(conn, number=number, actor=st.actor, request=st.request)
    )
    data = json.loads(event.data)
    step, done = data["undoes"], label(EVENT_ACTIONS, data["action"], st.lang)
    now = label(STATES, event.state, st.lang), label(LEVELS, event.level, st.lang)
    typer.echo(
        st.t(
            f"{event.number}：已撤回第 {step} 步（{done}），现为{now[0]}（{now[1]}）",
            f"{event.number}: step {step} ({done}) undone; now {now[0]} ({now[1]})",
        )
    )


def history(
    ctx: typer.Context,
    mine: Annotated[
        bool, typer.Option("--mine", help="我自己的（history 只列自己的步骤）")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", callback=bounded("--limit"), help="最多显示多少条")
    ] = 50,
    as_json: JsonOpt = False,
) -> None:
    """我最近办理的每一步，及能否撤回（还剩几分钟）。例：redprop --as 李娟 history --mine"""
    from redprop.cases.undo import my_history
    from redprop.cli.render import table
    from redprop.core.vocab import EVENT_ACTIONS, LEVELS, STATES, UNDO_STATUS, label

    st = state(ctx)
    with st.connection() as conn:
        rows = my_history(conn, actor=st.actor, limit=limit)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        typer.echo(st.t("您还没有办理记录", "You have taken no step yet"))
        return
    left = st.t("（还剩 {} 分钟）", " ({} min left)")
    shown = [
        {
            **r,
            "action": label(EVENT_ACTIONS, r["action"], st.lang),
            "after": f"{label(STATES, r['state'], st.lang)}/{label(LEVELS, r['level'], st.lang)}",
            "undo": label(UNDO_STATUS, r["undo"], st.lang)
            + (left.format(r["minutes_left"]) if r["minutes_left"] is not None else ""),
        }
        for r in rows
    ]
    columns = [
        ("number", "编号", "No."),
        ("seq", "步", "Step"),
        ("action", "操作", "Action"),
        ("after", "之后", "After"),
        ("at", "时间", "At"),
        ("undo", "撤回", "Undo"),
    ]
    stdout().print(table(shown, columns, lang=st.lang))


def register(app: typer.Typer) -> None:
    app.command("related")(related)
    app.command("undo")(undo)
