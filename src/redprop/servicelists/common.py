"""What the service lists share: their numbers (XQ2026-00001, ZY-0001) and the codes a user may
give for their kinds."""

from __future__ import annotations

from sqlalchemy.orm import Session

from redprop.core import vocab
from redprop.core.db import bump_counter
from redprop.core.errors import UsageProblem
from redprop.core.ids import clean_text
from redprop.core.models import (
    Counter,
)

# The codes a user may give (labels are in core/vocab).
PROVIDER_TYPES = tuple(vocab.PROVIDER_TYPES)
RESOURCE_KINDS = tuple(vocab.RESOURCE_KINDS)
ITEM_STATUSES = tuple(vocab.ITEM_STATUSES)
SATISFACTION = tuple(vocab.SATISFACTION)


def next_number(session: Session, prefix: str, year: int | None = None) -> str:
    """XQ2026-00001, ZY-0001: a named counter; see db.bump_counter."""
    last = bump_counter(session, Counter.__table__, name=f"{prefix}:{year}" if year else prefix)  # type: ignore[attr-defined]
    return f"{prefix}{year}-{last:05d}" if year else f"{prefix}-{last:04d}"


def reserve_number(session: Session, number: str) -> None:
    """A number brought in from a list (XQ2026-00042, ZY-0007): the counter moves past it, so it
    is never given out again."""
    import re

    m = re.fullmatch(r"(XQ)(\d{4})-(\d+)|(ZY)-(\d+)", number)
    if m:
        name, last = (f"XQ:{m[2]}", int(m[3])) if m[1] else ("ZY", int(m[5]))
        bump_counter(session, Counter.__table__, start=last, keep_max=True, name=name)  # type: ignore[attr-defined]


def choose(value: str | None, allowed: tuple[str, ...], zh: str, en: str) -> str:
    text = clean_text(value or "").lower()
    if text not in allowed:
        raise UsageProblem(
            f"{zh}须是 {'|'.join(allowed)}，不是“{value}”",
            f"{en} must be one of {', '.join(allowed)}, not '{value}'",
        )
    return text
