"""Quarters and manual score items (docs/design.md §15): an item is one append-only event with
actor and time, hashed and linked into the ledger chain (source `score`), taken back only by a
counter-item of the opposite points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.config import local_now
from redprop.core.errors import Conflict, NotFound, UsageProblem
from redprop.core.eventlog import digest
from redprop.core.ids import clean_block, clean_text
from redprop.core.models import Compound, PropertyCompany, ScoreItem, Staff
from redprop.core.vocab import Role

_QUARTER = re.compile(r"^(\d{4})\s*[Qq]\s*([1-4])$|^(\d{4})\s*年?\s*第?\s*([1-4一二三四])\s*季度?$")
_CN = {"一": "1", "二": "2", "三": "3", "四": "4"}


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def start(self) -> datetime:
        return datetime(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime:
        if self.number == 4:
            return datetime(self.year + 1, 1, 1)
        return datetime(self.year, 3 * self.number + 1, 1)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.date().toordinal() - 1)


def quarter_of(moment: datetime | date) -> Quarter:
    return Quarter(moment.year, (moment.month - 1) // 3 + 1)


def parse_quarter(text: str | None, *, now: datetime | None = None) -> Quarter:
    """`2026Q4` (or 2026年第四季度); none: the current quarter. A quarter not yet begun is
    refused: it has no score."""
    now = now or local_now()
    if not text:
        return quarter_of(now)
    m = _QUARTER.match(clean_text(text))
    if m is None:
        raise UsageProblem(
            f"季度“{text}”的格式不对：请写如 2026Q4",
            f"'{text}' is not a quarter: write e.g. 2026Q4",
        )
    year, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    quarter = Quarter(int(year), int(_CN.get(number, number)))
    if not 1900 <= quarter.year <= 2100:
        raise UsageProblem("年份须在 1900 到 2100 之间", "The year must be within 1900..2100")
    if quarter.start > now:
        raise UsageProblem(
            f"{quarter.label} 还没有开始，没有积分；请选择已经开始的季度",
            f"{quarter.label} has not begun yet, so it has no score; choose a quarter that has",
        )
    return quarter


def item_hash(item: ScoreItem) -> str:
    """An item's hash. The payload's fields and their order are fixed for good."""
    return digest(
        [
            item.company_id,
            item.points,
            item.reason,
            item.evidence,
            item.at.isoformat(),
            item.actor,
            item.counter_of,
        ]
    )


def _may_score(session: Session, actor: Staff, company: PropertyCompany) -> None:
    """Community staff score the companies serving a compound of their community; street staff
    those of their street's communities; the admin any."""
    if actor.role == Role.admin:
        return
    from redprop.core.models import Community

    served = select(col(Compound.community_id)).where(col(Compound.company_id) == company.id)
    if actor.role == Role.community:
        ok = actor.community_id in set(session.scalars(served))
    else:
        streets = select(col(Community.street_id)).where(col(Community.id).in_(served))  # type: ignore[attr-defined]
        ok = actor.street_id in set(session.scalars(streets))
    if not ok:
        raise Conflict(
            f"{actor.name} 所在单位没有由“{company.name}”服务的小区，不能给它加减分；"
            "请由其服务小区所在社区或街道办理",
            f"{actor.name}'s unit has no compound served by '{company.name}'; the community or "
            "street of one of its compounds scores it",
        )


def add_item(
    session: Session,
    *,
    company: str,
    points: int,
    reason: str,
    evidence: str | None,
    actor: Staff,
    rules: dict[str, int],
) -> ScoreItem:
    """A manual item for `company`, dated now, within the rule table's range."""
    from redprop.units.companies import get_company

    found = get_company(session, company)
    low, high = rules["manual_min"], rules["manual_max"]
    if points == 0 or not low <= points <= high:
        raise UsageProblem(
            f"分值须在 {low} 到 {high} 之间且不为 0，而不是 {points}（见 redprop score rules show）",
            f"The points must be within {low}..{high} and not 0, not {points} "
            "(see redprop score rules show)",
        )
    text = clean_block(reason or "")
    if not text:
        raise UsageProblem("请用 --reason 写明加减分的理由", "Say why with --reason")
    _may_score(session, actor, found)
    return _append(session, found.id, points, text, clean_block(evidence or "") or None, actor)  # type: ignore[arg-type]


