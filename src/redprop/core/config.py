"""Where the ledger lives (--db > REDPROP_DB > the app directory) and what time it is (REDPROP_NOW)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from redprop.core.errors import UsageProblem

APP_NAME = "redprop"
LOCAL_TZ = ZoneInfo(os.environ.get("REDPROP_TZ", "Asia/Shanghai"))


def app_dir() -> Path:
    """The user's application directory (XDG on Linux), as click computes it, without importing click."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / APP_NAME


def default_db_path() -> Path:
    return app_dir() / "redprop.db"


def database_url(db: str | None) -> str:
    """Turn `--db`/REDPROP_DB (a path or a SQLAlchemy URL) into a SQLAlchemy URL."""
    value = db or os.environ.get("REDPROP_DB") or str(default_db_path())
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another back-end or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split("://", 1)[1]
    if rest in ("", "/", "/:memory:"):
        return None
    return Path(rest[1:] if rest.startswith("/") else rest)


def parse_time(text: str) -> datetime:
    """Parse a user-given time (ISO date or date-time, local time unless an offset is given)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise UsageProblem(
            f"无法识别的时间“{text}”，请写成 2026-11-03 或 2026-11-03T09:30",
            f"Can't read the time '{text}': write it as 2026-11-03 or 2026-11-03T09:30",
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value


def now() -> datetime:
    """The current local time; REDPROP_NOW fixes it for a whole process (tests, scripted backfills)."""
    fixed = os.environ.get("REDPROP_NOW")
    if fixed:
        return parse_time(fixed)
    return datetime.now(LOCAL_TZ)


def local(at: datetime) -> datetime:
    """A stored time: local wall-clock, without offset, to the second (see core/models.py)."""
    if at.tzinfo is not None:
        at = at.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return at.replace(microsecond=0)


def local_now() -> datetime:
    """Now, as a stored time."""
    return local(now())
