"""Personal data: ID numbers (GB 11643-1999), phone numbers, text normalisation and masking.

Nothing outside this module decides how an ID or a phone is shown: every listing, log, error
and export goes through `mask_id` / `mask_phone` unless the user explicitly asked to unmask.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from operator import mul

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SPACES = re.compile(r"[\s\u00a0\u3000]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landline: area code 0xx/0xxx, a dash or nothing, 7-8 digits, optional extension.
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_PHONE_SEPARATORS = re.compile(r"[\s()（）]+")


# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) to ASCII; Chinese punctuation (，。（）)
# is left alone, since it belongs in names and summaries.
_WIDTH = {
    c: c - 0xFEE0
    for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for c in range(r[0], r[1] + 1)
}


# Removed from every text read: C0 and C1 control characters (tab, newline and the other
# whitespace controls become spaces below) and zero-width characters, so "张\u200b三" is "张三".
_INVISIBLE = {
    c: None
    for c in (*range(0x00, 0x09), *range(0x0E, 0x1C), *range(0x7F, 0x85), *range(0x86, 0xA0))
} | dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF))
_CLEAN = _WIDTH | _INVISIBLE
_NEEDS_CLEANING = re.compile(
    r"[\s\x00-\x1f\x7f-\xa0\u200b-\u200d\u2060\u3000\ufeff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
)


def clean_text(value: str) -> str:
    """Trim (every kind of space, full-width and non-breaking too), drop control and zero-width
    characters and fold full-width digits and letters to ASCII; runs of spaces inside become one
    space."""
    if not _NEEDS_CLEANING.search(value):
        return value  # the common case, checked in one pass
    return _SPACES.sub(" ", value.translate(_CLEAN)).strip()


# Free text (notes, summaries) keeps its lines and tabs: a mediation record is written in
# paragraphs. Everything else clean_text removes, it removes too.
_LINE_SPACES = re.compile(r"[ \u00a0\u3000\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
_BLOCK_CLEAN = _CLEAN | {0x0D: None}


def clean_block(value: str) -> str:
    """Like clean_text, but tab and newline are kept (CRLF becomes LF): for notes and summaries.
    Spaces at the ends of each line and blank lines at either end are dropped."""
    if not _NEEDS_CLEANING.search(value):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n").translate(_BLOCK_CLEAN)
    lines = (_LINE_SPACES.sub(" ", line).strip(" ") for line in text.split("\n"))
    return "\n".join(lines).strip("\n")


def normalize_id(value: str) -> str:
    """An ID number as typed: full-width digits, inner spaces and a lower-case x normalised."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value).translate(_INVISIBLE)).upper()


