"""Disk trouble and what a writer can't store (issue 12): every file is written to a temporary
file and renamed into place, so a failed write leaves no partial file; a full or read-only disk
is named as such; `--errors` is checked before an import stores anything; control characters
already in the ledger don't stop an export."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from conftest import BACKEND, STREET, sqlite_only
from redprop.cases.actions import NewCase, register_case
from redprop.core.config import parse_time
from redprop.core.db import open_ledger, session_scope
from redprop.excel.write import ILLEGAL
from roster_helpers import (
    clean_xlsx,
    db_households,
    ledger_fixture,  # noqa: F401  (the fixture `ledger`)
    messy_workbook,
)

FULL = "磁盘已满；请腾出空间或换一个磁盘后重试，未写出任何文件"
READ_ONLY = "所在磁盘是只读的；请换一个可写的目录，未写出任何文件"


def _mount(where: Path, *options: str) -> None:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"can't mount a small tmpfs here ({done.stderr.strip() or 'not root'})")


@pytest.fixture
def disks(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """A full 64 KB disk (a filler file takes every byte) and a read-only one, both tmpfs."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    full, ro = tmp_path / "full", tmp_path / "ro"
    _mount(full, "size=64k")
    try:
        _mount(ro, "ro", "size=64k")
        fill(full)
        yield {"full": full, "ro": ro}
    finally:
        for where in (full, ro):
            umount(where)


def umount(where: Path) -> None:
    done = subprocess.run(["umount", str(where)], capture_output=True, text=True)
    assert done.returncode == 0 or "not mounted" in done.stderr, done.stderr  # a file left open


def fill(disk: Path) -> None:
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    assert os.statvfs(disk).f_bavail == 0


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def imported(cli, tmp_path: Path) -> None:
    cli("roster", "import", str(clean_xlsx(tmp_path / "in.xlsx")), code=None)


# ---------------------------------------------------------------------------------------------
# Atomic writes


def test_a_save_that_fails_half_way_leaves_the_old_file_and_no_partial_one(
    cli, ledger, tmp_path: Path, monkeypatch
) -> None:
    imported(cli, tmp_path)
    out = tmp_path / "out" / "花名册.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"the previous export")
    from openpyxl.writer.excel import ExcelWriter

    def broken_save(self) -> None:  # type: ignore[no-untyped-def]
        self._archive.writestr("xl/half.xml", b"half a workbook")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(ExcelWriter, "save", broken_save)
    result = cli("roster", "export", str(out), code=1)
    assert result.stderr == (
        f"错误：无法读写文件 {out}：Input/output error；请检查路径（目录是否存在）和权限\n"
    )
    assert "Traceback" not in result.output
    assert files(out.parent) == ["花名册.xlsx"]
    assert out.read_bytes() == b"the previous export"


def test_a_csv_export_that_fails_half_way_leaves_no_file(
    cli, ledger, tmp_path, monkeypatch
) -> None:
    imported(cli, tmp_path)
    out = tmp_path / "out" / "花名册.csv"
    out.parent.mkdir()
    real = csv.writer

    class Broken:
        def __init__(self, fh) -> None:  # type: ignore[no-untyped-def]
            self.inner, self.rows = real(fh), 0

        def writerow(self, row) -> None:  # type: ignore[no-untyped-def]
            self.rows += 1
            if self.rows == 3:
                raise OSError(28, "No space left on device")
            self.inner.writerow(row)

    monkeypatch.setattr(csv, "writer", Broken)
    result = cli("roster", "export", str(out), code=1)
    assert result.stderr == f"错误：无法写出 {out}：{FULL}\n"
    assert files(out.parent) == []


def test_a_finished_export_replaces_the_old_file_with_ordinary_permissions(
    cli, ledger, tmp_path
) -> None:
    imported(cli, tmp_path)
    out = tmp_path / "花名册.xlsx"
    out.write_bytes(b"old")
    cli("roster", "export", str(out))
    assert openpyxl.load_workbook(out).active.max_row == 6
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------------------------------------
# A full or read-only disk, named as such


