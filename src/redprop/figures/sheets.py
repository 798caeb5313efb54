"""The month workbook in display form (docs/design.md §6): which sheets, their titles, columns
(kinds, widths' caps, the two-level groups of the 矛盾纠纷排查化解情况表), rows and totals.
figures/book.py reads the month; excel/book.py prints what this module lays out.
"""

from __future__ import annotations

from typing import Any

from redprop.core.vocab import (
    DEMAND_STATES,
    LEVELS,
    RECTIFY_FIGURES,
    SEVERITIES,
    VISIT_FIGURES,
    label,
)
from redprop.excel.book import Chart, Column, Sheet, Table
from redprop.figures.book import SUMMARY_FIGURES, Book, figure_name, figure_values, month_label

SUMMARY_NOTE = (
    "说明：结转+新增+重开=化解+移交+撤销+在办；化解率=化解/(结转+新增+重开-撤销)；"
    "重复纠纷=新增中登记前 12 个月内同一住户、当事人电话或地址已有纠纷（或手工关联）的。"
    "按事件历史统计至月末。"
)
# The upper headers over the figure columns, as the official form groups them.
GROUPS = {
    "carried_over": "排查",
    "registered": "排查",
    "reopened": "排查",
    "resolved": "办理结果",
    "referred": "办理结果",
    "withdrawn": "办理结果",
    "open_at_end": "办理结果",
    "resolution_rate": "比率",
    "on_time_rate": "比率",
    "small_kept_in_grid_rate": "比率",
    "kept_within_street_rate": "比率",
    "overdue_at_end": "预警",
    "yellow_at_end": "预警",
    "repeat": "重复纠纷",
    "repeat_rate": "重复纠纷",
}
# The category chart: new and resolved cases of each category.
CHART = ("各类纠纷新增与化解", ("registered", "resolved"))
CASE_COLUMNS = [
    Column("序号", "center", cap=6),
    Column("编号", cap=12),
    Column("登记日期", "date"),
    Column("来源", "center", cap=8),
    Column("当事人", cap=12),
    Column("纠纷类别", cap=10),
    Column("简要情况", cap=26),
    Column("网格", "center", group="所在网格/社区", cap=8),
    Column("社区", group="所在网格/社区", cap=10),
    Column("调处过程", cap=14),
    Column("责任人/调解员", cap=10),
    Column("调处结果", cap=18),
    Column("办结日期", "date"),
    Column("是否按期", "center", cap=8),
    Column("回访情况", cap=14),
]
EVENT_COLUMNS = [
    Column("时间", "time"),
    Column("编号", cap=12),
    Column("社区", cap=10),
    Column("网格", "center", cap=8),
    Column("操作", "center", cap=8),
    Column("原状态", "center", cap=8),
    Column("原层级", "center", cap=6),
    Column("新状态", "center", cap=8),
    Column("新层级", "center", cap=6),
    Column("操作人", cap=10),
    Column("说明", cap=36),
]
# The 服务清单 sheet: the month's service figures (key, header), the items, the open demands.
SERVICE_FIGURES = (
    ("new", "需求新增"),
    ("claimed", "认领"),
    ("fulfilled", "完成"),
    ("cancelled", "取消"),
    ("open_at_end", "月末待办"),
    ("fulfilment_rate", "完成率"),
    ("wish_fulfilment_rate", "微心愿完成率"),
)
ITEM_COLUMNS = [
    Column("服务项目", cap=16),
    Column("社区", cap=10),
    Column("服务次数", "int"),
    Column("服务人数", "int"),
    Column("志愿者人次", "int"),
]
DEMAND_COLUMNS = [
    Column("编号", cap=14),
    Column("社区", cap=10),
    Column("网格", "center", cap=8),
    Column("内容", cap=30),
    Column("类型", cap=8),
    Column("状态", "center", cap=8),
    Column("认领方", cap=12),
]
WISH = "微心愿"
# The 整改台账 sheet (docs/design.md §14): the period's figures, then one row per task.
RECTIFY_COLUMNS = [
    Column("序号", "center", cap=6),
    Column("编号", cap=14),
    Column("整改任务", cap=26),
    Column("来源会议", cap=24),
    Column("问题", cap=22),
    Column("责任方", cap=12),
    Column("整改时限", "date"),
    Column("状态", "center", cap=8),
    Column("完成日期", "date"),
    Column("验收人", cap=8),
    Column("验收时间", "time"),
    Column("是否按期", "center", cap=8),
]
RECTIFY_NOTE = (
    "说明：按期完成=本期到期的任务中，到期日结束时已完成或已验收的；期末超期=期末仍待整改或"
    "整改中且已过整改时限的。状态截至期末，按事件历史统计。"
)

