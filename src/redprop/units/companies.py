"""Property companies (物业服务企业, docs/design.md §15): a unit of their own that compounds and
complaints name. Adding (with the 统一社会信用代码 checked), finding, listing, describing,
renaming and removing them; removal is refused while anything refers to the company.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redprop.core.errors import Conflict, NotFound, UsageProblem
from redprop.core.ids import clean_text, credit_code_ok, normalize_phone, phone_ok
from redprop.core.models import Community, Compound, PropertyCompany
from redprop.units.org import references


def check_credit_code(value: str | None) -> str | None:
    """The code cleaned and upper-cased, or None for none; a malformed one is refused, saying
    which rule it breaks."""
    text = clean_text(value or "").upper()
    if not text:
        return None
    if len(text) != 18:
        raise UsageProblem(
            f"统一社会信用代码“{text}”应为 18 位，而不是 {len(text)} 位：请对照营业执照核对",
            f"The credit code '{text}' must have 18 characters, not {len(text)}: check it "
            "against the business licence",
        )
    from redprop.core.ids import CREDIT_CHARS, credit_check_char

    bad = sorted({c for c in text if c not in CREDIT_CHARS})
    if bad:
        shown = "、".join(bad)
        raise UsageProblem(
            f"统一社会信用代码“{text}”含有不允许的字符 {shown}（不用 I、O、S、V、Z）：请核对",
            f"The credit code '{text}' holds characters it can't ({', '.join(bad)}; "
            "I, O, S, V and Z are never used): check it",
        )
    if not credit_code_ok(text):
        want = credit_check_char(text[:17])
        raise UsageProblem(
            f"统一社会信用代码“{text}”的校验位不对（按 GB 32100 应为 {want}）：请对照营业执照核对",
            f"The credit code '{text}' has the wrong check character (GB 32100 gives {want}): "
            "check it against the business licence",
        )
    return text


def _phone(value: str | None) -> str | None:
    text = normalize_phone(value or "")
    if not text:
        return None
    if not phone_ok(text):
        raise UsageProblem(
            f"电话“{value}”不是有效的手机或座机号码",
            f"'{value}' is not a valid mobile or landline number",
        )
    return text


def _name(value: str) -> str:
    text = clean_text(value or "")
    if not text:
        raise UsageProblem("物业公司名称不能为空", "The company's name can't be empty")
    return text


def find_company(session: Session, name: str) -> PropertyCompany | None:
    """The company of that name or credit code, or None."""
    text = clean_text(name or "")
    found = session.scalar(select(PropertyCompany).where(PropertyCompany.name == text))
    if found is None and len(text) == 18:
        code = PropertyCompany.credit_code
        found = session.scalar(select(PropertyCompany).where(code == text.upper()))
    return found


def get_company(session: Session, name: str) -> PropertyCompany:
    found = find_company(session, name)
    if found is None:
        raise NotFound(
            f"没有名为“{name}”的物业公司：用 redprop org company list 查看，"
            "或先用 redprop org company add 登记",
            f"No property company named '{name}': see redprop org company list, or register "
            "it first with redprop org company add",
        )
    return found


def add_company(
    session: Session,
    *,
    name: str,
    credit_code: str | None = None,
    phone: str | None = None,
    party_branch: bool = False,
) -> PropertyCompany:
    name = _name(name)
    code = check_credit_code(credit_code)
    if session.scalar(select(PropertyCompany.id).where(PropertyCompany.name == name)):
        raise Conflict(
            f"物业公司“{name}”已经存在：用 redprop org company show {name} 查看",
            f"The property company '{name}' already exists: see redprop org company show",
        )
    if code and session.scalar(
        select(PropertyCompany.name).where(PropertyCompany.credit_code == code)
    ):
        other = session.scalar(
            select(PropertyCompany.name).where(PropertyCompany.credit_code == code)
        )
        raise Conflict(
            f"统一社会信用代码 {code} 已登记为“{other}”：同一企业只登记一次",
            f"The credit code {code} is already registered as '{other}': a company is "
            "registered once",
        )
    company = PropertyCompany(
        name=name, credit_code=code, phone=_phone(phone), party_branch=party_branch
    )
    session.add(company)
    session.flush()
    return company


def company_named(session: Session, name: str | None) -> PropertyCompany | None:
    """For a compound's --company: None for none, else the company (unknown is refused)."""
    text = clean_text(name or "")
    return get_company(session, text) if text else None


def company_or_new(session: Session, name: str) -> tuple[PropertyCompany, bool]:
    """The company of that name, or a new one (the unit sheet's import names companies)."""
    found = find_company(session, name)
    if found is not None:
        return found, False
    return add_company(session, name=name), True


def list_companies(session: Session) -> list[dict[str, Any]]:
    """Every company with the compounds it serves."""
    served: dict[int, int] = dict(
        session.execute(
            select(Compound.company_id, func.count())
            .where(Compound.company_id.is_not(None))  # type: ignore[union-attr]
            .group_by(Compound.company_id)
        ).all()
    )
    rows = session.scalars(select(PropertyCompany).order_by(PropertyCompany.name))
    return [_row(c) | {"compounds": served.get(c.id, 0)} for c in rows]


def _row(company: PropertyCompany) -> dict[str, Any]:
    return {
        "name": company.name,
        "credit_code": company.credit_code,
        "phone": company.phone,
        "party_branch": company.party_branch,
    }


def describe_company(session: Session, company: PropertyCompany) -> dict[str, Any]:
    """One company for `org company show`: its fields, its compounds, what refers to it."""
    compounds = session.execute(
        select(Compound.name, Community.name)
        .join(Community, Community.id == Compound.community_id)
        .where(Compound.company_id == company.id)
        .order_by(Community.name, Compound.name)
    ).all()
    return _row(company) | {
        "compounds": [f"{community} {name}" for name, community in compounds],
        "referred_by": dict(references(session, company)),
    }


def rename_company(session: Session, *, key: str, new: str) -> PropertyCompany:
    company = get_company(session, key)
    new = _name(new)
    clash = select(PropertyCompany.id).where(
        PropertyCompany.name == new, PropertyCompany.id != company.id
    )
    if session.scalar(clash):
        raise Conflict(
            f"物业公司“{new}”已经存在：换一个名称",
            f"The property company '{new}' already exists: choose another name",
        )
    company.name = new
    session.add(company)
    session.flush()
    return company


def remove_company(session: Session, *, key: str) -> None:
    company = get_company(session, key)
    refs = references(session, company)
    if refs:
        from redprop.core.vocab import UNIT_KINDS, both

        what_zh = "、".join(f"{both(UNIT_KINDS, t)[0]} {n} 条" for t, n in refs)
        what_en = ", ".join(f"{n} {both(UNIT_KINDS, t)[1]}" for t, n in refs)
        raise Conflict(
            f"不能删除物业公司“{company.name}”：仍有{what_zh}引用它；请先让小区改选其他物业公司",
            f"Can't remove the property company '{company.name}': {what_en} still refer to it; "
            "give its compounds another company first",
        )
    session.delete(company)
    session.flush()


def set_compound_company(
    session: Session, *, compound: str, company: str, community: str | None = None
) -> Compound:
    """Give a compound its company (or none, written "-"): cases registered afterwards reach
    the new one; those registered before keep theirs (a closed quarter never moves)."""
    from redprop.units.org import get_compound

    row = get_compound(session, compound, community)
    found = None if clean_text(company) in ("-", "") else get_company(session, company)
    row.company_id = found.id if found else None
    session.add(row)
    session.flush()
    return row
