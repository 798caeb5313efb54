"""A large ledger for benchmarks, built fast: the demo street plus N disputes with consistent,
hash-chained event histories, bulk-inserted with the sqlite3 module (not the ORM).

    python benchmarks/ledgerbuild.py /tmp/big.db --cases 1000000 [--seed 1] [--workers N] [--verify]
        [--since YEAR]
    from ledgerbuild import build_ledger        (benchmarks/cases.py does)

Cases are registered from January 2025 (or January of --since: a district's decade is
--since 2017) to NOW (2026-11-20 18:00, local time) over the 104 demo grids. Each case lives a story played forward on the ladder (docs/design.md §3): accepted,
maybe escalated by hand or by the daily overdue sweep, given an extension, suspended and resumed,
noted, resolved and visited (sometimes reopened), referred or withdrawn. The story is cut off at
NOW, so recent cases are open and old ones mostly closed.

The story only chooses actions, times and people. What an action does comes from the ladder's
own table (redprop.cases.rules.TRANSITIONS: the to-state, the level move, the clock, the visit's
reopened branch), applied here on ordinal day numbers instead of through rules.step (about
6 µs a call before any due date is worked out: over half a CPU-minute for 4.9 million events);
a move the table lacks raises StoryError, and so does a person the ladder's grants
(rules.why_not) do not let act. The daily sweep decides as redprop.cases.sweep does (escalate
below the top level, else mark for 督办 once). --verify also replays every case through
rules.step and compares each event's state, level and due date and the case's whole status.

Events are hashed with redprop.cases.log.event_hash, so `redprop db check` accepts the
ledger; date-times are stored in the text format SQLAlchemy writes for SQLite
('2026-11-03 09:30:00.000000'). Run redprop against it with REDPROP_NOW set to NOW.

Worker processes generate the rows in jobs of about CHUNK cases (each job has its own seed, so
the ledger is the same whatever the number of workers) while the main process inserts them with
executemany in one transaction, without a journal; the file is switched to WAL at the end.
A million cases (4.9 million events, a 2.6 GB file) take four to five CPU-minutes: 216 s on two
cores, about twice that while other work shares them.

Long on purpose (over 500 lines): one self-contained script, run as such and imported by the
other benchmarks; the texts and weights of the stories take ~170 lines, the story and the bulk
loader the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import random
import sqlite3
import time
from bisect import bisect
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from redprop.cases.clock import OPEN, RUNNING, YELLOW_SHARE
from redprop.cases.log import event_hash
from redprop.cases.rules import (
    RULES,
    SWEEP_REASONS,
    SYSTEM_ACTOR,
    TRANSITIONS,
    Actor,
    Clock,
    Move,
    Place,
    Settings,
    Status,
    Step,
    refuse_pair,
    step,
    sweep_action,
    why_not,
)
from redprop.core.eventlog import GENESIS, data_text
from redprop.core.vocab import REFER_TO, Action, Level, Severity, State
from redprop.core.workdays import Calendar

# The benchmark's "now": every generated time is at or before it; run redprop with REDPROP_NOW set
# to it so that warnings and the sweep see the ledger as of this moment.
NOW = datetime(2026, 11, 20, 18, 0)
FIRST_DAY = date(2025, 1, 1)
CHUNK = 10_000  # cases per job: one executemany batch of cases, one of their events
SWEEP_AT = 6 * 60 + 30  # the daily overdue sweep (redprop case sweep from cron), 06:30

CASE_COLUMNS = (
    "id", "number", "street_id", "community_id", "grid_id", "building_id", "unit", "room",
    "category_id", "severity", "source", "summary", "parties", "state", "level", "supervised",
    "clock_start", "limit_days", "paused_days", "suspended_on", "due_on", "yellow_on",
    "registered_at", "last_at", "event_count", "last_hash",
)  # fmt: skip
EVENT_COLUMNS = (
    "case_id", "seq", "action", "from_state", "from_level", "state", "level", "at",
    "recorded_at", "actor", "staff_id", "reason", "data", "due_on", "prev_hash", "hash",
    "overdue", "resolved_before",
)  # fmt: skip

# The ladder's table as the story plays it: states, levels and actions are the plain strings the
# ledger stores. (state, action) → (to-state or None to keep it, level move, clock, the visit's
# reopened (state, clock) or None, whether it marks the case for 督办), one entry per pair of
# rules.TRANSITIONS.
Fast = tuple[str | None, Move, Clock, tuple[str, Clock] | None, bool]
LADDER: dict[tuple[str | None, str], Fast] = {
    (None if state is None else state.value, action.value): (
        None if row.target is None else row.target.value,
        row.effect.move,
        row.effect.clock,
        None
        if row.effect.reopened is None
        else (row.effect.reopened[0].value, row.effect.reopened[1]),
        row.effect.supervises,
    )
    for (state, action), row in TRANSITIONS.items()
}
# The members the hot path compares with, read once: reading one off its Enum class costs about
# 0.2 µs (Python 3.11), a second or two over the 4.9 million events.
SAME, INTAKE, UP, DOWN = Move.same, Move.intake, Move.up, Move.down
KEEP, START, EXTEND, PAUSE, RESUME = (
    Clock.keep,
    Clock.start,
    Clock.extend,
    Clock.pause,
    Clock.resume,
)
OPEN_STATES = frozenset(s.value for s in OPEN)  # a due date and a yellow date
WORKING = frozenset(s.value for s in RUNNING)  # the sweep's cases
# Actions only a case in progress takes (resolve, suspend): a registered case is accepted first.
NEEDS_IP = frozenset(a.value for a, row in RULES.items() if row.sources == {State.in_progress})
# Actions the story may ask for when they no longer apply (escalate at the top level, assign to a
# level that is not below, extend a case no longer worked): then it does without them.
OPTIONAL = frozenset({Action.escalate.value, Action.assign.value, Action.extend.value})
R = State.registered.value
SWEPT = json.dumps({"swept": True})
ONE_DAY = timedelta(days=1)


class StoryError(Exception):
    """The story asked for a move the ladder's table lacks, or picked someone the grants do not
    allow: a bug in this builder (a ledger built anyway would fail `redprop db check`)."""


def _data(**values: Any) -> str:
    """An event's data column, as redprop writes it."""
    return data_text(values)


# ---------------------------------------------------------------------------------------------
# Texts

