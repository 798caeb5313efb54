"""Finding a household by its number (#12) or its address (铁人路社区/5-2-301, 5-2-301, 5-301)
with SQLAlchemy Core on the light stubs (core/tables.py): registering a case with a household
for a party (issue 19) never loads the ORM. roster/households.find_household returns the same
household as a model for the rest."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from redprop.core import tables as t
from redprop.core.errors import NotFound, UsageProblem
from redprop.core.ids import clean_text, normalize_building, normalize_unit

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

ADDRESS = re.compile(
    r"^(?:(?P<community>[^/\s]+)[/\s]+)?(?P<building>[^-/\s]+)[-/](?:(?P<unit>[^-/\s]+)[-/])?(?P<room>[^-/\s]+)$"
)
# The largest id a household can have (a 32-bit integer column): a longer number typed as a
# household (an ID or phone number) is no household, and PostgreSQL would refuse to look it up.
MAX_ID = 2**31 - 1


def find_household_row(db: Connection | Session, ref: str) -> Any:
    """The household `ref` names: id, community_id, grid_id, building_id, building (its number),
    unit, room and head_name."""
    h, b = t.household.c, t.building.c
    query = select(
        h.id, h.community_id, h.grid_id, h.building_id, b.number.label("building"), h.unit,
        h.room, h.head_name,
    ).join_from(t.household, t.building, b.id == h.building_id)  # fmt: skip
    text = clean_text(ref)
    if text.lstrip("#").isdigit():
        key = int(text.lstrip("#"))
        found = db.execute(query.where(h.id == key)).first() if key <= MAX_ID else None
        if found is None:
            raise NotFound(f"没有编号为 {text} 的住户", f"No household numbered {text}")
        return found
    m = ADDRESS.match(text)
    if not m:
        raise UsageProblem(
            f"无法识别的住户“{ref}”：写编号（如 12），或地址 社区/楼栋-单元-房号（如 铁人路社区/5-2-301）",
            f"Can't read '{ref}': give the household number (e.g. 12) or an address "
            "community/building-unit-room (e.g. 铁人路社区/5-2-301)",
        )
    query = query.where(
        b.number == normalize_building(m["building"]),
        h.unit == (normalize_unit(m["unit"]) if m["unit"] else ""),
        h.room == m["room"],
    )
    if m["community"]:
        c = t.community.c
        community = db.scalar(select(c.id).where(c.name == clean_text(m["community"])))
        if community is None:
            raise NotFound(
                f"没有名为“{m['community']}”的社区：用 redprop org community list 查看已有社区",
                f"No community named '{m['community']}': see redprop org community list",
            )
        query = query.where(h.community_id == community)
    matches = db.execute(query.limit(2)).all()
    if not matches:
        raise NotFound(
            f"没有住户“{ref}”：用 redprop roster list 查看",
            f"No household '{ref}': see redprop roster list",
        )
    if len(matches) > 1:
        raise UsageProblem(
            f"有多户是“{ref}”，请加上社区，如 铁人路社区/{text}",
            f"Several households match '{ref}': add the community",
        )
    return matches[0]
