"""Hostile files through `roster import` (issue 12): each built here at test time, small, and
refused with one message naming the limit (or read exactly), nothing stored, within bounded
memory. The memory cases run the import in a subprocess limited to 1 GB of address space."""

from __future__ import annotations

import os
import resource
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from redprop.excel.limits import LIMITS
from roster_files import OLE2_MAGIC, layout, write_csv
from roster_helpers import (  # noqa: F401  (the fixture `ledger`)
    CANON,
    CLEAN,
    db_households,
    ledger_fixture,
)

pytestmark = pytest.mark.any_database  # hostile files: the same on any database

ENCODINGS = "UTF-8（带或不带 BOM）、带 BOM 的 UTF-16、GBK/GB18030"
GB = 1 << 30

# ---------------------------------------------------------------------------------------------
# Builders: workbooks written member by member, so that they say exactly what a test needs.

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/>{shared}</Types>'
)
_SHARED_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
    '"xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="住户" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
    'sheet1.xml"/>{shared}</Relationships>'
)
_SHARED_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
)
HEADER_ROW = "".join(
    f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
    for col, name in zip("ABCD", ("社区", "楼栋", "房号", "户主姓名"), strict=True)
)
DATA_ROW = (
    '<c r="A2" t="inlineStr"><is><t>铁人路社区</t></is></c><c r="B2"><v>6</v></c>'
    '<c r="C2"><v>101</v></c><c r="D2" t="inlineStr"><is><t>王五</t></is></c>'
)


