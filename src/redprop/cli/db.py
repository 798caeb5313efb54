"""`redprop init` and `redprop db …`: create, upgrade, inspect, check and back up the ledger."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from redprop.cli._shared import MAX_DETAILS, JsonOpt, emit_json, state

app = typer.Typer(
    help="账本数据库：升级、版本、备份、检查 / the ledger database", no_args_is_help=True
)


def init(
    ctx: typer.Context,
    street: Annotated[str | None, typer.Option("--street", help="街道名称 / street name")] = None,
    admin: Annotated[str | None, typer.Option("--admin", help="首位管理员 / first admin")] = None,
) -> None:
    """创建（或升级）账本，并登记街道和首位管理员。例：redprop init --street 新市区街道 --admin 王敏"""
    from redprop.ledger.upkeep import init_ledger

    st = state(ctx)
    st.create = True
    with st.session() as session:
        result = init_ledger(session, street=street, admin=admin, actor=st.actor)
        admin = result.admin or admin
    typer.echo(st.t(f"账本已就绪：{st.shown_url}", f"Ledger ready: {st.shown_url}"))
    if result.street_created:
        typer.echo(st.t(f"已登记街道：{street}", f"Registered the street: {street}"))
    if result.admin_created:
        typer.echo(st.t(f"已登记管理员：{admin}", f"Registered the admin: {admin}"))


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """把账本升级到本版本的结构（已是最新时什么也不做）。例：redprop db upgrade"""
    from redprop.core.config import database_url
    from redprop.core.db import open_ledger
    from redprop.core.db import upgrade as run_upgrade

    st = state(ctx)
    # Opened without migrating: a server that can't be reached is one message, not a traceback.
    engine = open_ledger(database_url(st.db), migrate=False, create=False)
    try:
        before, after = run_upgrade(engine)
    finally:
        engine.dispose()
    if before == after:
        typer.echo(st.t(f"账本已是最新结构（{after}），无需升级", f"Already up to date ({after})"))
    else:
        typer.echo(
            st.t(f"已升级：{before or '空'} → {after}", f"Upgraded: {before or 'blank'} → {after}")
        )


@app.command()
def current(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """显示账本的结构版本和本版本 redprop 的最新结构。例：redprop db current"""
    from redprop.core.db import SCHEMA_HEAD, current_revision

    st = state(ctx)
    with st.engine().connect() as conn:
        revision = current_revision(conn)
    if as_json:
        emit_json({"url": st.shown_url, "revision": revision, "head": SCHEMA_HEAD})
        return
    typer.echo(st.t(f"账本：{st.shown_url}", f"Ledger: {st.shown_url}"))
    typer.echo(
        st.t(
            f"结构版本：{revision}（最新：{SCHEMA_HEAD}）",
            f"Schema: {revision} (newest: {SCHEMA_HEAD})",
        )
    )


@app.command()
def backup(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="备份文件 / backup file")],
) -> None:
    """用 SQLite 在线备份复制账本（他人写入时也安全）。例：redprop db backup 台账-备份.db"""
    from redprop.core.adminlog import record
    from redprop.ledger.upkeep import backup_ledger

    st = state(ctx)
    # A backup holds every ID and phone in clear: the admin's to take. Checked before, logged
    # after: a refused backup (the file exists, PostgreSQL) writes nothing.
    with st.session_as("db backup", write=False):
        pass
    size = backup_ledger(st.engine(), target=target)
    with st.session() as session:
        record(session, actor=st.member.name, command="db backup", target=str(target))
    typer.echo(st.t(f"已备份到 {target}（{size} 字节）", f"Backed up to {target} ({size} bytes)"))


@app.command("copy")
def copy(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="源账本：文件路径或 SQLAlchemy URL / from")],
    target: Annotated[str, typer.Argument(help="目标：新文件或空数据库 / to (new or empty)")],
) -> None:
    """把整个账本复制到另一个数据库（如街道的 SQLite 文件迁入区里的 PostgreSQL），核对各链、
    各表行数和账本指纹；目标已有账本时拒绝，不覆盖。
    例：redprop --as 王敏 db copy 新市区.db postgresql+psycopg://redprop@db.example/district"""
    from redprop.core.adminlog import record
    from redprop.core.config import database_url, shown_url
    from redprop.core.db import open_ledger, session_scope
    from redprop.ledger.copy import copy_ledger

    st = state(ctx)
    st.db = source  # the source is this command's ledger: its admin may copy it
    with st.session_as("db copy", write=False):
        pass  # the copy holds every ID and phone in clear: the admin's to make, like a backup
    to = database_url(target)
    copied = copy_ledger(st.engine(), to)
    engine = open_ledger(to, create=False)
    try:
        with session_scope(engine) as session:
            record(session, actor=st.member.name, command="db copy", target=st.shown_url)
    finally:
        engine.dispose()
    rows = sum(copied.counts.values())
    typer.echo(
        st.t(
            f"已复制到 {shown_url(to)}：{len(copied.counts)} 张表、{rows} 行，核对一致；账本指纹 {copied.fingerprint}",
            f"Copied to {shown_url(to)}: {len(copied.counts)} tables, {rows} rows, checked; "
            f"fingerprint {copied.fingerprint}",
        )
    )


