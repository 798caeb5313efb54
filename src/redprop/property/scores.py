"""The quarterly score of each property company (量化积分, docs/design.md §15), computed as of
the quarter's end from what was dated before it — case events, service records, rectification
tasks and manual items — so a closed quarter never moves; ranks, and the 红榜 and 黑榜.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, or_, select, true
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.cases.clock import RUNNING
from redprop.core.models import (
    Case,
    CaseEvent,
    Community,
    Compound,
    PropertyCompany,
    Resource,
    ScoreItem,
    ServiceItem,
    ServiceRecord,
)
from redprop.property.items import Quarter
from redprop.property.rules import BY_KEY, load_rules

_RUNNING = {state.value for state in RUNNING}
SATISFIED = ("satisfied", "basic")  # 满意 and 基本满意 close a case; both count as satisfied


@dataclass
class Score:
    company: str
    credit_code: str | None
    score: int = 0
    rank: int = 0
    board: str = ""  # red | black | ""
    # rule key -> (count, points); manual items listed apart
    counts: dict[str, int] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)
    manual: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "company": self.company,
            "credit_code": self.credit_code,
            "score": self.score,
            "rank": self.rank,
            "board": self.board,
            "items": [
                {"rule": key, "count": self.counts[key], "points": self.points[key]}
                for key in self.counts
            ],
            "manual": self.manual,
        }


@dataclass
class Tally:
    substantiated: int = 0
    overdue: int = 0
    satisfied: int = 0
    unsatisfied: int = 0


def company_cases(
    session: Session, start: datetime, end: datetime, community_id: int | None = None
) -> dict[int, Tally]:
    """Per company: complaints first resolved in [start, end) and not withdrawn at its end,
    those of them overdue at any level before that, and the follow-up visits of the period
    (a community's cases only, when given)."""
    touched = (
        select(col(CaseEvent.case_id))
        .where(col(CaseEvent.action).in_(("resolve", "visit")))  # type: ignore[attr-defined]
        .where(col(CaseEvent.at) >= start, col(CaseEvent.at) < end)
    )
    e = CaseEvent
    # Plain rows, not ORM objects (a quarter of a large ledger is hundreds of thousands of
    # events); the data only where it is read.
    data = case((col(e.action).in_(("undo", "visit")), col(e.data)), else_=None).label("data")
    fields = (col(e.case_id), col(e.seq), col(e.action), col(e.state), col(e.at), col(e.due_on))
    nxt = func.lead(col(e.at)).over(partition_by=col(e.case_id), order_by=col(e.seq))
    inner = (
        select(col(Case.company_id), *fields, data, nxt.label("next_at"))
        .join(Case, col(Case.id) == col(CaseEvent.case_id))
        .where(col(Case.company_id).is_not(None))  # type: ignore[union-attr]
        .where(col(Case.community_id) == community_id if community_id else true())
        .where(col(CaseEvent.case_id).in_(touched), col(CaseEvent.at) < end)  # type: ignore[attr-defined]
        .subquery()
    )
    # The database walks each case's steps (LEAD: the next step's time) and marks a running
    # clock whose due day passed before the next step; only the steps the tally reads come
    # back: resolves, visits, supervisions, late steps, each case's last, and every step of a
    # case with an undo (whose steps are walked in Python, without the undone ones).
    i = inner.c
    sqlite = session.get_bind().dialect.name == "sqlite"
    next_day = func.date(i.next_at) if sqlite else cast(i.next_at, Date)
    late = and_(i.state.in_(sorted(_RUNNING)), i.due_on.is_not(None), i.due_on < next_day)
    undos = select(col(e.case_id)).where(col(e.action) == "undo", col(e.at) < end)
    keep = or_(
        i.action.in_(("resolve", "visit", "undo", "supervise")),
        late,
        i.next_at.is_(None),
        i.case_id.in_(undos),
    )
    rows = session.execute(select(*i, late.label("late")).where(keep).order_by(i.case_id, i.seq))
    by_case: dict[int, list[Any]] = defaultdict(list)
    owner: dict[int, int] = {}
    for event in rows:
        by_case[event.case_id].append(event)
        owner[event.case_id] = int(event.company_id or 0)
    tallies: dict[int, Tally] = defaultdict(Tally)
    for case_id, events in by_case.items():
        _tally_case(tallies[owner[case_id]], events, start)
    return tallies


def _tally_case(tally: Tally, events: list[Any], start: datetime) -> None:
    undone = {json.loads(e.data).get("undoes") for e in events if e.action == "undo"}
    kept = [e for e in events if e.action != "undo" and e.seq not in undone]
    walked = bool(undone)  # every step is here: walk them; else the database marked the late
    for e in kept:
        if e.action == "visit" and e.at >= start:
            sat = json.loads(e.data).get("satisfaction")
            if sat in SATISFIED:
                tally.satisfied += 1
            elif sat == "unsatisfied":
                tally.unsatisfied += 1
    resolves = [i for i, e in enumerate(kept) if e.action == "resolve"]
    if not resolves or kept[resolves[0]].at < start or events[-1].state == "withdrawn":
        return
    tally.substantiated += 1
    history = kept[: resolves[0] + 1]
    if not walked:
        if any(r.late for r in history[:-1]) or any(r.action == "supervise" for r in history[1:]):
            tally.overdue += 1
        return
    for before, after in pairwise(history):
        late = (
            before.state in _RUNNING
            and before.due_on is not None
            and after.at.date() > before.due_on
        )
        if late or after.action == "supervise":
            tally.overdue += 1
            return


def _service_records(session: Session, quarter: Quarter) -> dict[str, int]:
    """Service records of the quarter per providing company (by its name in the resource list)."""
    rows = session.execute(
        select(col(Resource.provider), func.count())
        .select_from(ServiceRecord)
        .join(ServiceItem, col(ServiceItem.id) == col(ServiceRecord.item_id))  # type: ignore[arg-type]
        .join(Resource, col(Resource.id) == col(ServiceItem.resource_id))  # type: ignore[arg-type]
        .where(col(Resource.provider_type) == "company")
        .where(
            col(ServiceRecord.on) >= quarter.start.date(),
            col(ServiceRecord.on) < quarter.end.date(),
        )
        .group_by(col(Resource.provider))
    )
    return dict(rows.all())


def _manual(session: Session, quarter: Quarter) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    query = (
        select(ScoreItem)
        .where(col(ScoreItem.at) >= quarter.start, col(ScoreItem.at) < quarter.end)
        .order_by(col(ScoreItem.id))
    )
    for item in session.scalars(query):
        found[item.company_id].append(
            {
                "id": item.id,
                "points": item.points,
                "reason": item.reason,
                "evidence": item.evidence,
                "at": item.at.isoformat(timespec="minutes"),
                "actor": item.actor,
                "counter_of": item.counter_of,
            }
        )
    return found


def companies(session: Session, community: str | None) -> list[PropertyCompany]:
    query = select(PropertyCompany).order_by(col(PropertyCompany.name))
    if community:
        from redprop.units.org import get_community

        cid = get_community(session, community).id
        served = select(col(Compound.company_id)).where(col(Compound.community_id) == cid)
        query = query.where(col(PropertyCompany.id).in_(served))  # type: ignore[union-attr]
    return list(session.scalars(query))


def board(session: Session, *, quarter: Quarter, community: str | None = None) -> list[Score]:
    """Every company's score for the quarter, best first, ranked (equal scores share a rank),
    with the red and black lists marked by the rule table's lines."""
    from redprop.meetings.figures import overdue_by_owner

    rules = load_rules(session, quarter.end)
    cases = company_cases(session, quarter.start, quarter.end)
    records = _service_records(session, quarter)
    tasks = overdue_by_owner(session, start=quarter.start, end=quarter.end)
    manual = _manual(session, quarter)
    scores = []
    for company in companies(session, community):
        tally = cases.get(company.id or 0, Tally())
        score = Score(company.name, company.credit_code)
        counts = {
            "case_substantiated": tally.substantiated,
            "case_overdue": tally.overdue,
            "visit_unsatisfied": tally.unsatisfied,
            "visit_satisfied": tally.satisfied,
            "service_record": records.get(company.name, 0),
            "rectify_overdue": tasks.get(company.name, 0),
        }
        for key, count in counts.items():
            score.counts[key] = count
            score.points[key] = count * rules[key]
        score.points["service_record"] = min(score.points["service_record"], rules["service_cap"])
        score.manual = manual.get(company.id or 0, [])
        score.score = (
            rules["base"]
            + sum(score.points.values())
            + sum(item["points"] for item in score.manual)
        )
        scores.append(score)
    _rank(scores, rules)
    return scores


def _rank(scores: list[Score], rules: dict[str, int]) -> None:
    scores.sort(key=lambda s: (-s.score, s.company))
    for i, s in enumerate(scores):
        s.rank = scores[i - 1].rank if i and scores[i - 1].score == s.score else i + 1
        if s.score >= rules["red_min"]:
            s.board = "red"
        elif s.score < rules["black_below"]:
            s.board = "black"


def rule_label(key: str, lang: str) -> str:
    rule = BY_KEY[key]
    return rule.en if lang == "en" else rule.zh


def communities_of(session: Session) -> dict[int, list[str]]:
    """The communities each company serves (for the exported sheet)."""
    rows = session.execute(
        select(col(Compound.company_id), col(Community.name))
        .join(Community, col(Community.id) == col(Compound.community_id))  # type: ignore[arg-type]
        .where(col(Compound.company_id).is_not(None))  # type: ignore[union-attr]
        .distinct()
        .order_by(col(Community.name))
    )
    found: dict[int, list[str]] = defaultdict(list)
    for company_id, name in rows:
        found[company_id].append(name)  # type: ignore[index]
    return found
