"""Who may run each command that writes or unmasks, over which units: one table of data, like the
ladder, and one check (`authorize`).

A row of PERMISSIONS names a command and the (role, scope) pairs allowed to run it. The scope is
the unit of the actor's that must contain what the command acts on (its `Reach`): "ledger" (the
admin: everything), "street", "community" or "grid". Case actions are not here: the ladder's own
grant table (cases/rules.GRANTS) decides them per level, with the same scopes.

Staff changes have one rule more (RANK): no one adds, changes or retires a member whose role is
not strictly below their own, so a grid worker can't make an admin and a community worker can't
retire another community worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from redprop.core.errors import RedpropError
from redprop.core.models import Building, Community, Compound, Grid, Staff, Street
from redprop.core.vocab import ROLES, Role, both


class NotAllowed(RedpropError):
    """No actor, an unknown one, or one whose role or unit does not allow this command here:
    refused (exit 1, like every refusal), nothing written."""


@dataclass(frozen=True)
class Reach:
    """The units a command acts on: the street, community and grid that contain it (None where
    it spans more: a street-wide command has no community)."""

    street_id: int | None = None
    community_id: int | None = None
    grid_id: int | None = None


ADMIN = (Role.admin, "ledger")
STREET = (Role.street, "street")
COMMUNITY = (Role.community, "community")
GRID_TEAM = ((Role.grid_leader, "grid"), (Role.grid_worker, "grid"))
BUILDING = (Role.building_head, "grid")

_UNITS = (ADMIN, STREET, COMMUNITY)
_EVERYDAY = (ADMIN, STREET, COMMUNITY, *GRID_TEAM)

# command -> who may run it, over what. Read as: "org grid add" may be run by the admin, by
# street staff in their street, by community staff in their community.
PERMISSIONS: dict[str, tuple[tuple[Role, str], ...]] = {
    "org import": (ADMIN, STREET),
    "org street add": (ADMIN,),
    "org street rename": (ADMIN,),
    "org street remove": (ADMIN,),
    "org community add": (ADMIN, STREET),
    "org community rename": (ADMIN, STREET),
    "org community remove": (ADMIN, STREET),
    **{
        f"org {kind} {verb}": _UNITS
        for kind in ("grid", "compound", "building")
        for verb in ("add", "rename", "remove")
    },
    "staff add": (ADMIN, STREET, COMMUNITY),
    "staff remove": (ADMIN, STREET, COMMUNITY),
    # A roster is kept by the community; a grid team keeps its own grid's rows. Unmasking a
    # household's numbers follows the same scope.
    "roster import": _EVERYDAY,
    "roster unmask": _EVERYDAY,
    # Held IDs and phones of rejected rows (roster/held) are ledger-wide: dropped by those who
    # oversee every community's imports.
    "roster errors purge": (ADMIN, STREET),
    "case import": (ADMIN, STREET),
    "case sweep": (ADMIN, STREET),
    "case category add": (ADMIN, STREET),
    "calendar add": (ADMIN, STREET),
    "calendar import": (ADMIN, STREET),
    "ladder set": (ADMIN,),
    "service import": _UNITS,
    "service demand add": (*_EVERYDAY, BUILDING),
    "service demand step": _EVERYDAY,
    "service resource add": _UNITS,
    "service item add": _UNITS,
    "service record add": _UNITS,
    # Meetings and the rectification ledger (docs/design.md §14): over the meeting's unit, so
    # community staff for their community's meetings, street staff and the admin above them.
    # Verifying (or rejecting) a task is the meeting's unit's own check.
    "meeting new": _UNITS,
    "meeting item add": _UNITS,
    "meeting decide": _UNITS,
    "rectify step": _UNITS,
    "rectify verify": _UNITS,
    # Household tags and visits (docs/design.md §16): the grid team keeps its grid's tags and
    # visits, community and street staff theirs; building heads log visits to their buildings
    # (units/scope narrows them to those). The vocabulary and the visit plans are the admin's.
    "roster tag add": _EVERYDAY,
    "roster tag remove": _EVERYDAY,
    "roster tag define": (ADMIN,),
    "roster link": _EVERYDAY,
    "visit log": (*_EVERYDAY, BUILDING),
    "visit plan": (ADMIN,),
    # Property companies and their scoring (docs/design.md §15): companies serve compounds
    # across communities, so the street keeps them; a compound's company is its community's
    # business; manual score items by community or street staff (the service narrows them to
    # companies serving their unit); the rule table is the admin's.
    "org company add": (ADMIN, STREET),
    "org company rename": (ADMIN, STREET),
    "org company remove": (ADMIN, STREET),
    "org compound company": _UNITS,
    "org committee add": _UNITS,
    "score add": _UNITS,
    "score rules import": (ADMIN,),
    "db upgrade": (ADMIN,),
    "db backup": (ADMIN,),
    "db copy": (ADMIN,),
}

# Lower is more: staff may only manage roles strictly below their own.
RANK: dict[Role, int] = {
    Role.admin: 0,
    Role.street: 1,
    Role.community: 2,
    Role.grid_leader: 3,
    Role.mediator: 3,
    Role.grid_worker: 4,
    Role.building_head: 5,
}


def within(actor: Staff, scope: str, reach: Reach) -> bool:
    """Whether `actor`'s unit of kind `scope` contains `reach`."""
    if scope == "ledger":
        return True
    if scope == "street":
        return actor.street_id is not None and actor.street_id == reach.street_id
    if scope == "community":
        return actor.community_id is not None and actor.community_id == reach.community_id
    if scope == "grid":
        return actor.grid_id is not None and actor.grid_id == reach.grid_id
    return False


