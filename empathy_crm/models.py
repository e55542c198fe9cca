from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One row per worker host, touched every minute by beat, so admins can see the
    background work (follow-up scheduling, imports, digests) is actually running."""

    hostname = models.CharField(max_length=255, unique=True)
    last_seen_at = models.DateTimeField()

    STALE_AFTER = timedelta(minutes=3)

    def __str__(self) -> str:
        return self.hostname

    @property
    def is_alive(self) -> bool:
        return timezone.now() - self.last_seen_at < self.STALE_AFTER
