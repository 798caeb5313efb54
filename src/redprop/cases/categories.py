"""The dispute categories (纠纷类型) a case is filed under."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.errors import NotFound, UsageProblem
from redprop.core.ids import clean_text
from redprop.core.models import Category


def get_category(session: Session, name: str) -> Category:
    found = session.scalar(select(Category).where(Category.name == clean_text(name)))
    if found is None:
        names = "、".join(session.scalars(select(Category.name).order_by(Category.id)))
        raise NotFound(
            f"没有“{name}”这个纠纷类型；可选：{names}（或用 redprop case category add 新增）",
            f"No dispute category '{name}'; the categories are: {names} "
            "(add one with redprop case category add)",
        )
    return found


def add_category(session: Session, *, name: str) -> Category:
    text = clean_text(name)
    if not text:
        raise UsageProblem("类型名称不能为空", "The category name can't be empty")
    if session.scalar(select(Category.id).where(Category.name == text)):
        raise UsageProblem(f"纠纷类型“{text}”已经存在", f"The category '{text}' already exists")
    category = Category(name=text)
    session.add(category)
    session.flush()
    return category


def list_categories(session: Session) -> list[str]:
    return list(session.scalars(select(Category.name).order_by(Category.id)))
