"""The ledger workbook's layout: five sheets, Chinese headers, frozen header rows, filters,
widths, date and percent formats, landscape printing fitted to width with the header repeated,
and no cell a spreadsheet would run as a formula (openpyxl's write-only mode, for speed)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from redprop.core.vocab import SEVERITIES, label

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def _cell(ws: Any, value: Any, *, font: Font | None = None, fmt: str | None = None) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text, even when it starts with = + - @
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if fmt:
        cell.number_format = fmt
    if font:
        cell.font = font
    return cell


def _fast(ws: Any, values: list[Any]) -> list[Any]:
    """A data row: plain values (openpyxl formats dates itself), except text that a spreadsheet
    would run as a formula, which becomes a text cell."""
    return [_cell(ws, v) if isinstance(v, str) and v[:1] in "=+-@" and v else v for v in values]


def _row(
    ws: Any, values: list[Any], *, font: Font | None = None, rates: set[int] | None = None
) -> list[Any]:
    out = []
    for i, v in enumerate(values):
        if v is None:
            v = "-" if rates and i in rates else None
        fmt = "0.0%" if rates and i in rates and isinstance(v, float) else None
        out.append(_cell(ws, v, font=font, fmt=fmt) if v is not None else None)
    return out


def _setup(ws: Any, widths: list[int], header_row: int) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_ledger(book: Any, out: Path) -> None:
    from redprop.excel.write import check_target
    from redprop.figures.book import (
        CASE_HEADERS,
        EVENT_HEADERS,
        SUMMARY_FIGURES,
        figure_values,
        month_label,
    )

    check_target(out)
    period, month, year = book.period, book.month_report, book.year_report
    wb = Workbook(write_only=True)
    title_month = month_label(period)
    rate_cols = {i + 1 for i, (k, _) in enumerate(SUMMARY_FIGURES) if k.endswith("_rate")}
    headers = ["单位", *(name for _, name in SUMMARY_FIGURES)]

    # 汇总
    ws = wb.create_sheet("汇总")
    _setup(ws, [16] + [9] * len(SUMMARY_FIGURES), header_row=3)
    ws.append([_cell(ws, f"{month.unit}矛盾纠纷排查化解情况表（{title_month}）", font=TITLE)])
    ws.append(
        [
            _cell(ws, f"填报单位：{month.unit}"),
            None,
            None,
            None,
            _cell(ws, f"统计时段：{period.start:%Y-%m-%d} 至 {period.last_day:%Y-%m-%d}"),
        ]
    )
    ws.append(_row(ws, headers, font=BOLD))
    for unit in month.by_unit:
        ws.append(_row(ws, [unit["unit"], *figure_values(unit["figures"])], rates=rate_cols))
    ws.append(_row(ws, ["小计", *figure_values(month.figures)], font=BOLD, rates=rate_cols))
    ws.append(_row(ws, ["年度累计", *figure_values(year.figures)], font=BOLD, rates=rate_cols))
    last = 3 + len(month.by_unit) + 2
    ws.auto_filter.ref = f"A3:{get_column_letter(len(headers))}{3 + len(month.by_unit)}"
    ws.append([])
    ws.append(
        [
            _cell(ws, "填表人："),
            None,
            None,
            None,
            _cell(ws, "审核人："),
            None,
            None,
            None,
            _cell(ws, "日期："),
        ]
    )
    ws.append(
        [
            _cell(
                ws,
                "说明：结转+新增+重开=化解+移交+撤销+在办；化解率=化解/(结转+新增+重开-撤销)。按事件历史统计至月末。",
            )
        ]
    )
    del last

    # 分类统计
    ws = wb.create_sheet("分类统计")
    _setup(ws, [14] + [9] * len(SUMMARY_FIGURES), header_row=2)
    ws.append([_cell(ws, f"{month.unit}矛盾纠纷分类统计（{title_month}）", font=TITLE)])
    ws.append(_row(ws, ["纠纷类型", *(name for _, name in SUMMARY_FIGURES)], font=BOLD))
    categories = list(month.by_category.items())
    for name, figures in categories:
        ws.append(_row(ws, [name, *figure_values(figures)], rates=rate_cols))
    ws.auto_filter.ref = f"A2:{get_column_letter(len(headers))}{2 + len(categories)}"
    ws.append([])
    ws.append(_row(ws, ["等级", *(name for _, name in SUMMARY_FIGURES)], font=BOLD))
    for severity, figures in month.by_severity.items():
        ws.append(_row(ws, [label(SEVERITIES, severity), *figure_values(figures)], rates=rate_cols))
    chart = BarChart()
    chart.type = "col"
    chart.title = "各类纠纷新增与化解"
    chart.y_axis.title = "件"
    chart.add_data(
        Reference(ws, min_col=3, max_col=3, min_row=2, max_row=2 + len(categories)),
        titles_from_data=True,
    )
    chart.add_data(
        Reference(ws, min_col=5, max_col=5, min_row=2, max_row=2 + len(categories)),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=2 + len(categories)))
    chart.width, chart.height = 24, 10
    ws.add_chart(chart, f"A{len(categories) + 10}")

    # 矛盾纠纷台账
    ws = wb.create_sheet("矛盾纠纷台账")
    _setup(
        ws,
        [12, 11, 12, 7, 14, 14, 10, 6, 8, 30, 8, 8, 8, 11, 11, 11, 20, 8, 8, 11, 8, 5],
        header_row=2,
    )
    ws.append([_cell(ws, f"{month.unit}矛盾纠纷台账（{title_month}，状态截至月末）", font=TITLE)])
    ws.append(_row(ws, list(CASE_HEADERS), font=BOLD))
    for row in book.case_rows:
        ws.append(_fast(ws, row))
    ws.auto_filter.ref = f"A2:{get_column_letter(len(CASE_HEADERS))}{2 + len(book.case_rows)}"

    # 流转记录
    ws = wb.create_sheet("流转记录")
    _setup(ws, [16, 12, 12, 7, 9, 9, 8, 9, 8, 10, 40], header_row=2)
    ws.append([_cell(ws, f"{month.unit}矛盾纠纷流转记录（{title_month}）", font=TITLE)])
    ws.append(_row(ws, list(EVENT_HEADERS), font=BOLD))
    for row in book.event_rows:
        ws.append(_fast(ws, row))
    ws.auto_filter.ref = f"A2:{get_column_letter(len(EVENT_HEADERS))}{2 + len(book.event_rows)}"

    # 服务清单: the month's service figures, the items, and the demands still open at its end.
    ws = wb.create_sheet("服务清单")
    _setup(ws, [16, 12, 12, 36, 10, 14, 12], header_row=2)
    svc = book.service
    ws.append([_cell(ws, f"{month.unit}服务清单（{title_month}）", font=TITLE)])
    ws.append(
        _row(
            ws,
            ["需求新增", "认领", "完成", "取消", "月末待办", "完成率", "微心愿完成率"],
            font=BOLD,
        )
    )
    ws.append(
        _row(
            ws,
            [
                svc["new"],
                svc["claimed"],
                svc["fulfilled"],
                svc["cancelled"],
                svc["open_at_end"],
                svc["fulfilment_rate"],
                svc["wish_fulfilment_rate"],
            ],
            rates={5, 6},
        )
    )
    ws.append([])
    ws.append(_row(ws, ["服务项目", "社区", "服务次数", "服务人数", "志愿者人次"], font=BOLD))
    for item in svc["by_item"]:
        ws.append(
            _fast(
                ws,
                [
                    item["item"],
                    item["community"],
                    item["records"],
                    item["served"],
                    item["volunteers"],
                ],
            )
        )
    ws.append(_row(ws, ["合计", "", "", svc["served"], svc["volunteer_turns"]], font=BOLD))
    ws.append([])
    ws.append(
        _row(ws, ["月末待办需求", "社区", "网格", "内容", "类型", "状态", "认领方"], font=BOLD)
    )
    states = {"open": "待认领", "claimed": "已认领"}
    for d in book.open_demands:
        kind = "微心愿" if d["wish"] else d["category"]
        ws.append(
            _fast(
                ws,
                [
                    d["number"],
                    d["community"],
                    d["grid"],
                    d["summary"],
                    kind,
                    states[d["state"]],
                    d["claimed_by"] or "",
                ],
            )
        )
    wb.save(out)
