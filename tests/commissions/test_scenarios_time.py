"""Periods and days run in the plan's time zone: month and quarter ends, daylight-saving days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from commissions import periods
from tests.commissions.conftest import (
    at,
    conversation,
    followup_done,
    paid,
    person,
    statement_for,
    won,
)

PER_TALK = ("per_conversation", {"amount": "10.00"})


def test_in_berlin_2330_utc_on_the_last_day_of_january_is_already_february(rep, plan_for):
    plan = plan_for(PER_TALK, reps=[rep], tz="Europe/Berlin")
    dana = person(rep, "Dana", "Whitfield")
    conversation(rep, dana, when=at(2026, 1, 31, 23, 30))  # 00:30 on Feb 1 in Berlin (CET, +1)
    assert paid(statement_for(plan, rep, date(2026, 1, 1))) == []
    assert paid(statement_for(plan, rep, date(2026, 2, 1))) == [
        ("Helped Dana Whitfield on Feb 1", Decimal("10.00"))
    ]


def test_in_new_york_early_utc_hours_of_the_first_still_belong_to_the_month_before(rep, plan_for):
    plan = plan_for(PER_TALK, reps=[rep], tz="America/New_York")
    conversation(rep, person(rep, "Ana", "Lima"), when=at(2026, 3, 31, 23, 30))  # 19:30 EDT
    conversation(rep, person(rep, "Ben", "Okoro"), when=at(2026, 4, 1, 2, 30))  # 22:30 EDT Mar 31
    conversation(rep, person(rep, "Cy", "Park"), when=at(2026, 3, 1, 3, 0))  # 22:00 EST Feb 28
    assert paid(statement_for(plan, rep, date(2026, 3, 1))) == [
        ("Helped Ana Lima on Mar 31", Decimal("10.00")),
        ("Helped Ben Okoro on Mar 31", Decimal("10.00")),
    ]
    assert paid(statement_for(plan, rep, date(2026, 2, 1))) == [
        ("Helped Cy Park on Feb 28", Decimal("10.00"))
    ]
    assert paid(statement_for(plan, rep, date(2026, 4, 1))) == []


def test_once_a_prospect_a_day_is_counted_in_the_plans_time_zone(rep, teammate, plan_for):
    new_york = plan_for(PER_TALK, reps=[rep], tz="America/New_York", name="New York")
    utc = plan_for(PER_TALK, reps=[teammate], tz="UTC", name="UTC")
    moments = (at(2026, 3, 10, 1), at(2026, 3, 10, 3), at(2026, 3, 10, 23))
    ours, theirs = person(rep, "Dana", "Whitfield"), person(teammate, "Eve", "Stone")
    for moment in moments:
        conversation(rep, ours, when=moment)
        conversation(teammate, theirs, when=moment)
    # New York (EDT, -4 since Mar 8): 21:00 and 23:00 on Mar 9, 19:00 on Mar 10 -> 2 days, 20.00
    assert paid(statement_for(new_york, rep, date(2026, 3, 1))) == [
        ("Helped Dana Whitfield on Mar 9", Decimal("10.00")),
        ("Helped Dana Whitfield on Mar 10", Decimal("10.00")),
    ]
    # UTC: all three on Mar 10 -> 1 day, 10.00
    assert paid(statement_for(utc, teammate, date(2026, 3, 1))) == [
        ("Helped Eve Stone on Mar 10", Decimal("10.00"))
    ]


def test_the_23_hour_day_berlin_springs_forward_is_one_day(rep, plan_for):
    plan = plan_for(PER_TALK, reps=[rep], tz="Europe/Berlin")
    dana = person(rep, "Dana", "Whitfield")
    conversation(rep, dana, when=at(2026, 3, 28, 23, 15))  # 00:15 CET, Sunday Mar 29
    conversation(rep, dana, when=at(2026, 3, 29, 21, 45))  # 23:45 CEST, the same Sunday
    conversation(rep, dana, when=at(2026, 3, 29, 22, 15))  # 00:15 CEST, Monday Mar 30
    statement = statement_for(plan, rep, date(2026, 3, 1))
    # Mar 29 once (two talks), Mar 30 once: 2 × 10.00
    assert paid(statement) == [
        ("Helped Dana Whitfield on Mar 29", Decimal("10.00")),
        ("Helped Dana Whitfield on Mar 30", Decimal("10.00")),
    ]
    assert statement.lines.first().snapshot["conversations"] == 2


def test_new_york_falls_back_on_november_first_and_the_months_meet_at_local_midnight(rep, plan_for):
    plan = plan_for(PER_TALK, reps=[rep], tz="America/New_York")
    ana, ben = person(rep, "Ana", "Lima"), person(rep, "Ben", "Okoro")
    conversation(rep, ana, when=at(2026, 11, 1, 3, 59))  # 23:59 EDT Oct 31: October
    for moment in (
        at(2026, 11, 1, 4, 0),  # 00:00 EDT Nov 1: November
        at(2026, 11, 1, 5, 30),  # 01:30 EDT
        at(2026, 11, 1, 6, 30),  # 01:30 EST, the hour again
        at(2026, 11, 2, 4, 30),  # 23:30 EST: Nov 1 has 25 hours
    ):
        conversation(rep, ben, when=moment)
    conversation(rep, ben, when=at(2026, 11, 2, 5, 0))  # 00:00 EST Nov 2: a new day
    assert paid(statement_for(plan, rep, date(2026, 10, 1))) == [
        ("Helped Ana Lima on Oct 31", Decimal("10.00"))
    ]
    november = statement_for(plan, rep, date(2026, 11, 1))
    assert paid(november) == [
        ("Helped Ben Okoro on Nov 1", Decimal("10.00")),
        ("Helped Ben Okoro on Nov 2", Decimal("10.00")),
    ]
    assert november.lines.first().snapshot["conversations"] == 4


def test_a_quarter_in_berlin_runs_from_local_midnight_to_local_midnight(rep, plan_for):
    plan = plan_for(PER_TALK, reps=[rep], tz="Europe/Berlin", period="quarter")
    conversation(rep, person(rep, "Ana", "Lima"), when=at(2025, 12, 31, 23, 30))  # Jan 1, 00:30
    conversation(rep, person(rep, "Ben", "Okoro"), when=at(2026, 3, 31, 21, 30))  # 23:30 CEST
    conversation(rep, person(rep, "Cy", "Park"), when=at(2026, 3, 31, 22, 30))  # Apr 1, 00:30
    q1 = statement_for(plan, rep, date(2026, 2, 14))  # any day of the quarter
    assert (q1.period_start, q1.period_end) == (date(2026, 1, 1), date(2026, 4, 1))
    assert periods.label(plan.period, q1.period_start) == "Q1 2026"
    assert paid(q1) == [
        ("Helped Ana Lima on Jan 1", Decimal("10.00")),
        ("Helped Ben Okoro on Mar 31", Decimal("10.00")),
    ]
    assert paid(statement_for(plan, rep, date(2026, 4, 1))) == [
        ("Helped Cy Park on Apr 1", Decimal("10.00"))
    ]


def test_a_quarterly_quota_is_attained_over_the_whole_quarter(rep, plan_for):
    plan = plan_for(
        ("won_percent", {"quota": "30000", "tiers": [{"up_to": "100", "rate": "4"},
                                                     {"up_to": None, "rate": "6"}]}),
        reps=[rep], period="quarter",
    )  # fmt: skip
    won(rep, "20000.00", date(2026, 1, 20), name="January")
    won(rep, "15000.00", date(2026, 3, 15), name="March")
    won(rep, "9000.00", date(2026, 4, 1), name="April")  # next quarter, starts from zero
    # January: 20,000 × 4% = 800.00
    # March: 10,000 to quota × 4% = 400.00 + 5,000 beyond × 6% = 300.00 -> 700.00
    assert paid(statement_for(plan, rep, date(2026, 1, 1))) == [
        ("Won: January", Decimal("800.00")),
        ("Won: March", Decimal("700.00")),
    ]
    # April: 9,000 × 4% = 360.00
    assert paid(statement_for(plan, rep, date(2026, 4, 1))) == [("Won: April", Decimal("360.00"))]


def test_a_follow_up_done_after_midnight_in_berlin_is_paid_in_the_next_month(rep, plan_for):
    plan = plan_for(("per_followup", {"amount": "5.00"}), reps=[rep], tz="Europe/Berlin")
    followup_done(rep, due=at(2026, 1, 31, 15), done=at(2026, 1, 31, 23, 30))  # Feb 1, 00:30
    # on time (8½ hours after it fell due), done on Feb 1 in Berlin
    assert statement_for(plan, rep, date(2026, 1, 1)).total == Decimal("0.00")
    assert statement_for(plan, rep, date(2026, 2, 1)).total == Decimal("5.00")