def test_exports_onto_a_full_disk_say_so_and_leave_nothing(cli, ledger, tmp_path, disks) -> None:
    imported(cli, tmp_path)
    full = disks["full"]
    for out in (full / "花名册.xlsx", full / "花名册.csv"):
        assert cli("roster", "export", str(out), code=1).stderr == f"错误：无法写出 {out}：{FULL}\n"
    out = full / "台账.xlsx"
    result = cli("ledger", "export", "--month", "2026-11", "-o", str(out), code=1)
    assert result.stderr == f"错误：无法写出 {out}：{FULL}\n"
    result = cli("--lang", "en", "service", "export", str(full / "清单.xlsx"), code=1)
    assert result.stderr == (
        f"Error: Can't write {full / '清单.xlsx'}: the disk is full; free some space or choose "
        "another disk and try again; nothing was written\n"
    )
    assert files(full) == ["filler"]


def test_a_real_process_says_only_the_message_when_the_disk_is_full(
    cli, ledger, tmp_path, disks
) -> None:
    """What the garbage collector finds of a failed save (openpyxl's archive, its sheets'
    writers) is collected after the message, in the process: nothing of it may reach stderr."""
    imported(cli, tmp_path)
    full = disks["full"]
    redprop = [sys.executable, "-m", "redprop", "--as", "王敏"]
    for args in (
        ["roster", "export", str(full / "花名册.xlsx")],
        ["ledger", "export", "--month", "2026-11", "-o", str(full / "台账.xlsx")],
    ):
        done = subprocess.run(
            [*redprop, *args], capture_output=True, text=True, env=os.environ, timeout=120
        )
        assert (done.returncode, done.stderr) == (1, f"错误：无法写出 {args[-1]}：{FULL}\n")
    assert files(full) == ["filler"]


def test_exports_onto_a_read_only_disk_say_so(cli, ledger, tmp_path, disks) -> None:
    imported(cli, tmp_path)
    out = disks["ro"] / "花名册.xlsx"
    assert (
        cli("roster", "export", str(out), code=1).stderr == f"错误：无法写出 {out}：{READ_ONLY}\n"
    )
    result = cli("--lang", "en", "ledger", "export", "--month", "2026-11", "-o", str(out), code=1)
    assert result.stderr == (
        f"Error: Can't write {out}: the disk is read-only; choose a writable folder; nothing "
        "was written\n"
    )
    assert files(disks["ro"]) == []


@sqlite_only
def test_a_backup_onto_a_full_disk_leaves_no_file_and_a_retry_works(
    cli, ledger, tmp_path, disks
) -> None:
    target = disks["full"] / "备份.db"
    assert cli("db", "backup", str(target), code=1).stderr == f"错误：无法写出 {target}：{FULL}\n"
    assert files(disks["full"]) == ["filler"]
    ro = disks["ro"] / "备份.db"
    assert cli("db", "backup", str(ro), code=1).stderr == f"错误：无法写出 {ro}：{READ_ONLY}\n"
    assert files(disks["ro"]) == []
    # Nothing blocks the retry on a disk with room.
    retry = tmp_path / "备份.db"
    assert cli("db", "backup", str(retry)).stdout.startswith(f"已备份到 {retry}")
    assert files(tmp_path).count("备份.db") == 1


TAIL = [None, None, "备注" * 250, None]  # the longest note a household holds


