"""The one vocabulary of the ledger: every code it stores (levels, states, actions, roles, kinds
…) as an enum or a table of (zh, en) labels, the other words people type for them, and the
parsing of what they type. Codes are English in the database and in --json; people read the
labels. Light on purpose (no models), so read-only commands can use it without SQLModel.

Long on purpose too: one place to look up a word beats seven short copies.
"""

from __future__ import annotations

from enum import StrEnum

Label = tuple[str, str]  # (zh, en)


# ---------------------------------------------------------------------------------------------
# Enums: the codes the rules tables are written in


class Level(StrEnum):
    grid = "grid"
    community = "community"
    street = "street"
    city = "city"


class Severity(StrEnum):
    small = "small"  # 小事
    major = "major"  # 大事
    hard = "hard"  # 难事
    special = "special"  # 特事


class State(StrEnum):
    registered = "registered"  # 待受理
    in_progress = "in_progress"  # 办理中
    suspended = "suspended"  # 挂起
    resolved = "resolved"  # 已化解, awaiting the visit
    closed = "closed"  # 已办结
    referred = "referred"  # 已移交
    withdrawn = "withdrawn"  # 已撤销


class Action(StrEnum):
    register = "register"
    accept = "accept"
    escalate = "escalate"
    assign = "assign"
    note = "note"
    extend = "extend"
    suspend = "suspend"
    resume = "resume"
    resolve = "resolve"
    refer = "refer"
    withdraw = "withdraw"
    visit = "visit"
    reopen = "reopen"
    supervise = "supervise"  # the sweep marks an overdue top-level case for 督办


class Role(StrEnum):
    admin = "admin"
    street = "street"
    community = "community"
    grid_leader = "grid-leader"
    grid_worker = "grid-worker"
    mediator = "mediator"
    building_head = "building-head"


class GridKind(StrEnum):
    base = "base"  # 基础网格
    special = "special"  # 专属网格


class DemandState(StrEnum):
    open = "open"  # 待认领
    claimed = "claimed"  # 已认领
    fulfilled = "fulfilled"  # 已完成
    cancelled = "cancelled"  # 已取消


class DemandAction(StrEnum):
    add = "add"
    claim = "claim"
    fulfil = "fulfil"
    cancel = "cancel"
    reopen = "reopen"


# ---------------------------------------------------------------------------------------------
# Labels

UNIT_KINDS: dict[str, Label] = {
    "street": ("街道", "street"),
    "community": ("社区", "community"),
    "grid": ("网格", "grid"),
    "compound": ("小区", "compound"),
    "building": ("楼栋", "building"),
    "household": ("住户", "household"),
    "staff": ("工作人员", "staff member"),
    # Not units: the other records that name a unit or a staff member (org show, remove).
    "dispute": ("案件", "case"),
    "case_event": ("办理记录", "case step"),
    "demand": ("需求", "demand"),
    "resource": ("资源", "resource"),
    "service_item": ("服务项目", "service item"),
    "property_company": ("物业公司", "property company"),
    "owners_committee": ("业委会", "owners' committee"),
    "score_item": ("积分项", "score item"),
}

ROLES: dict[str, Label] = {
    "admin": ("管理员", "admin"),
    "street": ("街道工作人员", "street staff"),
    "community": ("社区工作人员", "community staff"),
    "grid-leader": ("网格长", "grid leader"),
    "grid-worker": ("网格员", "grid worker"),
    "mediator": ("调解员", "mediator"),
    "building-head": ("楼栋长", "building head"),
}

GRID_KINDS: dict[str, Label] = {
    "base": ("基础网格", "base grid"),
    "special": ("专属网格", "special grid"),
}


def label(table: dict[str, Label], code: str, lang: str = "zh") -> str:
    pair = table.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]


def both(table: dict[str, Label], code: str) -> Label:
    return table.get(code, (code, code))