def counter_item(session: Session, *, item_id: int, reason: str, actor: Staff) -> ScoreItem:
    """Take back item `item_id` with a counter-item of the opposite points, dated now."""
    item = session.get(ScoreItem, item_id)
    if item is None:
        raise NotFound(
            f"没有编号为 {item_id} 的积分项：用 redprop score items 查看",
            f"No score item {item_id}: see redprop score items",
        )
    if item.counter_of is not None:
        raise Conflict(
            f"积分项 {item_id} 本身是冲销项，不能再冲销；请重新登记一项",
            f"Score item {item_id} is itself a counter-item; add a new item instead",
        )
    taken = session.scalar(select(col(ScoreItem.id)).where(col(ScoreItem.counter_of) == item_id))
    if taken is not None:
        raise Conflict(
            f"积分项 {item_id} 已由 {taken} 冲销过",
            f"Score item {item_id} was countered by {taken}",
        )
    text = clean_block(reason or "")
    if not text:
        raise UsageProblem("请用 --reason 写明冲销的理由", "Say why with --reason")
    company = session.get_one(PropertyCompany, item.company_id)
    _may_score(session, actor, company)
    return _append(session, item.company_id, -item.points, text, None, actor, counter_of=item_id)


def _append(
    session: Session,
    company_id: int,
    points: int,
    reason: str,
    evidence: str | None,
    actor: Staff,
    counter_of: int | None = None,
) -> ScoreItem:
    from redprop.core.chain import link

    at = local_now().replace(microsecond=0)
    item = ScoreItem(
        company_id=company_id,
        points=points,
        reason=reason,
        evidence=evidence,
        at=at,
        recorded_at=at,
        actor=actor.name,
        staff_id=actor.id,
        counter_of=counter_of,
        hash="",
    )
    item.hash = item_hash(item)
    session.add(item)
    session.flush()
    link(session, "score", item.id, item.hash, at)  # type: ignore[arg-type]
    return item


def list_items(session: Session, *, company: str | None, quarter: Quarter) -> list[dict[str, Any]]:
    """The manual items dated in a quarter, oldest first."""
    query = (
        select(ScoreItem, col(PropertyCompany.name))
        .join(PropertyCompany, col(PropertyCompany.id) == col(ScoreItem.company_id))
        .where(col(ScoreItem.at) >= quarter.start, col(ScoreItem.at) < quarter.end)
        .order_by(col(ScoreItem.id))
    )
    if company:
        from redprop.units.companies import get_company

        query = query.where(col(ScoreItem.company_id) == get_company(session, company).id)
    return [
        {
            "id": item.id,
            "company": name,
            "points": item.points,
            "reason": item.reason,
            "evidence": item.evidence,
            "at": item.at.isoformat(timespec="minutes"),
            "actor": item.actor,
            "counter_of": item.counter_of,
        }
        for item, name in session.execute(query)
    ]


def verify_items(session: Session) -> list[tuple[str, str, str]]:
    """Items whose stored hash no longer matches their fields (edited behind redprop's back),
    and counter-items that don't take back exactly their item: (where, zh, en) for db check."""
    found = []
    items = {
        item.id: item for item in session.scalars(select(ScoreItem).order_by(col(ScoreItem.id)))
    }
    for item in items.values():
        where = f"#{item.id}"
        if item_hash(item) != item.hash:
            found.append((where, "积分项内容被改动", "the score item was changed"))
        target = items.get(item.counter_of) if item.counter_of else None
        if item.counter_of and (target is None or target.points != -item.points):
            found.append(
                (where, "冲销项与被冲销项不符", "the counter-item does not match its item")
            )
    return found
