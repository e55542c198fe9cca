"""When a follow-up should fall: inside the prospect's working hours, in their time zone,
never in the past, and at most one open touch per person per local day."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time
    days: frozenset[int]  # 0 = Monday

    @classmethod
    def from_settings(cls) -> WorkingHours:
        start, end = settings.CONCIERGE_WORKING_HOURS
        return cls(time(start), time(end), frozenset(settings.CONCIERGE_WORKING_DAYS))


def parse_working_hours(raw: str) -> tuple[int, int]:
    try:
        start, end = (int(part) for part in raw.split("-"))
    except ValueError:
        raise ValueError(f"WORKING_HOURS={raw!r}: write it as start-end hours, e.g. 9-17") from None
    if not 0 <= start < end <= 24:
        raise ValueError(f"WORKING_HOURS={raw!r}: the day must start before it ends, within 0-24")
    return start, end


def parse_working_days(raw: str) -> tuple[int, ...]:
    days = []
    for name in raw.lower().replace(" ", "").split(","):
        if name not in DAY_NAMES:
            raise ValueError(f"WORKING_DAYS={raw!r}: use mon,tue,wed,thu,fri,sat,sun")
        days.append(DAY_NAMES.index(name))
    return tuple(sorted(set(days)))


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"“{name}” is not a time zone we know.") from None


def _at(day: date, moment: time, tz: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def whole_minute(moment: datetime) -> datetime:
    """``moment`` rounded up to a whole minute: nobody plans a follow-up for 11:19:14.49."""
    if moment.second or moment.microsecond:
        return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment


def next_working_moment(moment: datetime, tz: zoneinfo.ZoneInfo, hours: WorkingHours) -> datetime:
    """``moment`` if it is inside working hours, else the start of the next working period."""
    local = moment.astimezone(tz)
    for _ in range(15):
        if local.weekday() in hours.days:
            start, end = _at(local.date(), hours.start, tz), _at(local.date(), hours.end, tz)
            if local < start:
                return start
            if local < end:
                return local
        local = _at(local.date() + timedelta(days=1), time(0), tz)
    raise ValidationError("No working days are configured.")


@functools.lru_cache(maxsize=4096)
def add_working_time(
    moment: datetime, tz: zoneinfo.ZoneInfo, hours: WorkingHours, *, days: int = 0, hrs: int = 0
) -> datetime:
    """``days`` working days later at the same time of day, then ``hrs`` working hours more.

    A pure function of its arguments, remembered: a burst of events expanded together asks
    the same few questions (one start minute, a handful of time zones and steps) thousands
    of times."""
    current = next_working_moment(moment, tz, hours)
    for _ in range(days):
        local = current.astimezone(tz) + timedelta(days=1)
        while local.weekday() not in hours.days:
            local += timedelta(days=1)
        current = next_working_moment(
            _at(local.date(), local.timetz().replace(tzinfo=None), tz), tz, hours
        )
    remaining = timedelta(hours=hrs)
    while remaining > timedelta(0):
        local = current.astimezone(tz)
        end = _at(local.date(), hours.end, tz)
        if remaining < end - local:
            return local + remaining
        remaining -= end - local
        current = next_working_moment(end, tz, hours)
    return current


def local_day_bounds(moment: datetime, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    day = moment.astimezone(tz).date()
    return _at(day, time(0), tz), _at(day + timedelta(days=1), time(0), tz)


def due_at_for(prospect, *, after: datetime | None = None, days: int = 0, hrs: int = 0,
               exclude_followup_id: int | None = None, busy_days: set[date] | None = None,
               now: datetime | None = None) -> datetime:  # fmt: skip
    """The moment a new follow-up for ``prospect`` should fall due, in whole minutes.

    One open touch a day: a day that already has one is skipped. ``busy_days`` (the
    prospect's local dates that have one, kept up to date here) saves a query per day
    when many follow-ups are scheduled together. ``now`` defaults to the clock.
    """
    from concierge.models import FollowUp

    tz = zone(prospect.timezone)
    hours = WorkingHours.from_settings()
    now = now or timezone.now()
    start = whole_minute(max(after or now, now))
    due = add_working_time(start, tz, hours, days=days, hrs=hrs)
    for _ in range(60):
        day = due.astimezone(tz).date()
        if busy_days is not None:
            taken = day in busy_days
        else:
            start, end = local_day_bounds(due, tz)
            busy = FollowUp.objects.open().filter(
                prospect=prospect, due_at__gte=start, due_at__lt=end
            )
            if exclude_followup_id:
                busy = busy.exclude(pk=exclude_followup_id)
            taken = busy.exists()
        if not taken:
            if busy_days is not None:
                busy_days.add(day)
            return due
        # One open touch a day: try the next one.
        due = next_working_moment(_at(day + timedelta(days=1), time(0), tz), tz, hours)
    return due


def on_date(prospect, day: date) -> datetime:
    """A follow-up the person asked for on a given day: the start of their working day then."""
    if day < timezone.localdate():
        raise ValidationError("That date is in the past.")
    tz = zone(prospect.timezone)
    hours = WorkingHours.from_settings()
    return next_working_moment(_at(day, hours.start, tz), tz, hours)