STATES: dict[str, Label] = {
    "registered": ("待受理", "registered"),
    "in_progress": ("办理中", "in progress"),
    "suspended": ("挂起", "suspended"),
    "resolved": ("已化解", "resolved"),
    "closed": ("已办结", "closed"),
    "referred": ("已移交", "referred"),
    "withdrawn": ("已撤销", "withdrawn"),
}

LEVELS: dict[str, Label] = {
    "grid": ("网格", "grid"),
    "community": ("社区", "community"),
    "street": ("街道", "street"),
    "city": ("市级", "city"),
}

SEVERITIES: dict[str, Label] = {
    "small": ("小事", "small"),
    "major": ("大事", "major"),
    "hard": ("难事", "hard"),
    "special": ("特事", "special"),
}

ACTIONS: dict[str, Label] = {
    "register": ("登记", "register"),
    "accept": ("受理", "accept"),
    "escalate": ("上报", "escalate"),
    "assign": ("交办", "assign"),
    "note": ("调解记录", "note"),
    "extend": ("延期", "extend"),
    "suspend": ("挂起", "suspend"),
    "resume": ("恢复", "resume"),
    "resolve": ("化解", "resolve"),
    "refer": ("移交", "refer"),
    "withdraw": ("撤销", "withdraw"),
    "visit": ("回访", "visit"),
    "reopen": ("重新办理", "reopen"),
    "supervise": ("督办", "supervise"),
}
# Why two cases are related (cases/parties), as said in a notice and in `case related`.
RELATED_WHY: dict[str, Label] = {
    "link": ("手工关联", "linked by hand"),
    "household": ("同一住户", "same household"),
    "phone": ("同一当事人", "same party"),
    "address": ("同一地址", "same address"),
}
# Whether one's own step can still be taken back (`history --mine`).
UNDO_STATUS: dict[str, Label] = {
    "undone": ("已撤回", "undone"),
    "undoable": ("可撤回", "can undo"),
    "final": ("不可撤回", "final"),
}
# Every action a case's log holds: the ladder's, a file attached (case attach), one's own last
# step taken back (case undo). Neither of the last two moves the case on the ladder by itself.
ATTACH, UNDO = "attach", "undo"
EVENT_ACTIONS: dict[str, Label] = ACTIONS | {ATTACH: ("附件", "attach"), UNDO: ("撤回", "undo")}

WARNINGS: dict[str, Label] = {
    "none": ("", ""),
    "yellow": ("黄灯", "yellow"),
    "red": ("红牌", "red"),
}

FLAGS: dict[str, Label] = {
    "id_checksum": ("身份证校验码有误", "ID check character"),
    "id_birth": ("出生日期存疑", "ID birth date"),
    "phone": ("电话存疑", "phone"),
    "no_id": ("无身份证号", "no ID"),
}

FIGURES: dict[str, Label] = {
    "carried_over": ("结转", "carried over"),
    "registered": ("新增", "registered"),
    "reopened": ("重开", "reopened"),
    "resolved": ("化解", "resolved"),
    "referred": ("移交", "referred"),
    "withdrawn": ("撤销", "withdrawn"),
    "open_at_end": ("在办", "open at end"),
    "resolution_rate": ("化解率", "resolution rate"),
    "on_time_rate": ("按期化解率", "on-time rate"),
    "small_kept_in_grid_rate": ("小事不出网格率", "small kept in grid"),
    "kept_within_street_rate": ("矛盾不上交率", "kept within street"),
    "overdue_at_end": ("超期", "overdue"),
    "yellow_at_end": ("黄灯", "yellow"),
    "escalations": ("上报次数", "escalations"),
    "repeat": ("重复纠纷", "repeat disputes"),
    "repeat_rate": ("重复纠纷率", "repeat rate"),
}


DEMAND_STATES: dict[str, Label] = {
    "open": ("待认领", "open"),
    "claimed": ("已认领", "claimed"),
    "fulfilled": ("已完成", "fulfilled"),
    "cancelled": ("已取消", "cancelled"),
}

DEMAND_ACTIONS: dict[str, Label] = {
    "add": ("登记", "add"),
    "claim": ("认领", "claim"),
    "fulfil": ("完成", "fulfil"),
    "cancel": ("取消", "cancel"),
    "reopen": ("重新打开", "reopen"),
}

