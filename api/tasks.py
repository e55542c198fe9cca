"""Thin Celery tasks of the API: deliver webhooks, forget old idempotency keys."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from api import webhooks
from api.models import IdempotentRequest
from empathy_crm.outbox import PUBLISH_MESSAGE

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name=PUBLISH_MESSAGE, ignore_result=True, **RETRY)
def webhooks_deliver() -> None:
    """After an event is recorded, and every minute (beat) for retries and lost messages."""
    webhooks.webhooks_deliver()


@shared_task(name="api.idempotency_forget", ignore_result=True, **RETRY)
def idempotency_forget() -> None:
    IdempotentRequest.objects.filter(
        created_at__lt=timezone.now() - IdempotentRequest.KEEP
    ).delete()
