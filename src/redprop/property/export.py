"""The quarter's board as a print-ready workbook (`score export`, docs/design.md §15): the
积分榜 sheet ranking every company with its 红榜/黑榜 mark, then one sheet of items per company
(each rule's count and points, each manual item), laid out by excel/book like the ledger's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from redprop.excel.book import Column, Sheet, Table, write_ledger
from redprop.property.items import Quarter
from redprop.property.scores import Score, board, rule_label

BOARD_COLUMNS = [
    Column("名次", "center", cap=6),
    Column("物业公司", cap=24),
    Column("统一社会信用代码", cap=20),
    Column("得分", "int"),
    Column("红黑榜", "center", cap=8),
    Column("有效投诉", "int"),
    Column("投诉超期", "int"),
    Column("回访满意", "int"),
    Column("回访不满意", "int"),
    Column("服务记录", "int"),
    Column("整改超期", "int"),
    Column("加减分项", "int"),
]
ITEM_COLUMNS = [
    Column("序号", "center", cap=6),
    Column("项目", cap=24),
    Column("次数", "int"),
    Column("得分", "int"),
    Column("说明", cap=40),
]
LISTS = {"red": "红榜", "black": "黑榜"}
COUNTED = (
    "case_substantiated",
    "case_overdue",
    "visit_satisfied",
    "visit_unsatisfied",
    "service_record",
    "rectify_overdue",
)


def board_row(s: Score) -> list[Any]:
    return [
        s.rank,
        s.company,
        s.credit_code or "",
        s.score,
        LISTS.get(s.board, ""),
        *(s.counts[key] for key in COUNTED),
        sum(m["points"] for m in s.manual),
    ]


def item_rows(s: Score, base: int) -> list[list[Any]]:
    """A company's items: the base, each rule with its count and points, each manual item."""
    rows: list[list[Any]] = [[1, "基础分", None, base, ""]]
    for key in COUNTED:
        rows.append([len(rows) + 1, rule_label(key, "zh"), s.counts[key], s.points[key], ""])
    for m in s.manual:
        what = f"冲销第 {m['counter_of']} 项" if m["counter_of"] else "加减分"
        note = f"{m['at'].replace('T', ' ')} {m['actor']}：{m['reason']}"
        if m["evidence"]:
            note += f"（佐证：{m['evidence']}）"
        rows.append([len(rows) + 1, f"{what}（第 {m['id']} 项）", None, m["points"], note])
    return rows


def _sheet_name(index: int, name: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\ ; the number keeps names apart.
    clean = "".join(c for c in name if c not in "[]:*?/\\")
    return f"{index}.{clean}"[:31]


def sheets(scores: list[Score], quarter: Quarter, base: int, unit: str) -> list[Sheet]:
    when = f"{quarter.year}年第{quarter.number}季度"
    info = (
        f"填报单位：{unit}",
        f"统计时段：{quarter.start:%Y-%m-%d} 至 {quarter.last_day:%Y-%m-%d}",
    )
    out = [
        Sheet(
            "积分榜",
            f"物业服务企业量化积分考评红黑榜（{when}）",
            [Table(BOARD_COLUMNS, [board_row(s) for s in scores])],
            info,
            "按季度末的记录计算；季度结束后不再变动。",
            one_page=True,
        )
    ]
    for i, s in enumerate(scores, 1):
        total = [["", "合计", None, s.score, LISTS.get(s.board, "")]]
        out.append(
            Sheet(
                _sheet_name(i, s.company),
                f"{s.company}量化积分明细（{when}）",
                [Table(ITEM_COLUMNS, item_rows(s, base), totals=total)],
                info,
            )
        )
    return out


def write_board(session: Session, *, quarter: Quarter, community: str | None, path: Path) -> int:
    """Write the workbook; returns how many companies it ranks."""
    from redprop.property.rules import load_rules
    from redprop.units.org import default_street

    scores = board(session, quarter=quarter, community=community)
    unit = community or default_street(session).name
    write_ledger(sheets(scores, quarter, load_rules(session, quarter.end)["base"], unit), path)
    return len(scores)