def hand_xlsx(
    path: Path,
    *,
    dimension: str = "A1:D2",
    cells: str = "",
    tail: str = "",
    shared: list[str] | None = None,
    huge_string: int = 0,
) -> Path:
    """A one-sheet workbook (a header and a row, plus `cells` rows) written member by member;
    `huge_string` streams one shared string of that many characters (a megabyte at a time)."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        f'.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>'
        f'<row r="1">{HEADER_ROW}</row><row r="2">{DATA_ROW}</row>{cells}</sheetData>{tail}'
        "</worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES.format(shared=_SHARED_TYPE))
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(shared=_SHARED_REL))
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        items = "".join(f"<si><t>{s}</t></si>" for s in shared or [])
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats'
                + f'.org/spreadsheetml/2006/main" count="{len(shared or [])}">{items}'.encode()
            )
            if huge_string:
                fh.write(b"<si><t>")
                for start in range(0, huge_string, 1 << 20):
                    fh.write(b"x" * min(1 << 20, huge_string - start))
                fh.write(b"</t></si>")
            fh.write(b"</sst>")
    return path


def encrypted_ooxml(path: Path) -> Path:
    """An OLE2 compound file the way Excel saves a workbook with a password: a directory holding
    EncryptionInfo and EncryptedPackage streams (empty here). Sector 0 is the FAT, 1 the
    directory."""
    end, fat_sector, free = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = (
        OLE2_MAGIC
        + bytes(16)
        + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    )
    header += struct.pack("<109I", 0, *[free] * 108)
    fat = struct.pack("<128I", fat_sector, end, *[free] * 126)

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, free, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", end, 0)
        )

    directory = (
        entry("Root Entry", 5, child=1)
        + entry("EncryptionInfo", 2, right=2)
        # the data-space streams of a real file are left out: only these two names matter
        + entry("EncryptedPackage", 2)
        + bytes(128)
    )
    path.write_bytes(header + fat + directory)
    return path


def roster_rows() -> list[list[object]]:
    rows, _, _ = layout(CANON, [list(r) for r in CLEAN], title=False, hint=False, footer=False)
    return rows


def import_in_subprocess(
    path: Path, tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], int]:
    """`redprop roster import PATH` in a child limited to 1 GB of address space; its peak RSS."""
    found = shutil.which("redprop", path=str(Path(sys.executable).parent))
    command = [found] if found else [sys.executable, "-m", "redprop"]

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (GB, GB))

    result = subprocess.run(
        [*command, "roster", "import", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "RUST_BACKTRACE": "0"},
        preexec_fn=limit,
        timeout=120,
    )
    return result, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


# ---------------------------------------------------------------------------------------------
# Tiny files that would take the machine down


def test_a_dimension_over_the_whole_sheet_is_refused_before_calamine(cli, ledger, tmp_path) -> None:
    path = hand_xlsx(tmp_path / "huge.xlsx", dimension="A1:XFD1048576")
    assert path.stat().st_size < 2048
    result = cli("roster", "import", str(path), code=1)
    assert result.stderr.strip() == (
        f"错误：{path}：工作表部件 xl/worksheets/sheet1.xml 声明的列数（16,384）超过上限 200，"
        "为保护本机不予读取；请删去多余的行、列或格式后另存再导入"
    )
    english = cli("--lang", "en", "roster", "import", str(path), code=1)
    assert "declared columns (16,384) is over the limit of 200" in english.stderr
    assert db_households(ledger) == {}


def test_a_cell_far_away_is_refused_whatever_the_dimension_says(cli, ledger, tmp_path) -> None:
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = hand_xlsx(tmp_path / "far.xlsx", cells=far)
    result, peak = import_in_subprocess(path, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "工作表部件 xl/worksheets/sheet1.xml 的行数（1,048,576）" not in result.stderr
    assert "xl/worksheets/sheet1.xml 的列数（16,384）超过上限 200" in result.stderr
    assert "Traceback" not in result.stderr and peak < GB
    wide = '<row r="1048576"><c r="GR1048576"><v>1</v></c></row>'
    many = cli("roster", "import", str(hand_xlsx(tmp_path / "wide.xlsx", cells=wide)), code=1)
    assert "的单元格数（1,048,576 行 × 200 列）超过上限 20,000,000" in many.stderr
    assert db_households(ledger) == {}


def test_merged_ranges_over_whole_columns_cost_no_memory(ledger, tmp_path) -> None:
    merges = "".join(
        f'<mergeCell ref="{c}{r}:{c}1048576"/>' for c in "EFGHIJKLMN" for r in range(3, 33)
    )
    tail = f'<mergeCells count="300">{merges}</mergeCells>'
    path = hand_xlsx(tmp_path / "merged.xlsx", dimension="A1:N2", tail=tail)
    assert path.stat().st_size < 4096
    result, peak = import_in_subprocess(path, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("读取 1 行：新增 1，")
    assert peak < GB
    assert list(db_households(ledger)) == ["铁人路社区/6--101"]


def test_a_cell_over_32767_characters_is_refused(cli, ledger, tmp_path) -> None:
    big = "长" * (LIMITS.cell_chars + 1)
    cells = '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="D3" t="s"><v>0</v></c></row>'
    path = hand_xlsx(tmp_path / "big.xlsx", cells=cells, shared=[big])
    result = cli("roster", "import", str(path), code=1)
    assert result.stderr.strip() == (
        f"错误：{path}：第 3 行一个单元格的字符数（32,768）超过上限 32,767，"
        "为保护本机不予读取；请删去多余的行、列或格式后另存再导入"
    )
    ok = "长" * LIMITS.cell_chars  # as long as Excel allows: read
    path = hand_xlsx(tmp_path / "ok.xlsx", cells=cells.replace("A3", "B3"), shared=[ok])
    assert cli("roster", "import", str(path), code=None).exit_code in (0, 3)
    assert db_households(ledger) != {}


def test_a_huge_shared_strings_part_is_refused_from_the_zip_directory(
    cli, ledger, tmp_path
) -> None:

    path = hand_xlsx(tmp_path / "sst.xlsx", huge_string=LIMITS.part_bytes + 1)
    assert path.stat().st_size < 1 << 20
    result = cli("roster", "import", str(path), code=1)
    assert "工作簿部件 xl/sharedStrings.xml 解压后的大小（200 MB）超过上限 200 MB" in result.stderr
    assert db_households(ledger) == {}


def test_dev_zero_and_other_non_regular_files_are_refused(cli, ledger, tmp_path) -> None:
    result = cli("roster", "import", "/dev/zero", code=1)
    assert result.stderr.strip() == (
        "错误：/dev/zero：这不是普通文件（设备、管道等），请给出 .xlsx 或 .csv 文件"
    )
    bounded, _ = import_in_subprocess(Path("/dev/zero"), tmp_path)  # within 1 GB
    assert bounded.returncode == 1 and "这不是普通文件" in bounded.stderr, bounded.stderr
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert "这不是普通文件" in cli("roster", "import", str(fifo), code=1).stderr
    assert db_households(ledger) == {}


# ---------------------------------------------------------------------------------------------
# CSV: cell length, encodings, NUL, control characters


def test_a_csv_cell_of_200000_characters_is_refused_naming_the_row(cli, ledger, tmp_path) -> None:
    rows = roster_rows()
    rows[2][12] = "备" * 200_000
    path = write_csv(tmp_path / "long.csv", rows)
    result = cli("roster", "import", str(path), code=1)
    assert result.stderr.strip() == (
        f"错误：{path}：第 3 行一个单元格的字符数超过上限 32,767，"
        "为保护本机不予读取；请删去多余的行、列或格式后另存再导入"
    )
    assert db_households(ledger) == {}


def test_utf16_with_a_bom_and_gbk_are_read_exactly(cli, ledger, tmp_path) -> None:
    rows = roster_rows()
    utf8 = write_csv(tmp_path / "utf8.csv", rows)
    cli("roster", "import", str(utf8), code=None)
    expected = db_households(ledger)
    assert len(expected) == 5
    for encoding in ("utf-16", "utf-16-be", "gbk", "gb18030"):
        path = tmp_path / f"{encoding}.csv"
        text = utf8.read_bytes().decode("utf-8-sig")
        path.write_bytes(
            ("\ufeff" + text).encode(encoding) if encoding == "utf-16-be" else text.encode(encoding)
        )
        result = cli("roster", "import", str(path), code=None)
        assert result.stdout.startswith("读取 5 行：新增 0，更新 0，未变 5"), (
            encoding,
            result.stdout,
        )
        assert db_households(ledger) == expected


def test_big5_and_other_encodings_are_refused_naming_those_read(cli, ledger, tmp_path) -> None:
    text = (
        "社區,樓棟,房號,戶主姓名,備註\r\n"
        "鐵人路社區,5號樓,301,張三,老黨員\r\n"
        "鐵人路社區,5號樓,302,李四,獨居老人，需要每週探訪\r\n"
        "龍源社區,1棟,505,陳國華,無\r\n"
    )
    refused = "错误：{}：无法识别文件的编码（只读取 " + ENCODINGS + "；Big5 等其他编码不读取）"
    for name, data in (
        ("big5.csv", text.encode("big5")),
        ("utf32.csv", text.encode("utf-32")),
        ("latin.csv", "Gemeinde,Straße\r\nÖsterreich,ÄÖÜß\r\n".encode("latin-1")),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        result = cli("roster", "import", str(path), "--create-units", code=1)
        assert result.stderr.startswith(refused.format(path)), result.stderr
    english = cli("--lang", "en", "roster", "import", str(tmp_path / "big5.csv"), code=1)
    assert "UTF-8 (with or without a BOM), UTF-16 with a BOM, GBK/GB18030" in english.stderr
    assert db_households(ledger) == {}


def test_big5_of_the_demo_street_is_told_from_its_gbk(tmp_path) -> None:
    from redprop.excel.csvtext import decode_text

    street = (Path(__file__).parents[1] / "samples" / "street.csv").read_text("utf-8-sig")
    assert decode_text(tmp_path, street.encode("gbk")) == street
    with pytest.raises(Exception, match="无法识别文件的编码"):
        decode_text(tmp_path, street.encode("big5", errors="ignore"))


def test_a_nul_byte_is_refused_naming_its_row(cli, ledger, tmp_path) -> None:
    rows = roster_rows()
    rows[3][6] = "王\x00五"
    path = write_csv(tmp_path / "nul.csv", rows)
    result = cli("roster", "import", str(path), code=1)
    assert result.stderr.strip() == (
        f"错误：{path}：第 4 行含有空字符（NUL，\\x00），文件可能已损坏；请删去该字符或重新导出后再导入"
    )
    assert db_households(ledger) == {}
    cells = '<row r="3"><c r="A3" t="s"><v>0</v></c></row><row r="5"><c r="D5" t="inlineStr"><is><t>王_x0000_五</t></is></c></row>'
    for name, shared in (("inline.xlsx", ["铁人路社区"]), ("shared.xlsx", ["铁_x0000_人"])):
        path = hand_xlsx(tmp_path / name, cells=cells, shared=shared)
        row = 5 if name == "inline.xlsx" else 3
        result = cli("roster", "import", str(path), code=1)
        assert f"：第 {row} 行含有空字符（NUL，\\x00）" in result.stderr, result.stderr
    assert db_households(ledger) == {}


def test_control_and_zero_width_characters_are_cleaned_at_the_door(cli, ledger, tmp_path) -> None:
    rows = roster_rows()
    rows[1][6] = "张\u200b三"
    rows[2][6] = "李\x07四\u2060"
    rows[3][12] = "\ufeff独居\x1b[31m老人\u200d"
    rows[1][12] = "老\x85党员\x9b"
    path = write_csv(tmp_path / "ctl.csv", rows)
    cli("roster", "import", str(path), code=None)
    texts = "".join(str(v) for value in db_households(ledger).values() for v in value)
    assert "张三" in texts and "李四" in texts and "独居[31m老人" in texts and "老 党员" in texts
    assert not any(c in texts for c in "\x07\x1b\x85\x9b\u200b\u200d\u2060\ufeff")
    assert cli("roster", "export", str(tmp_path / "out.xlsx")).exit_code == 0


# ---------------------------------------------------------------------------------------------
# Password-protected workbooks


def test_a_password_protected_workbook_is_named_so(cli, ledger, tmp_path) -> None:
    path = encrypted_ooxml(tmp_path / "locked.xlsx")
    result = cli("roster", "import", str(path), code=1)
    assert result.stderr.strip() == (
        f"错误：{path}：工作簿有密码保护：请在 Excel/WPS 中取消密码后另存，再导入"
    )
    english = cli("--lang", "en", "roster", "import", str(path), code=1)
    assert english.stderr.strip().endswith(
        "the workbook is password-protected: remove the password in Excel/WPS and save again"
    )
    assert db_households(ledger) == {}


# ---------------------------------------------------------------------------------------------
# Bounded reports: a file of many bad rows keeps the first problems in full and counts the rest,
# and spills flagged rows to disk; the errors workbook still holds every one, in order.


def test_many_rejected_rows_make_a_bounded_report(cli, ledger, tmp_path, monkeypatch) -> None:
    import json

    from python_calamine import CalamineWorkbook

    from redprop.core import importreport

    monkeypatch.setattr(importreport, "KEEP_PROBLEMS", 80)
    monkeypatch.setattr(importreport, "FLAGGED_IN_MEMORY", 30)
    rows = roster_rows()
    bad = [["铁人路社区", "G001", None, "5号楼", 1, 400 + i, None] for i in range(200)]
    path = write_csv(tmp_path / "bad.csv", [*rows, *bad])
    errors = tmp_path / "待改正.xlsx"
    out = cli("roster", "import", str(path), "--errors", str(errors), code=3).stdout
    assert "拒绝 200，" in out
    # each bad row: an empty name and a missing ID (2 problems), and one warned good row
    assert "另有 351 条问题；用 -v 或 --errors 查看全部" in out  # 401 - the 50 shown
    assert (
        "另有 321 条问题未列出；用 --errors 把所有问题行写到工作簿"
        in cli("roster", "import", str(path), "-v", code=3).stdout
    )
    found = json.loads(cli("roster", "import", str(path), "--json", code=3).stdout)
    assert len(found["problems"]) == 80 and found["more_problems"] == 321
    sheet = CalamineWorkbook.from_path(str(errors)).get_sheet_by_index(0).to_python()
    numbers = [int(r[-3]) for r in sheet[1:]]  # 原行号, then 问题 and 还原凭据
    assert len(numbers) == 201  # the warned good row, then every bad one
    assert numbers[-200:] == list(range(len(rows) + 1, len(rows) + 201))
    assert {r[-2] for r in sheet[-200:]} == {"户主姓名为空；请填写户主姓名；没有身份证号；请补充"}
