"""The Chinese and English names of every code the ledger stores (units, roles, kinds …).

Codes are English in the database and in --json; people read these labels.
"""

from __future__ import annotations

Label = tuple[str, str]  # (zh, en)

UNIT_KINDS: dict[str, Label] = {
    "street": ("街道", "street"),
    "community": ("社区", "community"),
    "grid": ("网格", "grid"),
    "compound": ("小区", "compound"),
    "building": ("楼栋", "building"),
    "household": ("住户", "household"),
    "staff": ("工作人员", "staff member"),
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
}
