"""A unit's report: the figures of the street, a community or a grid for a period, with their
breakdowns by the unit's parts (communities or grids), by category and by severity."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from redprop.core import tables as t
from redprop.core.bulk import paused_gc
from redprop.core.vocab import Severity
from redprop.figures.period import Period
from redprop.figures.replay import Outcome, outcomes
from redprop.figures.tally import Signature, figures, signature

if TYPE_CHECKING:
    from redprop.figures.replay import Db

SEVERITIES = tuple(severity.value for severity in Severity)


@dataclass
class Report:
    period: Period
    unit: str  # its name as shown: a street's or community's name, "G001 天昊网格" for a grid
    unit_kind: str  # street | community | grid
    figures: dict[str, Any]
    by_unit: list[dict[str, Any]]
    by_category: dict[str, dict[str, Any]]
    by_severity: dict[str, dict[str, Any]]
    outcomes: list[Outcome] = field(default_factory=list)
    unit_id: int | None = None  # the community's or grid's id; None for the street

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period.as_dict(),
            "unit": self.unit,
            "figures": self.figures,
            "by_unit": self.by_unit,
            "by_category": self.by_category,
            "by_severity": self.by_severity,
        }


def report(
    session: Db,
    *,
    period: Period,
    today: date | None = None,
    community: str | None = None,
    grid: str | None = None,
) -> Report:
    """The figures of a unit (the street, a community or a grid) with their breakdowns."""
    from redprop.core.errors import NotFound

    def one(tbl: Any, key: str, value: str, zh: str, en: str, hint: str) -> Any:
        row = session.execute(select(tbl).where(tbl.c[key] == value.strip())).first()
        if row is None:
            raise NotFound(f"没有{zh}“{value}”：用 {hint} 查看", f"No {en} '{value}': see {hint}")
        return row

    # Core stubs rather than the models: `redprop report` starts without SQLModel or pydantic.
    unit_id: int | None = None
    if grid:
        g = one(t.grid, "code", grid, "网格", "grid", "redprop org grid list")
        unit, kind, unit_id, parts = f"{g.code} {g.name}", "grid", g.id, []
    elif community:
        c = one(t.community, "name", community, "社区", "community", "redprop org community list")
        unit, kind, unit_id = c.name, "community", c.id
        parts = [
            (f"{r.code} {r.name}", r.id, "grid")
            for r in session.execute(
                select(t.grid).where(t.grid.c.community_id == c.id).order_by(t.grid.c.code)
            )
        ]
    else:
        streets = [r.name for r in session.execute(select(t.street).order_by(t.street.c.id))]
        unit, kind = "、".join(streets) or "-", "street"
        parts = [
            (r.name, r.id, "community")
            for r in session.execute(select(t.community).order_by(t.community.c.id))
        ]
    items = outcomes(
        session,
        period=period,
        today=today,
        community_id=unit_id if kind == "community" else None,
        grid_id=unit_id if kind == "grid" else None,
    )
    whole, groups = _histograms(items)
    categories = session.execute(
        select(t.category.c.id, t.category.c.name).order_by(t.category.c.id)
    ).all()
    return Report(
        period=period,
        unit=unit,
        unit_kind=kind,
        figures=figures(whole),
        by_unit=[
            {"unit": name, "figures": figures(groups.get((k, uid), {}))} for name, uid, k in parts
        ],
        by_category={name: figures(groups.get(("category", cid), {})) for cid, name in categories},
        by_severity={s: figures(groups.get(("severity", s), {})) for s in SEVERITIES},
        outcomes=items,
        unit_id=unit_id,
    )


def _histograms(
    items: list[Outcome],
) -> tuple[Counter[Signature], dict[tuple[str, Any], Counter[Signature]]]:
    """One histogram of signatures for the whole and one per community, grid, category and
    severity, from one pass over the cases (see tally.Signature)."""
    with paused_gc():
        keyed = Counter(
            (o.community_id, o.grid_id, o.category_id, o.severity, signature(o)) for o in items
        )
        whole: Counter[Signature] = Counter()
        groups: dict[tuple[str, Any], Counter[Signature]] = defaultdict(Counter)
        for (community_id, grid_id, category_id, severity, sig), n in keyed.items():
            whole[sig] += n
            groups["community", community_id][sig] += n
            groups["grid", grid_id][sig] += n
            groups["category", category_id][sig] += n
            groups["severity", severity][sig] += n
    return whole, groups