# The 重点人群走访 sheet (docs/design.md §16): counts only, one row per grid; no household named.
VISIT_NOTE = (
    "说明：重点户、各标签户数为月末的标签；应访户数=本月内有应访日（按走访周期，自上次走访或"
    "加标签之日起算）的户数；按期走访=每个应访日前都已走访；期末逾期=月末仍未走访且已过应访日。"
    "只列数字，不列住户。"
)


def figure_columns(first: str) -> list[Column]:
    """The name column, then the figures under their groups: the levels under 化解层级."""
    columns = [Column(first, cap=16)]
    for key in SUMMARY_FIGURES:
        kind = "rate" if key.endswith("_rate") else "int"
        if key.startswith("level:"):
            columns.append(Column(label(LEVELS, key[6:]), kind, group="化解层级"))
        else:
            columns.append(Column(figure_name(key), kind, group=GROUPS.get(key, "")))
    return columns


def sheets(book: Book) -> list[Sheet]:
    """The workbook's sheets in display form, for the writer."""
    period, month = book.period, book.month_report
    unit, when = month.unit, month_label(period)
    info = (f"填报单位：{unit}", f"统计时段：{period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}")
    subtotal = figure_values(month.figures)
    summary = Table(
        figure_columns("单位"),
        [[u["unit"], *figure_values(u["figures"])] for u in month.by_unit],
        totals=[["小计", *subtotal], ["年度累计", *figure_values(book.year_report.figures)]],
    )
    by_category = Table(
        figure_columns("纠纷类型"),
        [[name, *figure_values(f)] for name, f in month.by_category.items()],
        totals=[["合计", *subtotal]],
    )
    by_severity = Table(
        figure_columns("等级"),
        [[label(SEVERITIES, sev), *figure_values(f)] for sev, f in month.by_severity.items()],
        totals=[["合计", *subtotal]],
    )
    chart_title, charted = CHART
    chart = Chart(chart_title, 0, tuple(1 + SUMMARY_FIGURES.index(k) for k in charted), "件")
    cases = [[i, *row] for i, row in enumerate(book.case_rows, start=1)]
    return [
        Sheet(
            "汇总",
            f"{unit}矛盾纠纷排查化解情况表（{when}）",
            [summary],
            info,
            SUMMARY_NOTE + _fingerprint_note(book.fingerprint),
            one_page=True,
        ),
        Sheet(
            "分类统计",
            f"{unit}矛盾纠纷分类统计（{when}）",
            [by_category, by_severity],
            info,
            chart=chart,
            one_page=True,
        ),
        Sheet(
            "矛盾纠纷台账",
            f"{unit}矛盾纠纷台账（{when}，状态截至月末）",
            [Table(CASE_COLUMNS, cases)],
            info,
        ),
        Sheet(
            "流转记录",
            f"{unit}矛盾纠纷流转记录（{when}）",
            [Table(EVENT_COLUMNS, book.event_rows)],
            info,
        ),
        Sheet("服务清单", f"{unit}服务清单（{when}）", _service_tables(book), info, one_page=True),
        Sheet(
            "整改台账",
            f"{unit}整改台账（{when}，状态截至月末）",
            _rectify_tables(book),
            info,
            RECTIFY_NOTE,
        ),
        Sheet(
            "重点人群走访",
            f"{unit}重点人群走访情况（{when}）",
            [_visit_table(book)],
            info,
            VISIT_NOTE,
            one_page=True,
        ),
        Sheet(
            "物业服务",
            f"{unit}物业服务情况（{when}）",
            [_property_table(book)],
            info,
            PROPERTY_NOTE,
            one_page=True,
        ),
    ]


