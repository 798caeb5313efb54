"""Rich tables and trees built from plain data; the only module that knows how output looks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.table import Table
from rich.tree import Tree

from redprop.labels import GRID_KINDS, label

Column = tuple[str, str, str]  # (key, zh header, en header)


def table(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[Column],
    *,
    lang: str,
    title: str | None = None,
) -> Table:
    out = Table(title=title, show_lines=False, header_style="bold")
    for _, zh, en in columns:
        out.add_column(en if lang == "en" else zh)
    for row in rows:
        out.add_row(*("" if row.get(key) is None else str(row.get(key)) for key, _, _ in columns))
    return out


def unit_tree(streets: Sequence[Any], *, lang: str) -> Tree | Table:
    en = lang == "en"

    def counts(node: Any, *, grids: int | None = None) -> str:
        parts = []
        if grids is not None:
            parts.append(f"{grids} grids" if en else f"{grids} 个网格")
        parts.append(f"{node.buildings} buildings" if en else f"{node.buildings} 栋楼")
        parts.append(f"{node.households} households" if en else f"{node.households} 户")
        return (" (" + ", ".join(parts) + ")") if en else ("（" + "，".join(parts) + "）")

    root = Tree("redprop", hide_root=True)
    for street in streets:
        s = root.add(f"[bold]{street.name}[/bold]{counts(street, grids=street.grids)}")
        for comm in street.communities:
            c = s.add(f"[bold]{comm.name}[/bold]{counts(comm, grids=len(comm.grids))}")
            for grid in comm.grids:
                kind = label(GRID_KINDS, grid.kind, lang)
                c.add(f"{grid.code} {grid.name} [dim]{kind}[/dim]{counts(grid)}")
    return root