CATEGORY_WEIGHTS = {
    "邻里纠纷": 22,
    "物业纠纷": 18,
    "婚姻家庭": 14,
    "损害赔偿": 8,
    "劳动争议": 7,
    "房屋宅基地": 6,
    "合同纠纷": 6,
    "消费纠纷": 5,
    "道路交通": 4,
    "环境污染": 3,
    "其他": 3,
    "征地拆迁": 2,
    "医疗纠纷": 2,
}
SUMMARIES = {
    "邻里纠纷": (
        "楼上卫生间漏水导致楼下天花板受损，双方就维修费用协商未果",
        "邻居夜间噪音扰民，多次沟通无果引发争吵",
        "楼道堆放杂物影响通行，邻里发生口角",
        "相邻住户因空调外机位置及排水问题产生矛盾",
        "饲养宠物扰民，双方多次发生争执",
    ),
    "物业纠纷": (
        "业主以电梯长期故障为由拒交物业费",
        "小区停车位分配不公，业主与物业公司发生争执",
        "外墙渗水维修责任不清，业主与物业协商不成",
        "物业公司服务不到位，业主集体投诉",
    ),
    "婚姻家庭": (
        "夫妻因家庭琐事长期不和，一方要求离婚",
        "子女之间就赡养老人费用分担产生分歧",
        "婆媳矛盾激化，影响家庭和睦",
        "兄弟姐妹因父母遗留房产继承发生纠纷",
    ),
    "损害赔偿": (
        "装修施工损坏邻居墙体，双方就赔偿金额协商未果",
        "宠物犬咬伤行人，就医疗费用赔偿发生争议",
        "高空坠物砸坏车辆，责任认定不清",
    ),
    "劳动争议": (
        "务工人员被拖欠工资，多次讨要未果",
        "员工工伤后与用人单位就赔偿产生争议",
        "劳动合同解除后经济补偿金发放有争议",
    ),
    "房屋宅基地": (
        "房屋买卖过户手续纠纷，双方各执一词",
        "院墙边界不清，相邻两户发生争执",
        "房屋租赁到期后租户拒不搬离",
    ),
    "合同纠纷": (
        "装修合同工期延误，业主拒付尾款",
        "民间借贷到期未还，出借人多次催讨",
        "车辆买卖合同履行发生争议",
    ),
    "消费纠纷": (
        "预付卡商家停业，消费者要求退款",
        "购买的家电存在质量问题，商家拒绝退换",
    ),
    "道路交通": (
        "小区内车辆刮擦，双方就责任和赔偿发生争执",
        "电动车与行人相撞致轻微受伤，赔偿未谈拢",
    ),
    "环境污染": (
        "沿街餐馆油烟直排影响楼上住户",
        "夜间施工噪声扰民，居民反映强烈",
    ),
    "征地拆迁": (
        "棚户区改造补偿标准有异议",
        "违建拆除补偿问题引发争议",
    ),
    "医疗纠纷": ("诊所用药后出现不良反应，患者家属要求赔偿",),
    "其他": (
        "广场舞音量过大影响周边居民休息",
        "公共区域私搭乱建引发居民不满",
    ),
}
GENERIC_SUMMARY = ("当事人之间发生矛盾，需要调解",)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建国志文斌海波宁福林德"
ACCEPT_NOTES = (
    "入户走访了解情况，听取双方诉求",
    "组织双方当事人面对面调解，未达成一致",
    "联系物业公司到现场查看",
    "邀请法律顾问释法说理",
    "电话回访当事人，情绪已趋于平稳",
)
ESCALATE_REASONS = (
    "涉及多户居民，需上级统筹协调",
    "当事人情绪激烈，本级难以化解",
    "涉及产权及相关部门职责，需上级协调",
)
ASSIGN_REASON = "属社区职责范围，交由社区就地化解"
SUSPEND_REASONS = (
    "等待司法鉴定结果",
    "当事人外出务工，暂时无法联系",
    "等待相关部门出具意见",
    "当事人住院治疗",
)
RESUME_REASONS = (None, None, "当事人已返回", "鉴定结果已出")
EXTEND_REASONS = ("当事人分歧较大，需多次调解", "需等待第三方评估", "涉及人员较多，协调时间长")
OUTCOMES = (
    "经调解双方达成和解",
    "双方签订调解协议，一次性赔偿损失",
    "责任方已完成维修，双方无异议",
    "双方各退一步，当场握手言和",
    "欠款已按协议分期支付",
)
WITHDRAW_REASONS = ("当事人自行和解，申请撤销", "当事人撤回调解申请", "经核实不属于矛盾纠纷")
REOPEN_REASONS = ("当事人反映协议未履行，申请重新调解", "纠纷再次激化")
REFER_BODIES = {
    "法院": "区人民法院",
    "检察院": "区人民检察院",
    "公安": "城区派出所",
    "仲裁": "劳动人事争议仲裁委员会",
    "部门": "区住建局",
}
SEVERITIES = (("small", 68), ("major", 22), ("hard", 8), ("special", 2))
SOURCES = (
    ("patrol", 45),
    ("visit", 20),
    ("hotline", 15),
    ("phone", 12),
    ("referral", 5),
    ("other", 3),
)
# Each case's whole life, before NOW cuts it short.
PLANS = (
    ("closed", 775),
    ("reopen_visit", 40),  # the visit finds the agreement unhonoured: worked again, then closed
    ("reopen_closed", 5),  # reopened after closing
    ("no_visit", 15),  # resolved, never visited
    ("refer", 55),
    ("withdraw", 50),
    ("suspend_resume", 30),
    ("suspended", 15),  # suspended for a long time
    ("stuck", 10),  # open for a very long time: the sweep takes it to the top and supervises it
    ("never_accepted", 5),
)
MONTH_FACTOR = (1.1, 1.25, 1.0, 0.95, 1.0, 1.0, 1.1, 1.1, 1.0, 0.9, 0.95, 1.05)


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


# ---------------------------------------------------------------------------------------------
# What the generators need to know about the ledger (picklable, sent once to each worker)


