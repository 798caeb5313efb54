"""The errors workbook (--errors): the rejected and warned rows of an import, masked, with 原行号
and 问题 columns, in a layout that imports again once corrected."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from redprop.core.errors import InputFileError
from redprop.core.importreport import ImportReport
from redprop.roster.cells import masked_cell
from redprop.roster.file import HEADERS


def shown_cells(raw: list[Any], cols: dict[str, int], columns: list[str]) -> dict[str, Any]:
    """A flagged row's cells by canonical field, masked, as the workbook shows them."""
    width = len(raw)
    return {
        name: masked_cell(name, raw[cols[name]] if cols[name] < width else None) for name in columns
    }


def column_names(report: ImportReport) -> list[str]:
    return [HEADERS[c] for c in report.columns]


def check_errors_target(out: Path, source: Path) -> None:
    """Refuse an --errors path that is the file being imported (it would be replaced) or that
    can't be written, before the import reads or stores anything."""
    from redprop.core.errors import UsageProblem
    from redprop.excel.write import check_target

    same = out.expanduser().resolve() == source.expanduser().resolve()
    if not same and out.exists() and source.exists():
        same = os.path.samefile(out, source)
    if same:
        raise UsageProblem(
            f"--errors {out} 就是要导入的文件，写出错误表会覆盖它；请给 --errors 另一个文件名",
            f"--errors {out} is the file being imported and would be overwritten; give --errors "
            "another file name",
        )
    check_target(out)


def write_errors_workbook(report: ImportReport, out: Path, session: Session) -> int:
    """The flagged rows to `out`, masked; their full IDs and phones held in the ledger under the
    reference each row's 还原凭据 cell prints (roster/held). Refused when there is no row."""
    from redprop.excel.write import write_table
    from redprop.roster.held import HEADER, hold

    if not report.flagged_rows:
        raise InputFileError(
            f"{out}：没有需要改正的行，未写出错误表", f"{out}: no rows to correct; nothing written"
        )
    refs = hold(session, report.flagged_rows)
    headers = [*column_names(report), "原行号", "问题", HEADER]
    rows = (
        [*(shown.get(c, "") for c in report.columns), row, reason, refs.get(row, "")]
        for row, shown, reason, _ in report.flagged_rows
    )
    return write_table(out, headers, rows, sheet="待改正")
