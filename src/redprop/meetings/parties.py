"""Who sits at a meeting and who owns a task (docs/design.md §14): a unit of the tree (street,
community or grid), a staff member, a company the ledger knows (a compound's property company,
a provider of the resource list), or one of the usual outside bodies kept as data
(core/vocab.MEETING_BODIES: 业委会, 派出所, 司法所 …). Anything else is refused by name, so a
misspelt person or company never enters the ledger as a new party."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.errors import NotFound, UsageProblem
from redprop.core.ids import clean_text
from redprop.core.models import Community, Grid, PropertyCompany, Resource, Staff, Street
from redprop.core.vocab import MEETING_BODIES
from redprop.units.authority import Reach

_SPLIT = re.compile(r"[,，、;；\n]+")


def split_names(text: str) -> list[str]:
    """ "社区党委,嘉华物业、业委会" → the names, cleaned, each once, in the order given."""
    names = (clean_text(part) for part in _SPLIT.split(text or ""))
    return list(dict.fromkeys(name for name in names if name))


def kind_of(session: Session, name: str) -> str | None:
    """What `name` is in this ledger: unit, staff, company or body; None when unknown."""
    if session.scalar(select(col(Staff.id)).where(col(Staff.name) == name).limit(1)) is not None:
        return "staff"
    for column in (Street.name, Community.name, Grid.code, Grid.name):
        if session.scalar(select(col(column)).where(col(column) == name).limit(1)) is not None:
            return "unit"
    if name in MEETING_BODIES:
        return "body"
    known = select(col(PropertyCompany.id)).where(col(PropertyCompany.name) == name).limit(1)
    if session.scalar(known) is not None:
        return "company"
    if session.scalar(select(col(Resource.id)).where(col(Resource.provider) == name).limit(1)):
        return "company"
    return None


def _unknown(names: list[str], what: tuple[str, str]) -> NotFound:
    joined_zh, joined_en = "、".join(names), ", ".join(names)
    bodies = "、".join(MEETING_BODIES[:8])
    return NotFound(
        f"不认识的{what[0]}：{joined_zh}。{what[0]}须是本账本的单位（街道、社区、网格）、工作人员、"
        f"登记的物业公司或资源清单中的单位，或常见协作单位（{bodies} 等）；"
        "请核对名称，或先登记（redprop staff add、redprop org company add、"
        "redprop service resource add），没有写入任何内容",
        f"Unknown {what[1]}: {joined_en}. A {what[1]} must be a unit (street, community, grid), "
        "a staff member, a registered property company or a provider of the resource list, or "
        f"a usual outside body ({bodies} …); check the name or register it first "
        "(redprop staff add, org company add, service resource add). "
        "Nothing was written",
    )


def resolve_attendees(session: Session, text: str) -> list[dict[str, str]]:
    """Every attendee with its kind; all unknown names are refused together, in one message."""
    names = split_names(text)
    if not names:
        raise UsageProblem(
            '请用 --attendees 列出参会方，如 "社区党委,嘉华物业,业委会,派出所"',
            'List who attended with --attendees, e.g. "社区党委,嘉华物业,业委会,派出所"',
        )
    kinds = {name: kind_of(session, name) for name in names}
    unknown = [name for name, kind in kinds.items() if kind is None]
    if unknown:
        raise _unknown(unknown, ("参会方", "attendee"))
    return [{"name": name, "kind": kind} for name, kind in kinds.items() if kind]


def owner_reach(session: Session, name: str, kind: str) -> Reach | None:
    """The unit a task's owner stands for, when it is one of the ledger's own (a unit, or a
    staff member's unit): its staff may record the owner's own steps (start, done)."""
    from redprop.units.authority import reach_of, reach_of_staff

    if kind == "staff":
        member = session.scalar(select(Staff).where(col(Staff.name) == name))
        return reach_of_staff(session, member) if member is not None else None
    if kind != "unit":
        return None
    for model, column in (
        (Street, Street.name),
        (Community, Community.name),
        (Grid, Grid.code),
        (Grid, Grid.name),
    ):
        found = session.scalar(select(model).where(col(column) == name).limit(1))
        if found is not None:
            return reach_of(session, found)  # type: ignore[arg-type]
    return None


def resolve_owner(session: Session, text: str) -> tuple[str, str]:
    """A task's owner (one name) and its kind, or the refusal naming it."""
    name = clean_text(text or "")
    kind = kind_of(session, name) if name else None
    if kind is None:
        raise _unknown([name or "（空）"], ("责任方", "owner"))
    return name, kind
