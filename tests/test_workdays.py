"""Working-day arithmetic on an explicit calendar: weekends, 国庆 holidays and 调休 make-up days.

The dates below are counted by hand on a paper calendar of September–October 2026:

    Sep 2026                    Oct 2026
    Mo Tu We Th Fr Sa Su        Mo Tu We Th Fr Sa Su
    21 22 23 24 25 26 [27]             (1)(2)(3)(4)
    28 29 30                    (5)(6)(7) 8  9 [10] 11
                                12 13 14 15 16 17  18

    (n) = holiday 国庆 2026-10-01..07, [n] = make-up working day (Sun 09-27, Sat 10-10).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from redprop.core.workdays import Calendar

pytestmark = pytest.mark.nodb  # never opens a ledger: no database on PostgreSQL

HOLIDAYS = [date(2026, 10, d) for d in range(1, 8)]
MAKEUP = [date(2026, 9, 27), date(2026, 10, 10)]
NATIONAL_DAY = Calendar.of(holidays=HOLIDAYS, workdays=MAKEUP)
PLAIN = Calendar.of()


def test_the_hand_drawn_calendar_is_what_we_think() -> None:
    assert date(2026, 9, 27).strftime("%a") == "Sun"
    assert date(2026, 9, 30).strftime("%a") == "Wed"
    assert date(2026, 10, 1).strftime("%a") == "Thu"
    assert date(2026, 10, 10).strftime("%a") == "Sat"


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 25), True),  # Friday
        (date(2026, 9, 26), False),  # Saturday
        (date(2026, 9, 27), True),  # Sunday, make-up working day
        (date(2026, 9, 30), True),  # Wednesday before the holiday
        (date(2026, 10, 1), False),  # 国庆, a Thursday
        (date(2026, 10, 2), False),  # holiday Friday
        (date(2026, 10, 3), False),  # holiday Saturday
        (date(2026, 10, 5), False),  # holiday Monday
        (date(2026, 10, 7), False),  # last holiday, a Wednesday
        (date(2026, 10, 8), True),  # first working day after
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 10, 12), True),  # Monday
    ],
)
def test_is_workday(day: date, working: bool) -> None:
    assert NATIONAL_DAY.is_workday(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 9, 30), 0, date(2026, 9, 30)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # jumps the whole holiday
        (date(2026, 9, 30), 2, date(2026, 10, 9)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # the make-up Saturday counts
        (date(2026, 9, 30), 4, date(2026, 10, 12)),  # Sunday 10-11 does not
        (date(2026, 9, 30), 5, date(2026, 10, 13)),  # a grid case's limit
        (date(2026, 9, 30), 10, date(2026, 10, 20)),  # a community case's limit
        (date(2026, 9, 25), 1, date(2026, 9, 27)),  # Friday + 1 = the make-up Sunday
        (date(2026, 9, 25), 2, date(2026, 9, 28)),
        (date(2026, 9, 25), 5, date(2026, 10, 8)),  # 27, 28, 29, 30, then 10-08
        (date(2026, 10, 3), 0, date(2026, 10, 3)),  # 0 days: the start, even on a holiday
        (date(2026, 10, 3), 1, date(2026, 10, 8)),  # starting inside the holiday
        (date(2026, 10, 9), 1, date(2026, 10, 10)),
        (date(2026, 10, 10), 1, date(2026, 10, 12)),
        (date(2026, 9, 21), 15, date(2026, 10, 15)),  # a street case's limit across 国庆
    ],
)
def test_add_workdays_across_national_day(start: date, days: int, expected: date) -> None:
    assert NATIONAL_DAY.add_workdays(start, days) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 9, 30), date(2026, 10, 13), 5),
        (date(2026, 9, 30), date(2026, 10, 7), 0),  # the holiday alone: no working days
        (date(2026, 9, 30), date(2026, 10, 8), 1),
        (date(2026, 9, 30), date(2026, 10, 11), 3),  # 10-08, 10-09 and the make-up 10-10
        (date(2026, 9, 25), date(2026, 10, 10), 7),  # 27 28 29 30 | 8 9 10
        (date(2026, 9, 20), date(2026, 10, 11), 12),  # 5 + 1 (Sun 27) + 3 + 3
        (date(2026, 9, 26), date(2026, 9, 27), 1),  # Saturday → make-up Sunday
        (date(2026, 10, 3), date(2026, 10, 3), 0),  # empty interval
        (date(2026, 10, 13), date(2026, 9, 30), 0),  # end before start
    ],
)
def test_workdays_between_across_national_day(start: date, end: date, expected: int) -> None:
    assert NATIONAL_DAY.workdays_between(start, end) == expected


def test_without_the_holiday_the_same_week_is_ordinary() -> None:
    assert PLAIN.add_workdays(date(2026, 9, 30), 5) == date(2026, 10, 7)
    assert PLAIN.workdays_between(date(2026, 9, 30), date(2026, 10, 13)) == 9
    assert not PLAIN.is_workday(date(2026, 10, 10))
    assert not PLAIN.is_workday(date(2026, 9, 27))
    assert PLAIN.is_workday(date(2026, 10, 1))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 6), 1, date(2026, 11, 9)),  # Friday + 1 = Monday
        (date(2026, 11, 6), 5, date(2026, 11, 13)),  # Friday + 5 = next Friday
        (date(2026, 11, 7), 1, date(2026, 11, 9)),  # Saturday + 1 = Monday
        (date(2026, 11, 8), 5, date(2026, 11, 13)),  # Sunday + 5 = Friday
        (date(2026, 11, 2), 10, date(2026, 11, 16)),  # two full weeks
        (date(2026, 12, 31), 1, date(2027, 1, 1)),  # across the year end
    ],
)
def test_weekends_only(start: date, days: int, expected: date) -> None:
    assert PLAIN.add_workdays(start, days) == expected


def test_weekend_counts() -> None:
    # (Fri, Mon]: Saturday and Sunday are not working days.
    assert PLAIN.workdays_between(date(2026, 11, 6), date(2026, 11, 9)) == 1
    assert PLAIN.workdays_between(date(2026, 11, 6), date(2026, 11, 8)) == 0
    assert PLAIN.workdays_between(date(2026, 11, 1), date(2026, 11, 30)) == 21


def test_add_and_between_agree_everywhere_around_the_holiday() -> None:
    for offset in range(-10, 25):
        start = date(2026, 10, 1) + timedelta(days=offset)
        for n in range(0, 20):
            end = NATIONAL_DAY.add_workdays(start, n)
            assert NATIONAL_DAY.workdays_between(start, end) == n
            if n:
                assert NATIONAL_DAY.is_workday(end)
                assert NATIONAL_DAY.workdays_between(start, end - timedelta(days=1)) == n - 1


def test_calendar_of_takes_any_iterables_and_is_hashable() -> None:
    cal = Calendar.of(holidays=iter(HOLIDAYS), workdays=(d for d in MAKEUP))
    assert cal == NATIONAL_DAY
    assert hash(cal) == hash(NATIONAL_DAY)
    assert Calendar() == PLAIN
