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
