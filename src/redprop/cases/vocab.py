"""Parsing the words users type for codes (severity, source, level, state). Light on purpose:
no models, so read-only commands can use it without importing SQLModel."""

from __future__ import annotations

from redprop.cases.rules import Level, Severity
from redprop.core.errors import UsageProblem
from redprop.core.ids import clean_text
from redprop.core.vocab import LEVELS, STATES

SOURCES = {
    "patrol": ("排查", "跑楼", "巡查"),
    "visit": ("来访",),
    "phone": ("电话", "来电"),
    "hotline": ("12345", "热线"),
    "referral": ("转办", "移送"),
    "other": ("其他",),
}
SEVERITY_WORDS = {"小事": "small", "大事": "major", "难事": "hard", "特事": "special"}


def choice(value: str, table: dict[str, str], what: str, what_en: str, codes: list[str]) -> str:
    key = clean_text(value or "").lower()
    if key in table:
        return table[key]
    raise UsageProblem(
        f"未知的{what}“{value}”：可选 {'、'.join(codes)}",
        f"Unknown {what_en} '{value}': choose one of {', '.join(codes)}",
    )


def parse_severity(value: str) -> Severity:
    table = {s.value: s.value for s in Severity} | SEVERITY_WORDS
    return Severity(choice(value, table, "严重程度", "severity", [s.value for s in Severity]))


def parse_source(value: str) -> str:
    table = {code: code for code in SOURCES} | {w: c for c, ws in SOURCES.items() for w in ws}
    return choice(value, table, "来源", "source", list(SOURCES))


def parse_level(value: str) -> Level:
    table = {lv: lv for lv in LEVELS} | {names[0]: lv for lv, names in LEVELS.items()}
    return Level(choice(value, table, "层级", "level", list(LEVELS)))


def parse_state(value: str) -> str:
    table = {s: s for s in STATES} | {names[0]: s for s, names in STATES.items()}
    return choice(value, table, "状态", "state", list(STATES))
