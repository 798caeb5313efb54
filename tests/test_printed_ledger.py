"""The month workbook as it prints (issue 14): the demo's workbook checked with openpyxl on every
sheet (merged title, borders, named styles, print titles, A4 landscape fitted to width, the page
footer), then printed through LibreOffice to PDF and read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter

from redprop.excel.printed import FOOTER, balanced

pytestmark = pytest.mark.any_database  # LibreOffice prints the workbook: the same on any database

SHEETS = [
    "汇总",
    "分类统计",
    "矛盾纠纷台账",
    "流转记录",
    "服务清单",
    "整改台账",
    "重点人群走访",
    "物业服务",
]
# The styles of the lines around a table: no border.
LOOSE = {"rp_title", "rp_info", "rp_info_right", "rp_caption", "rp_note", "rp_sign"}
NOW = "2026-11-30T18:00"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo street, its month workbook, and the numbers of the month's cases."""
    from typer.testing import CliRunner

    from redprop.cli import app
    from redprop.core.db import open_ledger, session_scope
    from redprop.figures.book import build
    from redprop.figures.period import month_period
    from redprop.figures.sheets import sheets

    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDPROP_NOW", NOW)
        result = CliRunner().invoke(app, ["demo", "--dir", str(folder)])
        assert result.exit_code == 0, result.output
        engine = open_ledger(f"sqlite:///{folder / 'redprop-demo.db'}")
        with session_scope(engine, write=False) as session:
            book = build(session, period=month_period("2026-11"))
        engine.dispose()
    headers = {
        s.name: [h for t in s.tables for c in t.columns for h in (c.group, c.header) if h]
        for s in sheets(book)
    }
    return {
        "workbook": folder / "台账-2026-11.xlsx",
        "numbers": [row[0] for row in book.case_rows],
        "headers": headers,
    }


def table_rows(ws: Any) -> list[tuple[Any, ...]]:
    """The rows that belong to a table: their first cell has a table style."""
    return [
        row
        for row in ws.iter_rows()
        if row[0].style.startswith("rp_") and row[0].style not in LOOSE
    ]


def test_every_sheet_is_set_up_for_print(demo) -> None:
    wb = openpyxl.load_workbook(demo["workbook"])
    assert wb.sheetnames == SHEETS
    assert {s for s in wb.named_styles if s.startswith("rp_")} >= LOOSE | {"rp_head", "rp_text"}
    for ws in wb:
        last = get_column_letter(ws.max_column)
        assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}, ws.title
        assert ws["A1"].alignment.horizontal == "center" and ws["A1"].font.bold
        assert ws["A2"].value == "填报单位：新市区街道"
        # The header rows, after the title, the 填报单位 line and maybe a table's caption.
        assert re.fullmatch(r"\$[34]:\$[345]", ws.print_title_rows or ""), ws.title
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth) == ("landscape", 9, 1)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddFooter.center.text == FOOTER == "第 &P 页 共 &N 页"
        values = [c.value for row in ws.iter_rows() for c in row if c.value]
        assert any(v == "填表人：" for v in values) and any(v == "（盖章）" for v in values)
    assert [wb[s].page_setup.fitToHeight for s in ("汇总", "分类统计", "服务清单")] == [1, 1, 1]


def test_every_table_cell_is_bordered_and_styled_by_name(demo) -> None:
    wb = openpyxl.load_workbook(demo["workbook"])
    for ws in wb:
        rows = table_rows(ws)
        assert rows, ws.title
        for row in rows:
            width = max(i for i, c in enumerate(row, start=1) if c.style != "Normal")
            for cell in row[:width]:
                if isinstance(cell, MergedCell):
                    continue  # openpyxl keeps only a merged range's outer borders on reading
                sides = (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom)
                assert all(s.style == "thin" for s in sides), (ws.title, cell.coordinate)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.style.startswith("rp_"), (ws.title, cell.coordinate)
                    assert cell.data_type != "f"


def test_numbers_sit_under_right_aligned_headers_and_dates_print_whole(demo) -> None:
    wb = openpyxl.load_workbook(demo["workbook"])
    summary = wb["汇总"]
    assert summary["B4"].value == "结转" and summary["B4"].alignment.horizontal == "right"
    assert summary["B5"].alignment.horizontal == "right" and summary["I5"].number_format == "0.0%"
    assert "B3:D3" in {str(r) for r in summary.merged_cells.ranges}  # 排查 over 结转 新增 重开
    assert "A3:A4" in {str(r) for r in summary.merged_cells.ranges}  # 单位 down both rows
    events = wb["流转记录"]
    assert events["A4"].number_format == "yyyy-mm-dd hh:mm"
    assert events.column_dimensions["A"].width >= 18
    cases = wb["矛盾纠纷台账"]
    assert cases["C5"].number_format == "yyyy-mm-dd" and cases.column_dimensions["C"].width >= 12
    services = wb["服务清单"]
    total = next(r for r in services.iter_rows(values_only=True) if r[0] == "合计")
    assert all(isinstance(v, int) for v in total[2:5])  # 服务次数, 服务人数, 志愿者人次


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="needs LibreOffice (soffice) and pdftotext (Debian: poppler-utils)",
)
def test_the_printed_pages(demo, tmp_path: Path) -> None:
    pages = print_pages(demo["workbook"], tmp_path)
    text = "\f".join(pages)
    assert "###" not in text
    flat = re.sub(r"\s+", "", text)
    for number in demo["numbers"]:
        assert number in flat
    by_sheet = pages_by_sheet(pages)
    assert len(by_sheet["汇总"]) == 1 and len(by_sheet["服务清单"]) == 1
    for sheet, labels in demo["headers"].items():
        body = re.sub(r"\s+", "", "".join(by_sheet[sheet]))
        # A long header prints on two lines (balanced): each line is looked for.
        missing = [h for h in labels for line in balanced(h).split("\n") if line not in body]
        assert missing == [], sheet
    # One page wide: every page of a long sheet prints its first and last column's header.
    for sheet, first, last in (("矛盾纠纷台账", "序号", "回访情况"), ("流转记录", "时间", "说明")):
        for page in by_sheet[sheet]:
            assert first in page and last in page, sheet


def print_pages(workbook: Path, folder: Path) -> list[str]:
    profile = folder / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = folder / f"{workbook.stem}.pdf"
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    )
    return [p for p in out.stdout.decode("utf-8").split("\f") if p.strip()]


def pages_by_sheet(pages: list[str]) -> dict[str, list[str]]:
    """Each sheet's pages: a sheet starts on the page that prints its title."""
    titles = {
        "矛盾纠纷排查化解情况表": "汇总",
        "矛盾纠纷分类统计": "分类统计",
        "矛盾纠纷台账": "矛盾纠纷台账",
        "矛盾纠纷流转记录": "流转记录",
        "服务清单（": "服务清单",
        "整改台账（": "整改台账",
        "重点人群走访情况": "重点人群走访",
        "物业服务情况": "物业服务",
    }
    out: dict[str, list[str]] = {name: [] for name in SHEETS}
    current = ""
    for page in pages:
        first_line = page.strip().splitlines()[0]
        current = next((s for t, s in titles.items() if t in first_line), current)
        out[current].append(page)
    return out
