"""The demo street: a fresh ledger built from samples/ (modelled on Yumen's 新市区街道), then
its last three months played from the stories in ledger/demostories.py: a few disputes told
step by step, a seeded random history, and the service lists."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.sweep import sweep
from redprop.core.errors import LedgerError, RedpropError
from redprop.core.models import Case, Community, Grid
from redprop.core.vocab import Action, DemandAction
from redprop.excel.read import cell_text, read_sheets
from redprop.ledger.demostories import (
    CAST,
    DEMANDS,
    HISTORY_KINDS,
    ITEMS,
    RESOURCES,
    SCRIPTED,
    SOURCES,
    STREET_STAFF,
    SURNAMES,
    WISH_GRANTER,
)
from redprop.ledger.upkeep import init_ledger
from redprop.servicelists.demands import DemandFacts, add_demand, step_demand
from redprop.servicelists.provision import add_item, add_record, add_resource
from redprop.units.importer import OrgImportResult, import_org
from redprop.units.staff import add_staff, list_staff

STREET = "新市区街道"
ADMIN = "王敏"


def samples_dir() -> Path:
    """The packaged samples (wheel install), else the repository's (editable install)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "samples", here.parents[1] / "samples"):
        if (candidate / "street.csv").exists():
            return candidate
    raise LedgerError(
        "找不到示例数据 samples/，安装不完整：请用 pip install . 重新安装 redprop",
        "The sample data (samples/) is missing from this installation: reinstall redprop",
    )


@dataclass
class DemoResult:
    org: OrgImportResult
    staff: int


def build_demo(session: Session, *, samples: Path) -> DemoResult:
    init_ledger(session, street=STREET, admin=ADMIN)
    org = import_org(session, path=samples / "street.csv")
    staff = 0
    rows = read_sheets(samples / "staff.csv")[0].rows
    for row in rows[1:]:
        name, role, unit, phone = (cell_text(c) for c in row[:4])
        if name == ADMIN:
            continue
        add_staff(session, name=name, role=role, unit=unit, phone=phone or None)
        staff += 1
    return DemoResult(org=org, staff=staff + 1)


def _staff(session: Session, role: str, unit: str) -> str:
    return list_staff(session, role=role, unit=unit)[0].name


# ---------------------------------------------------------------------------------------------
# The scripted disputes


def build_demo_cases(session: Session, *, now: datetime) -> list[str]:
    """A handful of realistic disputes moved through the ladder, relative to `now`: one closed
    after a visit, one awaiting its visit, one escalated from the grid to the street office,
    one referred to court, one in progress, and one left overdue for the sweep to escalate."""
    cast = {key: _staff(session, role, unit) for key, (role, unit) in CAST.items()}
    cast["street"] = STREET_STAFF
    numbers = []
    for story in SCRIPTED:
        case = register_case(
            session, new=story.case, actor=cast[story.by], at=now - timedelta(days=story.days_ago)
        )
        numbers.append(case.number)
        for action, who, days_ago, facts in story.steps:
            act(
                session,
                number=case.number,
                action=action,
                actor=cast[who],
                at=now - timedelta(days=days_ago),
                facts=facts,
            )
    sweep(session, at=now)
    return numbers


# ---------------------------------------------------------------------------------------------
# The random history


def build_demo_history(session: Session, *, now: datetime, days: int = 90, count: int = 80) -> int:
    """`count` disputes over the last `days` days, each moved through the ladder by the people
    who would act on it: most small matters settled in the grid, some escalated, a few referred,
    withdrawn or still open. Deterministic for a given `now`."""
    rng = random.Random(88)
    grids = [(g.code, g.community_id) for g in session.scalars(select(Grid).order_by(Grid.code))]
    community_names: dict[int, str] = dict(
        session.execute(select(Community.id, Community.name)).all()
    )
    workers, heads = _history_cast(session)
    made = 0
    for _ in range(count):
        code, community_id = rng.choice(grids)
        if code not in workers:
            continue
        category, summary, severity = rng.choice(HISTORY_KINDS)
        start = now - timedelta(days=rng.uniform(3, days), hours=rng.uniform(0, 8))
        worker = workers[code]
        community_staff = heads.get(community_names[community_id], ADMIN)
        parties = [rng.choice(SURNAMES) + rng.choice("某") for _ in range(2)]
        case = register_case(
            session,
            new=NewCase(
                grid=code,
                category=category,
                severity=severity,
                summary=summary,
                parties=parties,
                source=rng.choice(SOURCES),
            ),
            actor=worker,
            at=start,
        )
        made += 1
        mover = _Mover(session, case, {"grid": worker, "community": community_staff}, start, now)
        _play_history(rng, mover.step)
    return made


