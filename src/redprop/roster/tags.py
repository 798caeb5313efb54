"""Household tags (docs/design.md §16): the vocabulary kept as data (tag_kind), adding and
removing a tag on a household (kept from when it was added until it was removed, never
deleted), the tags each viewer may see (a personal tag only inside the viewer's unit), and the
households a 党员中心户 looks after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from redprop.core.config import local_now
from redprop.core.errors import Conflict, NotFound, UsageProblem
from redprop.core.ids import clean_text
from redprop.core.models import Household, HouseholdLink, HouseholdTag, Staff, TagKind
from redprop.core.vocab import TAG_SEPARATORS
from redprop.units.scope import contains, household_scope

CENTRE = "党员中心户"  # the tag of a household that looks after others (roster link)


def tag_kinds(session: Session) -> list[TagKind]:
    return list(session.scalars(select(TagKind).order_by(TagKind.id)))  # type: ignore[arg-type]


def words(kinds: Iterable[TagKind]) -> dict[str, TagKind]:
    """What a person may type for each tag: its Chinese name or its English label, any case."""
    found: dict[str, TagKind] = {}
    for kind in kinds:
        found[kind.name] = kind
        found[kind.name_en.lower()] = kind
    return found


def unknown_tags(names: list[str], kinds: list[TagKind]) -> NotFound:
    known = "、".join(k.name for k in kinds)
    said = "、".join(names)
    return NotFound(
        f"未知的标签“{said}”：可用的标签有 {known}；管理员可用 redprop roster tag define 新增",
        f"Unknown tag '{', '.join(names)}': the tags are {', '.join(k.name_en for k in kinds)}; "
        "an admin adds one with redprop roster tag define",
    )


def split_tags(text: str) -> list[str]:
    """The tags one cell or option names: 独居老人、低保户 or 独居老人,低保户."""
    cleaned = clean_text(text or "")
    for sep in TAG_SEPARATORS[1:]:
        cleaned = cleaned.replace(sep, TAG_SEPARATORS[0])
    return [p for p in cleaned.split(TAG_SEPARATORS[0]) if p]


def find_tag(session: Session, name: str) -> TagKind:
    kinds = tag_kinds(session)
    found = words(kinds).get(clean_text(name).lower())
    if found is None:
        raise unknown_tags([name], kinds)
    return found


def _household(session: Session, ref: str, member: Staff) -> Any:
    """The household `ref` names, if the actor's unit contains it; otherwise why not."""
    from redprop.roster.address import find_household_row

    row = find_household_row(session, ref)
    if not contains(session, member, row.id):
        raise NotFound(
            f"住户“{ref}”不在 {member.name} 的辖区内：只能办理本网格（本社区、本楼栋）的住户；请由该住户所在单位办理",
            f"The household '{ref}' is outside {member.name}'s unit: ask the staff of its unit",
        )
    return row


def _live(session: Session, household_id: int, tag_id: int) -> HouseholdTag | None:
    return session.scalar(
        select(HouseholdTag).where(
            HouseholdTag.household_id == household_id,
            HouseholdTag.tag_id == tag_id,
            HouseholdTag.removed_at.is_(None),  # type: ignore[union-attr]
        )
    )


def add_tag(
    session: Session, *, ref: str, tag: str, member: Staff, note: str | None = None
) -> dict[str, Any]:
    """Tag a household the actor's unit contains (refused if it already has the tag)."""
    kind = find_tag(session, tag)
    row = _household(session, ref, member)
    if _live(session, row.id, kind.id) is not None:  # type: ignore[arg-type]
        raise Conflict(
            f"住户“{ref}”已有标签 {kind.name}",
            f"The household '{ref}' already has the tag {kind.name_en}",
        )
    session.add(
        HouseholdTag(
            household_id=row.id,
            tag_id=kind.id,  # type: ignore[arg-type]
            note=clean_text(note) or None if note else None,
            added_at=local_now().replace(microsecond=0),
            added_by=member.name,
        )
    )
    session.flush()
    return {"household": row.id, "tag": kind.name, "tag_en": kind.name_en}


def remove_tag(session: Session, *, ref: str, tag: str, member: Staff) -> dict[str, Any]:
    """Take a tag off a household: the row keeps when and by whom (figures of past months)."""
    kind = find_tag(session, tag)
    row = _household(session, ref, member)
    found = _live(session, row.id, kind.id)  # type: ignore[arg-type]
    if found is None:
        raise NotFound(
            f"住户“{ref}”没有标签 {kind.name}：用 redprop roster show 查看它的标签",
            f"The household '{ref}' has no tag {kind.name_en}: see redprop roster show",
        )
    found.removed_at = local_now().replace(microsecond=0)
    found.removed_by = member.name
    session.flush()
    return {"household": row.id, "tag": kind.name, "tag_en": kind.name_en}


