"""The ledger as a whole: creating it (init), checking it, backing it up, its schema revision."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.config import sqlite_path
from redprop.core.errors import Conflict, LedgerError
from redprop.core.files import atomic_write, sqlite_file_error
from redprop.core.models import Staff, Street
from redprop.core.vocab import Role
from redprop.units.authority import NotAllowed
from redprop.units.edit import add_street
from redprop.units.staff import add_staff

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from redprop.cases.numbering import VoidNumber


@dataclass
class InitResult:
    street_created: bool = False
    admin_created: bool = False
    admin: str | None = None  # the admin named (by --admin or --as)


def _init_refused(zh: str, en: str, command: str) -> NotAllowed:
    return NotAllowed(
        f"账本已有管理员，init 不再添加{zh}；请由管理员用 redprop --as 姓名 {command} 添加",
        f"The ledger already has an admin, so init adds nothing more ({en}); an admin adds it "
        f"with redprop --as NAME {command}",
    )


def init_ledger(
    session: Session, *, street: str | None, admin: str | None, actor: str | None = None
) -> InitResult:
    """Register the street and its first admin (named by --admin, else by --as); running it
    again changes nothing. Once the ledger has an admin, init adds nothing more: streets and
    staff are added by someone allowed to (org street add, staff add, with --as)."""
    result = InitResult()
    has_admin = session.scalar(
        select(Staff.id).where(Staff.role == Role.admin.value, Staff.active.is_(True))  # type: ignore[attr-defined]
    )
    if not admin and not has_admin and actor:
        # --as names the first admin when --admin doesn't, once there is a street for them.
        streets = session.scalars(select(Street.name).limit(2)).all()
        admin = actor if street or len(streets) == 1 else None
    result.admin = admin
    if street:
        existing = session.scalar(select(Street).where(Street.name == street.strip()))
        if existing is None:
            if has_admin:
                raise _init_refused(f"街道“{street}”", f"the street '{street}'", "org street add")
            add_street(session, name=street)
            result.street_created = True
    if admin:
        member = session.scalar(select(Staff).where(Staff.name == admin.strip()))
        if (member is None or not member.active) and has_admin:
            raise _init_refused(f"管理员“{admin}”", f"the admin '{admin}'", "staff add")
        if member is None or not member.active:
            if not street:
                streets = session.scalars(select(Street.name).limit(2)).all()
                if len(streets) != 1:
                    raise Conflict(
                        "登记管理员需要指明街道：请加 --street 街道名称",
                        "Registering an admin needs the street: add --street NAME",
                    )
                street = streets[0]
            add_staff(session, name=admin, role=Role.admin.value, unit=street)
            result.admin_created = True
    return result


@dataclass
class CheckResult:
    revision: str | None
    head: str
    problems: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)
    # Case numbers reserved for registrations that never completed (cases/numbering): accounted
    # for, so not problems, but listed.
    void: list[VoidNumber] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_ledger(engine: Engine, *, fingerprint: str | None = None) -> CheckResult:
    """Integrity, foreign keys and the schema revision; every log's chain and the ledger-wide
    chain; each case's cached columns against its events; the admin log; and, given the
    fingerprint printed on a signed workbook, that the chain still holds it."""
    from redprop.core.db import SCHEMA_HEAD, current_revision

    with engine.connect() as conn:
        result = CheckResult(revision=current_revision(conn), head=SCHEMA_HEAD)
        if result.revision != SCHEMA_HEAD:
            result.problems.append(
                (
                    f"结构版本是 {result.revision}，应为 {SCHEMA_HEAD}：请运行 redprop db upgrade",
                    f"schema is at {result.revision}, expected {SCHEMA_HEAD}: run redprop db upgrade",
                )
            )
        if engine.dialect.name == "sqlite":
            for (line,) in conn.exec_driver_sql("PRAGMA integrity_check").fetchall():
                if line != "ok":
                    result.problems.append(
                        (
                            f"数据库文件损坏：{line}；请从备份恢复",
                            f"the database file is damaged: {line}; restore from a backup",
                        )
                    )
            for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                result.problems.append(
                    (
                        f"{table} 第 {rowid} 行引用了不存在的 {parent}；请从备份恢复或联系管理员",
                        f"{table} row {rowid} refers to a missing {parent}; restore from a backup",
                    )
                )
    if result.revision == SCHEMA_HEAD:
        from sqlalchemy.orm import Session as OrmSession

        from redprop.cases.log import verify_events
        from redprop.cases.numbering import number_gaps, void_numbers
        from redprop.meetings.log import verify_tasks
        from redprop.servicelists.log import verify_demands

        with OrmSession(engine) as session:
            for p in verify_events(session):
                result.problems.append(
                    (
                        f"案件 {p.number} 的办理记录被绕过 redprop 改动：{p.zh}；请从备份核对恢复",
                        f"Case {p.number}: its events were changed outside redprop: {p.en}; "
                        "compare with a backup",
                    )
                )
            for p in verify_demands(session):
                result.problems.append(
                    (
                        f"需求 {p.number} 的办理记录被绕过 redprop 改动：{p.zh}；请从备份核对恢复",
                        f"Demand {p.number}: its events were changed outside redprop: {p.en}; "
                        "compare with a backup",
                    )
                )
            for p in verify_tasks(session):
                result.problems.append(
                    (
                        f"整改任务 {p.number} 的办理记录被绕过 redprop 改动：{p.zh}；请从备份核对恢复",
                        f"Task {p.number}: its events were changed outside redprop: {p.en}; "
                        "compare with a backup",
                    )
                )
            for p in number_gaps(session):
                result.problems.append(
                    (f"{p.zh}；请从备份核对恢复", f"{p.en}; compare with a backup")
                )
            result.void = void_numbers(session)
            result.problems += _chain_problems(session, fingerprint)
    return result


def _chain_problems(session: Session, fingerprint: str | None) -> list[tuple[str, str]]:
    from redprop.core.adminlog import verify_entries
    from redprop.core.chain import check_fingerprint, verify_links

    problems, hashes = verify_links(session)
    if fingerprint is not None:
        signed = check_fingerprint(hashes, fingerprint)
        if signed is not None:
            problems.append(signed)
    found = [
        (
            f"账本链（{p.where}）：{p.zh}；请从备份核对恢复",
            f"Ledger chain ({p.where}): {p.en}; compare with a backup",
        )
        for p in problems
    ]
    found += [
        (f"管理日志（{where}）：{zh}；请从备份核对恢复", f"Admin log ({where}): {en}")
        for where, zh, en in verify_entries(session)
    ]
    from redprop.visits.visits import verify_visits

    found += [
        (f"走访记录（{where}）：{zh}；请从备份核对恢复", f"Visits ({where}): {en}")
        for where, zh, en in verify_visits(session)
    ]
    from redprop.property.items import verify_items

    found += [
        (f"积分项（{where}）：{zh}；请从备份核对恢复", f"Score items ({where}): {en}")
        for where, zh, en in verify_items(session)
    ]
    return found


def backup_ledger(engine: Engine, *, target: Path) -> int:
    """A consistent copy of a SQLite ledger made with SQLite's online backup (safe while others
    write). Returns the size in bytes of the copy."""
    source = sqlite_path(str(engine.url))
    if source is None:
        raise LedgerError(
            "只有 SQLite 账本可以用 db backup 备份；PostgreSQL 请用 pg_dump（如 pg_dump -Fc redprop > 备份.dump）",
            "db backup copies SQLite ledgers only; for PostgreSQL use pg_dump "
            "(e.g. pg_dump -Fc redprop > backup.dump)",
        )
    target = target.expanduser().resolve()
    if target.exists():
        raise Conflict(
            f"{target} 已经存在：请换一个文件名，备份不会覆盖已有文件",
            f"{target} already exists: choose another name; a backup never overwrites a file",
        )
    if target == source.resolve():
        raise Conflict("备份文件不能是账本本身", "The backup can't be the ledger itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Into a temporary file renamed into place once complete: a full or read-only disk leaves
    # no file behind (a 0-byte one would block every retry).
    with atomic_write(target) as temp:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(temp)
        try:
            with dst:
                src.backup(dst)
        except sqlite3.OperationalError as exc:
            raise sqlite_file_error(exc, target) or exc from None
        finally:
            dst.close()
            src.close()
    return target.stat().st_size
