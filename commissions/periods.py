"""Periods of a plan (months or quarters) and their moments, in the plan's time zone."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time

from commissions.models import PeriodKind


def start_of(kind: str, day: date) -> date:
    """The first day of the period that holds ``day``."""
    if kind == PeriodKind.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def end_of(kind: str, start: date) -> date:
    """The first day after the period that starts on ``start``."""
    months = 3 if kind == PeriodKind.QUARTER else 1
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def between(kind: str, first: date, last: date) -> list[date]:
    """The starts of the periods from the one holding ``first`` to the one holding ``last``."""
    starts, current = [], start_of(kind, first)
    while current <= last:
        starts.append(current)
        current = end_of(kind, current)
    return starts


def label(kind: str, start: date) -> str:
    if kind == PeriodKind.QUARTER:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"{start:%B %Y}"


def moment(day: date, tz_name: str) -> datetime:
    """Midnight at the start of ``day`` in the plan's time zone."""
    return datetime.combine(day, time(0), tzinfo=zoneinfo.ZoneInfo(tz_name))
