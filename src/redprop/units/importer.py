"""`org import`: the unit tree from one flat sheet (社区, 网格编号, 网格名称, 网格类型, 小区, 物业公司,
楼栋, 单元数), idempotent, and all-or-nothing: a file with any bad row changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from redprop.core.errors import RedpropError, RowProblem, UsageProblem
from redprop.core.ids import normalize_building
from redprop.core.models import Building, Community, Compound, Grid, Street
from redprop.excel.read import (
    Header,
    cell_text,
    is_blank_row,
    is_footer_row,
    pick_sheet,
    read_sheets,
)
from redprop.units.edit import parse_grid_kind
from redprop.units.org import default_street, get_street

COLUMNS: dict[str, tuple[str, ...]] = {
    "street": ("街道", "街道名称", "street"),
    "community": ("社区", "社区名称", "community"),
    "grid_code": ("网格编号", "网格代码", "网格编码", "grid_code", "grid code", "code"),
    "grid_name": ("网格名称", "网格", "grid_name", "grid name", "grid"),
    "grid_kind": ("网格类型", "grid_kind", "grid kind", "grid type", "kind"),
    "compound": ("小区", "小区名称", "compound"),
    "company": ("物业公司", "物业服务企业", "物业", "property_company", "property company"),
    "building": ("楼栋", "楼栋号", "楼号", "栋号", "building"),
    "units": ("单元数", "units"),
}
REQUIRED = ("community", "grid_code")


@dataclass
class OrgRow:
    row: int
    street: str
    community: str
    grid_code: str
    grid_name: str
    grid_kind: str
    compound: str
    company: str
    building: str
    units: int | None


@dataclass
class OrgImportResult:
    rows: int = 0
    skipped: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))


class OrgRowsInvalid(RedpropError):
    pass


def import_org(
    session: Session, *, path: Path, street: str | None = None, sheet: str | None = None
) -> OrgImportResult:
    sheets = read_sheets(path)
    chosen, header = pick_sheet(sheets, COLUMNS, REQUIRED, path=path, sheet_name=sheet)
    result = OrgImportResult(ignored_columns=header.unknown)
    problems: list[RowProblem] = []
    rows: list[OrgRow] = []
    for idx in range(header.row_index + 1, len(chosen.rows)):
        raw = chosen.rows[idx]
        if is_blank_row(raw) or is_footer_row(raw):
            result.skipped += 1
            continue
        parsed = _parse_row(header, raw, idx + 1, problems)
        if parsed is not None:
            rows.append(parsed)
    result.rows = len(rows) + len({p.row for p in problems})
    _check_file_consistency(rows, problems)
    # A savepoint: a rejected file leaves nothing behind, even inside a larger transaction.
    savepoint = session.begin_nested()
    if not problems:
        _apply(session, rows, result, problems, default_street_name=street)
    if problems:
        savepoint.rollback()
        problems.sort(key=lambda p: p.row)
        raise OrgRowsInvalid(
            f"{path}：{len({p.row for p in problems})} 行有问题，未导入任何内容；请改正后重新导入",
            f"{path}: {len({p.row for p in problems})} row(s) have problems; nothing was imported. "
            "Correct them and import again",
            details=problems,
        )
    savepoint.commit()
    return result


def _parse_row(header: Header, raw: list[object], excel_row: int, problems: list[RowProblem]):
    def text(name: str) -> str:
        return cell_text(header.get(raw, name))  # type: ignore[arg-type]

    row = OrgRow(
        row=excel_row,
        street=text("street"),
        community=text("community"),
        grid_code=text("grid_code"),
        grid_name=text("grid_name"),
        grid_kind="",
        compound=text("compound"),
        company=text("company"),
        building=normalize_building(text("building")) if text("building") else "",
        units=None,
    )
    before = len(problems)
    if not row.community:
        problems.append(
            RowProblem(
                excel_row, "社区", "社区为空；请填写社区名称", "empty; fill in the community"
            )
        )
    if not row.grid_code:
        problems.append(
            RowProblem(
                excel_row,
                "网格编号",
                "网格编号为空；请填写（如 G001）",
                "empty; fill in the grid code (e.g. G001)",
            )
        )
    try:
        # An empty 网格类型 cell means "not stated": a new grid is then a base grid, and a
        # stored grid keeps its kind.
        row.grid_kind = parse_grid_kind(text("grid_kind")).value if text("grid_kind") else ""
    except UsageProblem:
        problems.append(
            RowProblem(
                excel_row,
                "网格类型",
                f"“{text('grid_kind')}”不是网格类型；请写 基础网格 或 专属网格",
                f"'{text('grid_kind')}' is not a grid kind; write base or special",
            )
        )
    units_text = text("units")
    if units_text:
        if units_text.isdigit() and int(units_text) >= 1:
            row.units = int(units_text)
        else:
            problems.append(
                RowProblem(
                    excel_row,
                    "单元数",
                    f"“{units_text}”不是正整数；请填写单元个数（如 3）",
                    f"'{units_text}' is not a positive whole number; write the number of units",
                )
            )
    if (row.units is not None or row.compound) and not row.building and not row.compound:
        problems.append(
            RowProblem(
                excel_row,
                "楼栋",
                "写了单元数却没有楼栋号；请补上楼栋",
                "units given without a building",
            )
        )
    return row if len(problems) == before else None


def _check_file_consistency(rows: list[OrgRow], problems: list[RowProblem]) -> None:
    """The same grid, compound or building must be described the same way on every row."""
    grids: dict[str, OrgRow] = {}
    buildings: dict[tuple[str, str], OrgRow] = {}
    compounds: dict[tuple[str, str], OrgRow] = {}
    for row in rows:
        first = grids.setdefault(row.grid_code, row)
        if first.community != row.community:
            problems.append(
                _clash(
                    row, "社区", f"网格 {row.grid_code}", first.row, first.community, row.community
                )
            )
        elif row.grid_name and first.grid_name and first.grid_name != row.grid_name:
            problems.append(
                _clash(
                    row,
                    "网格名称",
                    f"网格 {row.grid_code}",
                    first.row,
                    first.grid_name,
                    row.grid_name,
                )
            )
        elif row.grid_name and not first.grid_name:
            grids[row.grid_code] = row
        if row.compound:
            key = (row.community, row.compound)
            seen = compounds.setdefault(key, row)
            if row.company and seen.company and seen.company != row.company:
                problems.append(
                    _clash(
                        row, "物业公司", f"小区 {row.compound}", seen.row, seen.company, row.company
                    )
                )
            elif row.company and not seen.company:
                compounds[key] = row
        if row.building:
            bkey = (row.community, row.building)
            seen_b = buildings.setdefault(bkey, row)
            if seen_b is not row and (
                seen_b.grid_code != row.grid_code
                or seen_b.compound != row.compound
                or (row.units is not None and seen_b.units not in (None, row.units))
            ):
                problems.append(
                    _clash(
                        row,
                        "楼栋",
                        f"楼栋 {row.building}",
                        seen_b.row,
                        "另一种写法",
                        "不同的网格/小区/单元数",
                    )
                )


def _clash(
    row: OrgRow, column: str, what: str, first_row: int, before: str, now: str
) -> RowProblem:
    return RowProblem(
        row.row,
        column,
        f"{what}在第 {first_row} 行写的是“{before}”，这里是“{now}”；同一单元请写成一致",
        f"{what} is '{before}' in row {first_row} and '{now}' here; describe each unit the same way",
    )


def _apply(
    session: Session,
    rows: list[OrgRow],
    result: OrgImportResult,
    problems: list[RowProblem],
    *,
    default_street_name: str | None,
) -> None:
    applier = _Applier(session, result, problems, default_street_name)
    for row in rows:
        applier.apply(row)
    session.flush()


class _Applier:
    """Applies checked rows one at a time: creates the units that are missing, updates those a
    row describes differently, and counts each unit once in the result (its first outcome).
    A row the ledger contradicts becomes a problem and the rest of that row is skipped."""

    def __init__(
        self,
        session: Session,
        result: OrgImportResult,
        problems: list[RowProblem],
        default_street_name: str | None,
    ) -> None:
        self.session = session
        self.result = result
        self.problems = problems
        self.default_street_name = default_street_name
        self.communities = {c.name: c for c in session.scalars(select(Community))}
        self.grids = {g.code: g for g in session.scalars(select(Grid))}
        self.compounds: dict[tuple[int | None, str], Compound] = {
            (c.community_id, c.name): c for c in session.scalars(select(Compound))
        }
        self.buildings: dict[tuple[int | None, str], Building] = {
            (b.community_id, b.number): b for b in session.scalars(select(Building))
        }
        self.street_cache: dict[str, Street] = {}
        self.seen: set[tuple[str, object]] = set()

    def once(self, kind: str, key: object, outcome: str) -> None:
        if (kind, key) in self.seen:
            return
        self.seen.add((kind, key))
        getattr(self.result, outcome)[kind] += 1

    def company_id(self, name: str) -> int | None:
        """The company a row names (a new one when the ledger has none of that name)."""
        if not name:
            return None
        from redprop.units.companies import company_or_new

        return company_or_new(self.session, name)[0].id

    def add(self, unit: Community | Grid | Compound | Building) -> None:
        self.session.add(unit)
        self.session.flush()

    def apply(self, row: OrgRow) -> None:
        community = self.community(row)
        if community is None:
            return
        grid = self.grid(row, community)
        if grid is None:
            return
        compound = self.compound(row, community) if row.compound else None
        if row.building:
            self.building(row, community, grid, compound)

    def community(self, row: OrgRow) -> Community | None:
        """The row's community; a new one is created under the row's street, the --street
        street, or the only street."""
        community = self.communities.get(row.community)
        if community is not None:
            self.once("community", row.community, "unchanged")
            return community
        try:
            street = self.street(row.street or self.default_street_name)
        except RedpropError as exc:
            self.problems.append(RowProblem(row.row, "街道", exc.zh, exc.en))
            return None
        community = Community(name=row.community, street_id=street.id)
        self.add(community)
        self.communities[row.community] = community
        self.once("community", row.community, "created")
        return community

    def street(self, name: str | None) -> Street:
        if name not in self.street_cache:
            self.street_cache[name or ""] = (
                get_street(self.session, name) if name else default_street(self.session)
            )
        return self.street_cache[name or ""]

    def grid(self, row: OrgRow, community: Community) -> Grid | None:
        grid = self.grids.get(row.grid_code)
        if grid is None:
            if not row.grid_name:
                self.problems.append(
                    RowProblem(
                        row.row,
                        "网格名称",
                        f"新网格 {row.grid_code} 没有名称；请填写网格名称",
                        "a new grid needs a name",
                    )
                )
                return None
            grid = Grid(
                code=row.grid_code,
                name=row.grid_name,
                kind=row.grid_kind or "base",
                community_id=community.id,
            )
            self.add(grid)
            self.grids[row.grid_code] = grid
            self.once("grid", row.grid_code, "created")
        elif grid.community_id != community.id:
            owner = next(n for n, c in self.communities.items() if c.id == grid.community_id)
            self.problems.append(
                RowProblem(
                    row.row,
                    "社区",
                    f"网格 {row.grid_code} 已属于社区“{owner}”，不能改到“{row.community}”；请核对网格编号",
                    f"grid {row.grid_code} already belongs to '{owner}', not '{row.community}'; check the code",
                )
            )
            return None
        else:
            changed = False
            if row.grid_name and grid.name != row.grid_name:
                grid.name, changed = row.grid_name, True
            if row.grid_kind and grid.kind != row.grid_kind:
                grid.kind, changed = row.grid_kind, True
            self.once("grid", row.grid_code, "updated" if changed else "unchanged")
        return grid

    def compound(self, row: OrgRow, community: Community) -> Compound:
        ckey = (community.id, row.compound)
        compound = self.compounds.get(ckey)
        if compound is None:
            compound = Compound(
                name=row.compound,
                community_id=community.id,
                company_id=self.company_id(row.company),
            )
            self.add(compound)
            self.compounds[ckey] = compound
            self.once("compound", ckey, "created")
        elif row.company and compound.company_id != self.company_id(row.company):
            compound.company_id = self.company_id(row.company)
            self.once("compound", ckey, "updated")
        else:
            self.once("compound", ckey, "unchanged")
        return compound

    def building(
        self, row: OrgRow, community: Community, grid: Grid, compound: Compound | None
    ) -> None:
        bkey = (community.id, row.building)
        building = self.buildings.get(bkey)
        if building is None:
            building = Building(
                number=row.building,
                community_id=community.id,
                grid_id=grid.id,
                compound_id=compound.id if compound else None,
                units=row.units or 1,
            )
            self.add(building)
            self.buildings[bkey] = building
            self.once("building", bkey, "created")
        elif building.grid_id != grid.id or (compound and building.compound_id != compound.id):
            self.problems.append(
                RowProblem(
                    row.row,
                    "楼栋",
                    f"楼栋 {row.building} 已登记在别的网格或小区；请核对，或先用 redprop org building remove 移除",
                    f"building {row.building} is registered under another grid or compound; check it",
                )
            )
        elif row.units is not None and building.units != row.units:
            building.units = row.units
            self.once("building", bkey, "updated")
        else:
            self.once("building", bkey, "unchanged")
