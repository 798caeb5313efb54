"""`redprop case print`: the 矛盾纠纷受理登记表 and, for a resolved case, the 人民调解协议书, one
bordered A4 page each; parties and numbers masked unless --unmask, which is recorded."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.forms import mask_name
from redprop.cases.rules import Action
from redprop.core.config import parse_time
from redprop.core.db import session_scope
from redprop.units import edit

ADMIN = "王敏"
ID = "620981199001018776"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-12-15T12:00")


@pytest.fixture
def cases(engine) -> tuple[str, str]:
    """A resolved and visited case, and one still being worked on."""
    with session_scope(engine) as s:
        edit.add_community(s, name="铁人路社区")
        edit.add_grid(s, code="G001", name="天昊网格", community="铁人路社区")
        edit.add_building(s, number="5", grid="G001")
        new = NewCase(
            grid="G001",
            category="邻里纠纷",
            severity="small",
            summary=f"楼上漏水，张三身份证 {ID}",
            parties=["张三", "欧阳娜娜"],
            building="5",
            unit="2",
            room="301",
        )
        done = register_case(s, new=new, actor=ADMIN, at=parse_time("2026-11-03T09:30")).number
        for action, at, facts in (
            (Action.accept, "2026-11-03T10:00", {}),
            (Action.resolve, "2026-11-05T10:00", {"outcome": "修复防水", "agreement": "written"}),
            (Action.visit, "2026-11-12T10:00", {"satisfaction": "satisfied", "fulfilled": "yes"}),
        ):
            act(s, number=done, action=action, actor=ADMIN, at=parse_time(at), facts=Facts(**facts))  # type: ignore[arg-type]
        new.summary, new.parties = "车位纠纷", ["李四"]
        open_case = register_case(s, new=new, actor=ADMIN, at=parse_time("2026-11-10T09:00"))
        return done, open_case.number


def test_surnames_only() -> None:
    assert [mask_name(n) for n in ("张三", "欧阳娜娜", "王", "")] == ["张某", "欧阳某", "王某", ""]


def test_a_resolved_case_prints_its_form_and_its_agreement(cli, cases, tmp_path: Path) -> None:
    done, _ = cases
    out = tmp_path / "登记表.xlsx"
    assert cli("case", "print", done, "-o", str(out)).stdout == (
        f"已写出 {out}：矛盾纠纷受理登记表、人民调解协议书\n"
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["受理登记表", "人民调解协议书"]
    cells = {ws.title: [c for row in ws.iter_rows() for c in row if c.value] for ws in wb}
    values = {name: [c.value for c in found] for name, found in cells.items()}
    form = values["受理登记表"]
    assert form[0] == "矛盾纠纷受理登记表" and f"编号：{done}" in form
    assert "张某、欧阳某" in form and "5号楼2单元301室" in form
    assert "楼上漏水，张三身份证 620981********8776" in form  # free text masked
    assert not any(ID in str(v) or "张三、" in str(v) for vs in values.values() for v in vs)
    agreement = values["人民调解协议书"]
    assert "修复防水" in agreement and "书面" in agreement and "2026-11-05" in agreement
    assert "2026-11-12 回访：已履行，满意" in agreement
    for ws in wb:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (
            "portrait",
            9,
            1,
            1,
        )
        assert "A1:H1" in {str(r) for r in ws.merged_cells.ranges}
        assert len(ws.merged_cells.ranges) > 8  # label and value cells merged
        for cell in cells[ws.title]:
            if cell.style in ("rp_label", "rp_value"):
                assert cell.border.left.style == cell.border.top.style == "thin"


def test_an_open_case_has_no_agreement_and_bad_requests_are_refused(
    cli, cases, tmp_path: Path
) -> None:
    _, open_case = cases
    out = tmp_path / "f.xlsx"
    cli("case", "print", open_case, "-o", str(out))
    assert openpyxl.load_workbook(out).sheetnames == ["受理登记表"]
    assert cli("--lang", "en", "case", "print", open_case, "-o", str(out)).stdout == (
        f"Wrote {out}: 1 form(s) (intake record)\n"
    )
    assert "2099-00001" in cli("case", "print", "2099-00001", "-o", str(out), code=1).stderr
    assert ".xlsx" in cli("case", "print", open_case, "-o", str(tmp_path / "f.csv"), code=2).stderr


def test_unmask_needs_a_staff_member_and_is_recorded(
    cli, cases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done, _ = cases
    out = tmp_path / "full.xlsx"
    monkeypatch.delenv("REDPROP_USER", raising=False)
    assert "--as" in cli("case", "print", done, "-o", str(out), "--unmask", code=2).stderr
    assert not out.exists()
    cli("--as", ADMIN, "case", "print", done, "-o", str(out), "--unmask")
    values = [
        c for ws in openpyxl.load_workbook(out) for r in ws.iter_rows(values_only=True) for c in r
    ]
    assert "张三、欧阳娜娜" in values and f"楼上漏水，张三身份证 {ID}" in values
    log = json.loads(cli("roster", "unmask-log", "--json").stdout)
    assert [(e["actor"], e["command"], e["scope"]) for e in log] == [
        (ADMIN, "case print --unmask", done)
    ]


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="needs LibreOffice (soffice) and pdftotext (Debian: poppler-utils)",
)
def test_each_form_prints_on_one_page(cli, cases, tmp_path: Path) -> None:
    done, _ = cases
    out = tmp_path / "form.xlsx"
    cli("case", "print", done, "-o", str(out))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'lo'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "form.pdf"), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == 2 and "###" not in text
    assert "矛盾纠纷受理登记表" in pages[0] and "人民调解协议书" in pages[1]
    assert all(done in page for page in pages)