@dataclass
class World:
    now: datetime
    settings: Settings  # the ledger's ladder settings: levels, limits, the sweep's policy
    cal: Calendar  # the ledger's calendar (the ordinal tables below are made from it)
    actors: dict[int, Actor]  # staff id → the staff member as the grants see them
    verify: bool  # replay every case through rules.step too
    first: int  # the ordinal of the first day cases are registered on
    base: int  # the ordinal of the first day in the workday tables
    cum: list[int]  # workdays in [base, base + i]
    workdays: list[int]  # ordinals of the working days from base on
    grids: list[tuple[int, int, int]]  # (grid id, community id, street id)
    grid_cum: list[float]
    buildings: dict[int, list[tuple[int, int]]]  # grid id → [(building id, units)]
    grid_staff: dict[int, list[tuple[str, int]]]  # (name, staff id)
    grid_heads: dict[int, list[tuple[str, int]]]
    community_staff: dict[int, list[tuple[str, int]]]
    community_mediators: dict[int, list[tuple[str, int]]]
    street_staff: dict[int, list[tuple[str, int]]]
    street_mediators: dict[int, list[tuple[str, int]]]
    admins: list[tuple[str, int]]
    categories: list[tuple[int, str]]
    category_cum: list[float]


class _Stop(Exception):
    """The story has reached NOW."""


class _Event:
    """The attributes redprop.cases.log.event_hash reads from a CaseEvent."""

    __slots__ = (
        "action",
        "actor",
        "at",
        "data",
        "due_on",
        "from_level",
        "from_state",
        "level",
        "prev_hash",
        "reason",
        "recorded_at",
        "seq",
        "state",
    )


