"""The figures of a set of cases (docs/design.md §4): counts by how cases entered and ended the
period, the rates, and the levels cases were resolved at. They are sums over a histogram of what
each case contributes (its signature), so the breakdowns of a large month cost one pass over its
cases, not one per unit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from redprop.cases.clock import LEVELS
from redprop.core.vocab import Level, Severity
from redprop.figures.replay import Outcome

COUNTS = (
    "carried_over",
    "registered",
    "reopened",
    "open_at_end",
    "resolved",
    "referred",
    "withdrawn",
    "overdue_at_end",
    "yellow_at_end",
    "escalations",
    "repeat",
)
# Plain text keys: they are the keys of the JSON report.
_LEVELS = tuple(level.value for level in LEVELS)
_WITHIN_STREET = (Level.grid.value, Level.community.value, Level.street.value)

# What a case contributes to the figures: (entry, end class, overdue, yellow, escalations,
# level resolved at, resolved on time, small and resolved, a repeat dispute).
Signature = tuple[str, str, bool, bool, int, str | None, bool, bool, bool]


def signature(o: Outcome) -> Signature:
    resolved = o.end_class == "resolved"
    return (
        o.entry,
        o.end_class,
        o.overdue,
        o.yellow,
        o.escalations,
        o.resolved_level if resolved else None,
        resolved and bool(o.on_time),
        resolved and o.severity == Severity.small,
        o.repeat,
    )


def figures_of(items: Iterable[Outcome]) -> dict[str, Any]:
    return figures(Counter(map(signature, items)))


def figures(histogram: Mapping[Signature, int]) -> dict[str, Any]:
    """The figures of the cases a histogram of signatures counts."""
    counts = dict.fromkeys(COUNTS, 0)
    by_level = dict.fromkeys(_LEVELS, 0)
    total = on_time = small_resolved = small_in_grid = 0
    for (
        entry,
        end_class,
        overdue,
        yellow,
        escalations,
        level,
        in_time,
        small,
        repeat,
    ), n in histogram.items():
        total += n
        counts[entry] += n
        counts[end_class] += n
        counts["overdue_at_end"] += overdue * n
        counts["yellow_at_end"] += yellow * n
        counts["escalations"] += escalations * n
        counts["repeat"] += repeat * n
        if level:
            by_level[level] += n
        on_time += in_time * n
        if small:
            small_resolved += n
            small_in_grid += (level == Level.grid) * n
    resolved = counts["resolved"]
    return {
        **counts,
        "resolved_by_level": by_level,
        "resolution_rate": _ratio(resolved, total - counts["withdrawn"]),
        "on_time_rate": _ratio(on_time, resolved),
        "small_kept_in_grid_rate": _ratio(small_in_grid, small_resolved),
        "kept_within_street_rate": _ratio(sum(by_level[lv] for lv in _WITHIN_STREET), resolved),
        "repeat_rate": _ratio(counts["repeat"], counts["registered"]),
    }


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None
