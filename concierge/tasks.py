"""Thin Celery tasks: take ids, call a service. The database is the schedule: the beat
jobs below sweep rows that are due; nothing waits in a long Celery countdown."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from concierge import events, services
from empathy_crm import notifications
from prospects import events as outbox

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name=outbox.EXPAND_MESSAGE, ignore_result=True, **RETRY)
def prospect_events_expand(event_id: int) -> None:
    """What the prospects app announces after recording an event (prospects.events)."""
    events.event_expand(event_id, with_waiting=outbox.BATCH - 1)


@shared_task(name="concierge.events_sweep", ignore_result=True, **RETRY)
def events_sweep() -> None:
    events.events_sweep()


@shared_task(name="concierge.dispatch_due", ignore_result=True, **RETRY)
def dispatch_due() -> None:
    services.due_followups_dispatch()
    notifications.notices_email()


@shared_task(name="concierge.no_touch_scan", ignore_result=True, **RETRY)
def no_touch_scan() -> None:
    events.no_touch_scan()


@shared_task(name="concierge.digests_send", ignore_result=True, **RETRY)
def digests_send() -> None:
    services.digests_send()