@sqlite_only
def test_an_import_into_a_ledger_on_a_full_disk_rolls_back_and_says_so(
    cli, tmp_path, monkeypatch
) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "ledger-disk"
    _mount(disk, "size=2m")
    try:
        db = disk / "ledger.db"
        monkeypatch.setenv("REDPROP_DB", str(db))
        cli("init", "--street", STREET)
        fill(disk)
        full = "错误：账本所在磁盘已满，本次操作已撤销，未写入任何内容；请腾出空间后重试\n"
        # No room for SQLite's -wal file: the ledger can't even open.
        assert cli("org", "community", "add", "铁人路社区", code=1).stderr == full
        # Room to open, none for the rows: the import fills the disk and is rolled back.
        filler = disk / "filler"
        os.truncate(filler, filler.stat().st_size - 128 * 1024)
        rows = [
            [
                "铁人路社区",
                "G001",
                "天昊小区",
                "5号楼",
                2,
                300 + n,
                f"住户{n}",
                None,
                None,
                3,
                *TAIL,
            ]
            for n in range(480)
        ]
        path = clean_xlsx(tmp_path / "in.xlsx", rows)
        assert cli("roster", "import", str(path), "--create-units", code=1).stderr == full
        filler.unlink()
        engine = open_ledger(f"sqlite:///{db}")
        assert db_households(engine) == {}
        engine.dispose()
        cli("roster", "import", str(path), "--create-units")
    finally:
        umount(disk)


# ---------------------------------------------------------------------------------------------
# --errors


def test_errors_pointing_at_the_input_is_refused_and_the_input_kept(cli, ledger, tmp_path) -> None:
    path = messy_workbook(tmp_path / "m.xlsx")
    before = path.read_bytes()
    result = cli("roster", "import", str(path), "--errors", str(path), code=2)
    assert result.stderr == (
        f"错误：--errors {path} 就是要导入的文件，写出错误表会覆盖它；请给 --errors 另一个文件名\n"
    )
    alias = tmp_path / "sub" / ".." / "m.xlsx"
    (tmp_path / "sub").mkdir()
    cli("roster", "import", str(path), "--errors", str(alias), code=2)
    link = tmp_path / "link.xlsx"
    os.link(path, link)
    cli("roster", "import", str(path), "--errors", str(link), code=2)
    assert path.read_bytes() == before
    assert db_households(ledger) == {}


def test_an_unwritable_errors_path_is_refused_before_anything_is_stored(
    cli, ledger, tmp_path, disks
) -> None:
    path = messy_workbook(tmp_path / "m.xlsx")
    out = disks["ro"] / "待改正.xlsx"
    result = cli("roster", "import", str(path), "--errors", str(out), code=1)
    assert result.stderr == f"错误：无法写出 {out}：{READ_ONLY}\n"
    assert db_households(ledger) == {}
    missing = tmp_path / "no-such-folder" / "待改正.xlsx"
    result = cli("roster", "import", str(path), "--errors", str(missing), code=1)
    assert "不存在" in result.stderr
    assert db_households(ledger) == {}
    # A disk that fills up while the errors workbook is written: the import is rolled back.
    out = disks["full"] / "待改正.xlsx"
    result = cli("roster", "import", str(path), "--errors", str(out), code=1)
    assert result.stderr == f"错误：无法写出 {out}：{FULL}\n"
    assert db_households(ledger) == {}
    assert files(disks["full"]) == ["filler"]
    assert cli("roster", "import", str(path), code=3)
    assert db_households(ledger)


# ---------------------------------------------------------------------------------------------
# Control characters already stored


def test_the_writer_drops_what_openpyxl_refuses() -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for c in map(chr, range(0x100)):
        assert bool(ILLEGAL.match(c)) == bool(ILLEGAL_CHARACTERS_RE.match(c)), repr(c)


def all_text(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [
        v for ws in wb for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)
    ]


def test_exports_of_names_and_notes_holding_control_characters(cli, ledger, tmp_path) -> None:
    imported(cli, tmp_path)
    with session_scope(ledger) as s:  # type: ignore[arg-type]
        s.execute(text("UPDATE household SET head_name = '张\a三', note = '\x1b[31m=1+2'"))
    out = tmp_path / "花名册.xlsx"
    cli("roster", "export", str(out))
    wb = openpyxl.load_workbook(out)
    rows = list(wb.active.iter_rows(min_row=2))
    assert {r[6].value for r in rows} == {"张三"}
    assert {(r[12].value, r[12].data_type) for r in rows} == {("[31m=1+2", "s")}
    assert not [v for v in all_text(out) if ILLEGAL.search(v)]


