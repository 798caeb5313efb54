"""The quarterly scoring table (量化积分, docs/design.md §15) as data: each rule's points, kept
in the ledger (`score_rule`), with the issue's defaults, the bounds each may take, and the
admin's import of a rule file (every broken row named, nothing written unless all are good).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from redprop.core.config import local_now
from redprop.core.errors import InputFileError, RowProblem
from redprop.core.models import ScoreRule


@dataclass(frozen=True)
class Rule:
    key: str
    points: int  # the default
    zh: str
    en: str
    low: int  # the bounds a ledger's value may take
    high: int


# key -> default, labels and bounds. Deductions stay ≤ 0 and bonuses ≥ 0, so an imported file
# can't turn a complaint into a reward.
RULES: tuple[Rule, ...] = (
    Rule("base", 100, "基础分", "base score", 0, 1000),
    Rule("case_substantiated", -2, "有效投诉（已化解）", "substantiated complaint", -100, 0),
    Rule("case_overdue", -3, "投诉曾超期（另扣）", "complaint overdue (more)", -100, 0),
    Rule("visit_unsatisfied", -5, "回访不满意", "unsatisfied visit", -100, 0),
    Rule("visit_satisfied", 1, "回访满意", "satisfied visit", 0, 100),
    Rule("service_record", 1, "提供服务记录", "service record", 0, 100),
    Rule("service_cap", 10, "服务加分上限", "service bonus cap", 0, 1000),
    Rule("rectify_overdue", -2, "整改任务超期", "rectification task overdue", -100, 0),
    Rule("manual_min", -10, "单项加减分下限", "manual item minimum", -1000, 0),
    Rule("manual_max", 10, "单项加减分上限", "manual item maximum", 0, 1000),
    Rule("red_min", 95, "红榜分数线（不低于）", "red list at or above", 0, 1000),
    Rule("black_below", 70, "黑榜分数线（低于）", "black list below", 0, 1000),
)
BY_KEY = {rule.key: rule for rule in RULES}
DEFAULTS = {rule.key: rule.points for rule in RULES}

# The rule file's columns, and the words a clerk may write for a rule.
COLUMNS = {"rule": ("规则", "项目", "rule", "key"), "points": ("分值", "分数", "points")}
_NAMES = {name: r.key for r in RULES for name in (r.key, r.zh, r.zh.split("（")[0], r.en)}


def load_rules(session: Session, upto: datetime | None = None) -> dict[str, int]:
    """The ledger's table as it stood just before `upto` (a quarter's end; now by default):
    each rule's latest row before then, over the defaults (a rule added later keeps its
    default until the admin sets it)."""
    query = select(col(ScoreRule.key), col(ScoreRule.points)).order_by(col(ScoreRule.since))
    if upto is not None:
        query = query.where(col(ScoreRule.since) < upto)
    stored = dict(session.execute(query).all())  # the latest row of each key wins
    return DEFAULTS | {k: v for k, v in stored.items() if k in BY_KEY}


def rule_rows(session: Session) -> list[dict[str, Any]]:
    """The table for `score rules show`: each rule with its points, default and bounds."""
    values = load_rules(session)
    return [
        {
            "rule": r.key,
            "zh": r.zh,
            "en": r.en,
            "points": values[r.key],
            "default": r.points,
            "low": r.low,
            "high": r.high,
        }
        for r in RULES
    ]


def _problem(row: int, column: str, zh: str, en: str) -> RowProblem:
    return RowProblem(row=row, column=column, zh=zh, en=en)


def parse_rule_rows(rows: list[tuple[int, str, str]]) -> tuple[dict[str, int], list[RowProblem]]:
    """(Excel row, rule cell, points cell) → the rules given, and every problem by row and
    column."""
    found: dict[str, int] = {}
    seen: dict[str, int] = {}
    problems: list[RowProblem] = []
    for row, name, text in rows:
        key = _NAMES.get(name.strip()) or _NAMES.get(name.strip().lower())
        if key is None:
            known = "、".join(r.zh for r in RULES)
            problems.append(
                _problem(
                    row,
                    "规则",
                    f"不认识的规则“{name}”；可用：{known}",
                    f"unknown rule '{name}'; the rules are: {', '.join(BY_KEY)}",
                )
            )
            continue
        if key in seen:
            problems.append(
                _problem(
                    row,
                    "规则",
                    f"规则“{name}”在第 {seen[key]} 行已经出现过；每条规则只写一次",
                    f"the rule '{name}' is already on row {seen[key]}; give each rule once",
                )
            )
            continue
        seen[key] = row
        rule = BY_KEY[key]
        try:
            points = int(text.strip().replace("＋", "+").replace("－", "-").removesuffix(".0"))
        except ValueError:
            problems.append(
                _problem(
                    row,
                    "分值",
                    f"分值“{text}”不是整数；请写如 -2 或 5",
                    f"'{text}' is not a whole number; write e.g. -2 or 5",
                )
            )
            continue
        if not rule.low <= points <= rule.high:
            problems.append(
                _problem(
                    row,
                    "分值",
                    f"“{rule.zh}”的分值须在 {rule.low} 到 {rule.high} 之间，而不是 {points}",
                    f"'{rule.en}' must be between {rule.low} and {rule.high}, not {points}",
                )
            )
            continue
        found[key] = points
    return found, problems


def _check_whole(values: dict[str, int], lines: dict[str, int]) -> list[RowProblem]:
    """Rules that must agree with each other (thresholds, the manual range)."""
    problems = []
    if values["black_below"] > values["red_min"]:
        row = lines.get("black_below", lines.get("red_min", 0))
        problems.append(
            _problem(
                row,
                "分值",
                f"黑榜分数线 {values['black_below']} 高于红榜分数线 {values['red_min']}；"
                "请让黑榜线不高于红榜线",
                f"the black-list line {values['black_below']} is above the red-list line "
                f"{values['red_min']}; keep it at or below",
            )
        )
    return problems


def read_rule_file(path: Path) -> list[tuple[int, str, str]]:
    """The rule file's rows: (Excel row number, rule, points), blank rows skipped."""
    from redprop.excel.read import cell_text, find_header, is_blank_row, read_sheets

    sheet = read_sheets(path)[0]
    header = find_header(sheet, COLUMNS)
    if header is None:
        raise InputFileError(
            f"{path.name}：找不到表头“规则”和“分值”；请用 redprop score rules show --json "
            "查看规则名称，第一行写 规则、分值",
            f"{path.name}: no header with 规则 (rule) and 分值 (points); see redprop score "
            "rules show for the rules' names",
        )
    rule_col, points_col = header.columns["rule"], header.columns["points"]
    out = []
    for index, row in enumerate(sheet.rows[header.row_index + 1 :], header.row_index + 2):
        if is_blank_row(row):
            continue
        cells = [cell_text(row[c]) if c < len(row) else "" for c in (rule_col, points_col)]
        out.append((index, cells[0], cells[1]))
    return out


def import_rules(session: Session, *, path: Path) -> dict[str, int]:
    """Set the rules a file gives (others keep their values); any broken row refuses the whole
    file. Returns the rules changed, with their new points."""
    rows = read_rule_file(path)
    given, problems = parse_rule_rows(rows)
    current = load_rules(session)
    if not problems:
        problems = _check_whole(current | given, {key: row for row, key, _ in _keys(rows)})
    if problems:
        raise InputFileError(
            f"{path.name} 有 {len(problems)} 处错误，没有修改任何规则；请改正后重新导入",
            f"{path.name} has {len(problems)} problem(s); no rule was changed: fix them and "
            "import again",
            details=problems,
        )
    changed = {k: v for k, v in given.items() if current[k] != v}
    since = local_now().replace(microsecond=0)
    for key, points in changed.items():
        session.merge(ScoreRule(key=key, since=since, points=points))  # twice in a second: the last
    session.flush()
    return changed


def _keys(rows: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    return [(row, _NAMES.get(name.strip(), ""), text) for row, name, text in rows]
