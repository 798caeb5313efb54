"""How a table meets the screen (issue 15): each column's role (a whole identifier, a short
label, free text that wraps), the fitting of a table to the terminal's width (low-priority
columns drop first, then a tighter frame, then one block per row), and the plain
tab-separated form for pipes and files. The console `_shared.stdout()` hands out is made here."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.tree import Tree

WHOLE = "whole"  # identifiers, dates and times: never cut, never wrapped
LABEL = "label"  # short words: wrap only between words
TEXT = "text"  # free text: wraps anywhere, and narrows first

# What each column key is, and how early it gives way on a narrow screen (a higher number
# drops first; None never drops). Keys not here are labels that stay.
ROLES: dict[str, tuple[str, int | None]] = {
    "number": (WHOLE, None),
    "grid": (WHOLE, None),
    "code": (WHOLE, None),
    "address": (WHOLE, None),
    "id": (WHOLE, None),
    "n": (WHOLE, None),
    "row": (WHOLE, None),
    "day": (WHOLE, None),
    "at": (WHOLE, None),
    "due_at": (WHOLE, None),
    "step_due": (WHOLE, 6),  # the due date after a step: the case's own due date says it too
    "registered_at": (WHOLE, 9),
    "created_at": (WHOLE, 9),
    "sha256": (WHOLE, 9),
    "severity_label": (LABEL, 8),
    "warning_label": (LABEL, 7),
    "wish": (LABEL, 7),
    "type": (LABEL, 7),
    "community": (LABEL, 6),
    "size": (LABEL, 6),
    "persons": (LABEL, 5),
    "category": (LABEL, 5),
    "provider_type": (LABEL, 5),
    "capacity": (LABEL, 5),
    "level_label": (LABEL, 4),
    "level": (LABEL, 4),
    "claimed_by": (LABEL, 4),
    "flags": (TEXT, 4),
    "id_number": (WHOLE, 3),
    "phone": (WHOLE, 2),
    "summary": (TEXT, None),
    "reason": (TEXT, None),
    "message": (TEXT, None),
    "target": (TEXT, None),
    "data": (TEXT, None),
    "file": (TEXT, None),
    "property_company": (TEXT, None),
    "value": (TEXT, None),
}
TEXT_HARD = 8  # the narrowest free text may get before the table gives up columns
TEXT_SOFT = 20  # what free text keeps while lower-priority columns are still there to drop
BLOCK_GAP = 4  # cells between blocks standing side by side
HEADER_WORD = 10  # a header word longer than this may fold rather than widen its column


@dataclass
class Sheet:
    """A table as plain strings: rows of cells under headers, keyed by column. It renders
    itself fitted to the terminal, or as tab-separated lines where the output is not one."""

    keys: list[str]
    headers: list[str]
    rows: list[list[str]]
    lang: str = "zh"
    title: str | None = None
    show_header: bool = True
    grid: bool = False  # a label/value card: no frame, no header
    widths: dict[int, tuple[int, int, int]] = field(default_factory=dict, repr=False)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not console.is_terminal:
            yield from plain_segments(self.plain_lines())
            return
        yield fitted(self, console, options.max_width)

    def plain_lines(self) -> Iterator[str]:
        """A title line, a header line, then one line per row; cells split by a tab."""
        if self.title:
            yield self.title
        if self.show_header and not self.grid:
            yield "\t".join(self.headers)
        for row in self.rows:
            yield "\t".join(" ".join(cell.split()) if _odd(cell) else cell for cell in row)

    def role(self, i: int) -> tuple[str, int | None]:
        if self.grid:
            return (WHOLE, None) if i == 0 else (TEXT, None)
        return ROLES.get(self.keys[i], (LABEL, None))

    def measure(self, i: int) -> tuple[int, int, int]:
        """Column i's hard minimum, the minimum it keeps while others can drop, and the
        width that shows it all on one line, in terminal cells."""
        if i not in self.widths:
            self.widths[i] = self._measure(i)
        return self.widths[i]

    def _measure(self, i: int) -> tuple[int, int, int]:
        role = self.role(i)[0]
        cells = [row[i] for row in self.rows]
        header = self.headers[i] if self.show_header else ""
        whole = max((_width(c) for c in [*cells, header]), default=0)
        head_word = min(_word(header), HEADER_WORD)
        if role == WHOLE:
            least = max([head_word, *(_width(c) for c in cells)])
            return least, least, whole
        if role == LABEL:
            least = max([head_word, *(_word(c) for c in cells)])
            return least, least, whole
        return (
            max(head_word, min(whole, TEXT_HARD)),
            max(head_word, min(whole, TEXT_SOFT)),
            whole,
        )


def _odd(cell: str) -> bool:
    return "\t" in cell or "\n" in cell or "\r" in cell


def _width(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def plain_segments(lines: Iterator[str]) -> Iterator[Segment]:
    for line in lines:
        yield Segment(line)
        yield Segment.line()


def boxed_extra(n: int) -> int:
    """Cells a framed table spends around n columns: a rule between and at each edge, and
    one space each side of every cell."""
    return 3 * n + 1


def compact_extra(n: int) -> int:
    """Cells a frameless table spends: two spaces between columns."""
    return 2 * (n - 1)


def fitted(sheet: Sheet, console: Console, width: int) -> RenderableType:
    """The sheet as a rich renderable no wider than `width`: framed with the columns that
    fit (dropping the least needed first), else frameless, else one block per row."""
    n = len(sheet.keys)
    if sheet.grid or n == 0:
        return _grid(sheet)
    shown = list(range(n))
    while _need(sheet, shown, soft=True) + boxed_extra(len(shown)) > width:
        droppable = [i for i in shown if sheet.role(i)[1] is not None]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda i: (sheet.role(i)[1] or 0, i)))
    hidden = [sheet.headers[i] for i in range(n) if i not in shown]
    for extra, framed in ((boxed_extra, True), (compact_extra, False)):
        room = width - extra(len(shown))
        if _need(sheet, shown, soft=False) <= room:
            widths = _spread(sheet, shown, room)
            return _table(sheet, shown, widths, framed=framed, hidden=hidden)
    return vertical(sheet, console, width)


def _need(sheet: Sheet, shown: Sequence[int], *, soft: bool) -> int:
    return sum(sheet.measure(i)[1 if soft else 0] for i in shown)


def _spread(sheet: Sheet, shown: Sequence[int], room: int) -> dict[int, int]:
    """Widths for the shown columns in `room` cells: each gets its minimum, labels then grow
    to their whole width, and free text shares what is left, the most starved first."""
    widths = {i: sheet.measure(i)[0] for i in shown}
    spare = room - sum(widths.values())
    for i in shown:
        if sheet.role(i)[0] != TEXT:
            grow = min(spare, sheet.measure(i)[2] - widths[i])
            widths[i] += grow
            spare -= grow
    texts = [i for i in shown if sheet.role(i)[0] == TEXT]
    while spare > 0 and texts:
        i = max(texts, key=lambda j: sheet.measure(j)[2] - widths[j])
        if sheet.measure(i)[2] <= widths[i]:
            break
        widths[i] += 1
        spare -= 1
    return widths


def _table(
    sheet: Sheet, shown: Sequence[int], widths: dict[int, int], *, framed: bool, hidden: list[str]
) -> Table:
    out = Table(
        title=sheet.title,
        header_style="bold",
        box=box.HEAVY_HEAD if framed else None,
        pad_edge=framed,
        caption=_hidden_note(hidden, sheet.lang),
        caption_style="dim",
        caption_justify="left",
    )
    for i in shown:
        out.add_column(
            sheet.headers[i],
            width=widths[i],
            no_wrap=sheet.role(i)[0] == WHOLE,
            overflow="fold",
        )
    for row in sheet.rows:
        out.add_row(*(Text(row[i]) for i in shown))
    return out


def _hidden_note(hidden: list[str], lang: str) -> str | None:
    if not hidden:
        return None
    if lang == "en":
        return f"Not shown (narrow terminal): {', '.join(hidden)}"
    return f"终端较窄，未显示：{'、'.join(hidden)}"


def _grid(sheet: Sheet) -> Table:
    """A label/value card: labels in bold on the left, values wrapping on the right."""
    out = Table.grid(padding=(0, 2))
    out.add_column(style="bold", no_wrap=True)
    for _ in sheet.keys[1:]:
        out.add_column(overflow="fold")
    for row in sheet.rows:
        out.add_row(*(Text(cell) for cell in row))
    return out


def vertical(sheet: Sheet, console: Console, width: int) -> RenderableType:
    """One block per row, headed by its first cell, then each other column as a label and
    its value: what a table becomes when even its needed columns can't sit side by side.
    Blocks narrow enough stand side by side."""
    from rich.columns import Columns
    from rich.measure import Measurement

    blocks: list[RenderableType] = []
    for row in sheet.rows:
        card = Sheet(
            keys=["label", "value"],
            headers=["", ""],
            rows=[[sheet.headers[i], row[i]] for i in range(1, len(row))],
            grid=True,
        )
        blocks.append(Group(Text(row[0], style="bold underline"), _grid(card)))
    options = console.options.update_width(width)
    widest = max((Measurement.get(console, options, b).maximum for b in blocks), default=0)
    body: RenderableType
    if 2 * widest + BLOCK_GAP <= width:
        body = Columns(blocks, padding=(1, BLOCK_GAP))
    else:
        body = Group(*(part for b in blocks for part in (Text(""), b)))
    title = [Text(sheet.title, style="bold")] if sheet.title else []
    return Group(*title, body, Text(""))


@dataclass
class Outline:
    """A tree (the unit tree): rich's guides on a terminal, indented plain lines elsewhere."""

    tree: Tree

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if console.is_terminal:
            yield self.tree
            return
        yield from plain_segments(self.lines())

    def lines(self) -> Iterator[str]:
        def walk(node: Tree, depth: int) -> Iterator[str]:
            for child in node.children:
                text = child.label
                plain = Text.from_markup(text).plain if isinstance(text, str) else str(text)
                yield "  " * depth + plain
                yield from walk(child, depth + 1)

        if not self.tree.hide_root:
            yield Text.from_markup(str(self.tree.label)).plain
        yield from walk(self.tree, 0 if self.tree.hide_root else 1)


def console(**options: Any) -> Console:
    """The console for stdout. A terminal gets tables fitted to its width; anything else (a
    pipe, a file, a test's runner) gets plain lines: no frames, no padding, no colour, no
    line ever cut or wrapped."""
    tty = sys.stdout.isatty()
    return Console(highlight=False, force_terminal=tty, soft_wrap=not tty, **options)
