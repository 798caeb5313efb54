"""The service lists: monthly figures on a constructed history and a regenerated month, an empty
ledger, refused records."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from redprop.core.errors import NotFound, UsageProblem
from redprop.figures.period import month_period
from redprop.servicelists.demands import DemandFacts, get_demand, open_demands, step_demand
from redprop.servicelists.provision import add_item, add_record, add_resource, list_records
from service_lists_helpers import (
    ADMIN,
    CANCEL,
    CLAIM,
    FULFIL,
    REOPEN,
    add,
    clock_fixture,  # noqa: F401  (the fixture `clock`, autouse: REDPROP_NOW)
    ledger_fixture,  # noqa: F401  (the fixture `ledger`)
    month,
    step,
    t,
)

# ---------------------------------------------------------------------------------------------
# 3. Figures on a constructed history


def test_figures_on_a_constructed_history_and_a_regenerated_month(ledger: Session) -> None:
    s = ledger
    add_resource(s, provider="嘉华物业", provider_type="company", kind="people", summary="维修")
    add_item(s, name="幸福食堂", category="助餐", community="铁人路社区")
    add_item(s, name="直饮水站", category="便民", community="铁人路社区", compound="天昊小区")
    add_item(s, name="助老服务", category="助老", community="龙源社区")
    add_record(s, item="幸福食堂", community=None, on=date(2026, 9, 30), served=99, volunteers=9)
    add_record(s, item="幸福食堂", community=None, on=date(2026, 10, 1), served=40, volunteers=3)
    add_record(s, item="幸福食堂", community=None, on=date(2026, 10, 31), served=35, volunteers=2)
    add_record(s, item="直饮水站", community=None, on=date(2026, 10, 15), served=120)
    add_record(s, item="幸福食堂", community=None, on=date(2026, 11, 1), served=50, volunteers=4)
    add_record(
        s, item="助老服务", community="龙源社区", on=date(2026, 11, 15), served=6, volunteers=6
    )

    old = add(s, "2026-09-10T09:00", category="维修")  # fulfilled in September: not open
    step(s, old, CLAIM, "2026-09-11T09:00", by="嘉华物业")
    step(s, old, FULFIL, "2026-09-12T09:00", feedback="修好了", satisfaction="satisfied")

    a = add(s, "2026-10-02T09:00")
    step(s, a, CLAIM, "2026-10-03T09:00", by="杨红军")
    step_demand(
        s,
        number=a,
        action=FULFIL,
        actor=ADMIN,
        facts=DemandFacts(feedback="已送餐", satisfaction="satisfied", item="幸福食堂", served=2),
        at=t("2026-10-05T12:00"),
    )
    b = add(s, "2026-10-04T09:00", category="", wish=True, summary="想要一个书包")
    step(s, b, CLAIM, "2026-10-06T09:00", by="杨红军")
    c = add(s, "2026-10-08T09:00", grid="G014", category="微心愿", summary="一套课外书")
    step(s, c, CLAIM, "2026-10-09T09:00", by="李娟")
    step(s, c, FULFIL, "2026-10-31T23:59", feedback="已送到", satisfaction="basic")
    d = add(s, "2026-10-10T09:00", grid="G002", category="维修")
    step(s, d, CANCEL, "2026-10-12T09:00", reason="居民已自行解决")
    f = add(s, "2026-10-20T09:00", grid="G014", category="微心愿", summary="一双跑鞋")
    e = add(s, "2026-11-01T00:00")  # the first minute of November belongs to November

    october = month(s, "2026-10")
    assert october == {
        "new": 5,
        "claimed": 3,
        "fulfilled": 2,
        "cancelled": 1,
        "reopened": 0,
        "open_at_end": 2,  # b (claimed) and f (open)
        "fulfilment_rate": 3 / 5,  # old, a, c of old, a, b, c, f
        "wish_fulfilment_rate": 1 / 3,  # c of b, c, f
        "served": 197,
        "volunteer_turns": 5,
        "by_item": [
            {
                "item": "幸福食堂",
                "community": "铁人路社区",
                "records": 3,
                "served": 77,
                "volunteers": 5,
            },
            {
                "item": "直饮水站",
                "community": "铁人路社区",
                "records": 1,
                "served": 120,
                "volunteers": 0,
            },
            {
                "item": "助老服务",
                "community": "龙源社区",
                "records": 0,
                "served": 0,
                "volunteers": 0,
            },
        ],
    }
    assert (
        month(s, "2026-10", "铁人路社区")
        == {
            "new": 3,
            "claimed": 2,
            "fulfilled": 1,
            "cancelled": 1,
            "reopened": 0,
            "open_at_end": 1,
            "fulfilment_rate": 2 / 3,  # old, a of old, a, b
            "wish_fulfilment_rate": 0.0,
            "served": 197,
            "volunteer_turns": 5,
            "by_item": october["by_item"][:2],
        }
    )
    assert month(s, "2026-10", "龙源社区") == {
        "new": 2,
        "claimed": 1,
        "fulfilled": 1,
        "cancelled": 0,
        "reopened": 0,
        "open_at_end": 1,
        "fulfilment_rate": 0.5,
        "wish_fulfilment_rate": 0.5,
        "served": 0,
        "volunteer_turns": 0,
        "by_item": october["by_item"][2:],
    }
    october_open = open_demands(s, end=month_period("2026-10").end)
    assert [(r["number"], r["state"]) for r in october_open] == [(b, "claimed"), (f, "open")]
    # The fulfilment of a recorded a service under its item.
    assert [r for r in list_records(s) if r["demand"]] == [
        {
            "item": "幸福食堂",
            "community": "铁人路社区",
            "on": "2026-10-05",
            "served": 2,
            "volunteers": 0,
            "note": f"需求 {a}：代购药品",
            "demand": a,
        }
    ]

    # November: everything moves on.
    step(s, e, CLAIM, "2026-11-02T09:00", by="杨红军")
    step(s, c, REOPEN, "2026-11-03T09:00", reason="书发错了")
    step(s, c, CLAIM, "2026-11-04T09:00", by="ZY-0001")
    step(s, d, REOPEN, "2026-11-05T09:00", reason="又坏了")
    step(s, d, CANCEL, "2026-11-06T09:00", reason="物业已修")
    step_demand(
        s,
        number=b,
        action=FULFIL,
        actor=ADMIN,
        facts=DemandFacts(feedback="已送到", satisfaction="satisfied", item="幸福食堂", served=3),
        at=t("2026-11-07T09:00"),
    )
    step(s, f, CANCEL, "2026-11-08T09:00", reason="已有人捐赠")
    step(s, a, REOPEN, "2026-11-09T09:00", reason="还要再送")
    assert get_demand(s, c).claimed_by == "嘉华物业"

    assert month(s, "2026-10") == october
    assert open_demands(s, end=month_period("2026-10").end) == october_open
    assert month(s, "2026-11") == {
        "new": 1,
        "claimed": 2,
        "fulfilled": 1,
        "cancelled": 2,
        "reopened": 3,
        "open_at_end": 3,  # a (open), c and e (claimed)
        "fulfilment_rate": 2 / 5,  # old, b of old, a, b, c, e
        "wish_fulfilment_rate": 0.5,  # b of b, c
        "served": 59,
        "volunteer_turns": 10,
        "by_item": [
            {
                "item": "幸福食堂",
                "community": "铁人路社区",
                "records": 2,
                "served": 53,
                "volunteers": 4,
            },
            {
                "item": "直饮水站",
                "community": "铁人路社区",
                "records": 0,
                "served": 0,
                "volunteers": 0,
            },
            {
                "item": "助老服务",
                "community": "龙源社区",
                "records": 1,
                "served": 6,
                "volunteers": 6,
            },
        ],
    }
    assert [
        (r["number"], r["state"]) for r in open_demands(s, end=month_period("2026-11").end)
    ] == [
        (a, "open"),
        (c, "claimed"),
        (e, "claimed"),
    ]
    september = month(s, "2026-09")
    assert {k: september[k] for k in ("new", "claimed", "fulfilled", "open_at_end")} == {
        "new": 1,
        "claimed": 1,
        "fulfilled": 1,
        "open_at_end": 0,
    }
    assert (september["fulfilment_rate"], september["wish_fulfilment_rate"]) == (1.0, None)
    assert (september["served"], september["volunteer_turns"]) == (99, 9)
    december = month(s, "2026-12")
    assert {k: december[k] for k in ("new", "claimed", "fulfilled", "cancelled", "reopened")} == (
        dict.fromkeys(("new", "claimed", "fulfilled", "cancelled", "reopened"), 0)
    )
    assert december["open_at_end"] == 3 and december["served"] == 0


def test_an_empty_ledger_has_no_rates(ledger: Session) -> None:
    assert month(ledger, "2026-11") == {
        "new": 0,
        "claimed": 0,
        "fulfilled": 0,
        "cancelled": 0,
        "reopened": 0,
        "open_at_end": 0,
        "fulfilment_rate": None,
        "wish_fulfilment_rate": None,
        "served": 0,
        "volunteer_turns": 0,
        "by_item": [],
    }


def test_record_refusals(ledger: Session) -> None:
    add_item(ledger, name="幸福食堂", category="助餐", community="铁人路社区")
    add_item(ledger, name="幸福食堂", category="助餐", community="龙源社区")
    with pytest.raises(UsageProblem, match="--community"):
        add_record(ledger, item="幸福食堂", community=None, on=date(2026, 11, 1), served=3)
    with pytest.raises(UsageProblem):
        add_record(ledger, item="幸福食堂", community="龙源社区", on=date(2026, 11, 1), served=-1)
    with pytest.raises(UsageProblem):
        add_record(ledger, item="幸福食堂", community="龙源社区", on=date(2027, 1, 1), served=1)
    with pytest.raises(NotFound):
        add_record(ledger, item="洗衣房", community=None, on=date(2026, 11, 1), served=1)
    with pytest.raises(UsageProblem):
        add_item(ledger, name="幸福食堂", category="助餐", community="龙源社区")
    assert list_records(ledger) == []