@app.command()
def check(
    ctx: typer.Context,
    fingerprint: Annotated[
        str | None,
        typer.Option("--fingerprint", help="月度台账签字处印的账本指纹，证明签字后记录未被改动"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """检查账本的完整性（文件、外键、结构版本、各办理记录链、账本链、管理日志）。
    例：redprop db check --fingerprint 1234-0123456789abcdef"""
    from redprop.ledger.upkeep import check_ledger

    st = state(ctx)
    result = check_ledger(st.engine(), fingerprint=fingerprint)
    void = [
        {"number": v.number, "actor": v.actor, "reserved_at": v.reserved_at.isoformat()}
        for v in result.void
    ]
    if as_json:
        emit_json({"ok": result.ok, "problems": [p[1] for p in result.problems], "void": void})
    elif result.ok:
        typer.echo(st.t("检查通过：账本完整", "Check passed: the ledger is sound"))
    if void and not as_json:
        # Numbers reserved for registrations that never completed: accounted for, not problems.
        typer.echo(
            st.t(
                f"作废编号 {len(void)} 个（登记未完成，编号不再使用）：",
                f"{len(void)} void number(s) (registrations that never completed; not reused):",
            )
        )
        for v in result.void[:MAX_DETAILS]:
            typer.echo(f"  {v.number}  {v.actor}  {v.reserved_at:%Y-%m-%d %H:%M:%S}")
        if len(void) > MAX_DETAILS:
            more = len(void) - MAX_DETAILS
            typer.echo(
                st.t(f"  …… 另有 {more} 个；用 --json 查看全部", f"  … {more} more; see --json")
            )
    for zh, en in result.problems[:MAX_DETAILS]:
        typer.secho(
            st.t(zh, en), err=True, fg="red", color=False if os.environ.get("NO_COLOR") else None
        )
    if len(result.problems) > MAX_DETAILS:
        more = len(result.problems) - MAX_DETAILS
        typer.echo(
            st.t(f"…… 另有 {more} 条问题；用 --json 查看全部", f"… {more} more; see --json"),
            err=True,
        )
    if not result.ok:
        raise typer.Exit(1)


def log(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="从这一天起，如 2026-11-01 / since")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """管理日志：工作人员、单位、设置、日历、导入和查看完整号码的记录，谁、何时、做了什么。
    例：redprop log --since 2026-11-01"""
    from redprop.cli._shared import stdout
    from redprop.cli.render import logged_entry, table
    from redprop.core.adminlog import entries
    from redprop.core.config import parse_time

    st = state(ctx)
    with st.session(write=False) as session:
        rows = entries(session, since=parse_time(since, "--since") if since else None)
    if as_json:
        emit_json(rows)
        return
    rows = [logged_entry(r, st.lang) for r in rows]
    columns = [
        ("at", "时间", "Time"),
        ("actor", "操作人", "Actor"),
        ("command", "操作", "Command"),
        ("target", "对象", "Target"),
        ("data", "内容", "Details"),
    ]
    stdout().print(table(rows, columns, lang=st.lang))


@app.command()
def fingerprint(
    ctx: typer.Context,
    upto: Annotated[
        str | None, typer.Option("--upto", help="截至这一时刻（默认现在），如 2026-11-30T23:59")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """账本指纹：截至某一时刻的账本链末环，印在签字的台账上，日后用 db check --fingerprint 核对。
    例：redprop db fingerprint --upto 2026-11-30T23:59"""
    from redprop.core.chain import fingerprint as service
    from redprop.core.config import parse_time

    st = state(ctx)
    with st.session(write=False) as session:
        found = service(session, parse_time(upto, "--upto") if upto else None)
    if as_json:
        emit_json({"fingerprint": found})
        return
    typer.echo(found or st.t("（账本中还没有任何记录）", "(the ledger holds no events yet)"))
