"""`redprop org company …`, `org compound company` and `org committee …`: property companies as
units and owners' committees (docs/design.md §15), registered on the org group."""

from typing import Annotated

import typer

from redprop.cli._shared import CommunityOpt, JsonOpt, emit_json, state, stdout

company_app = typer.Typer(help="物业服务企业 / property companies", no_args_is_help=True)
committee_app = typer.Typer(help="业主委员会 / owners' committees", no_args_is_help=True)

COLUMNS = [
    ("name", "物业公司", "Company"),
    ("credit_code", "统一社会信用代码", "Credit code"),
    ("phone", "电话", "Phone"),
    ("branch", "党支部", "Party branch"),
    ("compounds", "服务小区数", "Compounds"),
]
FIELDS = {
    "name": ("名称", "Name"),
    "credit_code": ("统一社会信用代码", "Credit code"),
    "phone": ("电话", "Phone"),
    "party_branch": ("党支部", "Party branch"),
    "compounds": ("服务小区", "Compounds"),
    "referred_by": ("被引用", "Referred to by"),
}
CompanyArg = Annotated[str, typer.Argument(help="物业公司名称或统一社会信用代码")]


def register(app: typer.Typer) -> None:
    app.add_typer(company_app, name="company")
    app.add_typer(committee_app, name="committee")
    from redprop.cli.org import compound_app

    compound_app.command("company")(compound_company)


def _yes_no(value: bool, lang: str) -> str:
    if lang == "en":
        return "yes" if value else "no"
    return "有" if value else "无"


def _branch(text: str) -> bool:
    value = text.strip().lower()
    if value in ("yes", "y", "是", "有", "1", "true"):
        return True
    if value in ("no", "n", "否", "无", "0", "false"):
        return False
    from redprop.core.errors import UsageProblem

    raise UsageProblem(
        f"--party-branch 只能是 yes 或 no（是/否），而不是“{text}”",
        f"--party-branch takes yes or no, not '{text}'",
    )


@company_app.command("add")
def company_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="物业公司名称")],
    credit_code: Annotated[
        str | None, typer.Option("--credit-code", help="统一社会信用代码（18 位）")
    ] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="联系电话")] = None,
    party_branch: Annotated[
        str, typer.Option("--party-branch", help="是否建立党支部：yes|no")
    ] = "no",
) -> None:
    """登记物业公司（校验统一社会信用代码）。例：redprop org company add 嘉华物业 --credit-code 91440300708461136T --party-branch yes"""
    from redprop.units.companies import add_company

    st = state(ctx)
    branch = _branch(party_branch)
    with st.session_as("org company add", target=name, default_street=True) as session:
        add_company(session, name=name, credit_code=credit_code, phone=phone, party_branch=branch)
    typer.echo(st.t(f"已登记物业公司“{name}”", f"Added the property company '{name}'"))


