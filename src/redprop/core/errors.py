"""The one error family of redprop: every domain refusal carries its exit code and both languages.

Services raise these; the CLI turns them into a single red line on stderr in one place
(`redprop.cli._shared.RedpropGroup`). Every message says what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowProblem:
    """One problem of one row of an input file, where the clerk will look: Excel's row number
    and the column's header as written in the file."""

    row: int
    column: str
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        where = f"第 {self.row} 行" if lang != "en" else f"row {self.row}"
        col = f"“{self.column}”列" if lang != "en" else f"column '{self.column}'"
        text = self.en if lang == "en" else self.zh
        sep = "，" if lang != "en" else ", "
        return f"{where}{sep}{col}：{text}" if lang != "en" else f"{where}{sep}{col}: {text}"


class RedpropError(Exception):
    """A refusal the user can fix. `zh` is the default message, `en` the `--lang en` one."""

    exit_code = 1

    def __init__(
        self, zh: str, en: str | None = None, *, details: list[RowProblem] | None = None
    ) -> None:
        super().__init__(zh)
        self.zh = zh
        self.en = en or zh
        self.details = details or []

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


class UsageProblem(RedpropError):
    """The command line itself is wrong (a missing or contradictory option): exit 2, like click."""

    exit_code = 2


class NotFound(RedpropError):
    """A named unit, staff member, case or file does not exist."""


class Conflict(RedpropError):
    """The change would contradict what the ledger already holds (duplicates, references)."""


class LedgerError(RedpropError):
    """The database is not a ledger, is newer than this redprop, or is damaged."""


class InputFileError(RedpropError):
    """A spreadsheet or CSV file cannot be used at all (missing, broken, no header)."""
