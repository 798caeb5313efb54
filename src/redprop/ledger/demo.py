"""The demo street: a fresh ledger built from samples/ (modelled on Yumen's 新市区街道)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.errors import LedgerError
from redprop.core.models import Community
from redprop.excel.read import cell_text, read_sheets
from redprop.ledger.upkeep import init_ledger
from redprop.units.importer import OrgImportResult, import_org
from redprop.units.staff import add_staff

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
    from redprop.units.staff import list_staff

    return list_staff(session, role=role, unit=unit)[0].name


def build_demo_cases(session: Session, *, now: datetime) -> list[str]:
    """A handful of realistic disputes moved through the ladder, relative to `now`: one closed
    after a visit, one awaiting its visit, one escalated from the grid to the street office,
    one referred to court, one in progress, and one left overdue for the sweep to escalate."""
    from redprop.cases.actions import Facts, NewCase, act, register_case
    from redprop.cases.rules import Action
    from redprop.cases.sweep import sweep

    w1 = _staff(session, "grid-worker", "G002")
    w3 = _staff(session, "grid-worker", "G003")
    w15 = _staff(session, "grid-worker", "G015")
    tieren = _staff(session, "community", "铁人路社区")
    street = "张建国"

    def at(days: float) -> datetime:
        return now - timedelta(days=days)

    numbers = []

    def new(actor: str, when: float, **kw: object) -> str:
        case = register_case(session, new=NewCase(**kw), actor=actor, at=at(when))  # type: ignore[arg-type]
        numbers.append(case.number)
        return case.number

    def do(number: str, action: Action, actor: str, when: float, **facts: object) -> None:
        act(session, number=number, action=action, actor=actor, at=at(when), facts=Facts(**facts))  # type: ignore[arg-type]

    leak = new(
        w1,
        20,
        grid="G002",
        category="邻里纠纷",
        severity="small",
        summary="楼上卫生间漏水，楼下天花板受损",
        parties=["张三", "李四"],
        building="4",
        unit="2",
        room="301",
        source="patrol",
    )
    do(leak, Action.accept, w1, 19.9)
    do(leak, Action.note, w1, 19, text="已约双方和物业维修人员现场查看")
    do(leak, Action.resolve, w1, 17, outcome="楼上修复防水，赔偿楼下 800 元", agreement="written")
    do(leak, Action.visit, w1, 12, satisfaction="satisfied", fulfilled="yes")

    lift = new(
        tieren,
        15,
        grid="G002",
        category="物业纠纷",
        severity="major",
        summary="电梯多次停运，业主拒交物业费",
        parties=["天昊小区业主代表", "嘉华物业"],
        source="visit",
    )
    do(lift, Action.accept, tieren, 14.8)
    do(
        lift,
        Action.resolve,
        tieren,
        9,
        outcome="物业更换电梯主板，业主补交物业费",
        agreement="oral",
    )

    parking = new(
        w3,
        14,
        grid="G003",
        category="邻里纠纷",
        severity="small",
        summary="地下车位长期被占用，多户争执",
        parties=["王五", "赵六", "钱七"],
        source="phone",
    )
    do(parking, Action.accept, w3, 13.9)
    do(parking, Action.escalate, w3, 12, reason="涉及多户和物业，网格协调不成")
    do(parking, Action.accept, tieren, 11.5)
    do(parking, Action.escalate, tieren, 6, reason="物业公司不配合，需街道协调")
    do(parking, Action.accept, street, 5.5)
    do(parking, Action.note, street, 3, text="街道约谈物业公司与业主代表，拟定车位管理办法")

    house = new(
        street,
        10,
        grid="G015",
        category="房屋宅基地",
        severity="hard",
        summary="房屋买卖过户纠纷，涉及产权",
        parties=["孙八", "周九"],
        source="referral",
    )
    do(house, Action.accept, street, 9.8)
    do(house, Action.refer, street, 8, to="法院", body="玉门市人民法院")

    noise = new(
        w15,
        4,
        grid="G015",
        category="邻里纠纷",
        severity="small",
        summary="夜间装修噪音扰民",
        parties=["吴十", "郑十一"],
        source="visit",
    )
    do(noise, Action.accept, w15, 3.9)

    # Registered three weeks ago and never accepted: the sweep escalates it.
    new(
        w1,
        21,
        grid="G002",
        category="环境污染",
        severity="small",
        summary="楼道堆放杂物，存在消防隐患",
        parties=["冯十二"],
        source="patrol",
    )
    sweep(session, at=now)
    return numbers


def build_demo_history(session: Session, *, now: datetime, days: int = 90, count: int = 80) -> int:
    """`count` disputes over the last `days` days, each moved through the ladder by the people
    who would act on it: most small matters settled in the grid, some escalated, a few referred,
    withdrawn or still open. Deterministic for a given `now`."""
    import random

    from redprop.cases.actions import Facts, NewCase, act, register_case
    from redprop.cases.rules import Action
    from redprop.core.errors import RedpropError
    from redprop.core.models import Case, Grid
    from redprop.units.staff import list_staff

    rng = random.Random(88)
    grids = [(g.code, g.community_id) for g in session.scalars(select(Grid).order_by(Grid.code))]
    community_names: dict[int, str] = dict(
        session.execute(select(Community.id, Community.name)).all()
    )
    workers: dict[str, str] = {}
    for member in list_staff(session):
        if member.role in ("grid-worker", "grid-leader") and member.unit_kind == "grid":
            workers.setdefault(member.unit, member.name)
    heads = {m.unit: m.name for m in list_staff(session, role="community")}
    stories = [
        ("邻里纠纷", "楼上漏水殃及楼下", "small"),
        ("邻里纠纷", "夜间噪音扰民", "small"),
        ("邻里纠纷", "楼道堆物占道", "small"),
        ("物业纠纷", "物业费收缴争议", "major"),
        ("物业纠纷", "小区停车收费纠纷", "major"),
        ("婚姻家庭", "赡养老人费用分担", "small"),
        ("损害赔偿", "电动车剐蹭赔偿", "small"),
        ("劳动争议", "装修工人工资拖欠", "major"),
        ("房屋宅基地", "违章搭建影响采光", "hard"),
        ("环境污染", "餐馆油烟扰民", "small"),
        ("合同纠纷", "房屋租赁押金纠纷", "small"),
        ("消费纠纷", "预付卡退费纠纷", "major"),
    ]
    surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑"
    made = 0
    for _ in range(count):
        code, community_id = rng.choice(grids)
        if code not in workers:
            continue
        category, summary, severity = rng.choice(stories)
        start = now - timedelta(days=rng.uniform(3, days), hours=rng.uniform(0, 8))
        worker = workers[code]
        community_staff = heads.get(community_names[community_id], "王敏")
        parties = [rng.choice(surnames) + rng.choice("某") for _ in range(2)]
        case = register_case(
            session,
            new=NewCase(
                grid=code,
                category=category,
                severity=severity,
                summary=summary,
                parties=parties,
                source=rng.choice(("patrol", "patrol", "visit", "phone", "hotline")),
            ),
            actor=worker,
            at=start,
        )
        made += 1
        at = start

        actors = {"grid": worker, "community": community_staff}

        def step(
            action: Action,
            hours: float,
            case: Case = case,
            actors: dict[str, str] = actors,
            **facts: object,
        ) -> bool:
            nonlocal at
            when = at + timedelta(hours=hours)
            if when >= now:
                return False
            number, level = case.number, case.level
            try:
                with session.begin_nested():
                    act(
                        session,
                        number=number,
                        action=action,
                        actor=actors.get(level, "张建国"),
                        at=when,
                        facts=Facts(**facts),
                    )  # type: ignore[arg-type]
            except RedpropError:
                return False
            at = when
            return True

        roll = rng.random()
        if not step(Action.accept, rng.uniform(1, 30)):
            continue
        if roll < 0.2 and step(
            Action.escalate, rng.uniform(24, 120), reason="网格调解未果，需社区协调"
        ):
            step(Action.accept, rng.uniform(1, 24))
        if roll < 0.05:
            step(Action.escalate, rng.uniform(24, 120), reason="涉及多部门，需街道协调") and step(
                Action.accept, rng.uniform(1, 24)
            )
        if roll < 0.07:
            step(Action.refer, rng.uniform(24, 96), to="法院", body="玉门市人民法院")
        elif roll < 0.1:
            step(Action.withdraw, rng.uniform(24, 96), reason="当事人自行和解，申请撤销")
        elif roll < 0.85:
            step(Action.note, rng.uniform(4, 48), text="组织双方当面调解")
            if step(
                Action.resolve,
                rng.uniform(12, 96),
                outcome="双方达成调解协议",
                agreement=rng.choice(("oral", "written")),
            ):
                step(
                    Action.visit,
                    rng.uniform(72, 240),
                    satisfaction=rng.choice(("satisfied", "satisfied", "basic")),
                    fulfilled="yes",
                )
    return made


def build_demo_services(session: Session, *, now: datetime) -> int:
    """The service lists of the demo street, from the case studies: resources offered by the
    property company, a volunteer team and party members; convenience items with their records;
    demands in every state and a micro-wish claimed and fulfilled by a party member."""
    from redprop.servicelists.demands import DemandFacts, add_demand, step_demand
    from redprop.servicelists.provision import add_item, add_record, add_resource
    from redprop.servicelists.rules import DemandAction

    def at(days: float) -> datetime:
        return now - timedelta(days=days)

    repair = add_resource(
        session,
        provider="嘉华物业",
        provider_type="company",
        kind="people",
        summary="水电维修、家电维修上门服务",
        community="铁人路社区",
        capacity=30,
    )
    add_resource(
        session,
        provider="红色先锋服务队",
        provider_type="volunteer-team",
        kind="people",
        summary="助老陪护、代购代办",
        community="铁人路社区",
        capacity=40,
    )
    add_resource(
        session,
        provider="杨红军",
        provider_type="party-member",
        kind="skill",
        summary="家电维修（蓝色家电维修）",
        community="铁人路社区",
    )
    add_resource(
        session,
        provider="龙源小区党支部",
        provider_type="unit",
        kind="venue",
        summary="党群服务站活动室",
        community="龙源社区",
        capacity=50,
    )
    add_item(session, name="幸福食堂", category="助老", community="铁人路社区", compound="天昊小区")
    add_item(
        session, name="直饮水站", category="便民服务", community="铁人路社区", compound="天昊小区"
    )
    add_item(
        session,
        name="充电车棚",
        category="便民服务",
        community="龙源社区",
        compound="龙源小区",
        status="planned",
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
    worker, admin = _staff(session, "grid-worker", "G002"), "王敏"
    stories = [
        ("助老", "独居老人每周代购药品", False, "claim"),
        ("维修", "楼道灯损坏需维修", False, "fulfil"),
        ("环境卫生", "绿化带垃圾清理", False, "cancel"),
        ("法律咨询", "遗产继承咨询", False, None),
        ("微心愿", "想要一套课外读物", True, "fulfil"),
        ("微心愿", "希望有人教用智能手机", True, None),
    ]
    made = 0
    for offset, (category, summary, wish, last) in enumerate(stories):
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
        made += 1
        if last in ("claim", "fulfil"):
            by = "杨红军" if wish else repair.number
            step_demand(
                session,
                number=demand.number,
                action=DemandAction.claim,
                actor=worker,
                facts=DemandFacts(by=by),
                at=start + timedelta(hours=5),
            )
        if last == "fulfil":
            step_demand(
                session,
                number=demand.number,
                action=DemandAction.fulfil,
                actor=worker,
                facts=DemandFacts(feedback="已完成，居民表示感谢", satisfaction="satisfied"),
                at=start + timedelta(days=2),
            )
        if last == "cancel":
            step_demand(
                session,
                number=demand.number,
                action=DemandAction.cancel,
                actor=admin,
                facts=DemandFacts(reason="物业已统一清理"),
                at=start + timedelta(days=1),
            )
    return made
