"""Light stubs of the tables that the start-up-critical read paths (`report`, `case list`) query
with SQLAlchemy Core, so those commands never import SQLModel or pydantic. The schema itself is
`models.py`; tests/test_schema.py checks every stub column against it, so the two can't drift.

Only the columns those paths read are named. Dates and times carry their type, because
SQLAlchemy converts them on the way in and out (SQLite stores them as text); every other
column passes through as the driver returns it.
"""

from __future__ import annotations

from sqlalchemy import Date, DateTime, column, table

street = table("street", column("id"), column("name"))
community = table("community", column("id"), column("name"))
grid = table("grid", column("id"), column("code"), column("name"), column("community_id"))
building = table("building", column("id"), column("number"))
category = table("category", column("id"), column("name"))

dispute = table(
    "dispute",
    column("id"),
    column("number"),
    column("community_id"),
    column("grid_id"),
    column("category_id"),
    column("severity"),
    column("state"),
    column("level"),
    column("summary"),
    column("parties"),
    column("room"),
    column("building_id"),
    column("supervised"),
    column("due_on", Date),
    column("yellow_on", Date),
    column("last_at", DateTime),
    column("registered_at", DateTime),
)

case_event = table(
    "case_event",
    column("case_id"),
    column("seq"),
    column("action"),
    column("from_state"),
    column("from_level"),
    column("state"),
    column("level"),
    column("at", DateTime),
    column("due_on", Date),
    column("yellow_on", Date),
)

STUBS = (street, community, grid, building, category, dispute, case_event)
