"""`case attach` / `case attachment get|list`: the signed paper comes back (issue 14). Images and
PDFs only, by content; size-limited; stored once by SHA-256 in the database; each attachment is
an event of the case's hash chain, so `db check` covers it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from redprop.cases import attachments
from redprop.cases.actions import Facts, NewCase, act, register_case
from redprop.cases.rules import Action
from redprop.core.config import parse_time
from redprop.core.db import session_scope
from redprop.core.models import AttachmentBlob
from redprop.units import edit

ADMIN = "王敏"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDPROP_NOW", "2026-12-15T12:00")


@pytest.fixture
def cases(engine) -> tuple[str, str]:
    """A closed case and an open one."""
    with session_scope(engine) as s:
        edit.add_community(s, name="铁人路社区")
        edit.add_grid(s, code="G001", name="天昊网格", community="铁人路社区")
        new = NewCase(
            grid="G001", category="邻里纠纷", severity="small", summary="漏水", parties=["张三"]
        )
        done = register_case(s, new=new, actor=ADMIN, at=parse_time("2026-11-03T09:30")).number
        for action, at, facts in (
            (Action.accept, "2026-11-03T10:00", {}),
            (Action.resolve, "2026-11-05T10:00", {"outcome": "修复", "agreement": "written"}),
            (Action.visit, "2026-11-12T10:00", {"satisfaction": "satisfied", "fulfilled": "yes"}),
        ):
            act(s, number=done, action=action, actor=ADMIN, at=parse_time(at), facts=Facts(**facts))  # type: ignore[arg-type]
        other = register_case(s, new=new, actor=ADMIN, at=parse_time("2026-11-10T09:00")).number
        return done, other


def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, data in (("协议书.pdf", PDF), ("现场.png", PNG), ("note.pdf", b"just text")):
        out[name] = tmp_path / name
        out[name].write_bytes(data)
    return out


def test_sniffing_by_content() -> None:
    assert attachments.sniff(PDF) == "application/pdf"
    assert attachments.sniff(PNG) == "image/png"
    assert attachments.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert attachments.sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert attachments.sniff(b"PK\x03\x04") is None  # a zip (or .docx) named .pdf is refused
    assert attachments.sniff(b"<html>") is None


def test_attach_list_get_and_check(cli, cases, tmp_path: Path, engine) -> None:
    done, other = cases
    f = files(tmp_path)
    assert cli(
        "case", "attach", done, str(f["协议书.pdf"]), "--kind", "agreement"
    ).stdout.startswith(f"{done}：已附加第 1 个附件（application/pdf，")
    cli("case", "attach", done, str(f["现场.png"]), "--kind", "photo")
    cli("case", "attach", other, str(f["协议书.pdf"]))  # the same content: one blob
    detail = json.loads(cli("case", "show", done, "--json").stdout)
    assert [(a["n"], a["kind"], a["file"], a["type"]) for a in detail["attachments"]] == [
        (1, "agreement", "协议书.pdf", "application/pdf"),
        (2, "photo", "现场.png", "image/png"),
    ]
    assert detail["state"] == "closed"  # attaching moves nothing on the ladder
    assert [e["action"] for e in detail["events"]][-2:] == ["attach", "attach"]
    assert detail["events"][-2]["data"]["sha256"] == detail["attachments"][0]["sha256"]
    assert "附件" in cli("case", "show", done).stdout
    out = tmp_path / "back.pdf"
    assert cli("case", "attachment", "get", done, "1", "-o", str(out)).stdout == (
        f"已写出 {out}：{done} 的第 1 个附件（协议书.pdf，application/pdf）\n"
    )
    assert out.read_bytes() == PDF
    listed = json.loads(cli("case", "attachment", "list", other, "--json").stdout)
    assert [(a["n"], a["sha256"]) for a in listed] == [(1, detail["attachments"][0]["sha256"])]
    with session_scope(engine, write=False) as s:
        assert s.scalar(select(func.count()).select_from(AttachmentBlob)) == 2
    cli("db", "check")
    assert "3" in cli("case", "attachment", "get", done, "3", "-o", str(out), code=1).stderr


def test_what_is_refused(cli, cases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    done, _ = cases
    f = files(tmp_path)
    err = cli("case", "attach", done, str(f["note.pdf"]), code=1).stderr
    assert err == "错误：note.pdf 不是图片或 PDF（按文件内容判断）；只能附加扫描件、照片或 PDF\n"
    err = cli("--lang", "en", "case", "attach", done, str(f["现场.png"]), "--kind", "x", code=2)
    assert "--kind must be one of agreement, photo, record" in err.stderr
    monkeypatch.setattr(attachments, "MAX_BYTES", 16)
    assert "超过" in cli("case", "attach", done, str(f["协议书.pdf"]), code=1).stderr
    assert "找不到" in cli("case", "attach", done, str(tmp_path / "none.png"), code=1).stderr
    detail = json.loads(cli("case", "show", done, "--json").stdout)
    assert detail["attachments"] == [] and detail["events"][-1]["action"] == "visit"


def test_tampering_is_found(cli, cases, tmp_path: Path, engine) -> None:
    done, _ = cases
    f = files(tmp_path)
    cli("case", "attach", done, str(f["现场.png"]), "--kind", "photo")
    with session_scope(engine) as s:
        s.execute(text("UPDATE attachment_blob SET data = :d"), {"d": PNG + b"x"})
    err = cli("case", "attachment", "get", done, "1", "-o", str(tmp_path / "x.png"), code=1)
    assert "哈希不符" in err.stderr
    with session_scope(engine) as s:
        s.execute(text("UPDATE case_event SET data = replace(data, 'photo', 'record')"))
    assert done in cli("db", "check", code=1).stdout + cli("db", "check", code=1).stderr


def test_the_attach_event_is_in_the_month_workbook(cli, cases, tmp_path: Path) -> None:
    import openpyxl

    done, _ = cases
    cli("case", "attach", done, str(files(tmp_path)["现场.png"]), "--at", "2026-11-20T09:00")
    out = tmp_path / "t.xlsx"
    cli("ledger", "export", "--month", "2026-11", "-o", str(out))
    rows = list(openpyxl.load_workbook(out)["流转记录"].iter_rows(values_only=True))
    assert (done, "附件") in [(r[1], r[4]) for r in rows]
