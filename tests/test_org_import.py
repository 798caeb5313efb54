"""`org import` from real files written to disk: xlsx with title rows, English headers, GBK CSV;
idempotent; every bad row reported and nothing written."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from redprop.core.errors import InputFileError, RedpropError
from redprop.core.models import Building, Community, Compound, Grid
from redprop.units.importer import import_org

HEADER = ["社区", "网格编号", "网格名称", "网格类型", "小区", "物业公司", "楼栋", "单元数"]
ROWS = [
    ["铁人路社区", "G001", "天昊网格", "基础网格", "天昊小区", "嘉华物业", "5号楼", 3],
    ["铁人路社区", "G001", "天昊网格", "基础网格", "天昊小区", "嘉华物业", "6号楼", 2],
    ["铁人路社区", "G002", "学校专属网格", "专属网格", None, None, None, None],
    ["龙源社区", "G014", "龙源第1网格", "基础网格", "龙源小区", "世纪之星物业", "1栋", 4],
]


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["新市区街道网格划分表"])  # a merged banner and a hint row before the header
    ws.merge_cells("A1:H1")
    ws.append(["（请按社区填写，带*为必填）"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    ws.append([])
    ws.append(["填表人：王敏", None, "审核人：张建国"])
    wb.save(path)
    return path


def counts(session) -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(m))
        for m in (Community, Grid, Compound, Building)
    )


def test_import_creates_the_tree_and_a_second_import_changes_nothing(session, tmp_path) -> None:
    path = write_xlsx(tmp_path / "网格.xlsx", ROWS)
    first = import_org(session, path=path)
    assert (first.rows, first.skipped) == (4, 2)
    assert dict(first.created) == {"community": 2, "grid": 3, "compound": 2, "building": 3}
    assert counts(session) == (2, 3, 2, 3)
    assert session.scalar(select(Grid.kind).where(Grid.code == "G002")) == "special"
    second = import_org(session, path=path)
    assert not second.changed
    assert dict(second.unchanged) == {"community": 2, "grid": 3, "compound": 2, "building": 3}
    assert counts(session) == (2, 3, 2, 3)


def test_gbk_csv_with_english_headers_gives_the_same_tree(session, tmp_path) -> None:
    english = [
        "community",
        "grid_code",
        "grid_name",
        "grid_kind",
        "compound",
        "property_company",
        "building",
        "units",
        "remark",
    ]
    lines = [",".join(english)] + [
        ",".join("" if v is None else str(v) for v in row) + ",x" for row in ROWS
    ]
    path = tmp_path / "grids.csv"
    path.write_bytes("\n".join(lines).replace("基础网格", "base").encode("gbk"))
    result = import_org(session, path=path)
    assert result.ignored_columns == ["remark"]
    assert counts(session) == (2, 3, 2, 3)
    again = import_org(session, path=write_xlsx(tmp_path / "same.xlsx", ROWS))
    assert not again.changed


def test_changed_names_update_and_units_update(session, tmp_path) -> None:
    import_org(session, path=write_xlsx(tmp_path / "a.xlsx", ROWS))
    changed = [list(r) for r in ROWS]
    changed[0][2] = changed[1][2] = "天昊小区网格"
    changed[0][7] = 4
    result = import_org(session, path=write_xlsx(tmp_path / "b.xlsx", changed))
    assert result.updated["grid"] == 1 and result.updated["building"] == 1
    assert session.scalar(select(Grid.name).where(Grid.code == "G001")) == "天昊小区网格"


def test_bad_rows_are_all_reported_and_nothing_is_written(session, tmp_path) -> None:
    bad = [
        *ROWS,
        ["", "G003", "无社区网格", "基础网格", None, None, None, None],  # row 8: no community
        ["铁人路社区", "G004", "某网格", "特殊网格", None, None, None, None],  # row 9: unknown kind
        ["铁人路社区", "G005", "某网格", "基础网格", None, None, "7", "三"],  # row 10: units
        ["龙源社区", "G001", "天昊网格", "基础网格", None, None, None, None],  # row 11: conflict
    ]
    with pytest.raises(RedpropError) as err:
        import_org(session, path=write_xlsx(tmp_path / "bad.xlsx", bad))
    assert err.value.zh.endswith("4 行有问题，未导入任何内容；请改正后重新导入")
    assert [(p.row, p.column) for p in err.value.details] == [
        (8, "社区"),
        (9, "网格类型"),
        (10, "单元数"),
        (11, "社区"),
    ]
    assert err.value.details[3].zh == (
        "网格 G001在第 4 行写的是“铁人路社区”，这里是“龙源社区”；同一单元请写成一致"
    )
    assert counts(session) == (0, 0, 0, 0)


def test_a_grid_moved_to_another_community_is_refused(session, tmp_path) -> None:
    import_org(session, path=write_xlsx(tmp_path / "a.xlsx", ROWS))
    moved = [["龙源社区", "G002", "学校专属网格", "专属网格", None, None, None, None]]
    with pytest.raises(RedpropError) as err:
        import_org(session, path=write_xlsx(tmp_path / "b.xlsx", moved))
    [problem] = err.value.details
    assert (problem.row, problem.column) == (4, "社区")
    assert "已属于社区“铁人路社区”" in problem.zh


def test_missing_columns_and_broken_files(tmp_path, session) -> None:
    no_code = write_xlsx(
        tmp_path / "nocode.xlsx", [["铁人路社区", "天昊网格"]], header=["社区", "网格名称"]
    )
    with pytest.raises(InputFileError) as err:
        import_org(session, path=no_code)
    assert "缺少必需的列：网格编号" in err.value.zh
    fake = tmp_path / "fake.xlsx"
    fake.write_text("社区,网格编号\n")
    with pytest.raises(InputFileError, match="内容不是 Excel/WPS 工作簿"):
        import_org(session, path=fake)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="文件是空的"):
        import_org(session, path=empty)
    truncated = tmp_path / "trunc.xlsx"
    truncated.write_bytes(write_xlsx(tmp_path / "whole.xlsx", ROWS).read_bytes()[:300])
    with pytest.raises(InputFileError, match="重新另存"):
        import_org(session, path=truncated)
    with pytest.raises(InputFileError, match="文件不存在"):
        import_org(session, path=tmp_path / "missing.xlsx")
    assert counts(session) == (0, 0, 0, 0)
