"""The printed forms of one case (`redprop case print`): the 矛盾纠纷受理登记表, and for a
resolved case the 人民调解协议书. Parties are named by surname (张某) and ID- and phone-shaped
numbers masked, unless the request is to unmask, which needs a staff member and is recorded
in the unmask log like `roster export --unmask` (docs/design.md §12). excel/forms.py lays
them out."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from redprop.core.vocab import (
    AGREEMENTS,
    FULFILLED,
    LEVELS,
    SATISFACTION,
    SEVERITIES,
    SOURCES,
    STATES,
    label,
)
from redprop.excel.forms import Field, Form, Line

# Two-character surnames common enough to keep whole when a name is masked.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "夏侯",
        "长孙",
        "宇文",
        "司徒",
        "端木",
        "独孤",
        "西门",
        "南宫",
    ]
)
SIGN = "      年    月    日"
AGREEMENT_NOTE = (
    "本协议一式三份，双方当事人、人民调解委员会各执一份，自各方当事人签名（盖章）之日起生效。"
)


def mask_name(name: str) -> str:
    """张三 → 张某, 欧阳娜娜 → 欧阳某: parties are named by surname only in print."""
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    return surname + "某" if surname else ""


def case_forms(
    session: Session, *, number: str, unmask: bool = False, actor: str | None = None
) -> list[Form]:
    """The case's forms; with `unmask`, checked for `actor` and recorded before anything is
    written."""
    from redprop.cases.detail import case_detail

    detail = case_detail(session, number)
    if unmask:
        from redprop.roster.households import record_unmask, unmasking_staff

        # The same scope as unmasking a household there: the case's grid (units.authority).
        name = unmasking_staff(session, actor, grid=detail["grid"])
        record_unmask(session, actor=name, command="case print --unmask", scope=number, rows=1)
    parties = detail["parties"] if unmask else [mask_name(p) for p in detail["parties"]]
    story = _story(detail["events"])
    forms = [_intake(detail, "、".join(parties), story)]
    if detail["state"] in ("resolved", "closed") and story.get("resolve"):
        forms.append(_agreement(detail, parties, story))
    return forms


def _story(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The events a form names: the registration, the first acceptance, the last resolution
    and the visit after it."""
    story: dict[str, dict[str, Any]] = {}
    for e in events:
        if e["action"] in ("register", "resolve", "visit"):
            story[e["action"]] = e
        elif e["action"] == "accept":
            story.setdefault("accept", e)
        elif e["action"] == "reopen":
            story.pop("resolve", None)
            story.pop("visit", None)
    return story


def _day(event: dict[str, Any] | None) -> str:
    return event["at"][:10] if event else ""


def _intake(detail: dict[str, Any], parties: str, story: dict[str, dict[str, Any]]) -> Form:
    registered = story.get("register")
    accepted = story.get("accept")
    place = f"{detail['community']} {detail['grid']}"
    state = f"{label(STATES, detail['state'])}（{label(LEVELS, detail['level'])}）"
    return Form(
        "受理登记表",
        "矛盾纠纷受理登记表",
        f"编号：{detail['number']}",
        [
            Line(
                [
                    Field("案件编号", detail["number"]),
                    Field("登记时间", detail["registered_at"].replace("T", " ")),
                ]
            ),
            Line(
                [
                    Field("纠纷类别", detail["category"]),
                    Field("严重程度", label(SEVERITIES, detail["severity"])),
                ]
            ),
            Line(
                [
                    Field("来源", label(SOURCES, detail["source"])),
                    Field("受理层级", label(LEVELS, registered["level"]) if registered else ""),
                ]
            ),
            Line([Field("当事人", parties, span=7)], lines=2),
            Line([Field("所在社区/网格", place), Field("地址", detail["address"] or "")]),
            Line([Field("纠纷简要情况", detail["summary"], span=7)], lines=16),
            Line(
                [
                    Field("受理日期", _day(accepted)),
                    Field("承办人", accepted["actor"] if accepted else ""),
                ]
            ),
            Line([Field("办理期限", detail["due_at"] or ""), Field("办理状态", state)]),
            Line([Field("登记人（签名）", ""), Field("当事人（签名）", "")], lines=5),
            Line([Field("受理单位（盖章）", ""), Field("日期", SIGN)], lines=5),
        ],
    )


def _agreement(
    detail: dict[str, Any], parties: list[str], story: dict[str, dict[str, Any]]
) -> Form:
    resolve = story["resolve"]
    visit = story.get("visit")
    agreement = label(AGREEMENTS, resolve["data"].get("agreement", "")) if resolve["data"] else ""
    performed = "待回访"
    if visit:
        fulfilled = label(FULFILLED, visit["data"].get("fulfilled", ""))
        satisfaction = label(SATISFACTION, visit["data"].get("satisfaction", ""))
        performed = f"{visit['at'][:10]} 回访：{fulfilled}，{satisfaction}"
    lines = [Line([Field(f"当事人{i}", p, span=7)]) for i, p in enumerate(parties, start=1)]
    return Form(
        "人民调解协议书",
        "人民调解协议书",
        f"编号：{detail['number']}",
        [
            *lines,
            Line([Field("纠纷类别", detail["category"]), Field("调解日期", _day(resolve))]),
            Line([Field("纠纷主要事实、争议事项", detail["summary"], span=7)], lines=10),
            Line([Field("经调解，自愿达成如下协议", resolve["reason"] or "", span=7)], lines=12),
            Line([Field("协议形式", agreement), Field("人民调解员", resolve["actor"])]),
            Line([Field("履行情况", performed, span=7)], lines=3),
            Line([Field("当事人（签名）", ""), Field("当事人（签名）", "")], lines=5),
            Line([Field("人民调解员（签名）", ""), Field("调解委员会（盖章）", "")], lines=5),
            Line([Field("日期", SIGN, span=7)], lines=2),
        ],
        note=AGREEMENT_NOTE,
    )
