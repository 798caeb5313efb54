"""`redprop score …`: property companies' quarterly scores (量化积分), the rule table, manual
items and counter-items, the board with its 红榜 and 黑榜, and its workbook (docs/design.md §15)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from redprop.cli._shared import CommunityOpt, JsonOpt, emit_json, state, stdout

app = typer.Typer(
    help="物业服务量化积分与红黑榜 / property companies' scores", no_args_is_help=True
)
rules_app = typer.Typer(help="积分规则表 / the rule table", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

QuarterOpt = Annotated[
    str | None, typer.Option("--quarter", "-q", help="季度，如 2026Q4（默认本季度）")
]
CompanyArg = Annotated[str, typer.Argument(help="物业公司名称或统一社会信用代码")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="理由")]

BOARD = [
    ("rank", "名次", "Rank"),
    ("company", "物业公司", "Company"),
    ("score", "得分", "Score"),
    ("list", "红黑榜", "List"),
    ("summary", "得分明细", "Items"),
]
RULES = [
    ("rule", "规则", "Rule"),
    ("label", "名称", "Name"),
    ("points", "分值", "Points"),
    ("default", "默认", "Default"),
    ("range", "可设范围", "Range"),
]
ITEMS = [
    ("id", "编号", "No."),
    ("at", "时间", "Time"),
    ("company", "物业公司", "Company"),
    ("points", "分值", "Points"),
    ("reason", "理由", "Reason"),
    ("actor", "登记人", "By"),
]


def list_label(board: str, lang: str) -> str:
    labels = {"red": ("红榜", "red list"), "black": ("黑榜", "black list")}
    if board not in labels:
        return ""
    return labels[board][1] if lang == "en" else labels[board][0]


def _summary(score: dict[str, Any], lang: str) -> str:
    from redprop.property.scores import rule_label

    parts = [
        f"{rule_label(i['rule'], lang)} {i['count']}: {i['points']:+d}"
        for i in score["items"]
        if i["count"]
    ]
    manual = sum(m["points"] for m in score["manual"])
    if score["manual"]:
        word = "manual items" if lang == "en" else "加减分项"
        parts.append(f"{word} {len(score['manual'])}: {manual:+d}")
    return ("; " if lang == "en" else "；").join(parts)


@app.command()
def board(
    ctx: typer.Context,
    quarter: QuarterOpt = None,
    community: CommunityOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """按季度末的记录给物业公司排名，标出红榜和黑榜。例：redprop score board --quarter 2026Q4"""
    from redprop.property.items import parse_quarter
    from redprop.property.scores import board as service

    st = state(ctx)
    period = parse_quarter(quarter)
    with st.session(write=False) as session:
        scores = [s.as_dict() for s in service(session, quarter=period, community=community)]
    if as_json:
        emit_json({"quarter": period.label, "companies": scores})
        return
    from redprop.cli.render import table

    rows = [
        s | {"list": list_label(s["board"], st.lang), "summary": _summary(s, st.lang)}
        for s in scores
    ]
    title = st.t(f"{period.label} 物业服务量化积分", f"{period.label} property companies' scores")
    stdout().print(table(rows, BOARD, lang=st.lang, title=title))


@app.command()
def add(
    ctx: typer.Context,
    company: CompanyArg,
    points: Annotated[
        int, typer.Option("--points", help="加减分，如 -5 或 3", min=-1000, max=1000)
    ],
    reason: ReasonOpt,
    evidence: Annotated[str | None, typer.Option("--evidence", help="佐证材料")] = None,
) -> None:
    """给物业公司登记一项加减分（只能用冲销项撤回）。例：redprop --as 周涛 score add 嘉华物业 --points -5 --reason 电梯维修不及时"""
    from redprop.property.items import add_item
    from redprop.property.rules import load_rules

    st = state(ctx)
    with st.session_as("score add", target=company, own=True) as session:
        item = add_item(
            session,
            company=company,
            points=points,
            reason=reason,
            evidence=evidence,
            actor=st.member,  # type: ignore[arg-type]
            rules=load_rules(session),
        )
        number = item.id
    typer.echo(
        st.t(f"已登记积分项 {number}：{points:+d}", f"Added score item {number}: {points:+d}")
    )


@app.command()
def counter(
    ctx: typer.Context,
    item: Annotated[int, typer.Argument(help="要冲销的积分项编号", min=1, max=2**31 - 1)],
    reason: ReasonOpt,
) -> None:
    """登记冲销项，抵消一项已登记的加减分。例：redprop --as 周涛 score counter 3 --reason 重复登记"""
    from redprop.property.items import counter_item

    st = state(ctx)
    with st.session_as("score add", target=str(item), own=True) as session:
        made = counter_item(session, item_id=item, reason=reason, actor=st.member)  # type: ignore[arg-type]
        number, points = made.id, made.points
    typer.echo(
        st.t(
            f"已登记冲销项 {number}（{points:+d}），冲销积分项 {item}",
            f"Added counter-item {number} ({points:+d}) for score item {item}",
        )
    )


@app.command()
def items(
    ctx: typer.Context,
    quarter: QuarterOpt = None,
    company: Annotated[str | None, typer.Option("--company", help="只看某物业公司")] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出一个季度登记的加减分项和冲销项。例：redprop score items --quarter 2026Q4"""
    from redprop.property.items import list_items, parse_quarter

    st = state(ctx)
    period = parse_quarter(quarter)
    with st.session(write=False) as session:
        rows = list_items(session, company=company, quarter=period)
    if as_json:
        emit_json(rows)
        return
    from redprop.cli.render import table

    for row in rows:
        if row["counter_of"]:
            row["reason"] = st.t(
                f"冲销 {row['counter_of']}：{row['reason']}",
                f"counters {row['counter_of']}: {row['reason']}",
            )
    stdout().print(table(rows, ITEMS, lang=st.lang))


