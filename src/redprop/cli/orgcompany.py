"""`redprop org company …` and `org compound company`: property companies as units
(docs/design.md §15), registered on the org group."""

from typing import Annotated

import typer

from redprop.cli._shared import CommunityOpt, JsonOpt, emit_json, state, stdout

company_app = typer.Typer(help="物业服务企业 / property companies", no_args_is_help=True)

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
