"""Households after import: listing, showing and exporting the roster, masked unless the user
asks to unmask, and every unmask request recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.config import LOCAL_TZ
from redprop.core.config import now as clock_now
from redprop.core.errors import UsageProblem
from redprop.core.ids import (
    mask_id,
    mask_phone,
    normalize_building,
    scrub,
)
from redprop.core.models import Building, Community, Compound, Grid, Household, UnmaskLog
from redprop.roster.file import HEADERS
from redprop.units.org import get_community, get_grid

EXPORT_FIELDS = (
    "community",
    "grid",
    "compound",
    "building",
    "unit",
    "room",
    "head_name",
    "id_number",
    "phone",
    "persons",
    "hukou",
    "housing",
    "note",
    "registered_on",
    "tags",
)


def unmasking_staff(
    session: Session,
    actor: str | None,
    *,
    community: str | None = None,
    grid: str | None = None,
    household: Household | None = None,
) -> str:
    """Who asks to see numbers in full: a staff member whose role and unit allow "roster unmask"
    over what is shown (units.authority), checked before anything unmasked is shown or written."""
    from redprop.units.authority import authorize, reach, reach_named

    if not actor:
        raise UsageProblem(
            "显示完整身份证号和电话须用 --as 姓名 指明是谁在查看（会被记录）",
            "Unmasking needs --as NAME: who is looking is recorded",
        )
    if household is not None:
        where = reach(session, grid_id=household.grid_id)
        return authorize(session, actor, "roster unmask", where).name
    return authorize(
        session,
        actor,
        "roster unmask",
        lambda m: reach_named(session, actor=m, community=community, grid=grid),
    ).name


def record_unmask(
    session: Session, *, actor: str | None, command: str, scope: str, rows: int
) -> None:
    """Unmasking is itself recorded: who, when, which command, what (the caller checked that
    `actor` may, with unmasking_staff)."""
    from redprop.units.authority import acting

    name = acting(session, actor).name
    at = clock_now().astimezone(LOCAL_TZ).replace(tzinfo=None, microsecond=0)
    session.add(UnmaskLog(at=at, actor=name, command=command, scope=scope, rows=rows))
    session.flush()
    # Also in the hash-chained admin log, so a request deleted from unmask_log shows.
    from redprop.core.adminlog import record

    record(
        session,
        actor=name,
        command=f"unmask: {command}",
        target=scope,
        data={"rows": rows},
        at=at,
    )


def _query(
    session: Session,
    *,
    community: str | None,
    grid: str | None,
    building: str | None,
    flagged: bool = False,
):  # type: ignore[no-untyped-def]
    query = (
        select(Household, Community.name, Grid.code, Building.number, Compound.name)
        .join(Community, Community.id == Household.community_id)
        .join(Grid, Grid.id == Household.grid_id)
        .join(Building, Building.id == Household.building_id)
        .outerjoin(Compound, Compound.id == Building.compound_id)
        .order_by(Household.community_id, Building.id, Household.unit, Household.room)
    )
    if community:
        query = query.where(Household.community_id == get_community(session, community).id)
    if grid:
        query = query.where(Household.grid_id == get_grid(session, grid).id)
    if building:
        query = query.where(Building.number == normalize_building(building))
    if flagged:
        query = query.where(Household.flags != "")
    return query


def _row(
    h: Household, community: str, grid: str, building: str, compound: str | None, *, unmask: bool
) -> dict[str, Any]:
    # Free text is masked too (an ID typed into 备注); a re-import of the masked text keeps
    # what is stored (roster.changes).
    text = (lambda v: v) if unmask else (lambda v: scrub(v) if v else v)
    return {
        "id": h.id,
        "community": community,
        "grid": grid,
        "compound": compound,
        "building": building,
        "unit": h.unit,
        "room": text(h.room),
        "head_name": text(h.head_name),
        "id_number": (h.id_number if unmask else mask_id(h.id_number)) or None,
        "phone": (h.phone if unmask else mask_phone(h.phone)) or None,
        "persons": h.persons,
        "hukou": text(h.hukou),
        "housing": text(h.housing),
        "note": text(h.note),
        "registered_on": h.registered_on.isoformat() if h.registered_on else None,
        "flags": [f for f in h.flags.split(",") if f],
    }


def list_households(
    session: Session,
    *,
    community: str | None = None,
    grid: str | None = None,
    building: str | None = None,
    flagged: bool = False,
    viewer: str | None = None,
    tag: str | None = None,
) -> Iterator[dict[str, Any]]:
    """The households, masked, each with the tags `viewer` may see (roster/tags); with `tag`,
    only those with that tag, as far as the viewer may see it (a personal tag inside their
    unit only: filtering must not say what the list would not show)."""
    from redprop.roster.tags import shown_tags, tagged_with
    from redprop.roster.tags import viewer as find_viewer

    member = find_viewer(session, viewer)
    query = _query(session, community=community, grid=grid, building=building, flagged=flagged)
    if tag:
        query = query.where(tagged_with(session, tag, member))
    for part in session.execute(query).partitions(500):
        tags = shown_tags(session, member, [r[0].id for r in part])
        for h, comm, code, number, compound in part:
            yield _row(h, comm, code, number, compound, unmask=False) | {
                "tags": tags.get(h.id, [])  # type: ignore[arg-type]
            }


def find_household(session: Session, ref: str) -> Household:
    """By the household's number (#12 or 12) or its address: 铁人路社区/5-2-301, 5-2-301, 5-301
    (roster/address)."""
    from redprop.roster.address import find_household_row

    return session.get_one(Household, find_household_row(session, ref).id)


def show_household(
    session: Session, *, ref: str, unmask: bool = False, actor: str | None = None
) -> dict[str, Any]:
    h = find_household(session, ref)
    building = session.get_one(Building, h.building_id)
    compound = session.get(Compound, building.compound_id) if building.compound_id else None
    if unmask:
        unmasking_staff(session, actor, household=h)
        record_unmask(session, actor=actor, command="roster show", scope=ref, rows=1)
    from redprop.roster.tags import served_by, shown_tags, viewer

    return _row(
        h,
        session.get_one(Community, h.community_id).name,
        session.get_one(Grid, h.grid_id).code,
        building.number,
        compound.name if compound else None,
        unmask=unmask,
    ) | {
        "tags": shown_tags(session, viewer(session, actor), [h.id]).get(h.id, []),  # type: ignore[list-item]
        "serves": served_by(session, h.id),  # type: ignore[arg-type]
    }


def export_roster(
    session: Session,
    *,
    out: Path,
    community: str | None = None,
    grid: str | None = None,
    unmask: bool = False,
    actor: str | None = None,
) -> int:
    """The roster with Chinese headers, masked unless unmask; re-imports with no change."""
    from redprop.excel.write import write_table

    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageProblem(
            "导出文件须以 .xlsx 或 .csv 结尾", "The export file must end in .xlsx or .csv"
        )
    if unmask:
        # refuse before a single full number is written
        unmasking_staff(session, actor, community=community, grid=grid)
    query = _query(session, community=community, grid=grid, building=None)
    from redprop.roster.tags import shown_tags, viewer

    # Personal tags only with --unmask, and then only those of the actor's unit (roster/tags).
    member = viewer(session, actor) if unmask else None

    def rows() -> Iterator[list[Any]]:
        for part in session.execute(query).partitions(500):
            tags = shown_tags(session, member, [r[0].id for r in part], unmask=unmask)
            yield from (_export_row(r, tags, unmask=unmask) for r in part)

    widths = [12, 8, 12, 6, 6, 8, 10, 22, 16, 8, 10, 10, 20, 12, 20]
    count = write_table(
        out, [HEADERS[f] for f in EXPORT_FIELDS], rows(), sheet="住户花名册", widths=widths
    )
    if unmask:
        scope = (
            " ".join(f"{k}={v}" for k, v in (("community", community), ("grid", grid)) if v)
            or "all"
        )
        record_unmask(
            session, actor=actor, command="roster export", scope=f"{out.name} {scope}", rows=count
        )
    return count


def _export_row(found: Any, tags: dict[int, list[str]], *, unmask: bool) -> list[Any]:
    h, comm, code, number, compound = found
    r = _row(h, comm, code, number, compound, unmask=unmask)
    return [
        r["community"],
        r["grid"],
        r["compound"],
        r["building"],
        r["unit"],
        r["room"],
        r["head_name"],
        r["id_number"],
        r["phone"],
        r["persons"],
        r["hukou"],
        r["housing"],
        r["note"],
        h.registered_on,
        "、".join(tags.get(h.id, [])) or None,
    ]


def unmask_log(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "at": r.at.isoformat(timespec="seconds"),
            "actor": r.actor,
            "command": r.command,
            "scope": r.scope,
            "rows": r.rows,
        }
        for r in session.scalars(select(UnmaskLog).order_by(UnmaskLog.id))
    ]
