"""Bulk data for ``manage.py bench_fill``: 12 months of opportunities (opened, won and lost),
each team's switch date, and the insights rollups worked out as beat would."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from insights import services
from insights.models import TeamInsights
from people.models import Team
from prospects.bench import copy_rows
from prospects.models import Opportunity, Prospect

SWITCHED_DAYS_AGO = 182


def fill_insights(*, opportunities: int = 50_000) -> None:
    """Opportunities spread over the last 365 days for people across every team; those
    older than a month mostly closed, won or lost. Every team switched half a year ago."""
    rng = random.Random(1313)
    today = timezone.localdate()
    people = list(Prospect.objects.order_by("pk").values_list("pk", "owner_id", "account_id"))
    people = [p for p in people if p[2]]
    rows = []
    for n in range(opportunities):
        pk, owner_id, account_id = people[(n * 7919) % len(people)]
        opened = today - timedelta(days=rng.randint(0, 364))
        status, closed = "open", None
        if (today - opened).days > 30 and rng.random() < 0.7:
            status = "won" if rng.random() < 0.55 else "lost"
            closed = min(today, opened + timedelta(days=rng.randint(5, 60)))
        rows.append(
            (
                account_id,
                pk,
                owner_id,
                f"Bench deal {n}",
                Decimal(rng.choice([5000, 12000, 30000])),
                status,
                opened,
                closed,
            )
        )
    copy_rows(
        Opportunity,
        [
            "account_id",
            "prospect_id",
            "owner_id",
            "name",
            "amount",
            "status",
            "opened_on",
            "closed_on",
        ],
        rows,
    )
    switched = today - timedelta(days=SWITCHED_DAYS_AGO)
    TeamInsights.objects.bulk_create(
        TeamInsights(team=team, switched_on=switched, timezone="America/Chicago")
        for team in Team.objects.all()
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def fill_insights_rollups() -> None:
    """What beat does every 15 minutes, once: the pages then read their rollups."""
    services.refresh_all()
