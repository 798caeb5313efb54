"""A case's parties as references, and the cases a case relates to (issue 19, docs/design.md
§3.8). A party is typed as a name (张三), a name with a phone (张三 13912345678), or a household
of the roster (铁人路社区/5-2-301). The phone is kept only as a keyed hash (HMAC-SHA256 with the
ledger's own random key, made by migration 0012): enough to tell that the same person quarrels
again, never the number itself. The household is its roster row.

A case relates to another when they share a household (as a party, or as the case's address),
a phone, or an address (the same building, unit and room), or when the registering person
linked them (`case new --link`). The relations found in the 12 months before a case's
registration are written with it (case_relation) and make it a repeat dispute (重复纠纷);
`case related` looks both ways, live. SQLAlchemy Core on the light stubs: `case new` stays fast.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, or_, select, tuple_

from redprop.core import tables as t
from redprop.core.errors import LedgerError
from redprop.core.fields import check_values

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    Db = Connection | Session

WINDOW = timedelta(days=365)  # "within the last 12 months"
PARTY_KEY = "party_key"
# A mainland mobile number at the end of a party: 张三 13912345678, 张三:139…, 张三（139…）.
_PHONE = re.compile(r"^(?P<name>.*?)[\s:：,，(（]*(?P<phone>1[3-9]\d{9})[)）]?$")
# What relates two cases, most telling first.
WHY = ("link", "household", "phone", "address")


@dataclass
class Party:
    """One party as stored: `name` is what the case shows."""

    name: str
    household_id: int | None = None
    phone_hash: str | None = None
    address: tuple[int, str, str] | None = None  # the household's (building, unit, room)


def read_parties(db: Db, given: list[str]) -> list[Party]:
    """The parties as typed, each a name, a name and phone, or a household (roster/address)."""
    from redprop.roster.address import ADDRESS, find_household_row

    parties = []
    for text in given:
        phone = _PHONE.match(text)
        if phone and phone["name"].strip():
            parties.append(Party(phone["name"].strip(), phone_hash=phone_hash(db, phone["phone"])))
        elif ADDRESS.match(text) and any(ch.isdigit() for ch in text) and "-" in text:
            hh = find_household_row(db, text)
            unit = f"{hh.unit}单元" if hh.unit else ""
            name = f"{hh.head_name}户（{hh.building}号楼{unit}{hh.room}室）"
            parties.append(Party(name, hh.id, address=(hh.building_id, hh.unit, hh.room)))
        else:
            parties.append(Party(text))
    return parties


def phone_hash(db: Db, phone: str) -> str:
    key = db.scalar(select(t.setting.c.value).where(t.setting.c.key == PARTY_KEY))
    if not key:
        raise LedgerError(
            "账本缺少当事人电话的密钥：请运行 redprop db upgrade",
            "The ledger has no key for parties' phones: run redprop db upgrade",
        )
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()


def store_parties(db: Db, case_id: int, parties: list[Party]) -> None:
    rows = [
        {
            "case_id": case_id,
            "seq": n,
            "name": p.name,
            "household_id": p.household_id,
            "phone_hash": p.phone_hash,
        }
        for n, p in enumerate(parties, start=1)
    ]
    for row in rows:
        check_values("case_party", row)
    if rows:
        db.execute(insert(t.case_party), rows)


def find_related(
    db: Db,
    *,
    case_id: int,
    address: tuple[int | None, str | None, str | None],
    parties: list[Party],
    since: datetime,
    until: datetime,
) -> dict[int, str]:
    """The cases registered in [since, until) that share a household, a phone or an address
    with the case: their ids, each with the most telling reason."""
    d, p = t.dispute.c, t.case_party.c
    households = {x.household_id for x in parties if x.household_id is not None}
    phones = {x.phone_hash for x in parties if x.phone_hash is not None}
    # A household named as a party is also every case at its address ("the same household");
    # the case's own address finds the cases and households there ("the same address").
    homes = {x.address for x in parties if x.address is not None}
    place = (address[0], address[1] or "", address[2]) if address[0] and address[2] else None
    found: dict[int, str] = {}

    def add(ids: Any, why: str) -> None:
        for other in ids:
            if other != case_id and (
                other not in found or WHY.index(why) < WHY.index(found[other])
            ):
                found[other] = why

    when = (d.registered_at >= since, d.registered_at < until)

    def at(places: set[Any]) -> Any:
        return or_(*(
            (d.building_id == b) & (d.unit == (u or None)) & (d.room == r) for b, u, r in sorted(places)
        ))  # fmt: skip

    def parties_of(column: Any, values: set[Any]) -> Any:
        return select(p.case_id).join(t.dispute, d.id == p.case_id).where(column.in_(sorted(values)), *when)  # fmt: skip

    if place is not None:
        h = t.household.c
        at_place = tuple_(h.building_id, h.unit, h.room) == place
        there = set(db.scalars(select(h.id).where(at_place))) - households
        if there:
            add(db.scalars(parties_of(p.household_id, there)), "address")
        add(db.scalars(select(d.id).where(at({place}), *when)), "address")
    if homes:
        add(db.scalars(select(d.id).where(at(homes), *when)), "household")
    if households:
        add(db.scalars(parties_of(p.household_id, households)), "household")
    if phones:
        add(db.scalars(parties_of(p.phone_hash, phones)), "phone")
    return found


def store_relations(db: Db, case_id: int, related: dict[int, str]) -> None:
    rows = [{"case_id": case_id, "related_id": k, "why": v} for k, v in sorted(related.items())]
    if rows:
        db.execute(insert(t.case_relation), rows)


def numbers_of(db: Db, ids: Any) -> dict[int, str]:
    d = t.dispute.c
    return dict(db.execute(select(d.id, d.number).where(d.id.in_(sorted(ids)))).all())  # type: ignore[arg-type]


def stored_parties(db: Db, case_id: int) -> list[Party]:
    """A case's parties as registered (none for a case registered before schema 0012)."""
    p, h = t.case_party.c, t.household.c
    rows = db.execute(
        select(p.name, p.household_id, p.phone_hash, h.building_id, h.unit, h.room)
        .select_from(t.case_party)
        .outerjoin(t.household, h.id == p.household_id)
        .where(p.case_id == case_id)
        .order_by(p.seq)
    ).all()
    return [
        Party(
            r.name,
            r.household_id,
            r.phone_hash,
            (r.building_id, r.unit, r.room) if r.household_id else None,
        )
        for r in rows
    ]


