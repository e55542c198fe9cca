"""Thin Celery tasks: the rollups the insights pages read, refreshed every 15 minutes by
beat (``CELERY_BEAT_SCHEDULE``): the topics first, then one task per team, each well inside
a task's time limit whatever the number of teams."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError, transaction

from insights import services
from people.models import Team

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="insights.refresh", ignore_result=True, **RETRY)
def refresh() -> None:
    services.mentions_refresh()
    for team_id in Team.objects.order_by("pk").values_list("pk", flat=True):
        transaction.on_commit(lambda pk=team_id: team_refresh.delay(pk))


@shared_task(name="insights.team_refresh", ignore_result=True, **RETRY)
def team_refresh(team_id: int) -> None:
    team = Team.objects.filter(pk=team_id).first()
    if team is not None:
        services.team_refresh(team=team)
