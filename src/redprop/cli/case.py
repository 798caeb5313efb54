"""`redprop case …`: register disputes, move them along the ladder, list, show and sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from redprop.cli import _shared, complete
from redprop.cli._shared import (
    CommunityOpt,
    GridOpt,
    JsonOpt,
    bounded,
    emit_json,
    state,
    stdout,
)

if TYPE_CHECKING:
    from redprop.cases.actions import Facts

app = typer.Typer(
    help="矛盾纠纷案件：登记、受理、上报、化解、回访 / disputes", no_args_is_help=True
)

AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="发生时间（默认现在），如 2026-11-03T09:30 / when it happened"),
]
Number = Annotated[
    str, typer.Argument(help="案件编号，如 2026-00001", click_type=complete.CASE_NUMBER)
]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="原因 / reason")]


def _at(value: str | None) -> Any:
    from redprop.core.config import parse_time

    return parse_time(value) if value else None


@app.command("new")
def new(
    ctx: typer.Context,
    grid: GridOpt = None,
    category: Annotated[
        str | None,
        typer.Option("--category", help="纠纷类型，如 邻里纠纷", click_type=complete.CATEGORY),
    ] = None,
    severity: complete.SeverityOpt = None,
    summary: Annotated[str | None, typer.Option("--summary", help="简要情况")] = None,
    party: Annotated[
        list[str] | None,
        typer.Option(
            "--party",
            help="当事人（可多次）：姓名；姓名 手机号（只存其密钥哈希，用于识别重复纠纷）；"
            "或住户地址 社区/楼栋-单元-房号",
        ),
    ] = None,
    building: Annotated[str | None, typer.Option("--building", help="楼栋")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="单元")] = None,
    room: Annotated[str | None, typer.Option("--room", help="房号")] = None,
    source: Annotated[
        str, typer.Option("--source", help="patrol|visit|phone|hotline|referral|other")
    ] = "patrol",
    link: Annotated[
        list[str] | None, typer.Option("--link", help="关联一件更早的案件（可多次），如 2026-00012")
    ] = None,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """登记一件矛盾纠纷，输出案件编号。例：redprop case new --grid G003 --category 邻里纠纷 --severity small --summary 楼上漏水 --party 张三 --party 李四"""
    from redprop.cases.actions import NewCase, register_case

    st = state(ctx)
    values: dict[str, Any] = {
        "grid": grid,
        "category": category,
        "severity": severity,
        "summary": summary,
        "party": party,
    }
    _ask_missing(st, values)

    def register(conn: Any) -> Any:
        case = register_case(
            conn,
            new=NewCase(
                grid=values["grid"],
                category=values["category"],
                severity=values["severity"],
                summary=values["summary"],
                parties=list(values["party"]),
                building=building,
                unit=unit,
                room=room,
                source=source,
                links=list(link or []),
            ),
            actor=st.actor,
            at=_at(at),
            request=st.request,
        )
        from redprop.cases.parties import relations_of

        return case, relations_of(conn, case.id)

    case, related = st.retried(register)
    number, level, due = case.number, case.level, case.due_on
    if as_json:
        due_at = due.isoformat() if due else None
        emit_json({"number": number, "level": level, "due_at": due_at, "related": related})
    else:
        typer.echo(number)
    _unknown_year(st, due)
    if related:
        from redprop.cli.render import repeat_notice

        typer.echo(repeat_notice(number, related, lang=st.lang), err=True)


def _ask_missing(st: Any, values: dict[str, Any]) -> None:
    """Ask for what `case new` was not given, at a terminal; a script is told what is missing."""
    from redprop.core.errors import UsageProblem

    prompts = {
        "grid": ("网格编号", "Grid code"),
        "category": ("纠纷类型", "Category"),
        "severity": ("严重程度 small/major/hard/special", "Severity small/major/hard/special"),
        "summary": ("简要情况", "Summary"),
        "party": ("当事人（多人用、分隔）", "Parties (separate with ,)"),
    }
    missing = [k for k, v in values.items() if not v]
    if missing and not _shared.is_interactive():
        options = " ".join(f"--{k}" for k in missing)
        raise UsageProblem(
            f"缺少 {options}：请在命令中给出", f"Missing {options}: give them on the command line"
        )
    for key in missing:
        answer = typer.prompt(st.t(*prompts[key]))
        values[key] = (
            [p for p in answer.replace("，", ",").replace("、", ",").split(",")]
            if key == "party"
            else answer
        )


def _unknown_year(st: Any, due: Any) -> None:
    """Say, on stderr, when a due date falls in a year the official holiday schedule doesn't
    cover yet (core/holidays): it was counted Monday to Friday."""
    from redprop.core.holidays import unknown_year

    year = unknown_year(due)
    if year is not None:
        typer.echo(
            st.t(
                f"提示：{year} 年的法定节假日安排尚未收录，期限 {due} 按周一至周五计算；"
                "可用 redprop calendar add 登记，或在国务院公布后升级 redprop",
                f"Note: {year}'s official holidays aren't known yet, so the due date {due} counts "
                "Monday to Friday; add them with redprop calendar add, or upgrade redprop",
            ),
            err=True,
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="registered|in_progress|suspended|resolved|closed|referred|withdrawn",
            click_type=complete.STATE,
        ),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option("--level", help="grid|community|street|city", click_type=complete.LEVEL),
    ] = None,
    community: CommunityOpt = None,
    grid: GridOpt = None,
    severity: complete.SeverityOpt = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只看超期（红牌）")] = False,
    yellow: Annotated[bool, typer.Option("--yellow", help="只看黄灯预警")] = False,
    repeat: Annotated[
        bool,
        typer.Option(
            "--repeat", help="只看重复纠纷（登记前 12 个月内同一住户、当事人或地址已有纠纷）"
        ),
    ] = False,
    search: Annotated[
        str | None,
        typer.Option("--search", help="在简要情况、纠纷类型、楼栋房号、当事人中查找"),
    ] = None,
    company: Annotated[
        str | None, typer.Option("--company", help="只看投诉到这个物业公司的案件")
    ] = None,
    since: Annotated[str | None, typer.Option("--from", help="登记日期自，如 2026-11-01")] = None,
    until: Annotated[str | None, typer.Option("--to", help="登记日期至，如 2026-11-30")] = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="只看我现在可以办理的（同 case todo）")
    ] = False,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", callback=bounded("--limit"), help="最多显示多少条（--json 时不限）"
        ),
    ] = 50,
    as_json: JsonOpt = False,
) -> None:
    """列出案件，最新的在前。例：redprop case list --grid G003 --status in_progress --search 漏水"""
    from redprop.cases.query import CaseFilter, list_cases
    from redprop.core.config import local_now, parse_time

    st = state(ctx)
    today = local_now().date()
    filt = CaseFilter(status, level, community, grid, severity, overdue, yellow, search)
    filt.repeat = repeat
    filt.company = company
    filt.since = parse_time(since, "--from").date() if since else None
    filt.until = parse_time(until, "--to").date() if until else None
    with st.connection() as conn:
        if mine:
            from redprop.cases.todo import todo

            filt.numbers = [r["number"] for r in todo(conn, actor=st.actor, today=today)]
        found = list_cases(conn, filt=filt, today=today, limit=None if as_json else limit)
    if as_json:
        emit_json(found.rows)
        return
    from redprop.cli.render import case_table

    stdout().print(case_table(found.rows, lang=st.lang))
    if found.total > len(found.rows):
        typer.echo(
            st.t(
                f"显示 {len(found.rows)} / {found.total} 件；用 --limit 或 --json 查看全部",
                f"Showing {len(found.rows)} of {found.total}; use --limit or --json for all",
            ),
            err=True,
        )


@app.command()
def show(ctx: typer.Context, number: Number, as_json: JsonOpt = False) -> None:
    """显示一件案件及其全部办理记录。例：redprop case show 2026-00001 --json"""
    from redprop.cases.detail import case_detail

    st = state(ctx)
    with st.connection() as conn:
        detail = case_detail(conn, number)
    if as_json:
        emit_json(detail)
        return
    from redprop.cli.render import case_card

    stdout().print(case_card(detail, lang=st.lang))


def _act(
    ctx: typer.Context, number: str, action: str, at: str | None, facts: Facts | None = None
) -> None:
    from redprop.cases.actions import act
    from redprop.cases.rules import Action
    from redprop.core.vocab import LEVELS, STATES, label

    st = state(ctx)
    event = st.retried(
        lambda conn: act(
            conn,
            number=number,
            action=Action(action),
            actor=st.actor,
            facts=facts,
            at=_at(at),
            request=st.request,
        )
    )
    state_label, level_label = (
        label(STATES, event.state, st.lang),
        label(LEVELS, event.level, st.lang),
    )
    due = event.due_on
    number = event.number  # whole, however it was typed
    due_zh = f"，期限 {due}" if due else ""
    due_en = f", due {due}" if due else ""
    typer.echo(
        st.t(
            f"{number}：{state_label}（{level_label}）{due_zh}",
            f"{number}: {state_label} ({level_label}){due_en}",
        )
    )
    _unknown_year(st, due)


def _facts(**kwargs: Any) -> Facts:
    from redprop.cases.actions import Facts

    return Facts(**kwargs)


@app.command()
def accept(ctx: typer.Context, number: Number, at: AtOpt = None) -> None:
    """受理案件。例：redprop --as 李娟 case accept 2026-00001"""
    _act(ctx, number, "accept", at)


@app.command()
def escalate(
    ctx: typer.Context, number: Number, reason: ReasonOpt = None, at: AtOpt = None
) -> None:
    """上报到上一层级（新的时限）。例：redprop case escalate 2026-00001 --reason 涉及多户"""
    _act(ctx, number, "escalate", at, _facts(reason=reason))


@app.command()
def assign(
    ctx: typer.Context,
    number: Number,
    to_level: Annotated[
        str | None,
        typer.Option("--to-level", help="grid|community|street", click_type=complete.LEVEL),
    ] = None,
    reason: ReasonOpt = None,
    at: AtOpt = None,
) -> None:
    """交办到更低的层级（新的时限）。例：redprop case assign 2026-00001 --to-level grid --reason 网格可化解"""
    _act(ctx, number, "assign", at, _facts(to_level=to_level, reason=reason))


@app.command()
def note(
    ctx: typer.Context,
    number: Number,
    text: Annotated[str | None, typer.Option("--text", help="调解记录")] = None,
    at: AtOpt = None,
) -> None:
    """添加调解记录。例：redprop case note 2026-00001 --text 已约双方面谈"""
    _act(ctx, number, "note", at, _facts(text=text))


@app.command()
def extend(
    ctx: typer.Context,
    number: Number,
    days: Annotated[
        int | None, typer.Option("--days", callback=bounded("--days"), help="延长的工作日数")
    ] = None,
    reason: ReasonOpt = None,
    at: AtOpt = None,
) -> None:
    """延期（须由上级批准）。例：redprop case extend 2026-00001 --days 5 --reason 需要鉴定"""
    _act(ctx, number, "extend", at, _facts(days=days, reason=reason))


@app.command()
def suspend(ctx: typer.Context, number: Number, reason: ReasonOpt = None, at: AtOpt = None) -> None:
    """挂起案件（时限暂停）。例：redprop case suspend 2026-00001 --reason 当事人外出"""
    _act(ctx, number, "suspend", at, _facts(reason=reason))


@app.command()
def resume(ctx: typer.Context, number: Number, reason: ReasonOpt = None, at: AtOpt = None) -> None:
    """恢复办理挂起的案件。例：redprop case resume 2026-00001"""
    _act(ctx, number, "resume", at, _facts(reason=reason))


@app.command()
def resolve(
    ctx: typer.Context,
    number: Number,
    outcome: Annotated[str | None, typer.Option("--outcome", help="化解结果")] = None,
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="oral|written（口头/书面）")
    ] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="协议要点")] = None,
    at: AtOpt = None,
) -> None:
    """化解案件（待回访）。例：redprop case resolve 2026-00001 --outcome 达成赔偿协议 --agreement written"""
    _act(ctx, number, "resolve", at, _facts(outcome=outcome, agreement=agreement, summary=summary))


@app.command()
def refer(
    ctx: typer.Context,
    number: Number,
    to: Annotated[str | None, typer.Option("--to", help="法院|检察院|公安|仲裁|部门")] = None,
    body: Annotated[str | None, typer.Option("--body", help="接收单位名称")] = None,
    at: AtOpt = None,
) -> None:
    """移交（诉调对接）。例：redprop case refer 2026-00001 --to 法院 --body 玉门市人民法院"""
    _act(ctx, number, "refer", at, _facts(to=to, body=body))


@app.command()
def withdraw(
    ctx: typer.Context,
    number: Number,
    reason: ReasonOpt = None,
    duplicate_of: Annotated[
        str | None,
        typer.Option("--duplicate-of", help="重复的案件编号", click_type=complete.CASE_NUMBER),
    ] = None,
    at: AtOpt = None,
) -> None:
    """撤销案件。例：redprop case withdraw 2026-00002 --reason 重复登记 --duplicate-of 2026-00001"""
    _act(ctx, number, "withdraw", at, _facts(reason=reason, duplicate_of=duplicate_of))


@app.command()
def visit(
    ctx: typer.Context,
    number: Number,
    satisfaction: Annotated[
        str | None, typer.Option("--satisfaction", help="satisfied|basic|unsatisfied")
    ] = None,
    fulfilled: Annotated[
        str | None, typer.Option("--fulfilled", help="yes|no|partly（协议履行）")
    ] = None,
    at: AtOpt = None,
) -> None:
    """回访：满意且协议履行则办结，否则回到办理中。例：redprop case visit 2026-00001 --satisfaction satisfied --fulfilled yes"""
    _act(ctx, number, "visit", at, _facts(satisfaction=satisfaction, fulfilled=fulfilled))


@app.command()
def reopen(ctx: typer.Context, number: Number, reason: ReasonOpt = None, at: AtOpt = None) -> None:
    """重新办理已化解、办结、移交或撤销的案件。例：redprop case reopen 2026-00001 --reason 纠纷再起"""
    _act(ctx, number, "reopen", at, _facts(reason=reason))


@app.command()
def sweep(ctx: typer.Context, at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """超期清理（供 cron 调用）：超期案件自动上报一级，最高层级则督办；重复运行不重复处理。例：redprop case sweep"""
    from redprop.cases.sweep import sweep as service

    st = state(ctx)
    with st.session_as("case sweep", own=True) as session:
        done = service(session, at=_at(at))
    if as_json:
        emit_json(
            [
                {
                    "number": d.number,
                    "action": d.action,
                    "from_level": d.from_level,
                    "level": d.level,
                    "due_at": d.due_on.isoformat() if d.due_on else None,
                }
                for d in done
            ]
        )
        return
    from redprop.core.vocab import LEVELS, label

    for d in done:
        if d.action == "escalate":
            typer.echo(
                st.t(
                    f"{d.number}：超期自动上报 {label(LEVELS, d.from_level)} → {label(LEVELS, d.level)}",
                    f"{d.number}: overdue, escalated {d.from_level} → {d.level}",
                )
            )
        else:
            typer.echo(
                st.t(
                    f"{d.number}：超期督办（{label(LEVELS, d.level)}）",
                    f"{d.number}: overdue, supervised ({d.level})",
                )
            )
    typer.echo(st.t(f"处理了 {len(done)} 件超期案件", f"{len(done)} overdue case(s) handled"))
