"""Every table of the ledger (SQLModel) and the string enums their columns hold.

Enums are stored as plain strings (not native database enums) so that SQLite and PostgreSQL
share one set of migrations; services validate values against these enums.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel


class GridKind(StrEnum):
    base = "base"  # 基础网格
    special = "special"  # 专属网格 (a school, market, enterprise)


class Role(StrEnum):
    admin = "admin"
    street = "street"
    community = "community"
    grid_leader = "grid-leader"
    grid_worker = "grid-worker"
    mediator = "mediator"
    building_head = "building-head"


def _fk(target: str, *, nullable: bool = False, index: bool = True) -> Column:  # type: ignore[type-arg]
    # ON DELETE RESTRICT everywhere: a unit is never removed while something refers to it;
    # the service explains what refers to it before the database would refuse.
    return Column(Integer, ForeignKey(target, ondelete="RESTRICT"), nullable=nullable, index=index)


class Street(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    street_id: int = Field(sa_column=_fk("street.id"))
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))


class Grid(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=_fk("community.id"))
    code: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    kind: str = Field(default=GridKind.base, sa_column=Column(String(10), nullable=False))


class Compound(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=_fk("community.id"))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    property_company: str | None = Field(default=None, sa_column=Column(String(200)))


class Building(SQLModel, table=True):
    """A building of a community; its number is unique in the community (the roster key says so)."""

    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=_fk("community.id"))
    grid_id: int = Field(sa_column=_fk("grid.id"))
    compound_id: int | None = Field(default=None, sa_column=_fk("compound.id", nullable=True))
    number: str = Field(sa_column=Column(String(40), nullable=False))
    units: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class Household(SQLModel, table=True):
    """A dwelling and its registered head, keyed by (community, building, unit, room)."""

    __table_args__ = (UniqueConstraint("building_id", "unit", "room"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=_fk("community.id"))
    grid_id: int = Field(sa_column=_fk("grid.id"))
    building_id: int = Field(sa_column=_fk("building.id"))
    unit: str = Field(default="", sa_column=Column(String(20), nullable=False, server_default=""))
    room: str = Field(sa_column=Column(String(40), nullable=False))
    head_name: str = Field(sa_column=Column(String(100), nullable=False))
    id_number: str | None = Field(default=None, sa_column=Column(String(18), index=True))
    phone: str | None = Field(default=None, sa_column=Column(String(40)))
    persons: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    hukou: str | None = Field(default=None, sa_column=Column(String(40)))
    housing: str | None = Field(default=None, sa_column=Column(String(40)))
    note: str | None = Field(default=None, sa_column=Column(String(500)))
    registered_on: date | None = Field(default=None)
    # Doubtful values kept with a warning (bad check digit, odd phone …), comma-separated codes.
    flags: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))


class Staff(SQLModel, table=True):
    """A staff member or volunteer; exactly one of street/community/grid is their unit."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    role: str = Field(sa_column=Column(String(20), nullable=False))
    street_id: int | None = Field(default=None, sa_column=_fk("street.id", nullable=True))
    community_id: int | None = Field(default=None, sa_column=_fk("community.id", nullable=True))
    grid_id: int | None = Field(default=None, sa_column=_fk("grid.id", nullable=True))
    phone: str | None = Field(default=None, sa_column=Column(String(40)))
    # Staff are retired, never deleted: cases keep naming who acted.
    active: bool = Field(default=True, nullable=False)
