"""The demo street's stories as data, played by ledger/demo.py: the scripted disputes told
step by step, what the random history draws from, and the service lists' resources, items and
demands."""

from __future__ import annotations

from dataclasses import dataclass

from redprop.cases.actions import Facts, NewCase
from redprop.core.vocab import Action

STREET_STAFF = "张建国"  # acts for the street office in the stories

# ---------------------------------------------------------------------------------------------
# The scripted disputes


@dataclass(frozen=True)
class Scripted:
    """One scripted dispute: who registers it and how many days before now, the case, and its
    steps as (action, who, days before now, facts). People are named by the keys of CAST."""

    by: str
    days_ago: float
    case: NewCase
    steps: tuple[tuple[Action, str, float, Facts], ...] = ()


# The people the scripted disputes name: the first staff member with this role in this unit.
CAST = {
    "w1": ("grid-worker", "G002"),
    "w3": ("grid-worker", "G003"),
    "w15": ("grid-worker", "G015"),
    "tieren": ("community", "铁人路社区"),
}

SCRIPTED = (
    # Settled in the grid and visited.
    Scripted(
        "w1",
        20,
        NewCase(
            grid="G002",
            category="邻里纠纷",
            severity="small",
            summary="楼上卫生间漏水，楼下天花板受损",
            parties=["张三", "李四"],
            building="4",
            unit="2",
            room="301",
            source="patrol",
        ),
        (
            (Action.accept, "w1", 19.9, Facts()),
            (Action.note, "w1", 19, Facts(text="已约双方和物业维修人员现场查看")),
            (
                Action.resolve,
                "w1",
                17,
                Facts(outcome="楼上修复防水，赔偿楼下 800 元", agreement="written"),
            ),
            (Action.visit, "w1", 12, Facts(satisfaction="satisfied", fulfilled="yes")),
        ),
    ),
    # Settled by the community, awaiting its visit.
    Scripted(
        "tieren",
        15,
        NewCase(
            grid="G002",
            category="物业纠纷",
            severity="major",
            summary="电梯多次停运，业主拒交物业费",
            parties=["天昊小区业主代表", "嘉华物业"],
            source="visit",
        ),
        (
            (Action.accept, "tieren", 14.8, Facts()),
            (
                Action.resolve,
                "tieren",
                9,
                Facts(outcome="物业更换电梯主板，业主补交物业费", agreement="oral"),
            ),
        ),
    ),
    # Escalated from the grid through the community to the street office.
    Scripted(
        "w3",
        14,
        NewCase(
            grid="G003",
            category="邻里纠纷",
            severity="small",
            summary="地下车位长期被占用，多户争执",
            parties=["王五", "赵六", "钱七"],
            source="phone",
        ),
        (
            (Action.accept, "w3", 13.9, Facts()),
            (Action.escalate, "w3", 12, Facts(reason="涉及多户和物业，网格协调不成")),
            (Action.accept, "tieren", 11.5, Facts()),
            (Action.escalate, "tieren", 6, Facts(reason="物业公司不配合，需街道协调")),
            (Action.accept, "street", 5.5, Facts()),
            (Action.note, "street", 3, Facts(text="街道约谈物业公司与业主代表，拟定车位管理办法")),
        ),
    ),
    # Referred to court by the street office.
    Scripted(
        "street",
        10,
        NewCase(
            grid="G015",
            category="房屋宅基地",
            severity="hard",
            summary="房屋买卖过户纠纷，涉及产权",
            parties=["孙八", "周九"],
            source="referral",
        ),
        (
            (Action.accept, "street", 9.8, Facts()),
            (Action.refer, "street", 8, Facts(to="法院", body="玉门市人民法院")),
        ),
    ),
    # In progress in the grid.
    Scripted(
        "w15",
        4,
        NewCase(
            grid="G015",
            category="邻里纠纷",
            severity="small",
            summary="夜间装修噪音扰民",
            parties=["吴十", "郑十一"],
            source="visit",
        ),
        ((Action.accept, "w15", 3.9, Facts()),),
    ),
    # Registered three weeks ago and never accepted: the sweep escalates it.
    Scripted(
        "w1",
        21,
        NewCase(
            grid="G002",
            category="环境污染",
            severity="small",
            summary="楼道堆放杂物，存在消防隐患",
            parties=["冯十二"],
            source="patrol",
        ),
    ),
)


# ---------------------------------------------------------------------------------------------
# The random history


# The disputes the history draws from: (category, summary, severity).
HISTORY_KINDS = (
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
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑"
SOURCES = ("patrol", "patrol", "visit", "phone", "hotline")


# ---------------------------------------------------------------------------------------------
# The service lists


# The resources on offer: (provider, provider type, kind, summary, community, capacity). The
# first, the property company's repair service, also provides an item (惠民菜店) and claims the
# demands that are not micro-wishes.
RESOURCES = (
    ("嘉华物业", "company", "people", "水电维修、家电维修上门服务", "铁人路社区", 30),
    ("红色先锋服务队", "volunteer-team", "people", "助老陪护、代购代办", "铁人路社区", 40),
    ("杨红军", "party-member", "skill", "家电维修（蓝色家电维修）", "铁人路社区", None),
    ("龙源小区党支部", "unit", "venue", "党群服务站活动室", "龙源社区", 50),
)
# The convenience items: (name, category, community, compound, status); the repair service's
# 惠民菜店 is added after them.
ITEMS = (
    ("幸福食堂", "助老", "铁人路社区", "天昊小区", "running"),
    ("直饮水站", "便民服务", "铁人路社区", "天昊小区", "running"),
    ("充电车棚", "便民服务", "龙源社区", "龙源小区", "planned"),
)
# The demands of grid G002, one raised every three days from 20 days ago: (category, summary,
# micro-wish, how far it goes: claimed, fulfilled, cancelled or left open).
DEMANDS = (
    ("助老", "独居老人每周代购药品", False, "claim"),
    ("维修", "楼道灯损坏需维修", False, "fulfil"),
    ("环境卫生", "绿化带垃圾清理", False, "cancel"),
    ("法律咨询", "遗产继承咨询", False, None),
    ("微心愿", "想要一套课外读物", True, "fulfil"),
    ("微心愿", "希望有人教用智能手机", True, None),
)
# The party member who claims the micro-wishes.
WISH_GRANTER = "杨红军"
