"""Household roster import (住户花名册) from real, messy spreadsheets: `import_roster`.

Reads any .xlsx/.xls/.ods/.csv the clerks pass around (file), cleans every cell (cells),
checks each row against the unit tree (places) and the stored households (rows), and stores the
good rows in one transaction (changes). Every problem is reported with Excel's row number, the
column and the fix; ID and phone numbers are masked in every message (errorsbook for the rows).
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

from sqlalchemy.orm import Session

from redprop.core.bulk import BackgroundInserts, paused_gc
from redprop.core.importreport import ImportReport
from redprop.core.models import Staff
from redprop.roster.changes import INSERT_COLUMNS, Changes, load_stored
from redprop.roster.file import COLUMNS, RosterFile, start_reading
from redprop.roster.held import Restorer
from redprop.roster.places import Places, import_scope, load_units
from redprop.roster.rows import RowChecker
from redprop.roster.tagcells import TagCells


def import_roster(
    session: Session,
    *,
    path: Path,
    sheet: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    atomic: bool = False,
    create_units: bool = False,
    reading: Future[RosterFile] | None = None,
    actor: Staff | None = None,
    replace: bool = False,
) -> ImportReport:
    """Import a roster file. Raises InputFileError when the file can't be used at all; otherwise
    returns the report (rows rejected or not). Stores nothing on dry_run, or when atomic and any
    row is rejected. `reading` is the file already being read (start_reading), if the caller
    started it before opening the ledger. `actor`, the importing staff member, may only write
    households in their own unit (units.authority); None is the ledger's own setup. `replace`
    lets a row name a new head at an address whose stored head has an ID (a move-out/move-in)."""
    with paused_gc():
        if reading is None:
            reading = start_reading(path, sheet)
        # The file is parsed on other threads while this one loads the units and households.
        units = load_units(session)
        stored = load_stored(session)
        found = reading.result()
        header = found.header
        report = ImportReport(file=str(path), sheet=found.sheet.name, dry_run=dry_run)
        report.ignored_columns = header.unknown
        report.columns = [c for c in COLUMNS if c in header.columns and c != "held"]
        savepoint = session.begin_nested()
        sqlite = session.connection().dialect.name == "sqlite"
        writer = _writer(session) if sqlite and not dry_run and not create_units else None
        changes = Changes(report, stored, header.columns, writer)
        # A corrected errors workbook: its masked IDs and phones come back from what is held.
        restorer = Restorer(session, header.columns) if "held" in header.columns else None
        places = Places(
            session,
            units,
            create_units=create_units,
            created=report.created_units,
            scope=import_scope(session, actor),
        )
        checker = RowChecker(
            report,
            header,
            places,
            changes,
            stored.by_id,
            strict=strict,
            errors=found.errors,
            dates_as_text=sqlite,
            replace=replace,
            restorer=restorer,
            tags=(tags := TagCells.of(session, header.columns)),  # the 标签 column, if any
        )
        try:
            checker.run(found.sheet)
            if writer:
                writer.finish()
        finally:
            if writer:
                writer.close()
        # The cells, and what the checks remembered, can go before the rows are stored.
        del found, reading, stored, checker
        if report.rejected and atomic:
            report.problems.sort(key=lambda p: (p.row, p.level))
            savepoint.rollback()
            report.stored = False
            return report
        if dry_run:
            savepoint.rollback()
            return report
        changes.store(session)
        TagCells.store_any(tags, session, actor)
        if restorer is not None:
            restorer.purge_used()
        savepoint.commit()
        report.stored = True
        return report


def _writer(session: Session) -> BackgroundInserts:
    """New households are written while the next rows are checked (SQLite; creating units needs
    the connection in between, so that import writes at the end)."""
    raw = session.connection().connection.driver_connection
    return BackgroundInserts(raw, "household", INSERT_COLUMNS)
