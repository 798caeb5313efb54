"""The demo street: a fresh ledger built from samples/ (modelled on Yumen's 新市区街道)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from redprop.errors import LedgerError
from redprop.excel.read import cell_text, read_sheets
from redprop.services.ledger import init_ledger
from redprop.services.org_import import OrgImportResult, import_org
from redprop.services.staff import add_staff

STREET = "新市区街道"
ADMIN = "王敏"


def samples_dir() -> Path:
    """The packaged samples (wheel install), else the repository's (editable install)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "samples", here.parents[1] / "samples"):
        if (candidate / "street.csv").exists():
            return candidate
    raise LedgerError(
        "找不到示例数据 samples/，安装不完整：请用 pip install . 重新安装 redprop",
        "The sample data (samples/) is missing from this installation: reinstall redprop",
    )


@dataclass
class DemoResult:
    org: OrgImportResult
    staff: int


def build_demo(session: Session, *, samples: Path) -> DemoResult:
    init_ledger(session, street=STREET, admin=ADMIN)
    org = import_org(session, path=samples / "street.csv")
    staff = 0
    rows = read_sheets(samples / "staff.csv")[0].rows
    for row in rows[1:]:
        name, role, unit, phone = (cell_text(c) for c in row[:4])
        if name == ADMIN:
            continue
        add_staff(session, name=name, role=role, unit=unit, phone=phone or None)
        staff += 1
    return DemoResult(org=org, staff=staff + 1)
