"""The quarterly score of each property company (量化积分, docs/design.md §15), computed as of
the quarter's end from what was dated before it — case events, service records, rectification
tasks and manual items — so a closed quarter never moves; ranks, and the 红榜 and 黑榜.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from redprop.cases.lateness import kept, ran_late
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
from redprop.core.vocab import UNDO
from redprop.property.items import Quarter
from redprop.property.rules import BY_KEY, load_rules

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
    those of them that ran late at any level before (facts their resolve keeps:
    cases/lateness), and the follow-up visits of the period (a community's cases only, when
    given). A case with an undo, or a resolve older than the facts, is walked step by step."""
    scope: list[Any] = [col(Case.company_id).is_not(None)]  # type: ignore[union-attr]
    if community_id:
        scope.append(col(Case.community_id) == community_id)
    e = CaseEvent
    walk = set(session.scalars(select(col(e.case_id)).where(_is(UNDO), col(e.at) < end)))
    withdrawn = _withdrawn_at(session, start, end)
    tallies: dict[int, Tally] = defaultdict(Tally)
    resolves = (
        select(col(Case.company_id), col(e.case_id), col(e.overdue), col(e.resolved_before))
        .join(Case, col(Case.id) == col(e.case_id))
        .where(_is("resolve"), col(e.at) >= start, col(e.at) < end, *scope)
    )
    for company_id, case_id, overdue, again in session.execute(resolves):
        if overdue is None:
            walk.add(case_id)
        elif not again and case_id not in walk and case_id not in withdrawn:
            tally = tallies[int(company_id or 0)]
            tally.substantiated += 1
            tally.overdue += bool(overdue)
    visits = (
        select(col(Case.company_id), col(e.case_id), col(e.data))
        .join(Case, col(Case.id) == col(e.case_id))
        .where(_is("visit"), col(e.at) >= start, col(e.at) < end, *scope)
    )
    for company_id, case_id, data in session.execute(visits):
        if case_id not in walk:
            _count_visit(tallies[int(company_id or 0)], data)
    _walk(session, sorted(walk), start, end, scope, tallies)
    return tallies


def _is(action: str) -> Any:
    # A literal, not a parameter: SQLite uses a partial index only for a query whose WHERE
    # names its condition's very value (ix_case_event_resolves and _visits).
    return col(CaseEvent.action) == literal(action, literal_execute=True)


def _withdrawn_at(session: Session, start: datetime, end: datetime) -> set[int]:
    """The cases whose last step before `end` left them withdrawn, among those withdrawn in
    [start, end) (a case resolved in the period and withdrawn at its end was withdrawn in it)."""
    e, last = CaseEvent, aliased(CaseEvent)
    last_state = (
        select(col(last.state))
        .where(col(last.case_id) == col(e.case_id), col(last.at) < end)
        .order_by(col(last.seq).desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(col(e.case_id))
        .where(col(e.action) == "withdraw", col(e.at) >= start, col(e.at) < end)
        .where(last_state == "withdrawn")
    )
    return set(session.scalars(query))


def _count_visit(tally: Tally, data: str) -> None:
    sat = json.loads(data).get("satisfaction")
    if sat in SATISFIED:
        tally.satisfied += 1
    elif sat == "unsatisfied":
        tally.unsatisfied += 1


def _walk(
    session: Session,
    case_ids: list[int],
    start: datetime,
    end: datetime,
    scope: list[Any],
    tallies: dict[int, Tally],
) -> None:
    """Tally the cases whose flags can't be read, from their whole histories before `end`."""
    e = CaseEvent
    fields = (col(e.case_id), col(e.seq), col(e.action), col(e.state), col(e.at), col(e.due_on))
    for i in range(0, len(case_ids), 500):
        query = (
            select(col(Case.company_id), *fields, col(e.data))
            .join(Case, col(Case.id) == col(e.case_id))
            .where(col(e.case_id).in_(case_ids[i : i + 500]), col(e.at) < end, *scope)  # type: ignore[attr-defined]
            .order_by(col(e.case_id), col(e.seq))
        )
        by_case: dict[int, list[Any]] = defaultdict(list)
        for event in session.execute(query):
            by_case[event.case_id].append(event)
        for events in by_case.values():
            _tally_case(tallies[events[0].company_id], events, start)


def _tally_case(tally: Tally, events: list[Any], start: datetime) -> None:
    steps = kept(events)
    for e in steps:
        if e.action == "visit" and e.at >= start:
            _count_visit(tally, e.data)
    resolves = [i for i, e in enumerate(steps) if e.action == "resolve"]
    if not resolves or steps[resolves[0]].at < start or events[-1].state == "withdrawn":
        return
    tally.substantiated += 1
    tally.overdue += ran_late(steps[: resolves[0] + 1])


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
