from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from concierge import scheduling
from concierge.scheduling import WorkingHours, add_working_time, next_working_moment
from tests.factories import FollowUpFactory, ProspectFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HOURS = WorkingHours(time(9), time(17), frozenset(range(5)))  # Monday to Friday


def at(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_inside_working_hours_stays_put():
    assert next_working_moment(at(2026, 11, 18, 10, 30), BERLIN, HOURS) == at(2026, 11, 18, 10, 30)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 18, 7, 0), at(2026, 11, 18, 9, 0)),  # Wednesday, early: at nine
        (at(2026, 11, 18, 17, 0), at(2026, 11, 19, 9, 0)),  # closing time: next morning
        (at(2026, 11, 20, 18, 0), at(2026, 11, 23, 9, 0)),  # Friday evening: Monday
        (at(2026, 11, 21, 12, 0), at(2026, 11, 23, 9, 0)),  # Saturday: Monday
    ],
)
def test_outside_working_hours_moves_to_the_next_start(moment, expected):
    assert next_working_moment(moment, BERLIN, HOURS) == expected


def test_working_days_skip_the_weekend():
    assert add_working_time(at(2026, 11, 20, 10, 0), BERLIN, HOURS, days=1) == at(
        2026, 11, 23, 10, 0
    )


def test_working_hours_carry_over_into_the_next_day():
    assert add_working_time(at(2026, 11, 19, 16, 0), BERLIN, HOURS, hrs=3) == at(
        2026, 11, 20, 11, 0
    )


def test_hours_are_the_prospects_own_not_the_servers():
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    due = next_working_moment(at(2026, 11, 18, 12, 0), tokyo, HOURS)  # 20:00 in Tokyo
    assert due.astimezone(tokyo) == datetime(2026, 11, 19, 9, 0, tzinfo=tokyo)


# Fixed moments, in Berlin, at which scheduling must behave: inside and outside working
# hours, a second before closing time, a weekend night, the night the clocks go back and a
# Friday before the clocks go forward.
MOMENTS = {
    "inside working hours": at(2026, 11, 18, 11, 19, 14, 491874),
    "evening": at(2026, 11, 18, 19, 45),
    "just before closing": at(2026, 11, 20, 16, 59, 31),
    "sunday night": at(2026, 11, 22, 2, 7),
    "clocks go back": datetime(2026, 10, 25, 0, 30, tzinfo=zoneinfo.ZoneInfo("UTC")),
    "before clocks go forward": at(2026, 3, 27, 16, 30),
}


def assert_a_good_time(due: datetime, now: datetime) -> None:
    local = due.astimezone(BERLIN)
    assert (due.second, due.microsecond) == (0, 0), f"{due} is not a whole minute"
    assert due >= now, f"{due} is in the past at {now}"
    assert local.weekday() < 5 and 9 <= local.hour < 17, f"{local} is outside working hours"


@pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())
@pytest.mark.parametrize(("days", "hrs"), [(0, 0), (1, 0), (2, 3)])
def test_due_times_are_whole_minutes_in_working_hours_and_never_past(rep, moment, days, hrs):
    prospect = ProspectFactory(owner=rep, timezone="Europe/Berlin")
    with time_machine.travel(moment, tick=False):
        due = scheduling.due_at_for(prospect, after=moment - timedelta(days=30), days=days, hrs=hrs)
        assert_a_good_time(due, moment)


@pytest.mark.parametrize(
    ("moment", "days", "expected"),
    [
        (MOMENTS["inside working hours"], 0, at(2026, 11, 18, 11, 20)),  # the next whole minute
        (MOMENTS["inside working hours"], 2, at(2026, 11, 20, 11, 20)),
        (MOMENTS["evening"], 0, at(2026, 11, 19, 9, 0)),
        (MOMENTS["just before closing"], 0, at(2026, 11, 23, 9, 0)),  # 17:00 is closed: Monday
        (MOMENTS["sunday night"], 1, at(2026, 11, 24, 9, 0)),
        (MOMENTS["clocks go back"], 0, at(2026, 10, 26, 9, 0)),  # a Sunday: Monday, in CET
        (MOMENTS["before clocks go forward"], 1, at(2026, 3, 30, 16, 30)),  # now in CEST
    ],
)
def test_due_time_at_fixed_moments(rep, moment, days, expected):
    prospect = ProspectFactory(owner=rep, timezone="Europe/Berlin")
    with time_machine.travel(moment, tick=False):
        assert scheduling.due_at_for(prospect, days=days) == expected


@pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())
def test_one_open_touch_per_person_per_day(rep, moment):
    prospect = ProspectFactory(owner=rep, timezone="Europe/Berlin")
    other = ProspectFactory(owner=rep, timezone="Europe/Berlin")
    with time_machine.travel(moment, tick=False):
        first = scheduling.due_at_for(prospect, days=2)
        FollowUpFactory(prospect=prospect, due_at=first)
        second = scheduling.due_at_for(prospect, days=2)
        assert second.astimezone(BERLIN).date() > first.astimezone(BERLIN).date()
        assert_a_good_time(second, moment)
        FollowUpFactory(prospect=prospect, due_at=first, status="done")
        assert scheduling.due_at_for(other, days=2) == first, "the cap is per person"


def test_a_date_they_asked_for_starts_their_working_day(rep):
    prospect = ProspectFactory(owner=rep, timezone="America/New_York")
    day = timezone.localdate() + timedelta(days=30)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    due = scheduling.on_date(prospect, day)
    assert due.astimezone(zoneinfo.ZoneInfo("America/New_York")) == datetime(
        day.year, day.month, day.day, 9, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")
    )
    with pytest.raises(ValidationError, match="in the past"):
        scheduling.on_date(prospect, date(2020, 1, 1))


def test_unknown_time_zone_is_a_clear_error():
    with pytest.raises(ValidationError, match="not a time zone we know"):
        scheduling.zone("Mars/Olympus")


@pytest.mark.parametrize(("raw", "ok"), [("8-18", True), ("18-8", False), ("nine-five", False)])
def test_working_hours_setting_is_validated(raw, ok):
    if ok:
        assert scheduling.parse_working_hours(raw) == (8, 18)
    else:
        with pytest.raises(ValueError, match="WORKING_HOURS"):
            scheduling.parse_working_hours(raw)
    assert scheduling.parse_working_days("Mon, tue,sun") == (0, 1, 6)
    with pytest.raises(ValueError, match="WORKING_DAYS"):
        scheduling.parse_working_days("mon,funday")
