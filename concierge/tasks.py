"""Thin Celery tasks: take ids, call a service. The database is the schedule: the beat
jobs below sweep rows that are due; nothing waits in a long Celery countdown."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from concierge import services

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="concierge.followups_expand", ignore_result=True, **RETRY)
def followups_expand(trigger_event_id: int) -> None:
    services.trigger_expand(trigger_event_id, with_waiting=services.TRIGGER_BATCH - 1)


@shared_task(name="concierge.triggers_sweep", ignore_result=True, **RETRY)
def triggers_sweep() -> None:
    services.triggers_sweep()


@shared_task(name="concierge.dispatch_due", ignore_result=True, **RETRY)
def dispatch_due() -> None:
    services.due_followups_dispatch()
    services.notifications_email()


@shared_task(name="concierge.no_touch_scan", ignore_result=True, **RETRY)
def no_touch_scan() -> None:
    services.no_touch_scan()


@shared_task(name="concierge.digests_send", ignore_result=True, **RETRY)
def digests_send() -> None:
    services.digests_send()
