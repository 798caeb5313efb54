"""The report every row-by-row import gives back (roster, cases, service lists): counts, the
problems by Excel row and column, and the exit code they imply. Messages are scrubbed of ID- and
phone-shaped digits here, whichever import reports them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from redprop.core.ids import scrub

EXIT_SOME_REJECTED = 3


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
    flagged_rows: list[FlaggedRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

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