def _history_cast(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """The first grid worker or leader of each grid, and the head of each community."""
    workers: dict[str, str] = {}
    for member in list_staff(session):
        if member.role in ("grid-worker", "grid-leader") and member.unit_kind == "grid":
            workers.setdefault(member.unit, member.name)
    heads = {m.unit: m.name for m in list_staff(session, role="community")}
    return workers, heads


class _Mover:
    """Moves one history case along the ladder, each step some hours after the last, acted by
    the person at the case's level (the street office above the community)."""

    def __init__(
        self, session: Session, case: Case, actors: dict[str, str], start: datetime, now: datetime
    ) -> None:
        self.session, self.case, self.actors = session, case, actors
        self.at, self.now = start, now

    def step(self, action: Action, hours: float, facts: Facts | None = None) -> bool:
        """Take the step, or say False if it would fall after `now` or the ladder refuses it."""
        when = self.at + timedelta(hours=hours)
        if when >= self.now:
            return False
        number, level = self.case.number, self.case.level
        try:
            with self.session.begin_nested():
                self.case.level = act(
                    self.session,
                    number=number,
                    action=action,
                    actor=self.actors.get(level, STREET_STAFF),
                    at=when,
                    facts=facts or Facts(),
                ).level  # who acts next is the person at the case's new level
        except RedpropError:
            return False
        self.at = when
        return True


def _play_history(rng: random.Random, step: Callable[[Action, float, Facts | None], bool]) -> None:
    """One history case's path after registration, decided by one roll: under 0.2 escalated to
    the community (under 0.05 on to the street office); under 0.07 referred to court, under 0.1
    withdrawn, under 0.85 mediated, settled and visited; above that left open. A step refused
    or not yet due ends that branch."""
    roll = rng.random()
    if not step(Action.accept, rng.uniform(1, 30), None):
        return
    if roll < 0.2 and step(
        Action.escalate, rng.uniform(24, 120), Facts(reason="网格调解未果，需社区协调")
    ):
        step(Action.accept, rng.uniform(1, 24), None)
    if roll < 0.05 and step(
        Action.escalate, rng.uniform(24, 120), Facts(reason="涉及多部门，需街道协调")
    ):
        step(Action.accept, rng.uniform(1, 24), None)
    if roll < 0.07:
        step(Action.refer, rng.uniform(24, 96), Facts(to="法院", body="玉门市人民法院"))
    elif roll < 0.1:
        step(Action.withdraw, rng.uniform(24, 96), Facts(reason="当事人自行和解，申请撤销"))
    elif roll < 0.85:
        step(Action.note, rng.uniform(4, 48), Facts(text="组织双方当面调解"))
        if step(
            Action.resolve,
            rng.uniform(12, 96),
            Facts(outcome="双方达成调解协议", agreement=rng.choice(("oral", "written"))),
        ):
            step(
                Action.visit,
                rng.uniform(72, 240),
                Facts(
                    satisfaction=rng.choice(("satisfied", "satisfied", "basic")), fulfilled="yes"
                ),
            )


# ---------------------------------------------------------------------------------------------
# The service lists


def build_demo_services(session: Session, *, now: datetime) -> int:
    """The service lists of the demo street, from the case studies: resources offered by the
    property company, a volunteer team and party members; convenience items with their records;
    demands in every state and a micro-wish claimed and fulfilled by a party member."""

    def at(days: float) -> datetime:
        return now - timedelta(days=days)

    resources = [
        add_resource(
            session,
            provider=provider,
            provider_type=provider_type,
            kind=kind,
            summary=summary,
            community=community,
            capacity=capacity,
        )
        for provider, provider_type, kind, summary, community, capacity in RESOURCES
    ]
    repair = resources[0]
    for name, category, community, compound, status in ITEMS:
        add_item(
            session,
            name=name,
            category=category,
            community=community,
            compound=compound,
            status=status,
        )
    add_item(
        session,
        name="惠民菜店",
        category="便民服务",
        community="铁人路社区",
        resource=repair.number,
    )
    for day in range(1, 29, 3):
        add_record(
            session,
            item="幸福食堂",
            community="铁人路社区",
            on=at(day).date(),
            served=35 + day % 7,
            volunteers=2 + day % 3,
            note="老年助餐",
        )
    worker = _staff(session, "grid-worker", "G002")
    for offset, (category, summary, wish, last) in enumerate(DEMANDS):
        start = at(20 - offset * 3)
        demand = add_demand(
            session,
            grid="G002",
            category=category,
            summary=summary,
            actor=worker,
            wish=wish,
            at=start,
        )
        by = WISH_GRANTER if wish else repair.number
        _move_demand(session, demand.number, last, by=by, worker=worker, start=start)
    return len(DEMANDS)


def _move_demand(
    session: Session, number: str, last: str | None, *, by: str, worker: str, start: datetime
) -> None:
    """Take a demand as far as its story goes: claimed by `by` five hours after it was raised
    (and fulfilled two days after), or cancelled by the admin the next day."""
    if last in ("claim", "fulfil"):
        step_demand(
            session,
            number=number,
            action=DemandAction.claim,
            actor=worker,
            facts=DemandFacts(by=by),
            at=start + timedelta(hours=5),
        )
    if last == "fulfil":
        step_demand(
            session,
            number=number,
            action=DemandAction.fulfil,
            actor=worker,
            facts=DemandFacts(feedback="已完成，居民表示感谢", satisfaction="satisfied"),
            at=start + timedelta(days=2),
        )
    if last == "cancel":
        step_demand(
            session,
            number=number,
            action=DemandAction.cancel,
            actor=ADMIN,
            facts=DemandFacts(reason="物业已统一清理"),
            at=start + timedelta(days=1),
        )
