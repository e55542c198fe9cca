"""Bulk data for ``manage.py bench_fill``: 12 months of opportunities (opened, won and lost),
each team's switch date, and the insights rollups worked out as beat would."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from insights import services
from insights.models import TeamInsights
from people.models import Team

SWITCHED_DAYS_AGO = 182


def fill_insights() -> None:
    """Every team switched to helping half a year ago (the opportunities of the last year
    come from ``commissions.bench.fill_opportunities``)."""
    switched = timezone.localdate() - timedelta(days=SWITCHED_DAYS_AGO)
    TeamInsights.objects.bulk_create(
        TeamInsights(team=team, switched_on=switched, timezone="America/Chicago")
        for team in Team.objects.all()
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def fill_insights_rollups() -> None:
    """What beat does every 15 minutes, once: the pages then read their rollups."""
    services.refresh_all()