SOURCES: dict[str, Label] = {
    "patrol": ("排查", "patrol"),
    "visit": ("来访", "visit"),
    "phone": ("电话", "phone"),
    "hotline": ("12345热线", "12345 hotline"),
    "referral": ("转办", "referral"),
    "other": ("其他", "other"),
}

AGREEMENTS: dict[str, Label] = {"oral": ("口头", "oral"), "written": ("书面", "written")}

SATISFACTION: dict[str, Label] = {
    "satisfied": ("满意", "satisfied"),
    "basic": ("基本满意", "basically satisfied"),
    "unsatisfied": ("不满意", "unsatisfied"),
}

FULFILLED: dict[str, Label] = {
    "yes": ("已履行", "honoured"),
    "no": ("未履行", "not honoured"),
    "partly": ("部分履行", "partly honoured"),
}

DAY_KINDS: dict[str, Label] = {
    "holiday": ("放假", "holiday"),
    "workday": ("调休上班", "workday"),
}

# Where a case can be referred (移交): the bodies are named in Chinese in the data too.
REFER_TO = ("法院", "检察院", "公安", "仲裁", "部门")

PROVIDER_TYPES: dict[str, Label] = {
    "unit": ("单位", "unit"),
    "company": ("企业", "company"),
    "social-org": ("社会组织", "social organisation"),
    "volunteer-team": ("志愿服务队", "volunteer team"),
    "party-member": ("党员", "party member"),
    "shop": ("商户", "shop"),
}

RESOURCE_KINDS: dict[str, Label] = {
    "venue": ("场地", "venue"),
    "people": ("人力", "people"),
    "skill": ("技能", "skill"),
    "funds": ("资金", "funds"),
    "goods": ("物资", "goods"),
}

ITEM_STATUSES: dict[str, Label] = {
    "planned": ("筹建", "planned"),
    "running": ("运行", "running"),
    "retired": ("停用", "retired"),
}


# The fields of what a `show` command prints, keyed as in its --json (which keeps the keys).

HOUSEHOLD_FIELDS: dict[str, Label] = {
    "id": ("编号", "No."),
    "community": ("社区", "Community"),
    "grid": ("网格", "Grid"),
    "compound": ("小区", "Compound"),
    "building": ("楼栋", "Building"),
    "unit": ("单元", "Unit"),
    "room": ("房号", "Room"),
    "head_name": ("户主", "Head"),
    "id_number": ("身份证号", "ID number"),
    "phone": ("电话", "Phone"),
    "persons": ("人口", "Persons"),
    "hukou": ("户籍类型", "Hukou"),
    "housing": ("房屋性质", "Housing"),
    "note": ("备注", "Note"),
    "registered_on": ("登记日期", "Registered on"),
    "flags": ("待核实", "Flags"),
    "tags": ("标签", "Tags"),
    "serves": ("联系户", "Looks after"),
}

DEMAND_FIELDS: dict[str, Label] = {
    "number": ("编号", "Number"),
    "community": ("社区", "Community"),
    "grid": ("网格", "Grid"),
    "category": ("类型", "Category"),
    "summary": ("内容", "Summary"),
    "state": ("状态", "State"),
    "claimed_by": ("认领方", "Claimed by"),
}

UNIT_FIELDS: dict[str, Label] = {
    "unit": ("类别", "Unit"),
    "name": ("名称", "Name"),
    "code": ("网格编号", "Code"),
    "number": ("楼栋号", "Building"),
    "kind": ("网格类型", "Kind"),
    "street": ("街道", "Street"),
    "community": ("社区", "Community"),
    "grid": ("网格", "Grid"),
    "compound": ("小区", "Compound"),
    "property_company": ("物业公司", "Property company"),
    "units": ("单元数", "Units"),
    "referred_by": ("被引用", "Referred to by"),
}