def test_the_errors_workbook_drops_control_characters(cli, ledger, tmp_path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "社区,网格,楼栋,单元,房号,户主姓名,身份证号,备注\n"
        "没有的社区,G001,5号楼,2,301,张\a三,,\x1b备注\n",
        encoding="utf-8",
    )
    out = tmp_path / "待改正.xlsx"
    cli("roster", "import", str(path), "--errors", str(out), code=1)
    texts = all_text(out)
    assert "张三" in texts and "备注" in texts
    assert not [v for v in texts if ILLEGAL.search(v)]


def test_a_ledger_export_of_summaries_holding_control_characters(
    cli, engine, tmp_path, monkeypatch
) -> None:
    from redprop.units import edit

    monkeypatch.setenv("REDPROP_NOW", "2026-12-15T12:00")
    with session_scope(engine) as s:  # type: ignore[arg-type]
        edit.add_community(s, name="铁人路社区")
        edit.add_grid(s, code="G001", name="天昊网格", community="铁人路社区")
        case = NewCase(
            grid="G001", category="邻里纠纷", severity="small", summary="漏水", parties=["张三"]
        )
        register_case(s, new=case, actor="王敏", at=parse_time("2026-11-03T09:30"))
    with session_scope(engine) as s:  # type: ignore[arg-type]
        s.execute(
            text(
                """UPDATE dispute SET summary = '楼上\x1b[2J漏水\a', parties = '["张\\u0007三"]'"""
            )
        )
    out = tmp_path / "台账.xlsx"
    cli("ledger", "export", "--month", "2026-11", "-o", str(out))
    texts = all_text(out)
    assert "楼上[2J漏水" in texts
    assert not [v for v in texts if ILLEGAL.search(v)]


def test_a_folder_without_write_permission_is_named(cli, ledger, tmp_path, monkeypatch) -> None:
    # As root every folder is writable: the refusal the OS would give is simulated.
    import tempfile

    imported(cli, tmp_path)

    def denied(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    out = tmp_path / "花名册.xlsx"
    assert cli("roster", "export", str(out), code=1).stderr == (
        f"错误：无法写出 {out}：没有写入权限；请换一个目录或请管理员开放权限，未写出任何文件\n"
    )
    if BACKEND == "sqlite":  # db backup copies SQLite ledgers only
        result = cli("--lang", "en", "db", "backup", str(tmp_path / "b.db"), code=1)
        assert result.stderr == (
            f"Error: Can't write {tmp_path / 'b.db'}: no permission to write there; choose "
            "another folder or ask for write access; nothing was written\n"
        )
    assert not out.exists() and not (tmp_path / "b.db").exists()


def test_errors_pointing_at_the_input_in_english(cli, ledger, tmp_path) -> None:
    path = clean_xlsx(tmp_path / "in.xlsx")
    result = cli("--lang", "en", "roster", "import", str(path), "--errors", str(path), code=2)
    assert result.stderr == (
        f"Error: --errors {path} is the file being imported and would be overwritten; give "
        "--errors another file name\n"
    )


def test_postgresql_out_of_space_is_named_too() -> None:
    from redprop.core.files import ledger_disk_error

    exc = Exception('could not extend file "base/16384/16385": No space left on device')
    error = ledger_disk_error(exc, "postgresql+psycopg://u@h/x")
    assert error is not None and error.message("en") == (
        "The disk holding the ledger is full; the command was rolled back and nothing was "
        "stored; free some space and try again"
    )
    assert ledger_disk_error(Exception("disk I/O error"), "postgresql+psycopg://u@h/x") is None
