"""Finding a grid by its code, and the acting staff member by name, with SQLAlchemy Core on the
light stubs (core/tables.py), for the start-up-critical commands (the ladder's actions, the
to-do list) that never load the ORM. units/org.get_grid and units/staff.acting_staff return
the same rows as models for the rest."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from redprop.core import tables as t
from redprop.core.errors import NotFound
from redprop.core.ids import clean_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session


def find_grid(db: Connection | Session, code: str) -> Any:
    """The grid with `code` and its community: id, code, name, community_id, community,
    street_id."""
    g, c = t.grid.c, t.community.c
    found = db.execute(
        select(g.id, g.code, g.name, g.community_id, c.name.label("community"), c.street_id)
        .join_from(t.grid, t.community, c.id == g.community_id)
        .where(g.code == clean_text(code))
    ).first()
    if found is None:
        raise NotFound(
            f"没有编号为“{code}”的网格：用 redprop org grid list 查看网格编号",
            f"No grid with code '{code}': see redprop org grid list",
        )
    return found


def find_acting(
    db: Connection | Session, name: str | None, *, refuse: Callable[[str, str], Exception]
) -> Any:
    """The staff member a writing command names with --as: every event records who acted, so a
    missing or unknown name is refused (with `refuse(zh, en)`, which says what was refused).
    The row has the member's id, name, role and unit ids, with the community and street their
    unit lies in filled in (`in_community`, `in_street`)."""
    if not name:
        raise refuse(
            "没有操作人：请用 --as 姓名 或环境变量 REDPROP_USER 指明是谁在办理",
            "no actor: say who is acting with --as NAME or REDPROP_USER",
        )
    s, g, c = t.staff.c, t.grid.c, t.community.c
    in_community = func.coalesce(s.community_id, g.community_id)
    found = db.execute(
        select(
            s.id,
            s.name,
            s.role,
            s.active,
            s.street_id,
            s.community_id,
            s.grid_id,
            in_community.label("in_community"),
            func.coalesce(s.street_id, c.street_id).label("in_street"),
        )
        .select_from(t.staff)
        .outerjoin(t.grid, g.id == s.grid_id)
        .outerjoin(t.community, c.id == in_community)
        .where(s.name == clean_text(name))
    ).first()
    if found is None or not found.active:
        raise refuse(
            f"“{name}”不是在职的登记工作人员；请先 redprop staff add 登记",
            f"'{name}' is not registered staff; register them with redprop staff add",
        )
    return found
