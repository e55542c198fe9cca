from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from empathy_crm.models import WorkerHeartbeat


@shared_task(name="empathy_crm.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that a worker picked up work; the admin home page shows when it last did."""
    hostname = heartbeat.request.hostname or "worker"
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen_at": timezone.now()}
    )
