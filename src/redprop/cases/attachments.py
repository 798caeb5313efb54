"""Files attached to a case (`case attach`, `case attachment get|list`): the signed 协议书 scanned,
a photo, a record. Images and PDFs only, told by their content (not their name), at most
MAX_BYTES; the content is stored once by its SHA-256 (attachment_blob) in the database, and each
attachment is numbered per case and appended to the case's hash-chained log as an `attach`
event carrying that hash, so `db check` covers it (docs/design.md §11). Who may add a mediation
record (note) to a case may attach a file to it, in any state."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from redprop.core.errors import InputFileError, NotFound, RedpropError, UsageProblem
from redprop.core.ids import clean_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from redprop.cases.rows import CaseRow as Case

MAX_BYTES = 20 * 1024 * 1024
KINDS = {
    "agreement": ("协议书", "agreement"),
    "photo": ("照片", "photo"),
    "record": ("记录", "record"),
}
# What a file's first bytes say it is: images and PDFs only.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)


class AttachmentRefused(RedpropError):
    """A file that can't be attached (too big, not an image or PDF) or a refused attacher."""


@dataclass
class Attached:
    number: str
    seq: int
    sha256: str
    size: int
    content_type: str
    kind: str
    stored: bool  # False when the same content was already stored (by this or another case)


def sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes, or None if it is no image or PDF."""
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image/heic"
    return None


def read_file(path: Path) -> tuple[bytes, str]:
    """The file's bytes and content type, refused when missing, too big, or not an image/PDF."""
    if not path.is_file():
        raise InputFileError(f"找不到文件 {path}", f"No file at {path}")
    with path.open("rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        limit = MAX_BYTES // (1024 * 1024)
        raise AttachmentRefused(
            f"{path.name} 超过 {limit} MB，不能作为附件；请压缩或分页扫描",
            f"{path.name} is over {limit} MB; compress it or scan fewer pages",
        )
    kind = sniff(data[:16])
    if kind is None:
        raise AttachmentRefused(
            f"{path.name} 不是图片或 PDF（按文件内容判断）；只能附加扫描件、照片或 PDF",
            f"{path.name} is not an image or PDF (judged by its content); attach scans, photos "
            "or PDFs only",
        )
    return data, kind


def attach(
    session: Session,
    *,
    number: str,
    path: Path,
    kind: str,
    actor: str | None,
    at: datetime | None = None,
) -> Attached:
    """Attach the file at `path` to case `number`, as one event of its log."""
    from redprop.core.models import AttachmentBlob, CaseAttachment

    if kind not in KINDS:
        raise UsageProblem(
            f"--kind 只能是 {'、'.join(KINDS)}", f"--kind must be one of {', '.join(KINDS)}"
        )
    data, content_type = read_file(path)
    from redprop.cases.actions import get_case

    case = get_case(session, number, lock=True)
    who = _attacher(session, case, actor)
    digest = hashlib.sha256(data).hexdigest()
    stored = session.get(AttachmentBlob, digest) is None
    if stored:
        session.add(
            AttachmentBlob(sha256=digest, size=len(data), content_type=content_type, data=data)
        )
    seq = 1 + (
        session.scalar(
            select(func.max(CaseAttachment.seq)).where(CaseAttachment.case_id == case.id)
        )
        or 0
    )
    filename = clean_text(path.name)[:255] or "file"
    facts = {"attachment": seq, "sha256": digest, "size": len(data), "type": content_type}
    event = _append(session, case, who, at, facts | {"kind": kind, "file": filename})
    session.add(
        CaseAttachment(
            case_id=case.id,
            seq=seq,
            sha256=digest,
            kind=kind,
            filename=filename,
            at=event.at,
            actor=who[0],
        )
    )
    session.flush()
    return Attached(case.number, seq, digest, len(data), content_type, kind, stored)


def _attacher(session: Session, case: Case, actor: str | None) -> tuple[str, int]:
    """The acting staff member, if they may add a mediation record to the case."""
    from redprop.cases.actions import resolve_actor
    from redprop.cases.rules import Place, why_not
    from redprop.core.vocab import Action, Level

    who, staff_id = resolve_actor(session, actor, action=Action.note, case=case)
    place = Place(case.street_id, case.community_id, case.grid_id)
    why = why_not(who, Action.note, Level(case.level), place)
    if why is not None:
        raise AttachmentRefused(
            f"{who.name} 不能给案件 {case.number} 添加附件：{why[0]}",
            f"{who.name} may not attach files to case {case.number}: {why[1]}",
        )
    return who.name, staff_id


def _append(
    session: Session, case: Case, who: tuple[str, int], at: datetime | None, data: dict[str, Any]
) -> Any:
    from redprop.cases.log import ATTACH, append, status_of
    from redprop.core.eventlog import when

    moment = when(
        at,
        last_at=case.last_at,
        refuse=lambda zh, en: AttachmentRefused(
            f"案件 {case.number}：{zh}", f"Case {case.number}: {en}"
        ),
    )
    status = status_of(case)
    return append(
        session,
        case,
        action=ATTACH,
        before=status,
        after=status,
        at=moment,
        actor=who[0],
        staff_id=who[1],
        reason=data["file"],
        data=data,
    )


def list_attachments(session: Any, case_id: int) -> list[dict[str, Any]]:
    """A case's attachments, in order (for case show: Core on the light stubs)."""
    from redprop.core import tables as t

    a, blob = t.case_attachment.c, t.attachment_blob.c
    rows = session.execute(
        select(a.seq, a.kind, a.filename, a.sha256, a.at, a.actor, blob.size, blob.content_type)
        .join_from(t.case_attachment, t.attachment_blob, blob.sha256 == a.sha256)
        .where(a.case_id == case_id)
        .order_by(a.seq)
    ).all()
    return [
        {
            "n": r.seq,
            "kind": r.kind,
            "file": r.filename,
            "type": r.content_type,
            "size": r.size,
            "sha256": r.sha256,
            "at": r.at.isoformat(timespec="minutes"),
            "actor": r.actor,
        }
        for r in rows
    ]


def get_attachment(session: Session, *, number: str, n: int) -> tuple[dict[str, Any], bytes]:
    """Attachment `n` of case `number` and its content, checked against its hash."""
    from redprop.cases.actions import get_case
    from redprop.core.models import AttachmentBlob, CaseAttachment

    case = get_case(session, number)
    found = session.scalar(
        select(CaseAttachment).where(CaseAttachment.case_id == case.id, CaseAttachment.seq == n)
    )
    if found is None:
        raise NotFound(
            f"案件 {number} 没有第 {n} 个附件：用 redprop case show {number} 查看",
            f"Case {number} has no attachment {n}: see redprop case show {number}",
        )
    blob = session.get_one(AttachmentBlob, found.sha256)
    if hashlib.sha256(blob.data).hexdigest() != found.sha256:
        raise AttachmentRefused(
            f"案件 {number} 的第 {n} 个附件内容与其哈希不符（数据库被改动过）；请运行 redprop db check",
            f"Attachment {n} of case {number} does not match its hash; run redprop db check",
        )
    meta = next(a for a in list_attachments(session, case.id) if a["n"] == n)
    return meta, bytes(blob.data)
