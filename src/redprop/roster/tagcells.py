"""The 标签 column of a roster import (docs/design.md §16): each cell's tags checked against
the vocabulary (an unknown tag rejects the row, naming it), and the tags of the rows stored
added once the households are. A cell only adds tags: a blank cell, or a masked export's cell
(which leaves the personal tags out), keeps what is stored; `roster tag remove` takes one off."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from redprop.core.config import local_now
from redprop.core.models import Household, HouseholdTag, Staff
from redprop.roster.cells import Message
from redprop.roster.places import Address
from redprop.roster.tags import split_tags, tag_kinds, words


class TagCells:
    def __init__(self, session: Session, column: int) -> None:
        self.column = column
        self.kinds = tag_kinds(session)
        self.words = words(self.kinds)
        self.wanted: dict[Address, set[int]] = {}

    @classmethod
    def of(cls, session: Session, columns: dict[str, int]) -> TagCells | None:
        return cls(session, columns["tags"]) if "tags" in columns else None

    @staticmethod
    def store_any(cells: TagCells | None, session: Session, actor: Staff | None) -> None:
        if cells is not None:
            cells.store(session, actor.name if actor is not None else "导入")

    def check(self, raw: list[Any], errors: list[Message]) -> list[int]:
        """The tags a row's cell names; an unknown one is an error of the row."""
        cell = raw[self.column] if self.column < len(raw) else None
        if cell is None or str(cell).strip() == "":
            return []
        names = split_tags(str(cell))
        unknown = [n for n in names if n.lower() not in self.words]
        if unknown:
            known = "、".join(k.name for k in self.kinds)
            errors.append(
                Message(
                    "tags",
                    f"未知的标签“{'、'.join(unknown)}”；可用：{known}（多个用、分隔）",
                    f"unknown tag '{', '.join(unknown)}'; the tags are "
                    f"{', '.join(k.name_en for k in self.kinds)} (several separated by 、)",
                )
            )
            return []
        return [self.words[n.lower()].id for n in names]  # type: ignore[misc]

    def keep(self, key: Address, tags: list[int]) -> None:
        if tags:
            self.wanted.setdefault(key, set()).update(tags)

    def store(self, session: Session, actor: str) -> int:
        """Add the tags the stored rows named and their households lack; returns how many."""
        if not self.wanted:
            return 0
        h, ht = Household.__table__, HouseholdTag.__table__  # type: ignore[attr-defined]
        buildings = sorted({key[0] for key in self.wanted})
        ids: dict[Address, int] = {}
        for start in range(0, len(buildings), 900):
            query = select(h.c.building_id, h.c.unit, h.c.room, h.c.id).where(
                h.c.building_id.in_(buildings[start : start + 900])
            )
            ids.update(((b, u, r), i) for b, u, r, i in session.execute(query))
        live = set(
            session.execute(
                select(ht.c.household_id, ht.c.tag_id).where(ht.c.removed_at.is_(None))
            ).all()
        )
        at = local_now().replace(microsecond=0)
        rows = [
            {"household_id": ids[key], "tag_id": tag, "added_at": at, "added_by": actor}
            for key, tags in self.wanted.items()
            if key in ids
            for tag in sorted(tags)
            if (ids[key], tag) not in live
        ]
        if rows:
            session.execute(insert(ht), rows)
        return len(rows)