@app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("-o", "--out", help="输出的 .xlsx 文件")],
    quarter: QuarterOpt = None,
    community: CommunityOpt = None,
) -> None:
    """把一个季度的积分榜和各公司明细写成可打印的 .xlsx。例：redprop score export --quarter 2026Q4 -o 积分.xlsx"""
    from redprop.property.export import write_board
    from redprop.property.items import parse_quarter

    st = state(ctx)
    period = parse_quarter(quarter)
    with st.session(write=False) as session:
        write_board(session, quarter=period, community=community, path=out)
    typer.echo(st.t(f"已写入 {out}", f"Wrote {out}"))


@rules_app.command("show")
def rules_show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """显示积分规则表（本账本的分值、默认值和可设范围）。例：redprop score rules show"""
    from redprop.property.rules import rule_rows

    st = state(ctx)
    with st.session(write=False) as session:
        rows = rule_rows(session)
    if as_json:
        emit_json(rows)
        return
    from redprop.cli.render import table

    for row in rows:
        row["label"] = row["en"] if st.lang == "en" else row["zh"]
        row["range"] = f"{row['low']}..{row['high']}"
    # The keys are for files and scripts: a Chinese screen names the rules in Chinese only.
    columns = RULES if st.lang == "en" else RULES[1:]
    stdout().print(table(rows, columns, lang=st.lang))


@rules_app.command("import")
def rules_import(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(help=".xlsx 或 .csv：规则、分值两列")]
) -> None:
    """从表格修改积分规则（管理员）；有一行错误就不修改任何规则。例：redprop --as 王敏 score rules import 规则.csv"""
    from redprop.property.rules import import_rules

    st = state(ctx)
    with st.session_as("score rules import", target=file.name) as session:
        changed = import_rules(session, path=file)
        st.logged = {"updated": len(changed)}
    typer.echo(st.t(f"已修改 {len(changed)} 条规则", f"Changed {len(changed)} rule(s)"))
