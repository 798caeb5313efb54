"""Owners' committees (业委会, docs/design.md §15): one per compound and term, with its members
and party members; and the coverage figures per community and street as of a day — compounds
with a property company (物业覆盖率), with a committee in term (业委会覆盖率), the party-member
share of those committees, and the committees under 60 % party members.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.errors import Conflict, NotFound, UsageProblem
from redprop.core.models import Community, Compound, OwnersCommittee, Street

PARTY_SHARE = 0.6  # party members ≥ 60 % of each committee (the seeds' rule)
MAX_MEMBERS = 99


def add_committee(
    session: Session,
    *,
    compound: str,
    community: str | None,
    starts_on: date,
    ends_on: date,
    members: int,
    party_members: int,
) -> OwnersCommittee:
    """A committee of a compound for [starts_on, ends_on]; a term overlapping another of the
    same compound is refused."""
    from redprop.units.org import get_compound

    row = get_compound(session, compound, community)
    if ends_on < starts_on:
        raise UsageProblem(
            f"任期结束日 {ends_on} 早于开始日 {starts_on}：请核对 --from 和 --to",
            f"The term ends ({ends_on}) before it starts ({starts_on}): check --from and --to",
        )
    if not 1 <= members <= MAX_MEMBERS:
        raise UsageProblem(
            f"委员人数须在 1 到 {MAX_MEMBERS} 之间，而不是 {members}",
            f"--members must be within 1..{MAX_MEMBERS}, not {members}",
        )
    if not 0 <= party_members <= members:
        raise UsageProblem(
            f"党员人数须在 0 到委员人数 {members} 之间，而不是 {party_members}",
            f"--party-members must be within 0..{members} (the members), not {party_members}",
        )
    overlap = session.scalar(
        select(OwnersCommittee).where(
            OwnersCommittee.compound_id == row.id,
            OwnersCommittee.starts_on <= ends_on,
            OwnersCommittee.ends_on >= starts_on,
        )
    )
    if overlap is not None:
        raise Conflict(
            f"小区“{row.name}”已有任期 {overlap.starts_on} 至 {overlap.ends_on} 的业委会，"
            "与新任期重叠：请核对日期",
            f"The compound '{row.name}' already has a committee for {overlap.starts_on}.."
            f"{overlap.ends_on}, overlapping this term: check the dates",
        )
    committee = OwnersCommittee(
        compound_id=row.id,
        starts_on=starts_on,
        ends_on=ends_on,
        members=members,
        party_members=party_members,
    )
    session.add(committee)
    session.flush()
    return committee


def _row(c: OwnersCommittee, compound: str, community: str) -> dict[str, Any]:
    return {
        "id": c.id,
        "compound": compound,
        "community": community,
        "from": c.starts_on.isoformat(),
        "to": c.ends_on.isoformat(),
        "members": c.members,
        "party_members": c.party_members,
        "party_share": round(c.party_members / c.members, 3),
    }


def list_committees(session: Session, *, community: str | None = None) -> list[dict[str, Any]]:
    query = (
        select(OwnersCommittee, Compound.name, Community.name)
        .join(Compound, Compound.id == OwnersCommittee.compound_id)
        .join(Community, Community.id == Compound.community_id)
        .order_by(Community.name, Compound.name, OwnersCommittee.starts_on)
    )
    if community:
        from redprop.units.org import get_community

        query = query.where(Community.id == get_community(session, community).id)
    return [_row(c, compound, name) for c, compound, name in session.execute(query).all()]


def get_committee(session: Session, number: int) -> dict[str, Any]:
    found = session.execute(
        select(OwnersCommittee, Compound.name, Community.name)
        .join(Compound, Compound.id == OwnersCommittee.compound_id)
        .join(Community, Community.id == Compound.community_id)
        .where(OwnersCommittee.id == number)
    ).first()
    if found is None:
        raise NotFound(
            f"没有编号为 {number} 的业委会：用 redprop org committee list 查看",
            f"No owners' committee {number}: see redprop org committee list",
        )
    return _row(*found)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def coverage(session: Session, *, on: date) -> list[dict[str, Any]]:
    """Per community, then per street (`unit_kind` says which), as of day `on`: compounds, with a
    company, with a committee in term; members and party members of those committees; the
    committees under 60 % party members; and the rates."""
    compounds = session.execute(
        select(Compound.id, Compound.company_id, Community.name, Street.name)
        .join(Community, Community.id == Compound.community_id)
        .join(Street, Street.id == Community.street_id)
    ).all()
    live = {
        c.compound_id: c
        for c in session.scalars(
            select(OwnersCommittee).where(
                OwnersCommittee.starts_on <= on, OwnersCommittee.ends_on >= on
            )
        )
    }
    keys = ("compounds", "with_company", "with_committee", "members", "party_members")
    units: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys((*keys, "under_share"), 0)
    )
    for compound_id, company_id, community, street in compounds:
        committee = live.get(compound_id)
        for key in (("community", community), ("street", street)):
            tally = units[key]
            tally["compounds"] += 1
            tally["with_company"] += company_id is not None
            if committee is not None:
                tally["with_committee"] += 1
                tally["members"] += committee.members
                tally["party_members"] += committee.party_members
                tally["under_share"] += committee.party_members < PARTY_SHARE * committee.members
    rows = []
    for kind, name in sorted(units, key=lambda k: (k[0] != "community", k[1])):
        t = units[(kind, name)]
        rows.append(
            {"unit_kind": kind, "unit": name, **t}
            | {
                "company_rate": _rate(t["with_company"], t["compounds"]),
                "committee_rate": _rate(t["with_committee"], t["compounds"]),
                "party_share": _rate(t["party_members"], t["members"]),
            }
        )
    return rows
