"""Staff and volunteers: who they are, their role and the unit they act in.

The role and unit decide where a person may act (the case ledger reads them). Staff who leave
are retired, not deleted, once anything refers to them, so the history keeps their name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.errors import Conflict, NotFound, UsageProblem
from redprop.core.ids import clean_text, normalize_phone, phone_ok
from redprop.core.models import Community, Grid, Staff, Street
from redprop.core.vocab import ROLES, UNIT_KINDS, Role, both
from redprop.units.org import references, resolve_unit

# Which kind of unit each role belongs to (None: any unit).
ROLE_UNIT: dict[Role, str | None] = {
    Role.admin: "street",
    Role.street: "street",
    Role.community: "community",
    Role.grid_leader: "grid",
    Role.grid_worker: "grid",
    Role.mediator: None,
    Role.building_head: "grid",
}


def parse_role(value: str) -> Role:
    text = clean_text(value).lower().replace("_", "-")
    for code, (zh, en) in ROLES.items():
        if text in (code, zh, en):
            return Role(code)
    choices = ", ".join(ROLES)
    raise UsageProblem(
        f"未知的角色“{value}”：可选 {choices}",
        f"Unknown role '{value}': choose one of {choices}",
    )


def _unit_kind(unit: Street | Community | Grid) -> str:
    return {Street: "street", Community: "community", Grid: "grid"}[type(unit)]


def check_phone(value: str | None) -> str | None:
    if not value:
        return None
    phone = normalize_phone(value)
    if not phone_ok(phone):
        raise UsageProblem(
            "电话号码格式不对：手机号为 11 位（1 开头），固定电话需带区号（如 0937-1234567）",
            "That phone number is not valid: a mobile has 11 digits starting with 1; a landline "
            "needs its area code (e.g. 0937-1234567)",
        )
    return phone


def add_staff(
    session: Session,
    *,
    name: str,
    role: str,
    unit: str,
    phone: str | None = None,
    by: Staff | None = None,
) -> Staff:
    """Register (or re-activate) a staff member. `by`, the acting member, may only register
    roles below their own (units.authority.check_rank); None is the ledger's own setup (init,
    the demo)."""
    from redprop.units.authority import check_rank

    name = clean_text(name)
    if not name:
        raise UsageProblem("姓名不能为空", "The name can't be empty")
    role_code = parse_role(role)
    if by is not None:
        check_rank(by, role_code, ("登记", "register"))
    unit_row = resolve_unit(session, unit)
    kind = _unit_kind(unit_row)
    wanted = ROLE_UNIT[role_code]
    if wanted is not None and wanted != kind:
        role_zh, role_en = both(ROLES, role_code)
        want_zh, want_en = both(UNIT_KINDS, wanted)
        raise UsageProblem(
            f"{role_zh}必须属于一个{want_zh}，而“{unit}”是{both(UNIT_KINDS, kind)[0]}：请用 --unit 指定{want_zh}",
            f"A {role_en} belongs to a {want_en}, and '{unit}' is a {both(UNIT_KINDS, kind)[1]}: "
            f"name a {want_en} with --unit",
        )
    existing = session.scalar(select(Staff).where(Staff.name == name))
    if existing is not None and existing.active:
        raise Conflict(
            f"工作人员“{name}”已经登记：同名的人请加以区分（如 {name}2），或先 redprop staff remove",
            f"'{name}' is already registered: tell namesakes apart (e.g. {name}2), or remove first",
        )
    member = existing or Staff(name=name, role=role_code.value)
    member.role = role_code.value
    member.street_id = unit_row.id if kind == "street" else None
    member.community_id = unit_row.id if kind == "community" else None
    member.grid_id = unit_row.id if kind == "grid" else None
    member.phone = check_phone(phone)
    member.active = True
    session.add(member)
    session.flush()
    return member


def get_staff(session: Session, name: str, *, active_only: bool = True) -> Staff:
    member = session.scalar(select(Staff).where(Staff.name == clean_text(name)))
    if member is None or (active_only and not member.active):
        raise NotFound(
            f"没有登记名为“{name}”的工作人员：用 redprop staff list 查看，或 redprop staff add 登记",
            f"No staff member named '{name}': see redprop staff list, or register with "
            "redprop staff add",
        )
    return member


def remove_staff(session: Session, *, name: str, by: Staff | None = None) -> str:
    """Delete a staff member nothing refers to; retire one the history names. Returns which.
    `by` may only remove roles below their own, and never themselves."""
    from redprop.units.authority import check_rank

    member = get_staff(session, name)
    if by is not None:
        check_rank(by, member.role, ("移除", "remove"))
    if references(session, member):
        member.active = False
        session.add(member)
        session.flush()
        return "retired"
    session.delete(member)
    session.flush()
    return "deleted"


@dataclass
class StaffRow:
    name: str
    role: str
    unit_kind: str
    unit: str
    phone: str | None


def list_staff(
    session: Session, *, role: str | None = None, unit: str | None = None
) -> list[StaffRow]:
    query = select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)  # type: ignore[attr-defined]
    if role:
        query = query.where(Staff.role == parse_role(role).value)
    if unit:
        unit_row = resolve_unit(session, unit)
        column: Any = {
            "street": Staff.street_id,
            "community": Staff.community_id,
            "grid": Staff.grid_id,
        }[_unit_kind(unit_row)]
        query = query.where(column == unit_row.id)
    streets = {s.id: s.name for s in session.scalars(select(Street))}
    communities = {c.id: c.name for c in session.scalars(select(Community))}
    grids = {g.id: g.code for g in session.scalars(select(Grid))}
    rows = []
    for m in session.scalars(query):
        if m.grid_id is not None:
            kind, unit_name = "grid", grids[m.grid_id]
        elif m.community_id is not None:
            kind, unit_name = "community", communities[m.community_id]
        else:
            kind, unit_name = "street", streets.get(m.street_id, "")
        rows.append(StaffRow(m.name, m.role, kind, unit_name, m.phone))
    return rows


def acting_staff(
    session: Session, name: str | None, *, refuse: Callable[[str, str], Exception]
) -> Staff:
    """The staff member a writing command names with --as (units/lookup.find_acting), as a
    model."""
    from redprop.units.lookup import find_acting

    return session.get_one(Staff, find_acting(session, name, refuse=refuse).id)
