"""The report every row-by-row import gives back (roster, cases, service lists): counts, the
problems by Excel row and column, and the exit code they imply. Messages are scrubbed of ID- and
phone-shaped digits here, whichever import reports them."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from redprop.core.ids import scrub

EXIT_SOME_REJECTED = 3
# A report keeps this many problems in full (the terminal shows 20, -v and --json all kept);
# beyond it only counts: a file of a million bad rows must not take a million messages of memory.
KEEP_PROBLEMS = 10_000
# Flagged rows for the errors workbook are kept in memory up to this many, then spilled to a
# temporary file, so that the workbook can hold every one of them in bounded memory.
FLAGGED_IN_MEMORY = 5_000


@dataclass
class Problem:
    row: int
    column: str
    level: str  # error | warning
    zh: str
    en: str

    def __post_init__(self) -> None:
        # Messages echo cells; a phone or ID typed in the wrong column must never show in full,
        # whichever import reports it.
        self.zh, self.en = scrub(self.zh), scrub(self.en)

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "level": self.level,
            "message": self.en if lang == "en" else self.zh,
        }


class FlaggedRow(NamedTuple):
    """A rejected or warned row as the errors workbook shows it."""

    row: int  # Excel's row number
    shown: dict[str, Any]  # canonical field -> masked text
    reason: str
    held: tuple[str | None, str | None] = (None, None)  # the full ID and phone it gave


class FlaggedRows:
    """The flagged rows of an import, in order: the first FLAGGED_IN_MEMORY in a list, the rest
    pickled one after another into an anonymous temporary file (gone when closed)."""

    def __init__(self) -> None:
        self.head: list[FlaggedRow] = []
        self.spill: IO[bytes] | None = None
        self.count = 0

    def append(self, row: FlaggedRow) -> None:
        self.count += 1
        if len(self.head) < FLAGGED_IN_MEMORY:
            self.head.append(row)
            return
        if self.spill is None:
            self.spill = tempfile.TemporaryFile()  # noqa: SIM115  (closed in close())
        pickle.dump(tuple(row), self.spill, protocol=pickle.HIGHEST_PROTOCOL)

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[FlaggedRow]:
        yield from self.head
        if self.spill is None:
            return
        self.spill.flush()
        self.spill.seek(0)
        for _ in range(self.count - len(self.head)):
            yield FlaggedRow(*pickle.load(self.spill))  # our own file, written above
        self.spill.seek(0, 2)

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()
            self.spill = None


@dataclass
class ImportReport:
    file: str
    sheet: str
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    warned: int = 0
    rejected: int = 0
    skipped: int = 0
    stored: bool = False
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    created_units: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    flagged_rows: FlaggedRows = field(default_factory=FlaggedRows)
    columns: list[str] = field(default_factory=list)
    # Problems past KEEP_PROBLEMS, counted by level.
    more_problems: dict[str, int] = field(default_factory=dict)

    def add(self, problem: Problem) -> None:
        if len(self.problems) < KEEP_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems[problem.level] = self.more_problems.get(problem.level, 0) + 1

    @property
    def problem_count(self) -> int:
        return len(self.problems) + sum(self.more_problems.values())

    @property
    def imported(self) -> int:
        return self.new + self.updated + self.unchanged

    def counts(self) -> dict[str, int]:
        return {
            k: getattr(self, k)
            for k in (
                "read",
                "new",
                "updated",
                "unchanged",
                "merged",
                "warned",
                "rejected",
                "skipped",
            )
        }

    @property
    def exit_code(self) -> int:
        if self.rejected == 0:
            return 0
        return EXIT_SOME_REJECTED if self.imported and (self.stored or self.dry_run) else 1