class _Maker:
    """Plays one case at a time; its attributes are the current case's status."""

    def __init__(self, world: World, seed: int) -> None:
        self.w = world
        self.rng = random.Random(seed)
        self.now = world.now
        self.far = datetime(9999, 1, 1)
        n = len(world.cum)
        self.days = [datetime.fromordinal(world.base + i) for i in range(n)]
        self.dates = [date.fromordinal(world.base + i) for i in range(n)]
        self.iso = [d.isoformat() for d in self.dates]
        self.seconds = [timedelta(seconds=s) for s in range(86400)]
        # The ladder settings in the ledger's plain strings, looked up at every event.
        settings = world.settings
        levels = [lv.value for lv in settings.levels]
        self.above = {
            lv.value: getattr(settings.above(lv), "value", None) for lv in settings.levels
        }
        self.below = {lv: levels[:i] for i, lv in enumerate(levels)}  # where a case may be assigned
        self.limits = {lv.value: days for lv, days in settings.limits.items()}
        self.intakes = {sev.value: settings.intake(sev).value for sev in Severity}
        self.settings = settings
        rng = self.rng
        self.names = [
            rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            for _ in range(4000)
        ]
        self.sev_cum = _cumulative([w for _, w in SEVERITIES])
        self.src_cum = _cumulative([w for _, w in SOURCES])
        self.plan_cum = _cumulative([w for _, w in PLANS])
        self.reg_data = {
            (sev, src): _data(severity=sev, source=src)
            for sev, _ in SEVERITIES
            for src, _ in SOURCES
        }
        self.resolve_data = {
            (o, a): _data(outcome=o, agreement=a) for o in OUTCOMES for a in ("oral", "written")
        }
        self.visit_data = {
            (s, f): _data(satisfaction=s, fulfilled=f)
            for s in ("satisfied", "basic", "unsatisfied")
            for f in ("yes", "no", "partly")
        }
        self.refer_data = {}
        for to in REFER_TO:
            body = REFER_BODIES.get(to)
            self.refer_data[(to, False)] = (to, _data(to=to))
            if body:
                self.refer_data[(to, True)] = (f"{to}（{body}）", _data(to=to, body=body))
        self.extend_data = {d: _data(days=d) for d in range(1, 61)}
        self.shares = {n: math.ceil(n * YELLOW_SHARE) for n in range(1, 400)}
        self.ev = _Event()

    # -- time ---------------------------------------------------------------------------------

    def add_wd(self, day: int, n: int) -> int:
        """Calendar.add_workdays on ordinals."""
        if n <= 0:
            return day
        w = self.w
        return w.workdays[w.cum[day - w.base] + n - 1]

    def wd_between(self, start: int, end: int) -> int:
        """Calendar.workdays_between on ordinals."""
        if end <= start:
            return 0
        w = self.w
        return w.cum[end - w.base] - w.cum[start - w.base]

    def on_day(self, day: int) -> datetime:
        """A moment in the working hours of a day (now and then in the evening)."""
        r = self.rng.random()
        # 08:30-17:45, or now and then 18:00-20:30
        sec = 30600 + int(r / 0.9 * 33300) if r < 0.9 else 64800 + int((r - 0.9) * 10 * 9000)
        return self.days[day - self.w.base] + self.seconds[sec]

    def later(self, t: datetime, workdays: int) -> datetime:
        """`workdays` working days after t (0: later the same day, or the next working day)."""
        if workdays <= 0:
            cand = t + self.seconds[self.rng.randrange(600, 14400)]
            if cand.hour < 21 and cand.day == t.day:
                return cand
            workdays = 1
        try:
            return self.on_day(self.add_wd(t.toordinal(), workdays))
        except IndexError:
            return self.far

    # -- who acts -----------------------------------------------------------------------------

    def pick(self, people: list[tuple[str, int]]) -> tuple[str, int]:
        return people[int(self.rng.random() * len(people))] if len(people) > 1 else people[0]

    def staff_at(self, level: str, mediator: bool = False) -> tuple[str, int]:
        w = self.w
        if level == "grid":
            people = w.grid_staff.get(self.grid_id)
            if people:
                return self.pick(people)
            level = "community"
        if level == "community":
            people = mediator and w.community_mediators.get(self.community_id)
            people = people or w.community_staff.get(self.community_id)
            if people:
                return self.pick(people)
            level = "street"
        if level == "street":
            people = mediator and w.street_mediators.get(self.street_id)
            people = people or w.street_staff.get(self.street_id)
            if people:
                return self.pick(people)
        return self.pick(w.admins)

    def approver(self) -> tuple[str, int]:
        """An extension is approved from above the case's level (admin at the top)."""
        up = self.above[self.level]
        return self.staff_at(up) if up and up != "city" else self.pick(self.w.admins)

    def registrar(self, source: str) -> tuple[str, int]:
        w, r = self.w, self.rng.random()
        if source == "patrol":
            heads = w.grid_heads.get(self.grid_id)
            if heads and r < 0.3:
                return self.pick(heads)
            return self.staff_at("grid")
        if source in ("phone", "hotline") or (source == "visit" and r < 0.6):
            return self.staff_at("community")
        if source == "referral":
            return self.staff_at("street")
        return self.staff_at("grid")

    # -- the ladder (docs/design.md §3): its table's rows, applied on ordinal days -------------

    def act(
        self,
        action: str,
        at: datetime,
        who: tuple[str, int | None],
        *,
        reason: str | None = None,
        data: str = "{}",
        days: int = 0,
        to_level: str | None = None,
        reopens: bool = False,
        recorded: datetime | None = None,
    ) -> None:
        """Take `action` by `who` (name, staff id; no id: the system) as rules.step would, and
        record its event. `reopens`: the visit found the case unsatisfied or not honoured."""
        from_state, from_level = self.state, self.level
        try:
            target, move, clock, reopened, supervises = LADDER[(from_state, action)]
        except KeyError:
            state = None if from_state is None else State(from_state)
            refusal = refuse_pair(self.number, state, Action(action))
            raise StoryError(refusal.en) from None
        if reopens and reopened is not None:
            target, clock = reopened
        level = from_level if move is SAME else self.moved(move, action, to_level)
        # A registration is checked at the level it lands on (as redprop.cases.actions does).
        self.check_actor(who, action, level if move is INTAKE else from_level)
        if target is not None:
            self.state = target
        self.level = level
        if clock is not KEEP:
            self.run_clock(clock, at.toordinal(), days)
        if supervises:  # the sweep's 督办 mark, which a new clock clears
            self.supervised = True
        elif action == "accept":  # the story's memory, not the ladder's (see must_accept)
            self.accepted = True
        self.set_due()
        self.record(action, at, who, from_state, from_level, reason, data, recorded)

    def moved(self, move: Move, action: str, to_level: str | None) -> str:
        """The level after a row's level move (rules._level_after on the ledger's levels)."""
        if move is INTAKE:
            return self.intake
        now = self.level
        assert now is not None
        if move is UP:
            level = self.above[now]
        elif move is DOWN:
            level = to_level if to_level in self.below[now] else None
        else:
            raise StoryError(f"case {self.number}: unknown level move {move}")
        if level is None:
            raise StoryError(f"case {self.number}: no level to {action} it to from {now}")
        return level

    def run_clock(self, clock: Clock, day: int, days: int) -> None:
        """A row's clock effect on `day` (an ordinal), as rules.step applies it."""
        if clock is START:
            self.clock, self.limit, self.paused = day, self.limits[self.level], 0
            self.susp, self.supervised = None, False
        elif clock is EXTEND:
            if days < 1:
                raise StoryError(f"case {self.number}: an extension of {days} days")
            self.limit += days
        elif clock is PAUSE:
            self.susp = day
        elif clock is RESUME:
            assert self.susp is not None
            self.paused += self.wd_between(self.susp, day)
            self.susp = None
        else:
            raise StoryError(f"case {self.number}: unknown clock effect {clock}")

    def set_due(self) -> None:
        """The due and yellow days of an open case: Status.due_on and yellow_on, on ordinals."""
        if self.state not in OPEN_STATES:
            self.due = self.yellow = None
            return
        w, limit = self.w, self.limit
        wd, i, paused = w.workdays, w.cum[self.clock - w.base], self.paused
        share = self.shares.get(limit) or math.ceil(limit * YELLOW_SHARE)
        # Calendar.add_workdays(clock_start, n) for n > 0 (limits are at least one day)
        self.due = wd[i + limit + paused - 1]
        self.yellow = wd[i + share + paused - 1]

    def check_actor(self, who: tuple[str, int | None], action: str, level: str | None) -> None:
        """Raise unless the ladder's grants let `who` take `action` on this case at `level`;
        the answer is remembered per (staff, grid, level, action). The system (the sweep) is
        not staff and needs no grant."""
        staff_id = who[1]
        if staff_id is None:
            return
        key = (staff_id, self.grid_id, level or "", action)
        if key in _GRANTED:
            return
        place = Place(self.street_id, self.community_id, self.grid_id)
        actor = self.w.actors[staff_id]
        why = why_not(actor, Action(action), None if level is None else Level(level), place)
        if why is not None:
            raise StoryError(
                f"case {self.number}: {actor.name} ({actor.role}) may not {action}: {why[1]}"
            )
        _GRANTED.add(key)

    def record(
        self,
        action: str,
        at: datetime,
        who: tuple[str, int | None],
        from_state: str | None,
        from_level: str | None,
        reason: str | None,
        data: str,
        recorded: datetime | None,
    ) -> None:
        """Append the event of an action just taken, hash-chained to the one before."""
        if recorded is None:
            recorded = at + self.seconds[int(self.rng.random() * 600)]
            if recorded > self.now:
                recorded = self.now
        base = self.w.base
        due_on = due_iso = None
        if self.due is not None:
            due_on, due_iso = self.dates[self.due - base], self.iso[self.due - base]
        ev, prev, state, level = self.ev, self.last_hash, self.state, self.level
        seq = self.seq = self.seq + 1
        ev.seq, ev.action, ev.from_state, ev.from_level, ev.state, ev.level = (
            seq, action, from_state, from_level, state, level
        )  # fmt: skip
        ev.at, ev.recorded_at, ev.actor, ev.reason, ev.data, ev.due_on, ev.prev_hash = (
            at, recorded, who[0], reason, data, due_on, prev
        )  # fmt: skip
        digest = event_hash(self.number, ev)
        # What a resolve keeps (redprop.cases.lateness): whether a step so far came after the
        # due day of a running clock, or was a supervision; whether the case was resolved before.
        prior = self.events[-1] if self.events else None
        if prior is not None and prior[5] in WORKING and prior[13] is not None:
            self.ran_late |= at.date().isoformat() > prior[13]
        self.ran_late |= action == "supervise"
        facts = (None, None)
        if action == "resolve":
            facts = (self.ran_late, self.resolved)
            self.resolved = True
        self.events.append(
            (self.case_id, seq, action, from_state, from_level, state, level, f"{at}.000000",
             f"{recorded}.000000", who[0], who[1], reason, data, due_iso, prev, digest, *facts)
        )  # fmt: skip
        self.last_hash, self.last_at, self.last_rec = digest, at, recorded

    def sweep(self, until: datetime, *, once: bool = False) -> None:
        """The daily sweep at SWEEP_AT, for every day before `until`: an overdue working case
        goes up one level (as the system); at the top it is marked for 督办 once."""
        while self.state in WORKING and self.due is not None:
            day = self.due + 1
            moment = self.days[day - self.w.base] + self.seconds[SWEEP_AT * 60]
            while moment < self.last_at:
                moment += ONE_DAY
            if moment >= until:
                return
            action = sweep_action(self.level, self.supervised, self.settings)
            if action is None:
                return
            self.act(
                action.value,
                moment,
                (SYSTEM_ACTOR, None),
                reason=SWEEP_REASONS[action],
                data=SWEPT,
                recorded=moment,
            )
            if once:
                return

    def must_accept(self, action: str | None) -> bool:
        """Whether the case waits for acceptance before `action`: resolving and suspending need
        a case in progress, and a case sent to another level is accepted there before anyone
        goes on with it."""
        if self.state != R or action == "accept":
            return False
        return action in NEEDS_IP or (self.accepting and self.accepted)

    def accept_pending(self) -> bool:
        """The level the case now sits at accepts it, within two working days (if before NOW)."""
        acc = self.later(self.last_at, self.rng.choice((0, 0, 1, 1, 2)))
        acc = max(acc, self.last_rec + self.seconds[60])
        if acc > self.now:
            return False
        self.sweep(acc)
        self.act("accept", acc, self.staff_at(self.level))
        return True

    def catch_up(self) -> None:
        """NOW has cut the story short: the sweeps up to NOW still run, and a case they send up
        is still accepted at its new level."""
        while True:
            if self.must_accept(None) and self.accept_pending():
                continue
            seq = self.seq
            self.sweep(self.now, once=True)
            if self.seq == seq:
                return

    def applies(self, action: str, to_level: str | None) -> bool:
        """Whether the ladder's table has `action` from the case's state, and its level move
        has somewhere to go."""
        fast = LADDER.get((self.state, action))
        if fast is None:
            return False
        move, level = fast[1], self.level
        assert level is not None
        if move is UP:
            return self.above[level] is not None
        if move is DOWN:
            return to_level in self.below[level]
        return True

    def do(self, action: str, at: datetime, who: str = "level", **kw: Any) -> datetime:
        """A person's action at (about) `at`, after the sweeps due before it; a case waiting
        for acceptance at a new level is accepted first. Raises _Stop past NOW."""
        minute = self.seconds[60]
        while True:
            at = max(at, self.last_rec + minute)
            if at > self.now:
                self.catch_up()
                raise _Stop
            self.sweep(at)
            if self.must_accept(action):
                if not self.accept_pending():
                    raise _Stop
                continue
            break
        if action in OPTIONAL and not self.applies(action, kw.get("to_level")):
            return at
        if who == "level":
            person = self.staff_at(self.level)
        elif who == "mediator":
            person = self.staff_at(self.level, mediator=self.rng.random() < 0.4)
        else:
            person = self.approver()
        self.act(action, at, person, **kw)
        return at

    # -- a case's story -----------------------------------------------------------------------

    def work(self, t: datetime, plan: str) -> datetime:
        """From acceptance to resolution (or a referral or withdrawal); returns the last time."""
        rng = self.rng
        u = rng.random()
        if plan == "stuck":
            f = rng.uniform(20, 60)
        elif u < 0.6:
            f = rng.uniform(0.1, 0.6)
        elif u < 0.92:
            f = rng.uniform(0.6, 1.0)
        elif u < 0.98:
            f = rng.uniform(1.0, 1.8)
        else:
            f = rng.uniform(1.8, 4.0)
        limit = self.limit
        days = max(1, math.ceil(limit * f))
        end = self.later(t, days)
        if days > limit and plan != "stuck" and rng.random() < 0.35 and self.yellow:
            extra = min(60, days - limit + rng.randrange(0, 4))
            ask = self.on_day(self.yellow)
            if ask > t:
                self.do(
                    "extend",
                    ask,
                    "above",
                    reason=rng.choice(EXTEND_REASONS),
                    data=self.extend_data[extra],
                    days=extra,
                )
        for _ in range(rng.choice((0, 0, 0, 0, 0, 1, 1, 2))):
            t = self.do(
                "note",
                self.later(t, rng.randrange(0, max(1, days // 2) + 1)),
                "mediator",
                reason=rng.choice(ACCEPT_NOTES),
            )
        if plan in ("suspend_resume", "suspended"):
            t = self.do(
                "suspend",
                self.later(t, rng.randrange(1, days + 1)),
                reason=rng.choice(SUSPEND_REASONS),
            )
            gap = rng.randrange(3, 40) if plan == "suspend_resume" else rng.randrange(60, 400)
            t = self.do("resume", self.later(t, gap), reason=rng.choice(RESUME_REASONS))
            end = self.later(t, max(1, days // 2))
        if plan == "refer":
            to, data = self.refer_data[(rng.choice(REFER_TO), rng.random() < 0.6)]
            return self.do("refer", end, reason=to, data=data)
        if plan == "withdraw":
            return self.do("withdraw", end, reason=rng.choice(WITHDRAW_REASONS))
        outcome = rng.choice(OUTCOMES)
        agreement = "written" if rng.random() < 0.45 else "oral"
        return self.do(
            "resolve",
            end,
            "mediator",
            reason=outcome,
            data=self.resolve_data[(outcome, agreement)],
        )

    def story(self, plan: str, reg_at: datetime, registrar: tuple[str, int], reg: str) -> None:
        rng = self.rng
        self.act("register", reg_at, registrar, data=reg)
        wait = rng.random()
        t = self.later(reg_at, 0 if wait < 0.6 else (1 if wait < 0.95 else rng.randrange(2, 4)))
        if plan == "never_accepted":
            return
        if plan in ("refer", "withdraw") and rng.random() < 0.3:
            if plan == "refer":
                to, data = self.refer_data[(rng.choice(REFER_TO), rng.random() < 0.6)]
                self.do("refer", t, reason=to, data=data)
            else:
                self.do("withdraw", t, reason=rng.choice(WITHDRAW_REASONS))
            return
        t = self.do("accept", t)
        r = rng.random()
        if r < 0.06 and self.above[self.level] and self.above[self.level] != "city":
            t = self.do(
                "escalate", self.later(t, rng.randrange(1, 4)), reason=rng.choice(ESCALATE_REASONS)
            )
            t = self.do("accept", self.later(t, rng.choice((0, 1))))
        elif r < 0.25 and self.level == "street" and self.below[self.level]:
            to = self.below[self.level][-1]
            t = self.do(
                "assign", self.later(t, rng.randrange(0, 3)), reason=ASSIGN_REASON, to_level=to
            )
            t = self.do("accept", self.later(t, rng.choice((0, 1))))
        t = self.work(t, plan)
        if plan in ("refer", "withdraw", "no_visit") or self.state != "resolved":
            return
        reopen = plan == "reopen_visit"
        if reopen:
            sat, ful = rng.choice(
                (("unsatisfied", "yes"), ("basic", "no"), ("satisfied", "partly"))
            )
        else:
            sat, ful = ("satisfied", "yes") if rng.random() < 0.8 else ("basic", "yes")
        t = self.do(
            "visit",
            self.later(t, rng.randrange(2, 16)),
            "mediator",
            data=self.visit_data[(sat, ful)],
            reopens=reopen,
        )
        if reopen:
            t = self.work(t, "closed")
            t = self.do("visit", self.later(t, rng.randrange(2, 16)), "mediator",
                        data=self.visit_data[("satisfied", "yes")])  # fmt: skip
        elif plan == "reopen_closed":
            t = self.do(
                "reopen", self.later(t, rng.randrange(10, 60)), reason=rng.choice(REOPEN_REASONS)
            )
            t = self.work(t, "closed")
            t = self.do("visit", self.later(t, rng.randrange(2, 16)), "mediator",
                        data=self.visit_data[("satisfied", "yes")])  # fmt: skip

    def verify(self, severity: str) -> None:
        """Replay the case's events through rules.step, the one step function, and raise unless
        each event's state, level and due date and the final status are what was played here.
        Level moves are the ladder's own (only an assignment names its level)."""
        w, number, status = self.w, self.number, Status()
        for row in self.events:
            action, state, level, at, data, due = (row[i] for i in (2, 5, 6, 7, 12, 13))
            move = Step(
                Action(action),
                date.fromisoformat(at[:10]),
                severity=Severity(severity) if action == Action.register else None,
                to_level=Level(level) if action == Action.assign else None,
                days=json.loads(data).get("days", 0),
                reopens=action == Action.visit and state == State.in_progress,
            )
            status = step(status, move, number=number, settings=w.settings, cal=w.cal)
            now = (status.state, status.level, status.due_on(w.cal))
            if now != (state, level, due and date.fromisoformat(due)):
                raise StoryError(
                    f"case {number}, event {row[1]} ({action}): rules.step gives {now}"
                )
        day = [None if o is None else date.fromordinal(o)
               for o in (self.clock, self.susp, self.due, self.yellow)]  # fmt: skip
        mine = (day[0], self.limit, self.paused, day[1], self.supervised, day[2], day[3])
        real = (
            status.clock_start, status.limit_days, status.paused_days, status.suspended_on,
            status.supervised, status.due_on(w.cal), status.yellow_on(w.cal),
        )  # fmt: skip
        if mine != real:
            raise StoryError(f"case {number}: played {mine}, rules.step gives {real}")

    def begin(self, case_id: int, number: str, intake: str, reg_at: datetime, plan: str) -> None:
        """A new case, before its registration: the status rules.Status starts from."""
        self.case_id, self.number, self.intake = case_id, number, intake
        self.state: str | None = None
        self.level: str | None = None
        self.clock = self.susp = self.due = self.yellow = None  # ordinals, once set
        self.limit = self.paused = self.seq = 0
        self.supervised = self.accepted = False
        self.accepting = plan != "never_accepted"
        self.last_hash = GENESIS
        self.ran_late = self.resolved = False
        self.last_at = self.last_rec = reg_at
        self.events: list[tuple[Any, ...]] = []

    def case(self, case_id: int, number: str, reg_at: datetime) -> tuple[Any, ...]:
        w, rng = self.w, self.rng
        self.grid_id, self.community_id, self.street_id = w.grids[
            bisect(w.grid_cum, rng.random() * w.grid_cum[-1])
        ]
        cat_id, cat_name = w.categories[bisect(w.category_cum, rng.random() * w.category_cum[-1])]
        severity = SEVERITIES[bisect(self.sev_cum, rng.random() * self.sev_cum[-1])][0]
        source = SOURCES[bisect(self.src_cum, rng.random() * self.src_cum[-1])][0]
        plan = PLANS[bisect(self.plan_cum, rng.random() * self.plan_cum[-1])][0]
        building_id = unit = room = None
        buildings = w.buildings.get(self.grid_id)
        if buildings and rng.random() < 0.65:
            building_id, n_units = buildings[int(rng.random() * len(buildings))]
            if rng.random() < 0.8:
                unit = str(rng.randrange(1, n_units + 1))
                room = f"{rng.randrange(1, 8)}0{rng.randrange(1, 3)}"
        summary = rng.choice(SUMMARIES.get(cat_name, GENERIC_SUMMARY))
        count = 2 if rng.random() < 0.8 else rng.choice((1, 3, 4))
        parties = json.dumps(rng.sample(self.names, count), ensure_ascii=False)

        self.begin(case_id, number, self.intakes[severity], reg_at, plan)
        with contextlib.suppress(_Stop):
            self.story(plan, reg_at, self.registrar(source), self.reg_data[(severity, source)])
        self.sweep(self.now)
        if w.verify:
            self.verify(severity)
        base = w.base
        iso = self.iso
        return (
            case_id,
            number,
            self.street_id,
            self.community_id,
            self.grid_id,
            building_id,
            unit,
            room,
            cat_id,
            severity,
            source,
            summary,
            parties,
            self.state,
            self.level,
            1 if self.supervised else 0,
            iso[self.clock - base],
            self.limit,
            self.paused,
            None if self.susp is None else iso[self.susp - base],
            None if self.due is None else iso[self.due - base],
            None if self.yellow is None else iso[self.yellow - base],
            f"{reg_at}.000000",
            f"{self.last_at}.000000",
            self.seq,
            self.last_hash,
        )


# ---------------------------------------------------------------------------------------------
# Jobs: a run of days, its first case id and its first number in each year


@dataclass
class Job:
    seed: int
    first_id: int
    numbers: dict[int, int]  # year → the last number given out before this job
    days: list[tuple[int, int]]  # (ordinal, cases registered that day)


_WORLD: World | None = None
# (staff id, grid id, level, action) the grants were found to allow, for the whole process: the
# grants are fixed, and a job's maker would otherwise ask why_not again some 4,000 times.
_GRANTED: set[tuple[int, int, str, str]] = set()


def _init_worker(world: World) -> None:
    global _WORLD
    _WORLD = world


def make_job(job: Job, world: World | None = None) -> tuple[list[Any], list[Any]]:
    """The dispute rows and case_event rows of one job."""
    world = world or _WORLD
    assert world is not None
    maker = _Maker(world, job.seed)
    rng = maker.rng
    cases: list[Any] = []
    events: list[Any] = []
    numbers = dict(job.numbers)
    case_id = job.first_id
    now_day = world.now.toordinal()
    for day, count in job.days:
        midnight = maker.days[day - world.base]
        workday = maker.w.cum[day - world.base] != maker.w.cum[day - world.base - 1]
        secs = []
        for _ in range(count):
            r = rng.random()
            if not workday:
                sec = 32400 + int(r * 28800)  # 09:00-17:00
            elif r < 0.85:
                sec = 30600 + int(r / 0.85 * 33300)  # 08:30-17:45
            else:
                sec = 63900 + int((r - 0.85) / 0.15 * 11700)  # 17:45-21:00
            if day == now_day:
                sec = min(sec, world.now.hour * 3600 + world.now.minute * 60 - 60)
            secs.append(sec)
        secs.sort()
        year = midnight.year
        for sec in secs:
            numbers[year] = numbers.get(year, 0) + 1
            number = f"{year}-{numbers[year]:05d}"
            cases.append(maker.case(case_id, number, midnight + maker.seconds[sec]))
            events.extend(maker.events)
            case_id += 1
    return cases, events


def plan_days(cases: int, world: World, rng: random.Random) -> list[tuple[int, int]]:
    """How many cases are registered each day: fewer at weekends, more in February and summer,
    growing over the period; exactly `cases` in all."""
    first, last = world.first, world.now.toordinal()
    weights = []
    for day in range(first, last + 1):
        d = date.fromordinal(day)
        i = day - world.base
        workday = world.cum[i] != world.cum[i - 1]
        w = (1.0 if workday else 0.35) * MONTH_FACTOR[d.month - 1]
        weights.append(w * (1 + 0.3 * (day - first) / (last - first)))
    total = sum(weights)
    counts = []
    for w in weights:
        mean = cases * w / total
        counts.append(max(0, round(rng.gauss(mean, math.sqrt(mean)))))
    cum = _cumulative(weights)
    diff = cases - sum(counts)
    while diff:
        i = bisect(cum, rng.random() * cum[-1])
        if diff > 0:
            counts[i] += 1
            diff -= 1
        elif counts[i] > 0:
            counts[i] -= 1
            diff += 1
    return [(first + i, c) for i, c in enumerate(counts) if c]


def plan_jobs(cases: int, world: World, rng: random.Random) -> tuple[list[Job], dict[int, int]]:
    """The jobs, each of about CHUNK cases over whole days, and the last number of each year."""
    days = plan_days(cases, world, rng)
    jobs: list[Job] = []
    numbers: dict[int, int] = {}
    first_id, batch, size = 1, [], 0
    for day, count in days:
        batch.append((day, count))
        size += count
        if size >= CHUNK or day == days[-1][0]:
            jobs.append(Job(rng.randrange(1 << 62), first_id, dict(numbers), batch))
            for d, c in batch:
                year = date.fromordinal(d).year
                numbers[year] = numbers.get(year, 0) + c
            first_id += size
            batch, size = [], 0
    return jobs, numbers


# ---------------------------------------------------------------------------------------------
# Building


def _world(path: Path, seed: int, now: datetime, first: date, *, verify: bool = False) -> World:
    """The demo street as the generators see it, read back from the fresh ledger."""
    settings, cal, actors = _demo(path)
    base, cum, workdays = _workday_tables(cal, now, first)
    con = sqlite3.connect(path)
    try:
        rng = random.Random(seed)
        grids = con.execute(
            "SELECT g.id, g.community_id, c.street_id, g.kind FROM grid g "
            "JOIN community c ON c.id = g.community_id ORDER BY g.id"
        ).fetchall()
        # Some grids are busier than others; special grids (a school, a market) are quieter.
        grid_weights = [
            rng.uniform(0.5, 2.0) * (0.6 if kind == "special" else 1.0) for *_, kind in grids
        ]
        buildings: dict[int, list[tuple[int, int]]] = {}
        for bid, gid, units in con.execute("SELECT id, grid_id, units FROM building ORDER BY id"):
            buildings.setdefault(gid, []).append((bid, max(1, units)))
        categories = con.execute("SELECT id, name FROM category ORDER BY id").fetchall()
    finally:
        con.close()
    # (role, level of their unit, unit id) → [(name, staff id)], in staff id order
    by_unit: dict[tuple[str, str, int | None], list[tuple[str, int]]] = {}
    for sid, actor in sorted(actors.items()):
        unit = {"grid": actor.grid_id, "community": actor.community_id}.get(actor.level.value)
        key = (actor.role, actor.level.value, unit or actor.street_id)
        by_unit.setdefault(key, []).append((actor.name, sid))

    def units(kind: str, *roles: str) -> dict[int, list[tuple[str, int]]]:
        out: dict[int, list[tuple[str, int]]] = {}
        for (role, k, unit), people in by_unit.items():
            if role in roles and k == kind and unit is not None:
                out.setdefault(unit, []).extend(people)
        return out

    return World(
        now=now,
        settings=settings,
        cal=cal,
        actors=actors,
        verify=verify,
        first=first.toordinal(),
        base=base,
        cum=cum,
        workdays=workdays,
        grids=[(g, c, s) for g, c, s, _ in grids],
        grid_cum=_cumulative(grid_weights),
        buildings=buildings,
        grid_staff=units("grid", "grid-worker", "grid-leader"),
        grid_heads=units("grid", "building-head"),
        community_staff=units("community", "community"),
        community_mediators=units("community", "mediator"),
        street_staff=units("street", "street"),
        street_mediators=units("street", "mediator"),
        admins=[p for (role, _, _), people in by_unit.items() if role == "admin" for p in people],
        categories=categories,
        category_cum=_cumulative([CATEGORY_WEIGHTS.get(name, 2) for _, name in categories]),
    )


def _demo(path: Path) -> tuple[Settings, Calendar, dict[int, Actor]]:
    """Build the demo street in the fresh ledger; its ladder settings, its calendar, and every
    active staff member as redprop.cases.actions sees them when they act."""
    from sqlalchemy import select
    from sqlmodel import col

    from redprop.cases.actions import resolve_actor
    from redprop.cases.settings import load_calendar, load_settings
    from redprop.core.db import open_ledger, session_scope
    from redprop.core.models import Staff
    from redprop.ledger.demo import build_demo, samples_dir

    engine = open_ledger(f"sqlite:///{path}")
    try:
        with session_scope(engine) as session:
            build_demo(session, samples=samples_dir())
        with session_scope(engine, write=False) as session:
            settings, cal = load_settings(session), load_calendar(session)
            actors = {}
            for name in session.scalars(select(col(Staff.name)).where(col(Staff.active).is_(True))):
                actor, staff_id = resolve_actor(session, name, action=Action.note, case=None)
                actors[staff_id] = actor
    finally:
        engine.dispose()
    return settings, cal, actors


def _workday_tables(cal: Calendar, now: datetime, first: date) -> tuple[int, list[int], list[int]]:
    """The calendar as ordinals, for working-day sums by indexing: the first day (base), the
    working days in [base, base + i] for each i, and the working days from base on."""
    base = date(first.year - 1, 12, 1).toordinal()
    end = date(now.year + 12, 1, 1).toordinal()
    cum, workdays, count = [], [], 0
    for day in range(base, end):
        if cal.is_workday(date.fromordinal(day)):
            count += 1
            workdays.append(day)
        cum.append(count)
    return base, cum, workdays


def _insert(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _rows(jobs: list[Job], world: World, workers: int) -> Iterator[tuple[list[Any], list[Any]]]:
    """Each job's rows, in order; `workers` processes make them while the caller inserts, with
    a few jobs in flight (not all: rows waiting to be inserted would pile up in memory)."""
    if not workers:
        for job in jobs:
            yield make_job(job, world)
        return
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(world,)) as pool:
        todo = iter(jobs)
        pending = deque(pool.apply_async(make_job, (job,)) for job in islice(todo, 2 * workers))
        while pending:
            rows = pending.popleft().get()
            job = next(todo, None)
            if job is not None:
                pending.append(pool.apply_async(make_job, (job,)))
            yield rows


def build_ledger(
    path: Path,
    cases: int,
    *,
    seed: int = 1,
    now: datetime = NOW,
    first: date = FIRST_DAY,
    workers: int | None = None,
    log: Callable[[str], None] | None = None,
    verify: bool = False,
) -> None:
    """A fresh ledger at `path` (an existing file is replaced): the demo street and `cases`
    disputes with their events, then ANALYZE. `workers` processes generate the rows while this
    one inserts them (default: one per CPU, at most four; 0: generate in this process);
    `verify` replays every case through rules.step as well (slow). Cases are registered from
    `first` to `now`: a district's decade is `first=date(2017, 1, 1)`."""
    path = Path(path)
    _remove(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clock = [time.perf_counter()]

    def lap(what: str) -> None:
        if log is not None:
            took, clock[0] = time.perf_counter() - clock[0], time.perf_counter()
            log(f"  {what}: {took:.1f} s")

    world = _world(path, seed, now, first, verify=verify)
    lap("demo street")

    jobs, numbers = plan_jobs(cases, world, random.Random(seed))
    if workers is None:
        # On two cores, two generating processes and this inserting one beat one and one.
        workers = min(4, os.cpu_count() or 1) if cases >= 5 * CHUNK else 0

    con = sqlite3.connect(path, isolation_level=None)
    try:
        # No journal and no syncing while loading a fresh file (a failed build is deleted, not
        # rolled back): a WAL would take every page twice, and its commit alone ~15 s at 1M cases.
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA cache_size = -524288")  # 512 MiB: the indexes' working pages
        con.execute("PRAGMA temp_store = MEMORY")
        con.execute("BEGIN")
        insert_case = _insert("dispute", CASE_COLUMNS)
        insert_event = _insert("case_event", EVENT_COLUMNS)
        events = 0
        for case_rows, event_rows in _rows(jobs, world, workers):
            con.executemany(insert_case, case_rows)
            con.executemany(insert_event, event_rows)
            events += len(event_rows)
        lap(f"{cases:,} cases, {events:,} events generated and inserted ({workers} workers)")
        _link_events(con)
        lap("linked into the ledger chain")
        con.executemany(
            "INSERT INTO case_counter (year, last) VALUES (?, ?) "
            "ON CONFLICT (year) DO UPDATE SET last = max(last, excluded.last)",
            sorted(numbers.items()),
        )
        con.execute("COMMIT")
        lap("committed")
        con.execute("ANALYZE")
        lap("analyzed")
        con.execute("PRAGMA journal_mode = WAL")  # as redprop keeps its ledgers
        con.close()
    except BaseException:
        con.close()
        _remove(path)  # half a ledger is no ledger
        raise


def _link_events(con: sqlite3.Connection) -> None:
    """The ledger-chain links of the events inserted here (core/chain), after the demo street's
    own, as redprop would have appended them, so that `db check` passes on a built ledger."""
    from redprop.core.chain import COUNTER, link_hash
    from redprop.core.eventlog import GENESIS

    seq, prev = con.execute(
        "SELECT seq, hash FROM chain_link ORDER BY seq DESC LIMIT 1"
    ).fetchone() or (0, GENESIS)
    linked = con.execute(
        "SELECT coalesce(max(event_id), 0) FROM chain_link WHERE source = 'case'"
    ).fetchone()[0]
    rows = con.execute(
        "SELECT id, hash, recorded_at FROM case_event WHERE id > ? ORDER BY id", (linked,)
    )
    insert = _insert(
        "chain_link",
        ("seq", "source", "event_id", "event_hash", "recorded_at", "prev_hash", "hash"),
    )
    while batch := rows.fetchmany(50_000):
        links = []
        for event_id, hash_of_event, recorded_at in batch:
            seq += 1
            hash_ = link_hash(seq, "case", event_id, hash_of_event, prev)
            links.append((seq, "case", event_id, hash_of_event, recorded_at, prev, hash_))
            prev = hash_
        con.executemany(insert, links)
    con.execute(
        "INSERT INTO counter (name, last) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET last = excluded.last",
        (COUNTER, seq),
    )


def count_cases(path: Path) -> int | None:
    """The number of cases in an existing ledger, or None if there is no ledger there."""
    if not Path(path).is_file():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return con.execute("SELECT count(*) FROM dispute").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--since",
        type=int,
        default=FIRST_DAY.year,
        help="the first year cases are registered in (a district's decade: 2017)",
    )
    parser.add_argument(
        "--verify", action="store_true", help="replay every case through rules.step too (slow)"
    )
    args = parser.parse_args()
    start = time.perf_counter()
    build_ledger(
        args.path,
        args.cases,
        seed=args.seed,
        first=date(args.since, 1, 1),
        workers=args.workers,
        log=print,
        verify=args.verify,
    )
    took = time.perf_counter() - start
    print(f"{args.cases:,} cases in {took:.1f} s ({args.cases / took:,.0f} cases/s): {args.path}")


if __name__ == "__main__":
    main()
