"""Property companies as units (docs/design.md §15): the credit code's check character, adding,
listing, showing, renaming and removing companies, compounds naming them, the stored names
migrated, and complaints linked to the company (case list --company)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import sqlite_only
from redprop.core.ids import credit_check_char, credit_code_ok

# Public codes printed on business licences, checked by hand against GB 32100-2015.
REAL_CODES = [
    "91440300708461136T",  # 华为技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91350100M000100Y43",  # the standard's own worked example
    "91110000100010433L",
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_pass(code: str) -> None:
    assert credit_code_ok(code)
    assert credit_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    "code",
    [
        "91440300708461136A",  # wrong check character
        "9144030070846113T",  # 17 characters
        "91440300708461136TT",  # 19
        "9144030070846113IT",  # I is never used
        "91440300708461136t",  # not upper-cased (the service upper-cases first)
    ],
)
def test_bad_credit_codes_fail(code: str) -> None:
    assert not credit_code_ok(code)


def test_the_check_character_by_hand() -> None:
    # 9 1 4 4 0 3 0 0 7 0 8 4 6 1 1 3 6 against weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
    values = [9, 1, 4, 4, 0, 3, 0, 0, 7, 0, 8, 4, 6, 1, 1, 3, 6]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(v * w for v, w in zip(values, weights, strict=True))
    assert "0123456789ABCDEFGHJKLMNPQRTUWXY"[31 - total % 31] == "T"


@pytest.fixture
def street(cli) -> None:  # type: ignore[no-untyped-def]
    cli("init", "--street", "城港路街道", "--admin", "王敏")
    cli("org", "community", "add", "铁人路社区")
    cli("org", "grid", "add", "G001", "--name", "天昊网格", "-c", "铁人路社区")
    cli("staff", "add", "张建国", "--role", "street", "--unit", "城港路街道")
    cli("staff", "add", "周涛", "--role", "community", "--unit", "铁人路社区")


def test_company_add_list_show(cli, street) -> None:  # type: ignore[no-untyped-def]
    out = cli(
        "--as",
        "张建国",
        "org",
        "company",
        "add",
        "嘉华物业",
        "--credit-code",
        "91440300708461136t",
        "--party-branch",
        "yes",
    ).stdout
    assert out == "已登记物业公司“嘉华物业”\n"
    cli("org", "compound", "add", "天昊小区", "-c", "铁人路社区", "--company", "嘉华物业")
    rows = json.loads(cli("org", "company", "list", "--json").stdout)
    assert rows == [
        {
            "name": "嘉华物业",
            "credit_code": "91440300708461136T",
            "phone": None,
            "party_branch": True,
            "compounds": 1,
        }
    ]
    shown = cli("org", "company", "show", "91440300708461136T").stdout
    assert "服务小区：铁人路社区 天昊小区" in shown
    assert "党支部：有" in shown
    compounds = json.loads(cli("org", "compound", "list", "--json").stdout)
    assert compounds[0]["property_company"] == "嘉华物业"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--credit-code", "91440300708461136A"],
            "统一社会信用代码“914403*******1136A”的校验位不对（按 GB 32100 应为 T）",
        ),
        (["--credit-code", "914403007084611"], "应为 18 位，而不是 15 位"),
        (["--credit-code", "9144030070846113IT"], "含有不允许的字符 I"),
        (["--party-branch", "maybe"], "--party-branch 只能是 yes 或 no"),
    ],
)
def test_bad_company_input_is_refused_and_nothing_written(cli, street, args, message) -> None:  # type: ignore[no-untyped-def]
    result = cli("org", "company", "add", "嘉华物业", *args, code=2)
    assert message in result.stderr
    assert json.loads(cli("org", "company", "list", "--json").stdout) == []


def test_company_permissions(cli, street) -> None:  # type: ignore[no-untyped-def]
    refused = cli("--as", "周涛", "org", "company", "add", "嘉华物业", code=1)
    assert "无权执行 org company add" in refused.stderr
    cli("--as", "张建国", "org", "company", "add", "嘉华物业")
    cli("--as", "张建国", "org", "company", "add", "世纪之星物业")
    cli("--as", "周涛", "org", "compound", "add", "天昊小区", "-c", "铁人路社区")
    cli("--as", "周涛", "org", "compound", "company", "天昊小区", "世纪之星物业")
    compounds = json.loads(cli("org", "compound", "list", "--json").stdout)
    assert compounds[0]["property_company"] == "世纪之星物业"


def test_a_compound_names_a_known_company_only(cli, street) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "org", "compound", "add", "天昊小区", "-c", "铁人路社区", "--company", "嘉华", code=1
    )
    assert "没有名为“嘉华”的物业公司" in result.stderr
    assert "redprop org company add" in result.stderr
    assert json.loads(cli("org", "compound", "list", "--json").stdout) == []


def test_a_company_in_use_is_not_removed_and_rename_follows(cli, street) -> None:  # type: ignore[no-untyped-def]
    cli("org", "company", "add", "嘉华物业")
    cli("org", "compound", "add", "天昊小区", "-c", "铁人路社区", "--company", "嘉华物业")
    refused = cli("org", "company", "remove", "嘉华物业", code=1)
    assert "不能删除物业公司“嘉华物业”：仍有小区 1 条引用它" in refused.stderr
    cli("org", "company", "rename", "嘉华物业", "嘉华物业服务有限公司")
    compounds = json.loads(cli("org", "compound", "list", "--json").stdout)
    assert compounds[0]["property_company"] == "嘉华物业服务有限公司"
    cli("org", "compound", "company", "天昊小区", "-")
    cli("org", "company", "remove", "嘉华物业服务有限公司")
    assert json.loads(cli("org", "company", "list", "--json").stdout) == []


def test_complaints_reach_the_company(cli, street) -> None:  # type: ignore[no-untyped-def]
    cli("org", "company", "add", "嘉华物业")
    cli("org", "compound", "add", "天昊小区", "-c", "铁人路社区", "--company", "嘉华物业")
    cli("org", "building", "add", "5", "-g", "G001", "--compound", "天昊小区")
    cli("org", "grid", "add", "G002", "--name", "学校网格", "-c", "铁人路社区")
    new = ["case", "new", "--severity", "small", "--party", "罗玉福"]
    at_address = [*new, "--grid", "G001", "--building", "5", "--category", "邻里纠纷"]
    cli(*at_address, "--summary", "楼上漏水")
    # A property dispute without an address: the grid's compounds all have one company.
    cli(*new, "--grid", "G001", "--category", "物业纠纷", "--summary", "电梯停运")
    # Elsewhere, and not about property: no company.
    cli(*new, "--grid", "G002", "--category", "邻里纠纷", "--summary", "噪音")
    listed = json.loads(cli("case", "list", "--company", "嘉华物业", "--json").stdout)
    assert sorted(r["summary"] for r in listed) == ["楼上漏水", "电梯停运"]
    unknown = cli("case", "list", "--company", "无名物业", code=1)
    assert "没有名为“无名物业”的物业公司" in unknown.stderr


@sqlite_only
def test_stored_names_become_companies(tmp_path: Path) -> None:
    from alembic import command

    from redprop.core.db import _alembic_config, make_engine, open_ledger

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = _alembic_config(conn)
        command.upgrade(cfg, "0014")
    engine.dispose()
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("INSERT INTO street (id, name) VALUES (1, '城港路街道')")
        conn.execute("INSERT INTO community (id, name, street_id) VALUES (1, '铁人路社区', 1)")
        for i, (name, company) in enumerate(
            [("天昊小区", "嘉华物业"), ("龙源小区", "嘉华物业"), ("鑫海小区", None)], 1
        ):
            conn.execute(
                "INSERT INTO compound (id, community_id, name, property_company) "
                "VALUES (?, 1, ?, ?)",
                (i, name, company),
            )
    open_ledger(url).dispose()
    with sqlite3.connect(tmp_path / "old.db") as conn:
        assert conn.execute("SELECT id, name FROM property_company").fetchall() == [(1, "嘉华物业")]
        assert conn.execute("SELECT name, company_id FROM compound ORDER BY id").fetchall() == [
            ("天昊小区", 1),
            ("龙源小区", 1),
            ("鑫海小区", None),
        ]


def test_a_company_code_is_shown_but_an_id_is_still_masked() -> None:
    from redprop.core.ids import scrub

    assert scrub("代码 91440300708461136T") == "代码 91440300708461136T"
    assert scrub("91440300708461136A") == "914403*******1136A"  # not a valid code: masked
    assert scrub("620981199710148776T") == "620981********8776T"  # an ID before a letter
    assert scrub("62098119971014877X") == "620981********877X"


@pytest.fixture
def committees(cli, street) -> None:  # type: ignore[no-untyped-def]
    cli("org", "community", "add", "龙源社区")
    cli("org", "company", "add", "嘉华物业")
    cli("org", "company", "add", "世纪之星物业")
    cli("org", "compound", "add", "天昊小区", "-c", "铁人路社区", "--company", "嘉华物业")
    cli("org", "compound", "add", "鑫海小区", "-c", "铁人路社区")
    cli("org", "compound", "add", "龙源小区", "-c", "龙源社区", "--company", "世纪之星物业")
    add = ["--as", "周涛", "org", "committee", "add"]
    term = ["--from", "2024-01-01", "--to", "2028-12-31"]
    cli(*add, "--compound", "天昊小区", *term, "--members", "7", "--party-members", "5")
    cli(*add, "--compound", "鑫海小区", *term, "--members", "5", "--party-members", "2")
    old = ["--from", "2019-01-01", "--to", "2023-12-31", "--members", "5", "--party-members", "3"]
    cli("org", "committee", "add", "--compound", "龙源小区", *old)


def test_committee_coverage_as_of_a_day(cli, committees) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(cli("org", "committee", "coverage", "--at", "2026-12-31", "--json").stdout)
    got = {
        r["unit"]: (
            r["compounds"],
            r["with_company"],
            r["company_rate"],
            r["with_committee"],
            r["committee_rate"],
            r["party_share"],
            r["under_share"],
        )
        for r in rows
    }
    assert got == {
        "铁人路社区": (2, 1, 0.5, 2, 1.0, 0.583, 1),
        "龙源社区": (1, 1, 1.0, 0, 0.0, None, 0),
        "城港路街道": (3, 2, 0.667, 2, 0.667, 0.583, 1),
    }
    assert [r["unit_kind"] for r in rows] == ["community", "community", "street"]
    # In 2020 only 龙源小区's old committee was in term.
    old = json.loads(cli("org", "committee", "coverage", "--at", "2020-06-01", "--json").stdout)
    assert [(r["unit"], r["with_committee"]) for r in old] == [
        ("铁人路社区", 0),
        ("龙源社区", 1),
        ("城港路街道", 1),
    ]
    text = cli("org", "committee", "coverage", "--at", "2026-12-31").stdout
    assert "铁人路社区\t2\t1\t50.0%\t2\t100.0%\t58.3%\t1" in text
    listed = json.loads(cli("org", "committee", "list", "-c", "铁人路社区", "--json").stdout)
    assert [(r["compound"], r["party_share"]) for r in listed] == [
        ("天昊小区", 0.714),
        ("鑫海小区", 0.4),
    ]
    assert "党员占比：71.4%" in cli("org", "committee", "show", "1").stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--from", "2027-01-01", "--to", "2029-12-31"], 1, "已有任期 2024-01-01 至 2028-12-31"),
        (["--from", "2030-01-01", "--to", "2029-12-31"], 2, "任期结束日 2029-12-31 早于开始日"),
        (
            ["--from", "2030-01-01", "--to", "2034-12-31", "--members", "0"],
            2,
            "委员人数须在 1 到 99",
        ),
        (
            ["--from", "2030-01-01", "--to", "2034-12-31", "--party-members", "8"],
            2,
            "党员人数须在 0 到委员人数 7 之间",
        ),
    ],
)
def test_bad_committees_are_refused(cli, committees, args, code, message) -> None:  # type: ignore[no-untyped-def]
    full = dict(zip(["--members", "--party-members"], ["7", "3"], strict=True))
    rest = list(args)
    for key, value in full.items():
        if key not in rest:
            rest += [key, value]
    result = cli("org", "committee", "add", "--compound", "天昊小区", *rest, code=code)
    assert message in result.stderr
    assert len(json.loads(cli("org", "committee", "list", "--json").stdout)) == 3


def test_committees_are_the_communitys(cli, committees) -> None:  # type: ignore[no-untyped-def]
    term = ["--from", "2024-01-01", "--to", "2028-12-31", "--members", "5", "--party-members", "3"]
    refused = cli(
        "--as", "周涛", "org", "committee", "add", "--compound", "龙源小区", *term, code=1
    )
    assert "不能对其辖区以外的单位执行 org committee add" in refused.stderr
    cli("--as", "张建国", "org", "committee", "add", "--compound", "龙源小区", *term)