# The admin log (redprop log): the commands it records, and the counts they store.
LOGGED_COMMANDS: dict[str, Label] = {
    "staff add": ("登记工作人员", "staff add"),
    "staff remove": ("移除工作人员", "staff remove"),
    "calendar add": ("登记日历", "calendar add"),
    "calendar remove": ("删除日历", "calendar remove"),
    "calendar import": ("导入日历", "calendar import"),
    "ladder set": ("修改上报阶梯", "ladder set"),
    "org import": ("导入单元树", "org import"),
    "roster import": ("导入花名册", "roster import"),
    "roster show": ("显示住户", "roster show"),
    "roster export": ("导出花名册", "roster export"),
    "roster errors purge": ("删除暂存的完整号码", "roster errors purge"),
    "case import": ("导入案件台账", "case import"),
    "case export": ("导出案件", "case export"),
    "case print --unmask": ("打印案件表格（完整号码）", "case print --unmask"),
    "case sweep": ("超期清理", "case sweep"),
    "case category add": ("新增纠纷类型", "case category add"),
    "service import": ("导入服务清单", "service import"),
    "service resource add": ("登记资源", "service resource add"),
    "service item add": ("登记服务项目", "service item add"),
    "service record add": ("记录服务", "service record add"),
    "db backup": ("备份账本", "db backup"),
    "db copy": ("复制账本", "db copy"),
    "meeting new": ("登记会议", "meeting new"),
    "meeting item add": ("列入问题清单", "meeting item add"),
    "roster tag add": ("添加住户标签", "roster tag add"),
    "roster tag remove": ("去掉住户标签", "roster tag remove"),
    "roster tag define": ("新增标签", "roster tag define"),
    "roster link": ("登记党员中心户联系户", "roster link"),
    "visit plan": ("修改走访周期", "visit plan"),
    "org company add": ("登记物业公司", "org company add"),
    "org company rename": ("重命名物业公司", "org company rename"),
    "org company remove": ("删除物业公司", "org company remove"),
    "org compound company": ("更换小区物业公司", "org compound company"),
    "org committee add": ("登记业委会", "org committee add"),
    "score add": ("登记积分项", "score add"),
    "score rules import": ("导入积分规则", "score rules import"),
} | {
    f"org {kind} {verb}": (f"{zh_verb}{UNIT_KINDS[kind][0]}", f"org {kind} {verb}")
    for kind in ("street", "community", "grid", "compound", "building")
    for verb, zh_verb in (("add", "添加"), ("rename", "重命名"), ("remove", "删除"))
}
# The dispute category whose cases reach a property company even without an address (§15).
PROPERTY_CATEGORY = "物业纠纷"
UNMASK_PREFIX = "unmask: "  # what roster/households logs before an unmask request's command
UNMASKED: Label = ("查看完整号码：", "unmask: ")

LOGGED_COUNTS: dict[str, Label] = {
    "read": ("读取", "read"),
    "new": ("新增", "new"),
    "updated": ("更新", "updated"),
    "unchanged": ("未变", "unchanged"),
    "merged": ("合并", "merged"),
    "warned": ("警告", "warned"),
    "rejected": ("拒绝", "rejected"),
    "skipped": ("跳过", "skipped"),
    "rows": ("行数", "rows"),
    "attendees": ("参会方", "attendees"),
}
# Codes a log entry's target may hold beside names: a staff member's role, a whole roster.
LOGGED_TARGET_WORDS: dict[str, Label] = ROLES | {"all": ("全部", "all")}


# ---------------------------------------------------------------------------------------------
# Other words people type for a code (beside the code and its Chinese label)

SEVERITY_WORDS: dict[str, str] = {}  # 小事/大事/难事/特事 are the labels
SOURCE_WORDS = {
    "跑楼": "patrol",
    "巡查": "patrol",
    "来电": "phone",
    "12345": "hotline",
    "热线": "hotline",
    "移送": "referral",
}
STATE_WORDS = {
    "已登记": "registered",
    "在办": "in_progress",
    "调处中": "in_progress",
    "化解": "resolved",
    "调解成功": "resolved",
    "办结": "closed",
    "移交": "referred",
    "撤销": "withdrawn",
}
FULFILLED_WORDS = {"是": "yes", "否": "no", "部分": "partly"}
DAY_KIND_WORDS = {
    "休": "holiday",
    "假日": "holiday",
    "节假日": "holiday",
    "班": "workday",
    "上班": "workday",
    "补班": "workday",
    "工作日": "workday",
}


