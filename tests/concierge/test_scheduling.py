from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from concierge import scheduling
from concierge.scheduling import WorkingHours, add_working_time, next_working_moment
from tests.factories import ConciergeTaskFactory, ProspectFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HOURS = WorkingHours.from_settings()  # 9-17, Monday to Friday


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


def test_due_time_is_never_in_the_past(rep):
    prospect = ProspectFactory(owner=rep, timezone="Europe/Berlin")
    due = scheduling.due_at_for(prospect, after=timezone.now() - timedelta(days=30))
    assert due >= timezone.now() - timedelta(seconds=1)
    local = due.astimezone(BERLIN)
    assert local.weekday() < 5 and 9 <= local.hour < 17


def test_one_open_touch_per_person_per_day(rep):
    prospect = ProspectFactory(owner=rep, timezone="Europe/Berlin")
    first = scheduling.due_at_for(prospect, days=2)
    ConciergeTaskFactory(prospect=prospect, due_at=first)
    second = scheduling.due_at_for(prospect, days=2)
    assert second.astimezone(BERLIN).date() > first.astimezone(BERLIN).date()
    ConciergeTaskFactory(prospect=prospect, due_at=first, status="done")
    other = ProspectFactory(owner=rep, timezone="Europe/Berlin")
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
