"""The dispute categories (纠纷类型) a case is filed under. Read with SQLAlchemy Core on the
light stubs (core/tables.py): registering a case never loads the ORM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from redprop.core import tables as t
from redprop.core.errors import NotFound, UsageProblem
from redprop.core.ids import clean_text

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

_c = t.category.c


def get_category(session: Connection | Session, name: str) -> Any:
    """The category (id, name) called `name`; refused with the list of categories."""
    found = session.execute(select(_c.id, _c.name).where(_c.name == clean_text(name))).first()
    if found is None:
        names = "、".join(session.scalars(select(_c.name).order_by(_c.id)))
        raise NotFound(
            f"没有“{name}”这个纠纷类型；可选：{names}（或用 redprop case category add 新增）",
            f"No dispute category '{name}'; the categories are: {names} "
            "(add one with redprop case category add)",
        )
    return found


def add_category(session: Connection | Session, *, name: str) -> str:
    text = clean_text(name)
    if not text:
        raise UsageProblem("类型名称不能为空", "The category name can't be empty")
    if session.scalar(select(_c.id).where(_c.name == text)):
        raise UsageProblem(f"纠纷类型“{text}”已经存在", f"The category '{text}' already exists")
    from redprop.core.fields import check_values

    check_values("category", {"name": text})
    session.execute(insert(t.category).values(name=text))
    return text


def list_categories(session: Connection | Session) -> list[str]:
    return list(session.scalars(select(_c.name).order_by(_c.id)))
