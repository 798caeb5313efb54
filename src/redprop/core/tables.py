"""Light stubs of the tables that the start-up-critical commands (`report`, `case list`, `case
show`, `case todo`, `case new` and the ladder's actions) read and write with SQLAlchemy Core, so
those commands never import SQLModel, the ORM or pydantic (their import costs more than the
commands take to run). The schema itself is `models.py`; tests/test_schema.py checks every stub
column against it (name, type and length), so the two can't drift.

Dates, times and booleans carry their type, because SQLAlchemy converts them on the way in and
out (SQLite stores them as text and integers). Text columns carry their length, which is the
bound core/fields checks a Core write against (the ORM's before-flush guard doesn't see Core).
Columns a command never reads or writes are left out.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, column, table

street = table("street", column("id"), column("name", String(100)))
community = table("community", column("id"), column("street_id"), column("name", String(100)))
grid = table(
    "grid",
    column("id"),
    column("code", String(40)),
    column("name", String(100)),
    column("community_id"),
    column("kind", String(10)),
)
building = table(
    "building",
    column("id"),
    column("number", String(40)),
    column("community_id"),
    column("grid_id"),
    column("compound_id"),
)
compound = table("compound", column("id"), column("company_id"))
property_company = table(
    "property_company", column("id"), column("name", String(100)), column("credit_code", String(18))
)
category = table("category", column("id"), column("name", String(50)))
household = table(
    "household",
    column("id"),
    column("community_id"),
    column("grid_id"),
    column("building_id"),
    column("unit", String(20)),
    column("room", String(40)),
    column("head_name", String(100)),
)
staff = table(
    "staff",
    column("id"),
    column("name", String(100)),
    column("role", String(20)),
    column("street_id"),
    column("community_id"),
    column("grid_id"),
    column("active", Boolean),
)
setting = table("setting", column("key", String(50)), column("value", String(200)))
calendar_day = table(
    "calendar_day", column("day", Date), column("kind", String(10)), column("name", String(50))
)
case_counter = table("case_counter", column("year", Integer), column("last", Integer))
number_reservation = table(
    "number_reservation",
    column("year", Integer),
    column("serial", Integer),
    column("request", String(32)),
    column("actor", String(100)),
    column("reserved_at", DateTime),
)
counter = table("counter", column("name", String(40)), column("last", Integer))

dispute = table(
    "dispute",
    column("id"),
    column("number", String(20)),
    column("street_id"),
    column("community_id"),
    column("grid_id"),
    column("building_id"),
    column("unit", String(20)),
    column("room", String(40)),
    column("category_id"),
    column("severity", String(10)),
    column("source", String(10)),
    column("summary", Text),
    column("parties", Text),
    column("state", String(12)),
    column("level", String(10)),
    column("supervised", Boolean),
    column("clock_start", Date),
    column("limit_days", Integer),
    column("paused_days", Integer),
    column("suspended_on", Date),
    column("due_on", Date),
    column("yellow_on", Date),
    column("registered_at", DateTime),
    column("last_at", DateTime),
    column("event_count", Integer),
    column("last_hash", String(64)),
    column("source_ref", String(64)),
    column("company_id"),
)

case_event = table(
    "case_event",
    column("id"),
    column("case_id"),
    column("seq", Integer),
    column("action", String(12)),
    column("from_state", String(12)),
    column("from_level", String(10)),
    column("state", String(12)),
    column("level", String(10)),
    column("at", DateTime),
    column("recorded_at", DateTime),
    column("actor", String(100)),
    column("staff_id"),
    column("reason", Text),
    column("data", Text),
    column("due_on", Date),
    column("yellow_on", Date),
    column("prev_hash", String(64)),
    column("hash", String(64)),
    column("request", String(32)),
    column("overdue", Boolean),
    column("resolved_before", Boolean),
)

chain_link = table(
    "chain_link",
    column("seq", Integer),
    column("source", String(10)),
    column("event_id", Integer),
    column("event_hash", String(64)),
    column("recorded_at", DateTime),
    column("prev_hash", String(64)),
    column("hash", String(64)),
)

chain_pending = table(
    "chain_pending",
    column("id"),
    column("source", String(10)),
    column("event_id", Integer),
    column("event_hash", String(64)),
    column("recorded_at", DateTime),
)

case_attachment = table(
    "case_attachment",
    column("id"),
    column("case_id"),
    column("seq", Integer),
    column("sha256", String(64)),
    column("kind", String(12)),
    column("filename", String(255)),
    column("at", DateTime),
    column("actor", String(100)),
)
case_party = table(
    "case_party",
    column("id"),
    column("case_id"),
    column("seq", Integer),
    column("name", String(200)),
    column("household_id"),
    column("phone_hash", String(64)),
)
case_relation = table(
    "case_relation",
    column("id"),
    column("case_id"),
    column("related_id"),
    column("why", String(10)),
)
attachment_blob = table(
    "attachment_blob",
    column("sha256", String(64)),
    column("size", Integer),
    column("content_type", String(40)),
)

# Household tags and visits (docs/design.md §16): what `visit due` reads.
tag_kind = table(
    "tag_kind",
    column("id"),
    column("name", String(20)),
    column("name_en", String(50)),
    column("visit_days", Integer),
)
household_tag = table(
    "household_tag",
    column("id"),
    column("household_id"),
    column("tag_id"),
    column("added_at", DateTime),
    column("removed_at", DateTime),
)
staff_building = table("staff_building", column("staff_id"), column("building_id"))
visit = table("visit", column("id"), column("household_id"), column("on", Date))

STUBS = (
    street,
    community,
    grid,
    building,
    compound,
    property_company,
    category,
    household,
    staff,
    setting,
    calendar_day,
    case_counter,
    number_reservation,
    counter,
    dispute,
    case_event,
    chain_link,
    chain_pending,
    case_attachment,
    attachment_blob,
    case_party,
    case_relation,
    tag_kind,
    household_tag,
    staff_building,
    visit,
)
BY_NAME = {stub.name: stub for stub in STUBS}