def define_tag(
    session: Session, *, name: str, en: str, sensitive: bool, days: int | None
) -> TagKind:
    """A new tag of the vocabulary (the admin's)."""
    name, en = clean_text(name), clean_text(en)
    if not name or not en:
        raise UsageProblem("标签名称和 --en 英文名称都不能为空", "A tag needs a name and --en")
    kinds = words(tag_kinds(session))
    if name in kinds or en.lower() in kinds:
        raise Conflict(f"已有标签“{name}”", f"There is already a tag '{en}'")
    kind = TagKind(name=name, name_en=en, sensitive=sensitive, visit_days=days)
    session.add(kind)
    session.flush()
    return kind


# -- who sees which tags ------------------------------------------------------------------------


def viewer(session: Session, name: str | None) -> Staff | None:
    """The staff member reading (--as), or None: a reader nobody names sees no personal tag."""
    if not name:
        return None
    return session.scalar(select(Staff).where(Staff.name == clean_text(name), Staff.active))


def shown_tags(
    session: Session,
    member: Staff | None,
    household_ids: Iterable[int] | None = None,
    *,
    unmask: bool = True,
) -> dict[int, list[str]]:
    """Each household's live tags as `member` may see them: the party tags always, a personal
    tag only when the member's unit contains the household, and (for exports) only when
    unmasked. `household_ids` None: every household."""
    h, k, ht = Household.__table__, TagKind.__table__, HouseholdTag.__table__  # type: ignore[attr-defined]
    visible = k.c.sensitive.is_(False)
    if unmask and member is not None:
        visible = or_(visible, household_scope(session, member, h))
    query = (
        select(ht.c.household_id, k.c.name)
        .join(k, k.c.id == ht.c.tag_id)
        .join(h, h.c.id == ht.c.household_id)
        .where(ht.c.removed_at.is_(None), visible)
        .order_by(ht.c.household_id, k.c.id)
    )
    found: dict[int, list[str]] = {}
    ids = None if household_ids is None else list(household_ids)
    for chunk in _chunks(ids):
        where = query if chunk is None else query.where(ht.c.household_id.in_(chunk))
        for household, name in session.execute(where):
            found.setdefault(household, []).append(name)
    return found


def tagged_with(session: Session, tag: str, member: Staff | None) -> Any:
    """A condition on Household: it has the live tag `tag`, and `member` may see that it has."""
    kind = find_tag(session, tag)
    h, ht = Household.__table__, HouseholdTag.__table__  # type: ignore[attr-defined]
    has = select(ht.c.household_id).where(ht.c.tag_id == kind.id, ht.c.removed_at.is_(None))
    found = h.c.id.in_(has)
    if kind.sensitive:
        found = and_(found, household_scope(session, member, h))
    return found


def _chunks(ids: list[int] | None, size: int = 900) -> Iterable[list[int] | None]:
    if ids is None:
        yield None
        return
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def english_names(session: Session) -> dict[str, str]:
    return {k.name: k.name_en for k in tag_kinds(session)}


# -- 党员中心户 ----------------------------------------------------------------------------------


def link_households(
    session: Session, *, ref: str, serves: list[str], member: Staff
) -> dict[str, Any]:
    """A 党员中心户 names the households it looks after (each in the actor's unit too)."""
    centre = _household(session, ref, member)
    kind = find_tag(session, CENTRE)
    if _live(session, centre.id, kind.id) is None:  # type: ignore[arg-type]
        raise UsageProblem(
            f"住户“{ref}”不是{CENTRE}：先 redprop roster tag add {ref} --tag {CENTRE}",
            f"The household '{ref}' is not a {kind.name_en}: tag it first with roster tag add",
        )
    at = local_now().replace(microsecond=0)
    added = []
    for served_ref in serves:
        served = _household(session, served_ref, member)
        if served.id == centre.id:
            raise UsageProblem(
                f"{CENTRE}不能联系自己：“{served_ref}”",
                f"A household can't look after itself: '{served_ref}'",
            )
        known = session.scalar(
            select(HouseholdLink.id).where(
                and_(HouseholdLink.center_id == centre.id, HouseholdLink.served_id == served.id)
            )
        )
        if known is None:
            session.add(
                HouseholdLink(center_id=centre.id, served_id=served.id, at=at, actor=member.name)
            )
            added.append(served.id)
    session.flush()
    return {"household": centre.id, "added": added}


def served_by(session: Session, household_id: int) -> list[int]:
    """The households a 党员中心户 looks after."""
    query = select(HouseholdLink.served_id).where(HouseholdLink.center_id == household_id)
    return list(session.scalars(query.order_by(HouseholdLink.served_id)))


def tagged_at(session: Session, household_id: int) -> dict[str, datetime]:
    """When each live tag of a household was added (for the visit plan)."""
    query = (
        select(TagKind.name, HouseholdTag.added_at)
        .join(TagKind, TagKind.id == HouseholdTag.tag_id)  # type: ignore[arg-type]
        .where(HouseholdTag.household_id == household_id, HouseholdTag.removed_at.is_(None))  # type: ignore[union-attr]
    )
    return dict(session.execute(query).all())  # type: ignore[arg-type]