def related_cases(db: Db, number: str) -> dict[str, Any]:
    """`case related`: the cases sharing a household, a phone or an address with case `number`
    within 12 months either side of its registration, and those linked to it by hand, oldest
    first, each with why and how it ended."""
    from redprop.cases.actions import get_case

    case = get_case(db, number)
    r, d = t.case_relation.c, t.dispute.c
    found = find_related(
        db,
        case_id=case.id,
        address=(case.building_id, case.unit, case.room),
        parties=stored_parties(db, case.id),
        since=case.registered_at - WINDOW,
        until=case.registered_at + WINDOW,
    )
    links = db.execute(
        select(r.case_id, r.related_id).where(
            r.why == "link", or_(r.case_id == case.id, r.related_id == case.id)
        )
    ).all()
    for a, b in links:
        found[b if a == case.id else a] = "link"
    rows = db.execute(
        select(d.id, d.number, d.registered_at, d.state, d.level, d.summary)
        .where(d.id.in_(sorted(found)))
        .order_by(d.registered_at, d.id)
    ).all()
    return {
        "number": case.number,
        "related": [
            {
                "number": row.number,
                "why": found[row.id],
                "registered_at": row.registered_at.isoformat(timespec="minutes"),
                "state": row.state,
                "level": row.level,
                "summary": row.summary,
                "outcome": _outcome(db, row.id),
            }
            for row in rows
        ],
    }


def _outcome(db: Db, case_id: int) -> str | None:
    """What its last resolve said (达成赔偿协议), if it was resolved."""
    import json

    e = t.case_event.c
    data = db.scalar(
        select(e.data)
        .where(e.case_id == case_id, e.action == "resolve")
        .order_by(e.seq.desc())
        .limit(1)
    )
    return json.loads(data).get("outcome") if data else None


def relations_of(db: Db, case_id: int) -> dict[str, str]:
    """The cases a case was related to when registered, by number: why (most telling first)."""
    r, d = t.case_relation.c, t.dispute.c
    rows = db.execute(
        select(d.number, r.why).join(t.dispute, d.id == r.related_id).where(r.case_id == case_id)
    ).all()
    found: dict[str, str] = {}
    for number, why in rows:
        if number not in found or WHY.index(why) < WHY.index(found[number]):
            found[number] = why
    return dict(sorted(found.items()))
