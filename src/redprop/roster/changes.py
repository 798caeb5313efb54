"""What a roster import changes: the stored households read once, each good row classified as
new, updated or unchanged against them, and the new and changed rows written in batches of
driver-level statements (the hot path never builds ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from redprop.core.bulk import BackgroundInserts
from redprop.core.ids import scrub
from redprop.core.importreport import ImportReport
from redprop.core.models import Household
from redprop.roster.places import Address

FLAG_ORDER = ("id_checksum", "id_birth", "no_id", "phone")
ID_FLAGS = {"id_checksum", "id_birth", "no_id"}
PHONE_FLAGS = {"phone"}

# The stored fields, in this order, are what "unchanged" compares: a row's values and a stored
# household's are tuples in this order.
FIELDS = (
    "grid_id",
    "head_name",
    "id_number",
    "phone",
    "persons",
    "hukou",
    "housing",
    "note",
    "registered_on",
    "flags",
)
AT = {name: index for index, name in enumerate(FIELDS)}
INSERT_COLUMNS = ("community_id", "building_id", "unit", "room", *FIELDS)


@dataclass
class StoredHouseholds:
    """Every stored household by address, as (household id, *FIELDS values), and the address
    holding each ID number."""

    by_address: dict[Address, tuple[Any, ...]]
    by_id: dict[str, Address]


def load_stored(session: Session) -> StoredHouseholds:
    """Driver rows as they come (dates stay ISO text on SQLite, as they are written back), read
    in batches; the address and category texts repeat, so each distinct one is kept once (a
    second import of a large roster holds all of them)."""
    wanted: list[Any] = [
        Household.id,
        Household.building_id,
        Household.unit,
        Household.room,
        Household.grid_id,
        Household.head_name,
        Household.id_number,
        Household.phone,
        Household.persons,
        Household.hukou,
        Household.housing,
        Household.note,
        type_coerce(Household.registered_on, String),
        Household.flags,
    ]
    stored: dict[Address, tuple[Any, ...]] = {}
    stored_ids: dict[str, Address] = {}
    texts: dict[Any, Any] = {}
    one = texts.setdefault
    result = session.connection().execute(select(*wanted))
    try:
        while rows := result.cursor.fetchmany(10000):
            for h in rows:
                key = (h[1], one(h[2], h[2]), one(h[3], h[3]))
                stored[key] = (
                    h[0],
                    h[4],
                    h[5],
                    h[6],
                    h[7],
                    h[8],
                    one(h[9], h[9]),
                    one(h[10], h[10]),
                    one(h[11], h[11]),
                    one(h[12], h[12]),
                    one(h[13], h[13]),
                )
                if h[6]:
                    stored_ids[h[6]] = key
    finally:
        result.close()
    return StoredHouseholds(stored, stored_ids)


# Free text an export masked (an ID typed into 备注): the file holds scrub(stored).
_TEXTS = tuple(AT[name] for name in ("head_name", "hukou", "housing", "note"))


def _keep_masked_text(old: tuple[Any, ...], values: tuple[Any, ...]) -> tuple[Any, ...]:
    """`values` with each free text that is exactly the masked form of the stored one replaced
    by the stored one: re-importing a masked export changes nothing. Any other edit is kept."""
    changed = list(values)
    for at in _TEXTS:
        new, kept = values[at], old[at]
        if new != kept and new and kept and "*" in new and scrub(kept) == new:
            changed[at] = kept
    return tuple(changed)


class Changes:
    """The rows to insert and to update, as driver parameters; new rows go to `writer` (when
    there is one) chunk by chunk, the rest at store()."""

    def __init__(
        self,
        report: ImportReport,
        stored: StoredHouseholds,
        columns: dict[str, int],
        writer: BackgroundInserts | None,
    ) -> None:
        self.report = report
        self.stored = stored.by_address
        self.columns = columns
        self.writer = writer
        self.inserts: list[tuple[Any, ...]] = []
        self.updates: list[tuple[Any, ...]] = []
        # Every stored field has a column: an update needs no stored value to fill in.
        self.all_columns = all(
            name in columns
            for name in (
                "id_number",
                "phone",
                "persons",
                "hukou",
                "housing",
                "note",
                "registered_on",
            )
        )

    def classify(
        self,
        key: Address,
        community_id: int,
        values: tuple[Any, ...],
        flags: list[str],
        keep_id: bool,
        keep_phone: bool,
    ) -> None:
        """A good row, `values` in FIELDS order: new, updated or unchanged. keep_id and
        keep_phone: the cell was masked, so the stored value stays."""
        stored = self.stored.get(key)
        if stored is None:
            self.report.new += 1
            self.inserts.append((community_id, *key, *values))
            return
        old = stored[1:]
        if not (self.all_columns and not keep_id and not keep_phone):
            values = self._keep_stored(old, values, flags, keep_id, keep_phone)
        if old != values:
            values = _keep_masked_text(old, values)
        if old == values:
            self.report.unchanged += 1
        else:
            self.report.updated += 1
            self.updates.append((*values, stored[0]))

    def _keep_stored(
        self,
        old: tuple[Any, ...],
        values: tuple[Any, ...],
        flags: list[str],
        keep_id: bool,
        keep_phone: bool,
    ) -> tuple[Any, ...]:
        """A column the file does not have, or a masked value, keeps what is stored; flags
        follow their values, so such a value keeps its stored flags too."""
        present = self.columns

        def pick(name: str, keep: bool = False) -> Any:
            at = AT[name]
            return old[at] if name not in present or keep else values[at]

        found = set(flags)
        kept = {f for f in old[AT["flags"]].split(",") if f}
        if "id_number" not in present or keep_id:
            found = (found - ID_FLAGS) | (kept & ID_FLAGS)
        if "phone" not in present or keep_phone:
            found = (found - PHONE_FLAGS) | (kept & PHONE_FLAGS)
        return (
            values[AT["grid_id"]],
            values[AT["head_name"]],
            pick("id_number", keep_id),
            pick("phone", keep_phone),
            pick("persons"),
            pick("hukou"),
            pick("housing"),
            pick("note"),
            pick("registered_on"),
            ",".join(f for f in FLAG_ORDER if f in found),
        )

    def hand_over(self) -> None:
        """The new rows so far to the writer, which stores them while the next are checked."""
        if self.writer is not None and self.inserts:
            self.writer.add(self.inserts)
            self.inserts = []

    def store(self, session: Session) -> None:
        """Batched driver-level statements: no ORM objects, no per-row SQL compilation.

        On PostgreSQL new households go in as an upsert on the address key (ON CONFLICT), so two
        imports racing for one address cannot both insert it. On SQLite the command's
        transaction took the write lock (BEGIN IMMEDIATE) before the stored households were
        read, so no one else can have added an address since, and a plain INSERT does: an
        upsert there costs three times as much with foreign keys on."""
        conn = session.connection()
        sqlite = conn.dialect.name == "sqlite"
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        batch = 20000
        if self.inserts:
            sql = f"INSERT INTO household ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join([mark] * len(INSERT_COLUMNS))})"
            if not sqlite:
                sql += " ON CONFLICT (building_id, unit, room) DO UPDATE SET " + ", ".join(
                    f"{f} = excluded.{f}" for f in FIELDS
                )
            for start in range(0, len(self.inserts), batch):
                conn.exec_driver_sql(sql, self.inserts[start : start + batch])
        if self.updates:
            sql = f"UPDATE household SET {', '.join(f'{f} = {mark}' for f in FIELDS)} WHERE id = {mark}"
            for start in range(0, len(self.updates), batch):
                conn.exec_driver_sql(sql, self.updates[start : start + batch])
