"""Every table of the ledger (SQLModel) and the string enums their columns hold.

Enums are stored as plain strings (not native database enums) so that SQLite and PostgreSQL
share one set of migrations; services validate values against these enums. Date-times are
stored as local wall-clock time (config.LOCAL_TZ, Asia/Shanghai), without an offset: the ledger
and its monthly periods are local.

Long on purpose: one module holds every table, so the schema reads in one place.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from redprop.core.vocab import GridKind


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
    # The property company serving it (docs/design.md §15); a name until schema 0015.
    company_id: int | None = Field(
        default=None, sa_column=_fk("property_company.id", nullable=True)
    )


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


class Category(SQLModel, table=True):
    """Dispute categories (纠纷类型): seeded with the usual 人民调解 types, extendable."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(50), nullable=False, unique=True))


class CaseCounter(SQLModel, table=True):
    """The last case number given out per year; numbers are never reused."""

    __tablename__ = "case_counter"

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last: int = Field(default=0, sa_column=Column(Integer, nullable=False))


class NumberReservation(SQLModel, table=True):
    """A case number taken on PostgreSQL in a transaction of its own for a registration still
    to commit (cases/numbering): the registration deletes it with its own COMMIT. One that
    stays is a void number (作废编号), listed by db check with who took it and when."""

    __tablename__ = "number_reservation"

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    serial: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    request: str = Field(sa_column=Column(String(32), nullable=False, unique=True))
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    reserved_at: datetime = Field(sa_column=Column(DateTime, nullable=False))


# The open states (cases/clock.OPEN) as SQL, for the partial index of open cases.
OPEN_CASES = "state IN ('in_progress', 'registered', 'suspended')"