def acting(session: Session, name: str | None) -> Staff:
    """The active staff member `--as` names (or REDPROP_USER), or why not (units.staff)."""
    from redprop.units.staff import acting_staff

    return acting_staff(session, name, refuse=NotAllowed)


def who_may(command: str) -> tuple[str, str]:
    """The roles a command allows, in both languages, for a refusal."""
    pairs = PERMISSIONS[command]
    zh = "、".join(dict.fromkeys(both(ROLES, role)[0] for role, _ in pairs))
    en = ", ".join(dict.fromkeys(both(ROLES, role)[1] for role, _ in pairs))
    return zh, en


def allowed(member: Staff, command: str, reach: Reach) -> bool:
    return any(
        member.role == role and within(member, scope, reach) for role, scope in PERMISSIONS[command]
    )


def authorize(
    session: Session, actor: str | None, command: str, reach: Reach | Callable[[Staff], Reach]
) -> Staff:
    """The acting staff member, if the table lets them run `command` over `reach` (or over what
    `reach(member)` gives, once the member is known); otherwise a refusal that says who may."""
    member = acting(session, actor)
    if callable(reach):
        reach = reach(member)
    if allowed(member, command, reach):
        return member
    zh, en = who_may(command)
    role_zh, role_en = both(ROLES, member.role)
    if any(member.role == role for role, _ in PERMISSIONS[command]):
        raise NotAllowed(
            f"{member.name}（{role_zh}）不能对其辖区以外的单位执行 {command}；请由该单位的工作人员办理",
            f"{member.name} ({role_en}) can't run {command} outside their unit; ask that unit's staff",
        )
    raise NotAllowed(
        f"{member.name}（{role_zh}）无权执行 {command}；可以执行的角色：{zh}",
        f"{member.name} ({role_en}) may not run {command}; allowed: {en}",
    )


def check_rank(member: Staff, role: str, what: tuple[str, str]) -> None:
    """Refuse a staff change to or of a member of `role` unless it is strictly below `member`'s
    own (the admin may change anyone). `what` says what was refused."""
    if member.role == Role.admin or RANK[Role(member.role)] < RANK[Role(role)]:
        return
    mine_zh, mine_en = both(ROLES, member.role)
    theirs_zh, theirs_en = both(ROLES, role)
    raise NotAllowed(
        f"{member.name}（{mine_zh}）不能{what[0]}{theirs_zh}：只能管理比自己层级低的角色；请由上级办理",
        f"{member.name} ({mine_en}) can't {what[1]} a {theirs_en}: only roles below their own; "
        "ask a higher level",
    )


# -- what a command reaches ---------------------------------------------------------------------


def reach(
    session: Session,
    *,
    street_id: int | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
) -> Reach:
    """The reach of a unit given by its most precise id, its parents filled in."""
    if grid_id is not None:
        community_id = session.get(Grid, grid_id).community_id  # type: ignore[union-attr]
    if community_id is not None:
        street_id = session.get(Community, community_id).street_id  # type: ignore[union-attr]
    return Reach(street_id, community_id, grid_id)


def reach_of(
    session: Session, unit: Street | Community | Grid | Compound | Building | None
) -> Reach:
    """The reach of one unit of the tree (None: the whole ledger, reached only by the admin)."""
    if unit is None:
        return Reach()
    if isinstance(unit, Street):
        return Reach(street_id=unit.id)
    if isinstance(unit, Community):
        return reach(session, community_id=unit.id)
    if isinstance(unit, Grid | Building):
        return reach(session, grid_id=unit.id if isinstance(unit, Grid) else unit.grid_id)
    return reach(session, community_id=unit.community_id)


def reach_of_staff(session: Session, member: Staff) -> Reach:
    """The unit a staff member belongs to, as a reach (for adding, changing or retiring them)."""
    return reach(
        session,
        street_id=member.street_id,
        community_id=member.community_id,
        grid_id=member.grid_id,
    )


def reach_named(
    session: Session,
    *,
    actor: Staff,
    own: bool = False,
    street: str | None = None,
    community: str | None = None,
    grid: str | None = None,
    unit: tuple[str, str, str | None, str | None] | None = None,
    default_street: bool = False,
    staff_unit: str | None = None,
    staff: str | None = None,
) -> Reach:
    """What a command reaches, from the names its options give: a street, community or grid, an
    existing unit (`unit`: kind, key, community, grid), a new staff member's unit (`staff_unit`)
    or an existing member's (`staff`), the actor's own unit (`own`), the default street when
    none is named (`default_street`), or else the whole ledger."""
    from redprop.units import org

    if actor.role == Role.admin:
        return Reach()  # the admin reaches the whole ledger; nothing to look up
    if own:
        return reach_of_staff(session, actor)
    if staff_unit is not None:  # the unit a new member will belong to
        return reach_of(session, org.resolve_unit(session, staff_unit))
    if staff is not None:  # an existing member's unit
        from redprop.units.staff import get_staff

        return reach_of_staff(session, get_staff(session, staff))
    if unit is not None:
        kind, key, in_community, in_grid = unit
        found = org.find_unit(session, kind=kind, key=key, community=in_community, grid=in_grid)
        return reach_of(session, found)
    if grid:
        return reach_of(session, org.get_grid(session, grid))
    if community:
        return reach_of(session, org.get_community(session, community))
    if street or default_street:
        return reach_of(session, org.default_street(session, street))
    return Reach()
