"""Writing files safely: every file redprop writes (exports, the errors workbook, backups) is
written to a temporary file beside its target and renamed into place only when complete, so a
failed write never leaves a partial file; a full or read-only disk is named as such."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from redprop.core.errors import InputFileError, LedgerError, RedpropError

FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
DENIED = {errno.EACCES, errno.EPERM}


def disk_error(exc: OSError, path: Path | str, *, denied: bool = True) -> RedpropError | None:
    """A full disk, a read-only disk or (unless not `denied`: the error may come from a read) a
    missing write permission as a message naming `path`; None for any other OS error."""
    if exc.errno in FULL:
        return InputFileError(
            f"无法写出 {path}：磁盘已满；请腾出空间或换一个磁盘后重试，未写出任何文件",
            f"Can't write {path}: the disk is full; free some space or choose another disk "
            "and try again; nothing was written",
        )
    if exc.errno == errno.EROFS:
        return InputFileError(
            f"无法写出 {path}：所在磁盘是只读的；请换一个可写的目录，未写出任何文件",
            f"Can't write {path}: the disk is read-only; choose a writable folder; nothing "
            "was written",
        )
    if denied and exc.errno in DENIED:
        return InputFileError(
            f"无法写出 {path}：没有写入权限；请换一个目录或请管理员开放权限，未写出任何文件",
            f"Can't write {path}: no permission to write there; choose another folder or ask "
            "for write access; nothing was written",
        )
    return None


def ledger_disk_error(exc: BaseException, url: str | None = None) -> RedpropError | None:
    """SQLite's words for a full or read-only disk under the ledger, as a message; None
    otherwise. The command's transaction has been rolled back. SQLite says only "disk I/O
    error" when it can't make its -wal or -shm file: with the ledger's `url`, a disk with no
    free space left is then named."""
    text = str(getattr(exc, "orig", None) or exc)
    full = "database or disk is full" in text or "No space left on device" in text  # PostgreSQL
    if full or ("disk I/O error" in text and _no_room(url)):
        return LedgerError(
            "账本所在磁盘已满，本次操作已撤销，未写入任何内容；请腾出空间后重试",
            "The disk holding the ledger is full; the command was rolled back and nothing was "
            "stored; free some space and try again",
        )
    if "readonly database" in text:
        return LedgerError(
            "账本是只读的（磁盘只读或没有写入权限），未写入任何内容；请检查账本文件及其目录的权限",
            "The ledger is read-only (a read-only disk or no write permission); nothing was "
            "stored; check the permissions of the ledger file and its folder",
        )
    return None


def _no_room(url: str | None) -> bool:
    from redprop.core.config import sqlite_path

    path = sqlite_path(url) if url else None
    if path is None:
        return False
    try:
        return os.statvfs(Path(path).expanduser().resolve().parent).f_bavail == 0
    except OSError:
        return False


def sqlite_file_error(exc: BaseException, path: Path | str) -> RedpropError | None:
    """SQLite failing to write a file other than the ledger (a backup) on a full or read-only
    disk, as disk_error words it for `path`; None otherwise."""
    text = str(exc)
    if "database or disk is full" in text:
        return disk_error(OSError(errno.ENOSPC, text), path)
    if "readonly database" in text:
        return disk_error(OSError(errno.EROFS, text), path)
    return None


def check_writable(path: Path) -> None:
    """Refuse a target whose folder can't take a new file (read-only, no permission), before
    any work is done: a probe file is created and removed."""
    parent = path.expanduser().resolve().parent
    try:
        fd, probe = tempfile.mkstemp(prefix=".redprop-probe-", dir=parent)
    except OSError as exc:
        raise (disk_error(exc, path) or exc) from None
    os.close(fd)
    os.unlink(probe)


@contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Yields a temporary path in `path`'s folder (same suffix); once the block ends without
    error, the file is renamed to `path` (replacing it). On any error the temporary file is
    removed and `path` is left as it was; a full or read-only disk becomes a RedpropError."""
    target = path.expanduser()
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}-", suffix=f"{target.suffix}.part", dir=target.parent
        )
        os.close(fd)
        os.chmod(name, 0o666 & ~_umask())  # as an ordinary new file, not mkstemp's 0600
    except OSError as exc:
        raise (disk_error(exc, path) or exc) from None
    temp = Path(name)
    try:
        yield temp
        os.replace(temp, target)
    except OSError as exc:
        _remove(temp)
        if exc.filename is None or exc.filename == str(temp):
            exc.filename = str(path)  # the user's path, not the temporary one
        raise (disk_error(exc, path) or exc) from None
    except BaseException:
        _remove(temp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove(temp: Path) -> None:
    for leftover in (temp, temp.with_name(temp.name + "-journal")):
        with suppress(OSError):
            leftover.unlink()