class Case(SQLModel, table=True):
    """A dispute (矛盾纠纷). Its state, level and clock are a cache of its events, kept in step by
    the case service (and checked by replaying the events)."""

    __tablename__ = "dispute"
    __table_args__ = (
        Index("ix_dispute_grid_state", "grid_id", "state"),
        # A grid's cases newest first (case list --grid): read backwards, stopping at the page.
        Index("ix_dispute_grid_newest", "grid_id", "id"),
        Index("ix_dispute_community_state", "community_id", "state"),
        Index("ix_dispute_state_level", "state", "level"),
        Index("ix_dispute_state_due", "state", "due_on"),
        # The cases active since a period began, with what the figures need of them, read
        # from the index alone (a month of a large ledger is tens of thousands of cases).
        Index(
            "ix_dispute_period",
            "last_at",
            "registered_at",
            "community_id",
            "grid_id",
            "category_id",
            "severity",
        ),
        # The open cases with what the figures need of them (figures/replay._quiet), from the
        # index alone: they are scattered over the whole table, a few in every page. Partial,
        # so it holds only them; the query names the states as literals to match it.
        Index(
            "ix_dispute_open",
            "state",
            "last_at",
            "registered_at",
            "community_id",
            "grid_id",
            "category_id",
            "severity",
            "level",
            "due_on",
            "yellow_on",
            "id",
            sqlite_where=text(OPEN_CASES),
            postgresql_where=text(OPEN_CASES),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    street_id: int = Field(sa_column=_fk("street.id", index=False))
    community_id: int = Field(sa_column=_fk("community.id", index=False))
    grid_id: int = Field(sa_column=_fk("grid.id", index=False))
    building_id: int | None = Field(default=None, sa_column=_fk("building.id", nullable=True))
    unit: str | None = Field(default=None, sa_column=Column(String(20)))
    room: str | None = Field(default=None, sa_column=Column(String(40)))
    category_id: int = Field(sa_column=_fk("category.id"))
    severity: str = Field(sa_column=Column(String(10), nullable=False))
    source: str = Field(sa_column=Column(String(10), nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    parties: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of names
    state: str = Field(sa_column=Column(String(12), nullable=False))
    level: str = Field(sa_column=Column(String(10), nullable=False))
    supervised: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    clock_start: date | None = Field(default=None, sa_column=Column(Date))
    limit_days: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    paused_days: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    suspended_on: date | None = Field(default=None, sa_column=Column(Date))
    due_on: date | None = Field(default=None, sa_column=Column(Date))
    yellow_on: date | None = Field(default=None, sa_column=Column(Date))
    registered_at: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    # The time of the last event: figures only replay cases active since a period began.
    last_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    event_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    last_hash: str = Field(default="", sa_column=Column(String(64), nullable=False))
    # Where an imported case came from (the old ledger's number or its row's content), so that
    # importing the same ledger again creates no duplicates.
    source_ref: str | None = Field(
        default=None, sa_column=Column(String(64), unique=True, index=True)
    )
    # The property company a complaint reaches (docs/design.md §15), set at registration.
    company_id: int | None = Field(
        default=None, sa_column=_fk("property_company.id", nullable=True)
    )


class CaseEvent(SQLModel, table=True):
    """One accepted action on a case. Append-only: never updated or deleted. Each event's hash
    covers its content and the previous event's hash, so `db check` finds rows edited, deleted
    or inserted behind redprop's back."""

    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_case_event_action_at", "action", "at"),
        # Covers what the monthly figures read of a period's events: a month is one range of
        # this index, wherever the rows lie in the table.
        Index(
            "ix_case_event_period",
            "at",
            "case_id",
            "seq",
            "action",
            "from_state",
            "from_level",
            "state",
            "level",
            "due_on",
            "yellow_on",
        ),
        # What the quarterly score reads of a quarter's resolves and visits (property/scores),
        # from the index alone: partial, so other events cost nothing. They lead with the
        # action, as ix_case_event_action_at does, so that SQLite's planner prefers them.
        Index(
            "ix_case_event_resolves",
            "action",
            "at",
            "case_id",
            "seq",
            "overdue",
            "resolved_before",
            sqlite_where=text("action = 'resolve'"),
            postgresql_where=text("action = 'resolve'"),
        ),
        # A request key finds its event (cases/rows.done_before). Partial: most events have
        # none, and once SQLite's ANALYZE has counted those NULLs its planner would scan the
        # table instead of using a full index (schema 0017).
        Index(
            "ix_case_event_request",
            "request",
            unique=True,
            sqlite_where=text("request IS NOT NULL"),
            postgresql_where=text("request IS NOT NULL"),
        ),
        Index(
            "ix_case_event_visits",
            "action",
            "at",
            "case_id",
            "data",
            sqlite_where=text("action = 'visit'"),
            postgresql_where=text("action = 'visit'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=_fk("dispute.id", index=False))
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    action: str = Field(sa_column=Column(String(12), nullable=False))
    from_state: str | None = Field(default=None, sa_column=Column(String(12)))
    from_level: str | None = Field(default=None, sa_column=Column(String(10)))
    state: str = Field(sa_column=Column(String(12), nullable=False))
    level: str = Field(sa_column=Column(String(10), nullable=False))
    at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    recorded_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    staff_id: int | None = Field(default=None, sa_column=_fk("staff.id", nullable=True))
    reason: str | None = Field(default=None, sa_column=Column(Text))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # canonical JSON
    due_on: date | None = Field(default=None, sa_column=Column(Date))
    yellow_on: date | None = Field(default=None, sa_column=Column(Date))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))
    # The command invocation that wrote it (issue 20): a retry after a lost connection finds its
    # own event instead of acting twice. Not hashed: it names the writer, not what happened.
    # Its unique index is partial (schema 0017): see the index above.
    request: str | None = Field(default=None, sa_column=Column(String(32)))
    # On a resolve: whether the case had run late at any level, or been supervised, before it,
    # and whether it had been resolved before (cases/lateness; the quarterly score reads them
    # instead of walking every history). Fixed when appended and walked again by db check; not
    # hashed, like `request`. None on other events, and on the resolves of a case with an undo
    # written before schema 0016.
    overdue: bool | None = Field(default=None, sa_column=Column(Boolean))
    resolved_before: bool | None = Field(default=None, sa_column=Column(Boolean))


class CalendarDay(SQLModel, table=True):
    """An exception to Monday-Friday: a public holiday, or a make-up working day (调休)."""

    __tablename__ = "calendar_day"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    kind: str = Field(sa_column=Column(String(10), nullable=False))  # holiday | workday
    name: str | None = Field(default=None, sa_column=Column(String(50)))


class Setting(SQLModel, table=True):
    """Per-ledger settings (ladder limits, city level, overdue policy) as key/value text."""

    key: str = Field(sa_column=Column(String(50), primary_key=True))
    value: str = Field(sa_column=Column(String(200), nullable=False))


class UnmaskLog(SQLModel, table=True):
    """Every request to see ID and phone numbers in full: who, when, which command, what."""

    __tablename__ = "unmask_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    command: str = Field(sa_column=Column(String(50), nullable=False))
    scope: str = Field(sa_column=Column(String(300), nullable=False))
    rows: int = Field(default=0, sa_column=Column(Integer, nullable=False))


class AttachmentBlob(SQLModel, table=True):
    """The content of an attachment, stored once by its SHA-256 (content-addressed): a scan or
    photo attached to two cases is one blob. In the database, on SQLite and PostgreSQL alike."""

    __tablename__ = "attachment_blob"

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    size: int = Field(sa_column=Column(Integer, nullable=False))
    content_type: str = Field(sa_column=Column(String(40), nullable=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CaseAttachment(SQLModel, table=True):
    """A file attached to a case (the signed agreement, a photo, a record), numbered 1, 2, … per
    case. Its attach event (case_event, action attach) carries the hash, so the chain covers it."""

    __tablename__ = "case_attachment"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=_fk("dispute.id", index=False))
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    sha256: str = Field(
        sa_column=Column(
            String(64), ForeignKey("attachment_blob.sha256", ondelete="RESTRICT"), nullable=False
        )
    )
    kind: str = Field(sa_column=Column(String(12), nullable=False))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    actor: str = Field(sa_column=Column(String(100), nullable=False))


# ---------------------------------------------------------------------------------------------
# Service lists (清单式管理): demands, resources, service items and their records.


class Counter(SQLModel, table=True):
    """Named counters for human-friendly numbers (demand:2026 …); numbers are never reused."""

    name: str = Field(sa_column=Column(String(40), primary_key=True))
    last: int = Field(default=0, sa_column=Column(Integer, nullable=False))


class DemandCategory(SQLModel, table=True):
    """Demand categories (需求类型): seeded with 助老, 助残, 助幼 … 微心愿, 其他; extendable."""

    __tablename__ = "demand_category"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(50), nullable=False, unique=True))


class Resource(SQLModel, table=True):
    """What a unit, company, social organisation, volunteer team, party member or shop offers."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    provider: str = Field(sa_column=Column(String(100), nullable=False))
    provider_type: str = Field(sa_column=Column(String(20), nullable=False))
    kind: str = Field(sa_column=Column(String(10), nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    community_id: int | None = Field(default=None, sa_column=_fk("community.id", nullable=True))
    capacity: int | None = Field(default=None, sa_column=Column(Integer))
    phone: str | None = Field(default=None, sa_column=Column(String(40)))


class Demand(SQLModel, table=True):
    """A resident's need (需求) or micro-wish (微心愿); its state is a cache of its events."""

    __table_args__ = (Index("ix_demand_community_state", "community_id", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    community_id: int = Field(sa_column=_fk("community.id", index=False))
    grid_id: int = Field(sa_column=_fk("grid.id"))
    household_id: int | None = Field(default=None, sa_column=_fk("household.id", nullable=True))
    category_id: int = Field(sa_column=_fk("demand_category.id"))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    wish: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    state: str = Field(sa_column=Column(String(12), nullable=False))
    claimed_by: str | None = Field(default=None, sa_column=Column(String(100)))
    resource_id: int | None = Field(default=None, sa_column=_fk("resource.id", nullable=True))
    created_at: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    last_at: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    event_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    last_hash: str | None = Field(default=None, sa_column=Column(String(64)))


class DemandEvent(SQLModel, table=True):
    """One accepted step of a demand (add, claim, fulfil, cancel, reopen). Append-only and
    hash-chained like a case's events (docs/design.md §11)."""

    __tablename__ = "demand_event"
    __table_args__ = (UniqueConstraint("demand_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    demand_id: int = Field(sa_column=_fk("demand.id", index=False))
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    action: str = Field(sa_column=Column(String(10), nullable=False))
    from_state: str | None = Field(default=None, sa_column=Column(String(12)))
    state: str = Field(sa_column=Column(String(12), nullable=False))
    at: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    recorded_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class ServiceItem(SQLModel, table=True):
    """A service item or convenience project (直饮水站, 充电车棚, 幸福食堂 …) of a community."""

    __tablename__ = "service_item"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False))
    category: str = Field(sa_column=Column(String(50), nullable=False))
    community_id: int = Field(sa_column=_fk("community.id"))
    compound_id: int | None = Field(default=None, sa_column=_fk("compound.id", nullable=True))
    resource_id: int | None = Field(default=None, sa_column=_fk("resource.id", nullable=True))
    status: str = Field(sa_column=Column(String(10), nullable=False))


class ServiceRecord(SQLModel, table=True):
    """One day's service of an item: people served and volunteer turns."""

    __tablename__ = "service_record"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=_fk("service_item.id"))
    on: date = Field(sa_column=Column(Date, nullable=False, index=True))
    served: int = Field(sa_column=Column(Integer, nullable=False))
    volunteers: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text))
    demand_id: int | None = Field(default=None, sa_column=_fk("demand.id", nullable=True))


class AdminEvent(SQLModel, table=True):
    """The admin log (docs/design.md §11): staff, units, settings, calendar, imports and unmask
    requests, each an entry with who and when, hashed and linked into the ledger chain."""

    __tablename__ = "admin_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    command: str = Field(sa_column=Column(String(50), nullable=False))
    target: str = Field(sa_column=Column(String(300), nullable=False))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # canonical JSON
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class ChainLink(SQLModel, table=True):
    """One link of the ledger-wide chain (core/chain): every event of every log, numbered
    across the ledger, hashing its event's hash with the link before it."""

    __tablename__ = "chain_link"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    source: str = Field(sa_column=Column(String(10), nullable=False))
    event_id: int = Field(sa_column=Column(Integer, nullable=False))
    event_hash: str = Field(sa_column=Column(String(64), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class ChainPending(SQLModel, table=True):
    """An event written but not linked yet (PostgreSQL only, core/chain): its writer found the
    chain's head held by another writer and left the link to whoever holds it next, instead of
    waiting for it. A queue, not a log: a row goes when its link is made."""

    __tablename__ = "chain_pending"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(sa_column=Column(String(10), nullable=False))
    event_id: int = Field(sa_column=Column(Integer, nullable=False))
    event_hash: str = Field(sa_column=Column(String(64), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(DateTime, nullable=False))


class HeldValue(SQLModel, table=True):
    """An ID and phone of a row an import rejected, held under the token its errors workbook
    prints (the workbook itself shows them masked), so that importing the corrected workbook
    restores them; purged once used, or by `roster errors purge`."""

    __tablename__ = "held_value"
    __table_args__ = (UniqueConstraint("token", "row"),)

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(sa_column=Column(String(16), nullable=False))
    row: int = Field(sa_column=Column(Integer, nullable=False))
    id_number: str | None = Field(default=None, sa_column=Column(String(18)))
    phone: str | None = Field(default=None, sa_column=Column(String(40)))
    created_at: datetime = Field(sa_column=Column(DateTime, nullable=False))


class Meeting(SQLModel, table=True):
    """A meeting of a community or a street (联席会议, 每周说事, 五+X, 听证会; docs/design.md
    §14): who attended (JSON list of names and their kinds), the minutes. Entered in the admin
    log when recorded."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    street_id: int = Field(sa_column=_fk("street.id"))
    community_id: int | None = Field(default=None, sa_column=_fk("community.id", nullable=True))
    on: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    attendees: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    minutes: str | None = Field(default=None, sa_column=Column(Text))
    actor: str = Field(sa_column=Column(String(100), nullable=False))


class MeetingItem(SQLModel, table=True):
    """One problem of a meeting's list (问题清单): a case, a demand or a text taken up."""

    __tablename__ = "meeting_item"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    meeting_id: int = Field(sa_column=_fk("meeting.id"))
    case_id: int | None = Field(default=None, sa_column=_fk("dispute.id", nullable=True))
    demand_id: int | None = Field(default=None, sa_column=_fk("demand.id", nullable=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    actor: str = Field(sa_column=Column(String(100), nullable=False))


class RectifyTask(SQLModel, table=True):
    """A rectification task decided on an item (整改任务); its state, and who verified it when,
    are a cache of its events."""

    __tablename__ = "rectify_task"
    __table_args__ = (Index("ix_rectify_task_state_due", "state", "due"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    item_id: int = Field(sa_column=_fk("meeting_item.id"))
    meeting_id: int = Field(sa_column=_fk("meeting.id"))
    task: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    owner_kind: str = Field(sa_column=Column(String(10), nullable=False))
    due: date = Field(sa_column=Column(Date, nullable=False))
    state: str = Field(sa_column=Column(String(12), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    last_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    verified_by: str | None = Field(default=None, sa_column=Column(String(100)))
    verified_at: datetime | None = Field(default=None, sa_column=Column(DateTime))
    event_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    last_hash: str | None = Field(default=None, sa_column=Column(String(64)))


class RectifyEvent(SQLModel, table=True):
    """One accepted step of a task (decide, start, done, verify, reject): append-only and
    hash-chained like a demand's events (docs/design.md §11, §14)."""

    __tablename__ = "rectify_event"
    __table_args__ = (UniqueConstraint("task_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(sa_column=_fk("rectify_task.id", index=False))
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    action: str = Field(sa_column=Column(String(10), nullable=False))
    from_state: str | None = Field(default=None, sa_column=Column(String(12)))
    state: str = Field(sa_column=Column(String(12), nullable=False))
    at: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    recorded_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


# ---------------------------------------------------------------------------------------------
# Repeat disputes (issue 19): who a case's parties are, and the cases it relates to.


class CaseParty(SQLModel, table=True):
    """One party of a case as registered: a name, and, when the registering person named them,
    the household (roster) they are and a keyed hash of their phone (cases/parties: the phone
    itself is never stored). What `case related` matches cases by."""

    __tablename__ = "case_party"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=_fk("dispute.id"))
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    household_id: int | None = Field(default=None, sa_column=_fk("household.id", nullable=True))
    phone_hash: str | None = Field(default=None, sa_column=Column(String(64), index=True))


class CaseRelation(SQLModel, table=True):
    """A case related to one registered before it: the same household, phone or address within
    the 12 months before its registration, or linked by hand (`case new --link`). Written when
    the case is registered and never changed, so a month's 重复纠纷 never moves."""

    __tablename__ = "case_relation"
    __table_args__ = (UniqueConstraint("case_id", "related_id", "why"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=_fk("dispute.id"))
    related_id: int = Field(sa_column=_fk("dispute.id"))
    why: str = Field(sa_column=Column(String(10), nullable=False))  # household|phone|address|link


# ---------------------------------------------------------------------------------------------
# People who need a visit (issue 18, docs/design.md §16): household tags, visit plans, visits.


class TagKind(SQLModel, table=True):
    """A household tag of the vocabulary (党员户, 独居老人 …; seeded from core/vocab.TAG_KINDS,
    extendable by the admin): its English label, whether it is personal information (shown
    only inside the household's unit, masked in exports) and its visit interval in days (None:
    no visits planned)."""

    __tablename__ = "tag_kind"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    name_en: str = Field(sa_column=Column(String(50), nullable=False))
    sensitive: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    visit_days: int | None = Field(default=None, sa_column=Column(Integer))


class HouseholdTag(SQLModel, table=True):
    """A tag on a household, from when it was added until it was removed (never deleted, so a
    closed month's figures don't move)."""

    __tablename__ = "household_tag"
    __table_args__ = (Index("ix_household_tag_live", "removed_at", "household_id", "tag_id"),)

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(sa_column=_fk("household.id"))
    tag_id: int = Field(sa_column=_fk("tag_kind.id"))
    note: str | None = Field(default=None, sa_column=Column(String(200)))
    added_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    added_by: str = Field(sa_column=Column(String(100), nullable=False))
    removed_at: datetime | None = Field(default=None, sa_column=Column(DateTime))
    removed_by: str | None = Field(default=None, sa_column=Column(String(100)))


class HouseholdLink(SQLModel, table=True):
    """A 党员中心户 and a household it looks after (roster link)."""

    __tablename__ = "household_link"
    __table_args__ = (UniqueConstraint("center_id", "served_id"),)

    id: int | None = Field(default=None, primary_key=True)
    center_id: int = Field(sa_column=_fk("household.id"))
    served_id: int = Field(sa_column=_fk("household.id"))
    at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    actor: str = Field(sa_column=Column(String(100), nullable=False))


class StaffBuilding(SQLModel, table=True):
    """A building a building head (楼栋长) looks after: they see and log visits for it."""

    __tablename__ = "staff_building"
    __table_args__ = (UniqueConstraint("staff_id", "building_id"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(sa_column=_fk("staff.id"))
    building_id: int = Field(sa_column=_fk("building.id"))


class Visit(SQLModel, table=True):
    """One visit to a household (走访): append-only, its hash covering what it says, linked into
    the ledger chain (core/chain) as source `visit`."""

    __table_args__ = (Index("ix_visit_household_on", "household_id", "on"),)

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(sa_column=_fk("household.id", index=False))
    on: date = Field(sa_column=Column(Date, nullable=False, index=True))
    kind: str = Field(sa_column=Column(String(10), nullable=False))  # home | phone
    note: str | None = Field(default=None, sa_column=Column(Text))
    demand_id: int | None = Field(default=None, sa_column=_fk("demand.id", nullable=True))
    staff_id: int | None = Field(default=None, sa_column=_fk("staff.id", nullable=True))
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class PropertyCompany(SQLModel, table=True):
    """A property-service company (物业服务企业, docs/design.md §15): a unit of its own that
    compounds and complaints name, scored each quarter."""

    __tablename__ = "property_company"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    # 统一社会信用代码 (GB 32100-2015), checked by core/ids.check_credit_code.
    credit_code: str | None = Field(default=None, sa_column=Column(String(18), unique=True))
    phone: str | None = Field(default=None, sa_column=Column(String(40)))
    party_branch: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))


class OwnersCommittee(SQLModel, table=True):
    """An owners' committee (业委会) of a compound for its term [starts_on, ends_on]."""

    __tablename__ = "owners_committee"

    id: int | None = Field(default=None, primary_key=True)
    compound_id: int = Field(sa_column=_fk("compound.id"))
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    members: int = Field(sa_column=Column(Integer, nullable=False))
    party_members: int = Field(sa_column=Column(Integer, nullable=False))


class ScoreRule(SQLModel, table=True):
    """One row of the quarterly scoring table (量化积分, docs/design.md §15): a rule's points
    from a time on. Never updated: a change adds a row, so a closed quarter keeps the rules it
    ended with."""

    __tablename__ = "score_rule"

    key: str = Field(sa_column=Column(String(30), primary_key=True))
    since: datetime = Field(sa_column=Column(DateTime, primary_key=True))
    points: int = Field(sa_column=Column(Integer, nullable=False))


class ScoreItem(SQLModel, table=True):
    """A manual score item for a company: append-only, hashed and linked into the ledger chain;
    taken back only by a counter-item (`counter_of`)."""

    __tablename__ = "score_item"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(sa_column=_fk("property_company.id"))
    points: int = Field(sa_column=Column(Integer, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    evidence: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime = Field(sa_column=Column(DateTime, nullable=False, index=True))
    recorded_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    staff_id: int | None = Field(default=None, sa_column=_fk("staff.id", nullable=True))
    counter_of: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("score_item.id", ondelete="RESTRICT"), unique=True, nullable=True
        ),
    )
    hash: str = Field(sa_column=Column(String(64), nullable=False))