def typed(table: dict[str, Label], words: dict[str, str] | None = None) -> dict[str, str]:
    """What a person may type for each code of `table`: the code, its Chinese label and `words`
    (keys as they are looked up: lower case)."""
    return (
        {code: code for code in table}
        | {zh: code for code, (zh, _) in table.items()}
        | (words or {})
    )


def choice(value: str, table: dict[str, str], what: str, what_en: str, codes: list[str]) -> str:
    """The code for what a person typed, by `table` (see `typed`), or a usage error that lists
    the codes."""
    # Imported here: `redprop --help` loads this module for its labels, and needs neither.
    from redprop.core.errors import UsageProblem
    from redprop.core.ids import clean_text

    key = clean_text(value or "").lower()
    if key in table:
        return table[key]
    raise UsageProblem(
        f"未知的{what}“{value}”：可选 {'、'.join(codes)}",
        f"Unknown {what_en} '{value}': choose one of {', '.join(codes)}",
    )


def parse_severity(value: str) -> Severity:
    table = typed(SEVERITIES, SEVERITY_WORDS)
    return Severity(choice(value, table, "严重程度", "severity", list(SEVERITIES)))


def parse_source(value: str) -> str:
    return choice(value, typed(SOURCES, SOURCE_WORDS), "来源", "source", list(SOURCES))


def parse_level(value: str) -> Level:
    return Level(choice(value, typed(LEVELS), "层级", "level", list(LEVELS)))


def parse_state(value: str) -> str:
    return choice(value, typed(STATES, STATE_WORDS), "状态", "state", list(STATES))


def parse_agreement(value: str) -> str:
    return choice(value, typed(AGREEMENTS), "协议形式", "agreement form", list(AGREEMENTS))


def parse_satisfaction(value: str) -> str:
    return choice(value, typed(SATISFACTION), "满意度", "satisfaction", list(SATISFACTION))


def parse_fulfilled(value: str) -> str:
    table = typed(FULFILLED, FULFILLED_WORDS)
    return choice(value, table, "履行情况", "fulfilment", list(FULFILLED))


# What an open case waits for (cases/todo): the to-do list's words.
WAITING: dict[str, Label] = {
    "accept": ("待受理", "to accept"),
    "handle": ("办理", "to handle"),
    "visit": ("回访", "to visit"),
}


# ---------------------------------------------------------------------------------------------
# Meetings and the rectification ledger (联席会议、问题清单、整改台账; docs/design.md §14)


class TaskState(StrEnum):
    open = "open"  # 待整改
    in_progress = "in_progress"  # 整改中
    done = "done"  # 已完成（待验收）
    verified = "verified"  # 已验收


class TaskAction(StrEnum):
    decide = "decide"  # 议定（交办）
    start = "start"
    done = "done"
    verify = "verify"
    reject = "reject"  # 验收不通过，退回整改


MEETING_KINDS: dict[str, Label] = {
    "joint": ("联席会议", "joint meeting"),
    "weekly": ("每周说事", "weekly talk"),
    "five-plus-x": ("五+X会议", "five-plus-x meeting"),
    "hearing": ("听证会", "hearing"),
}
MEETING_KIND_WORDS: dict[str, str] = {
    "五+x": "five-plus-x",
    "5+x": "five-plus-x",
    "五加x": "five-plus-x",
    "联席": "joint",
    "党建联席会议": "joint",
    "说事": "weekly",
    "听证": "hearing",
}