PROPERTY_COLUMNS = [
    Column("物业公司", cap=24),
    Column("投诉件数", "int"),
    Column("化解件数", "int"),
    Column("按期化解", "int"),
    Column("按期率", "rate"),
    Column("回访次数", "int"),
    Column("满意", "int"),
    Column("满意率", "rate"),
]
PROPERTY_NOTE = (
    "说明：投诉件数=本月登记、关联到该物业公司的案件（地址所在小区的物业，或无地址的物业纠纷所在网格"
    "唯一的物业）；化解件数=本月首次化解且月末未撤销的；按期化解=化解前各层级均未超期；"
    "满意含基本满意。"
)
_PROPERTY_KEYS = (
    "complaints",
    "resolved",
    "on_time",
    "on_time_rate",
    "visits",
    "satisfied",
    "satisfaction_rate",
)


def _property_table(book: Book) -> Table:
    """Per company: complaints, resolved and on time, visits and satisfied, with a total."""
    rows = [[r["company"], *(r[k] for k in _PROPERTY_KEYS)] for r in book.property_rows]
    sums = {k: sum(r[k] for r in book.property_rows) for k in _PROPERTY_KEYS if "rate" not in k}
    total = [
        "合计",
        sums["complaints"],
        sums["resolved"],
        sums["on_time"],
        sums["on_time"] / sums["resolved"] if sums["resolved"] else None,
        sums["visits"],
        sums["satisfied"],
        sums["satisfied"] / sums["visits"] if sums["visits"] else None,
    ]
    return Table(PROPERTY_COLUMNS, rows, totals=[total])


def _visit_table(book: Book) -> Table:
    """Per grid: households per tag at the end, then the month's visit figures, and the total."""
    tags = [t for t in book.visit_tags if any(r["tags"].get(t) for r in book.visits)]
    keys = list(VISIT_FIGURES)
    columns = [Column("社区", cap=12), Column("网格", cap=10)]
    columns += [Column(tag, "int") for tag in tags]
    columns += [Column(VISIT_FIGURES[k][0], "rate" if k == "coverage" else "int") for k in keys]

    def values(row: dict[str, Any]) -> list[Any]:
        return [row["tags"].get(t, 0) for t in tags] + [row[k] for k in keys]

    rows = [[r["community"], r["grid"], *values(r)] for r in book.visits]
    from redprop.visits.figures import totals

    total = totals(book.visits)
    summed = [["合计", "", *values(total[0])]] if total else []
    return Table(columns, rows, totals=summed, caption="本月走访情况")


def _rectify_tables(book: Book) -> list[Table]:
    """The period's figures of the rectification ledger, then its tasks as they stood."""
    keys = list(RECTIFY_FIGURES)
    figures = [
        Column(RECTIFY_FIGURES[key][0], "rate" if key.endswith("_rate") else "int") for key in keys
    ]
    tasks = [[i, *row] for i, row in enumerate(book.rectify_rows, start=1)]
    return [
        Table(figures, [[book.rectify.get(key) for key in keys]], caption="本月整改情况"),
        Table(RECTIFY_COLUMNS, tasks, caption="整改任务"),
    ]


def _fingerprint_note(fingerprint: str | None) -> str:
    """The chain's fingerprint at the month's end, signed with the sheet: anyone can later prove
    with `db check --fingerprint` that nothing up to it has changed (docs/design.md §11)."""
    if fingerprint is None:
        return ""
    return (
        f"\n账本指纹（截至月末）：{fingerprint}。核对：redprop db check --fingerprint {fingerprint}"
    )


def _service_tables(book: Book) -> list[Table]:
    """The 服务清单 sheet's three tables: the month's figures, the items, the open demands."""
    svc = book.service
    items = [
        [i["item"], i["community"], i["records"], i["served"], i["volunteers"]]
        for i in svc["by_item"]
    ]
    records = sum(i["records"] for i in svc["by_item"])
    demands: list[list[Any]] = [
        [
            d["number"],
            d["community"],
            d["grid"],
            d["summary"],
            WISH if d["wish"] else d["category"],
            DEMAND_STATES[d["state"]][0],
            d["claimed_by"] or "",
        ]
        for d in book.open_demands
    ]
    keys = [key for key, _ in SERVICE_FIGURES]
    figures = [
        Column(name, "rate" if key.endswith("_rate") else "int") for key, name in SERVICE_FIGURES
    ]
    return [
        Table(figures, [[svc[key] for key in keys]], caption="本月服务情况"),
        Table(
            ITEM_COLUMNS,
            items,
            totals=[["合计", "", records, svc["served"], svc["volunteer_turns"]]],
            caption="服务项目",
        ),
        Table(DEMAND_COLUMNS, demands, caption="月末待办需求"),
    ]