@company_app.command("list")
def company_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出物业公司及其服务的小区数。例：redprop org company list --json"""
    from redprop.cli.render import table
    from redprop.units.companies import list_companies

    st = state(ctx)
    with st.session(write=False) as session:
        rows = list_companies(session)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        row["branch"] = _yes_no(row["party_branch"], st.lang)
    stdout().print(table(rows, COLUMNS, lang=st.lang))


@company_app.command("show")
def company_show(ctx: typer.Context, key: CompanyArg, as_json: JsonOpt = False) -> None:
    """显示一个物业公司、它服务的小区及引用它的内容。例：redprop org company show 嘉华物业"""
    from redprop.units.companies import describe_company, get_company

    st = state(ctx)
    with st.session(write=False) as session:
        info = describe_company(session, get_company(session, key))
    if as_json:
        emit_json(info)
        return
    from redprop.cli.render import fields, joined
    from redprop.core.vocab import UNIT_KINDS, label

    lang = st.lang
    refs = (f"{label(UNIT_KINDS, t, lang)} {n}" for t, n in info["referred_by"].items())
    values = info | {
        "party_branch": _yes_no(info["party_branch"], lang),
        "compounds": joined(info["compounds"], lang=lang) or "-",
        "referred_by": joined(refs, lang=lang) or "-",
    }
    typer.echo("\n".join(fields(values, FIELDS, lang=lang, masked=False)))


@company_app.command("rename")
def company_rename(
    ctx: typer.Context,
    key: CompanyArg,
    new: Annotated[str, typer.Argument(help="新名称 / new name")],
) -> None:
    """重命名物业公司（小区和案件随之改名）。例：redprop org company rename 嘉华物业 嘉华物业服务有限公司"""
    from redprop.units.companies import rename_company

    st = state(ctx)
    target = f"{key} → {new}"
    with st.session_as("org company rename", target=target, default_street=True) as session:
        rename_company(session, key=key, new=new)
    typer.echo(st.t(f"已将物业公司“{key}”改为“{new}”", f"Renamed '{key}' to '{new}'"))


@company_app.command("remove")
def company_remove(ctx: typer.Context, key: CompanyArg) -> None:
    """删除物业公司（仍被小区、案件或积分项引用时拒绝）。例：redprop org company remove 嘉华物业"""
    from redprop.units.companies import remove_company

    st = state(ctx)
    with st.session_as("org company remove", target=key, default_street=True) as session:
        remove_company(session, key=key)
    typer.echo(st.t(f"已删除物业公司“{key}”", f"Removed the property company '{key}'"))


def compound_company(
    ctx: typer.Context,
    compound: Annotated[str, typer.Argument(help="小区名称")],
    company: Annotated[str, typer.Argument(help="物业公司名称；写 - 表示没有物业")],
    community: CommunityOpt = None,
) -> None:
    """更换小区的物业公司（此后登记的投诉归新公司）。例：redprop org compound company 天昊小区 嘉华物业"""
    from redprop.units.companies import set_compound_company

    st = state(ctx)
    where = ("compound", compound, community, None)
    target = f"{compound} → {company}"
    with st.session_as("org compound company", target=target, unit=where) as session:
        set_compound_company(session, compound=compound, company=company, community=community)
    typer.echo(
        st.t(
            f"小区“{compound}”的物业公司已改为“{company}”",
            f"The compound '{compound}' is now served by '{company}'",
        )
    )


COMMITTEE_COLUMNS = [
    ("id", "编号", "No."),
    ("community", "社区", "Community"),
    ("compound", "小区", "Compound"),
    ("from", "任期自", "From"),
    ("to", "任期至", "To"),
    ("members", "委员", "Members"),
    ("party_members", "党员", "Party members"),
    ("share", "党员占比", "Party share"),
]
COVERAGE_COLUMNS = [
    ("unit", "单位", "Unit"),
    ("compounds", "小区数", "Compounds"),
    ("with_company", "有物业", "With company"),
    ("company_rate_", "物业覆盖率", "Company rate"),
    ("with_committee", "有业委会", "With committee"),
    ("committee_rate_", "业委会覆盖率", "Committee rate"),
    ("party_share_", "党员占比", "Party share"),
    ("under_share", "党员不足60%", "Under 60 %"),
]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _day(text: str, name: str) -> object:
    from redprop.core.config import parse_time

    return parse_time(text, name).date()


@committee_app.command("add")
def committee_add(
    ctx: typer.Context,
    compound: Annotated[str, typer.Option("--compound", help="小区名称")],
    starts: Annotated[str, typer.Option("--from", help="任期开始日，如 2024-01-01")],
    ends: Annotated[str, typer.Option("--to", help="任期结束日，如 2028-12-31")],
    members: Annotated[int, typer.Option("--members", help="委员人数", min=0, max=1000)],
    party: Annotated[int, typer.Option("--party-members", help="其中党员人数", min=0, max=1000)],
    community: CommunityOpt = None,
) -> None:
    """登记小区的业委会及其任期。例：redprop org committee add --compound 天昊小区 --from 2024-01-01 --to 2028-12-31 --members 7 --party-members 5"""
    from redprop.units.committees import add_committee

    st = state(ctx)
    where = ("compound", compound, community, None)
    with st.session_as("org committee add", target=compound, unit=where) as session:
        made = add_committee(
            session,
            compound=compound,
            community=community,
            starts_on=_day(starts, "--from"),  # type: ignore[arg-type]
            ends_on=_day(ends, "--to"),  # type: ignore[arg-type]
            members=members,
            party_members=party,
        )
        number = made.id
    typer.echo(st.t(f"已登记业委会 {number}（{compound}）", f"Added owners' committee {number}"))


@committee_app.command("list")
def committee_list(
    ctx: typer.Context, community: CommunityOpt = None, as_json: JsonOpt = False
) -> None:
    """列出业委会及其任期、党员占比。例：redprop org committee list -c 铁人路社区"""
    from redprop.units.committees import list_committees

    st = state(ctx)
    with st.session(write=False) as session:
        rows = list_committees(session, community=community)
    if as_json:
        emit_json(rows)
        return
    from redprop.cli.render import table

    for row in rows:
        row["share"] = _percent(row["party_share"])
    stdout().print(table(rows, COMMITTEE_COLUMNS, lang=st.lang))


@committee_app.command("show")
def committee_show(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="业委会编号", min=1, max=2**31 - 1)],
    as_json: JsonOpt = False,
) -> None:
    """显示一个业委会。例：redprop org committee show 1"""
    from redprop.units.committees import get_committee

    st = state(ctx)
    with st.session(write=False) as session:
        info = get_committee(session, number)
    if as_json:
        emit_json(info)
        return
    from redprop.cli.render import fields

    names = {key: (zh, en) for key, zh, en in COMMITTEE_COLUMNS}
    shown = {k: info[k] for k in names if k in info} | {"share": _percent(info["party_share"])}
    typer.echo("\n".join(fields(shown, names, lang=st.lang)))


@committee_app.command("coverage")
def committee_coverage(
    ctx: typer.Context,
    on: Annotated[str | None, typer.Option("--at", help="截至哪一天（默认今天）")] = None,
    as_json: JsonOpt = False,
) -> None:
    """各社区、街道的物业覆盖率、业委会覆盖率和党员占比。例：redprop org committee coverage --at 2026-12-31"""
    from redprop.core.config import local_now
    from redprop.units.committees import coverage

    st = state(ctx)
    day = _day(on, "--at") if on else local_now().date()
    with st.session(write=False) as session:
        rows = coverage(session, on=day)  # type: ignore[arg-type]
    if as_json:
        emit_json(rows)
        return
    from redprop.cli.render import table

    for row in rows:
        for key in ("company_rate", "committee_rate", "party_share"):
            row[key + "_"] = _percent(row[key])
    stdout().print(table(rows, COVERAGE_COLUMNS, lang=st.lang))
