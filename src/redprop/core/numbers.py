"""Short numbers, as a grid worker types them: `87` is this year's case 2026-00087, `2025-87` is
2025-00087; `XQ87` this year's demand XQ2026-00087; `ZY7` the resource ZY-0007. Anything else
is left as typed (a full number, or something to be refused as unknown by the caller).
"""

from __future__ import annotations

import re

_YEARLY = re.compile(r"^(?:(?P<year>\d{4})-)?0*(?P<n>\d{1,5})$")


def full_number(text: str, *, year: int, prefix: str = "") -> str:
    """The full number `text` stands for among numbers `PREFIX2026-00087` (a case's prefix is
    empty); `year` is this year's. A prefix may be typed or left out, in either case."""
    typed = text.strip()
    if prefix and typed.upper().startswith(prefix):
        typed = typed[len(prefix) :]
    found = _YEARLY.match(typed)
    if found is None or int(found["n"]) == 0:
        return text.strip()
    return f"{prefix}{found['year'] or year}-{int(found['n']):05d}"


def full_resource(text: str) -> str:
    """`ZY7`, `zy-7` or `ZY-0007` → ZY-0007; anything else as typed."""
    found = re.fullmatch(r"(?i)ZY-?0*(\d{1,4})", text.strip())
    return f"ZY-{int(found[1]):04d}" if found and int(found[1]) else text.strip()


def said_as(text: str, full: str) -> tuple[str, str]:
    """How a refusal names a number the user shortened: "2026-00087（“87”）"."""
    typed = text.strip()
    if typed == full:
        return full, full
    return f"{full}（“{typed}”）", f"{full} ('{typed}')"