# Who may sit at a meeting or own a task besides the ledger's units, staff, the property
# companies of its compounds and the providers of its resource list: the usual outside bodies,
# kept as data (a meeting naming anything else is refused, so a misspelt name never slips in).
MEETING_BODIES: tuple[str, ...] = (
    "社区党委",
    "社区党支部",
    "街道党工委",
    "居委会",
    "业委会",
    "物业公司",
    "派出所",
    "司法所",
    "综治中心",
    "城管",
    "市场监管所",
    "驻区单位",
    "共建单位",
    "居民代表",
    "党员代表",
    "楼栋长代表",
    "人大代表",
    "政协委员",
    "法律顾问",
    "社会组织",
    "志愿者",
)

PARTY_KINDS: dict[str, Label] = {
    "unit": ("单位", "unit"),
    "staff": ("工作人员", "staff member"),
    "company": ("物业或资源单位", "company"),
    "body": ("协作单位", "outside body"),
}

TASK_STATES: dict[str, Label] = {
    "open": ("待整改", "open"),
    "in_progress": ("整改中", "in progress"),
    "done": ("已完成", "done"),
    "verified": ("已验收", "verified"),
}

TASK_ACTIONS: dict[str, Label] = {
    "decide": ("议定交办", "decide"),
    "start": ("开始整改", "start"),
    "done": ("完成整改", "mark done"),
    "verify": ("验收", "verify"),
    "reject": ("退回整改", "reject"),
}

RECTIFY_FIGURES: dict[str, Label] = {
    "meetings": ("召开会议", "meetings held"),
    "items_raised": ("列入问题", "items raised"),
    "tasks_decided": ("议定任务", "tasks decided"),
    "tasks_due": ("本期到期", "tasks due"),
    "done_on_time": ("按期完成", "done on time"),
    "on_time_rate": ("按期完成率", "on-time rate"),
    "verified": ("验收通过", "verified"),
    "rejected": ("退回整改", "rejected"),
    "overdue_at_end": ("期末超期", "overdue at end"),
}


def parse_meeting_kind(value: str) -> str:
    table = typed(MEETING_KINDS, MEETING_KIND_WORDS)
    return choice(value, table, "会议类型", "meeting kind", list(MEETING_KINDS))


# ---------------------------------------------------------------------------------------------
# Household tags and visits (issue 18, docs/design.md §16)

# The tags a new ledger starts with: (zh, en, personal information?, visit every n days).
# Kept as data in tag_kind (seeded by migration 0013); the admin adds tags and changes the days.
TAG_KINDS: tuple[tuple[str, str, bool, int | None], ...] = (
    ("党员户", "party member", False, None),
    ("党员中心户", "party centre household", False, None),
    ("独居老人", "elderly living alone", True, 7),
    ("空巢老人", "empty-nest elderly", True, 14),
    ("高龄老人", "very elderly", True, 14),
    ("残疾人", "disabled", True, 30),
    ("低保户", "minimum allowance", True, 30),
    ("特困人员", "extreme poverty", True, 30),
    ("重病患者", "seriously ill", True, 14),
    ("留守儿童", "left-behind child", True, 30),
    ("退役军人", "veteran", True, None),
    ("其他", "other", True, None),
)
TAG_SEPARATORS = "、,，;；/ "  # what separates several tags in one 标签 cell

VISIT_KINDS: dict[str, Label] = {"home": ("入户", "home"), "phone": ("电话", "phone")}
VISIT_KIND_WORDS: dict[str, str] = {"入户走访": "home", "上门": "home", "电话走访": "phone"}

VISIT_FIGURES: dict[str, Label] = {
    "tagged": ("重点户", "tagged households"),
    "visits": ("走访次数", "visits made"),
    "visited": ("走访户数", "households visited"),
    "due": ("应访户数", "households due"),
    "covered": ("按期走访户数", "visited in time"),
    "coverage": ("走访覆盖率", "visit coverage"),
    "overdue_at_end": ("期末逾期", "overdue at end"),
}


def parse_visit_kind(value: str) -> str:
    table = typed(VISIT_KINDS, VISIT_KIND_WORDS)
    return choice(value, table, "走访方式", "visit kind", list(VISIT_KINDS))