_ZEROS = ord("0") * sum(_WEIGHTS)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of 17 ASCII digits (weighted sum mod 11; the digits' byte
    values are summed directly, a roster import checks hundreds of thousands)."""
    total = sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _ZEROS
    return _CHECK[total % 11]


def id_shape_ok(value: str) -> bool:
    """Eighteen characters: 17 ASCII digits and a digit or X."""
    return (
        len(value) == 18
        and value.isascii()
        and value[:17].isdigit()
        and (value[17].isdigit() or value[17] == "X")
    )


def id_checksum_ok(value: str) -> bool:
    return id_shape_ok(value) and id_check_char(value[:17]) == value[17]


def id_birth_date(value: str) -> date | None:
    """The birth date an ID encodes, or None when it is not a real date."""
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


# The weighted sum of the last three of the 17 digits, by those digits; and what the ASCII codes
# of 14 zeros add to a weighted sum of the first 14 bytes.
_TAIL_SUMS = {f"{n:03d}": sum(map(mul, map(int, f"{n:03d}"), _WEIGHTS[14:])) for n in range(1000)}
_HEAD_ZEROS = ord("0") * sum(_WEIGHTS[:14])


class IdChecks:
    """The check character and birth date of many well-shaped IDs in a row (a roster import).

    The weights are fixed, so the weighted sum splits at any point: a roster's IDs share a few
    regions and some tens of thousands of birth dates, so the sum and the birth-date verdict of
    the first 14 characters are remembered, and the last three digits add a sum from a table."""

    _LIMIT = 200_000  # remembered prefixes, at most; then it starts again

    def __init__(self, today: date) -> None:
        self.today = today
        self.earliest = date(1900, 1, 1)
        self.heads: dict[str, tuple[int, bool]] = {}

    def check(self, value: str) -> tuple[bool, bool]:
        """(check character right, birth date plausible) of an ID with id_shape_ok."""
        head = self.heads.get(value[:14])
        if head is None:
            if len(self.heads) >= self._LIMIT:
                self.heads.clear()
            birth = id_birth_date(value)
            head = self.heads[value[:14]] = (
                sum(map(mul, value[:14].encode("ascii"), _WEIGHTS)) - _HEAD_ZEROS,
                birth is not None and self.earliest <= birth <= self.today,
            )
        return _CHECK[(head[0] + _TAIL_SUMS[value[14:17]]) % 11] == value[17], head[1]


def normalize_phone(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    text = _PHONE_SEPARATORS.sub("", text)
    if text.startswith("+86"):
        text = text[3:]
    return text


def phone_ok(value: str) -> bool:
    """A mainland mobile (1[3-9] + 9 digits) or a landline with its area code."""
    return bool(_MOBILE.match(value) or _LANDLINE.match(value))


def mask_id(value: str | None) -> str:
    """At most the first 6 and the last 4 characters: 110105********002X (see `_mask`)."""
    return _mask(value)


def mask_phone(value: str | None) -> str:
    """138****5678 for a mobile; a landline keeps its area code and last 4 digits (see `_mask`)."""
    return _mask(value)


def _mask(value: str | None) -> str:
    """One rule, whatever column a number sits in: an ID's length shows at most 6+4, a phone's
    at most 3+4, anything shorter at most its last 4, and at least 4 characters are always
    hidden (a phone typed into the ID column must not come out as 169262*4393)."""
    if not value:
        return ""
    n = len(value)
    head, tail = (6, 4) if n >= 15 else (3, 4) if n >= 11 else (0, 4) if n >= 8 else (0, 0)
    return value[:head] + "*" * (n - head - tail) + value[n - tail :]


def is_masked(value: str) -> bool:
    """A value that came out of a masked export (keep what is stored, never overwrite)."""
    return "*" in value


_BUILDING = re.compile(r"^(?:第)?(.+?)(?:号楼|号|栋|幢|座|#|＃|楼)$")
_UNIT = re.compile(r"^(?:第)?(.+?)(?:单元|门|#)$")


def normalize_building(value: str) -> str:
    """'5号楼', '5栋', '5幢', '5#', '第5栋' are all building '5'."""
    text = clean_text(value).replace(" ", "")
    match = _BUILDING.match(text)
    return match.group(1) if match else text


def normalize_unit(value: str) -> str:
    """'2单元' is unit '2'."""
    text = clean_text(value).replace(" ", "")
    match = _UNIT.match(text)
    return match.group(1) if match else text


_LONG_DIGITS = re.compile(
    r"(?<![\d*])(\d{6})(\d{5,11})([\dXx]{4})(?![\d*])|(?<![\d*])(1[3-9]\d)(\d{4})(\d{4})(?![\d*])"
)


def scrub(text: str) -> str:
    """Mask anything in free text that looks like an ID or phone number (a cell echoed in a
    message may hold one typed in the wrong column)."""

    def _mask(m: re.Match[str]) -> str:
        if m.group(1):
            if _is_credit_code(text, m):
                return m.group(0)
            return m.group(1) + "*" * len(m.group(2)) + m.group(3)
        return m.group(4) + "****" + m.group(6)

    return _LONG_DIGITS.sub(_mask, text)


# 统一社会信用代码 (GB 32100-2015): 18 characters over 0-9 and the capitals but I, O, S, V and Z;
# the last is a check character over the first 17.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_char(first17: str) -> str:
    """The GB 32100-2015 check character of a code's first 17 characters."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def _is_credit_code(text: str, m: re.Match[str]) -> bool:
    """Whether 17 digits matched as an ID end a company's credit code: its check character a
    letter no ID ends in (an ID's is a digit or X), and the code's check right. A company's
    code is public; a code all of digits is still masked, as an ID would be."""
    after = text[m.end() : m.end() + 1]
    if m.end() - m.start() != 17 or not after or after in "Xx" or after not in CREDIT_CHARS:
        return False
    return credit_code_ok(text[m.start() : m.end() + 1])


def credit_code_ok(value: str) -> bool:
    """Whether `value` (already upper-cased) is a well-formed code with the right check character."""
    if len(value) != 18 or any(c not in CREDIT_CHARS for c in value):
        return False
    return credit_check_char(value[:17]) == value[17]
