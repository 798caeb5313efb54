"""Where the ledger lives (--db > REDPROP_DB > the app directory) and what time it is (REDPROP_NOW)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from redprop.core.errors import UsageProblem
from redprop.core.limits import check_day

APP_NAME = "redprop"
DEFAULT_TZ = "Asia/Shanghai"


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None


# An unknown REDPROP_TZ never breaks an import: check_environment() refuses it for every command.
LOCAL_TZ = _zone(os.environ.get("REDPROP_TZ") or DEFAULT_TZ) or ZoneInfo(DEFAULT_TZ)


def check_environment() -> None:
    """Refuse a bad REDPROP_TZ, REDPROP_NOW or REDPROP_BUSY_TIMEOUT_MS before a command runs."""
    from redprop.core.limits import parse_number

    tz = os.environ.get("REDPROP_TZ")
    if tz and _zone(tz) is None:
        raise UsageProblem(
            f"REDPROP_TZ 的时区“{tz}”不存在：请写成 Asia/Shanghai 这样的 IANA 时区名，或不设置",
            f"REDPROP_TZ '{tz}' is not a time zone: use an IANA name such as Asia/Shanghai, "
            "or unset it",
        )
    now()
    busy = os.environ.get("REDPROP_BUSY_TIMEOUT_MS")
    if busy:
        parse_number("REDPROP_BUSY_TIMEOUT_MS", busy)


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


def shown_url(url: str) -> str:
    """A database URL fit to print: the password, if any, is masked."""
    if "@" not in url:
        return url
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        scheme = url.split("://", 1)[0]
        return f"{scheme}://***@{url.rsplit('@', 1)[1]}"


def scrub(text: str, url: str) -> str:
    """`text` (an exception's message) with the URL's password masked wherever it appears."""
    from urllib.parse import unquote

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    text = text.replace(url, shown_url(url))
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        return text
    if password:
        for form in {str(password), unquote(str(password))}:
            text = text.replace(form, "***")
    return text


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another back-end or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split("://", 1)[1]
    if rest in ("", "/", "/:memory:"):
        return None
    return Path(rest[1:] if rest.startswith("/") else rest)


def parse_time(text: str, name: str = "--at") -> datetime:
    """Parse a user-given time (ISO date or date-time, local time unless an offset is given)
    between 1900 and 2100 (core/limits.py); `name` is the option or variable, for the message."""
    try:
        value = datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise UsageProblem(
            f"{name} 的时间“{text}”无法识别，请写成 2026-11-03 或 2026-11-03T09:30",
            f"Can't read the time '{text}' of {name}: write it as 2026-11-03 or 2026-11-03T09:30",
        ) from None
    check_day(name, value.date())
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value


def now() -> datetime:
    """The current local time; REDPROP_NOW fixes it for a whole process (tests, scripted backfills)."""
    fixed = os.environ.get("REDPROP_NOW")
    if fixed:
        return parse_time(fixed, "REDPROP_NOW")
    return datetime.now(LOCAL_TZ)


def local(at: datetime) -> datetime:
    """A stored time: local wall-clock, without offset, to the second (see core/models.py)."""
    if at.tzinfo is not None:
        at = at.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return at.replace(microsecond=0)


def local_now() -> datetime:
    """Now, as a stored time."""
    return local(now())
