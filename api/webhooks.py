"""Outbound webhooks: the outbox's events (``empathy_crm.outbox``) fanned out to the
endpoints that listen for them, and delivered at least once, signed, with backoff.

Each request is a POST of JSON::

    {"id": <delivery id>, "type": "prospect.created", "created_at": "…", "data": {…}}

with ``X-Empathy-Delivery: <id>`` (the same on every retry), ``X-Empathy-Event: <type>`` and
``X-Empathy-Signature: t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>.<body>">`` under
the endpoint's secret. A 2xx answer delivers it; anything else (or no answer in 10 s) is
tried again after 1, 2, 4, … minutes (at most 6 hours apart), 8 times in all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEndpoint
from empathy_crm.models import OutboxEvent

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
BATCH = 100


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},sha256={digest.hexdigest()}"


def events_fan_out(*, batch: int = 500) -> int:
    """A delivery for each waiting event and each active endpoint listening for it."""
    total = 0
    while True:
        with transaction.atomic(durable=True):
            events = list(
                OutboxEvent.objects.filter(published_at__isnull=True)
                .select_for_update(skip_locked=True)
                .order_by("pk")[:batch]
            )
            if not events:
                return total
            endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
            WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(
                        endpoint=endpoint, event=event, next_attempt_at=event.created_at
                    )
                    for event in events
                    for endpoint in endpoints
                    if event.topic in endpoint.topics and endpoint.team_id in (None, event.team_id)
                ],
                ignore_conflicts=True,
            )
            OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
                published_at=timezone.now()
            )
        total += len(events)


def deliveries_claim(*, limit: int = BATCH) -> list[WebhookDelivery]:
    """Due deliveries, leased: no other run takes them until the lease runs out."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        rows = list(
            WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING,
                                           next_attempt_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .order_by("next_attempt_at", "pk")[:limit]
        )  # fmt: skip
        WebhookDelivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            next_attempt_at=now + WebhookDelivery.LEASE, last_attempt_at=now
        )
    return rows


def delivery_body(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    return json.dumps({"id": delivery.pk, "type": event.topic,
                       "created_at": event.created_at.isoformat(),
                       "data": event.payload}, separators=(",", ":")).encode()  # fmt: skip


def delivery_send(delivery: WebhookDelivery) -> bool:
    """POST one delivery and record what came of it."""
    body = delivery_body(delivery)
    request = urllib.request.Request(  # noqa: S310 (an admin's http(s) URL, checked by the form)
        delivery.endpoint.url, data=body, method="POST",
        headers={
            "Content-Type": "application/json", "User-Agent": "EmpathyCRM-Webhooks/1",
            "X-Empathy-Delivery": str(delivery.pk), "X-Empathy-Event": delivery.event.topic,
            "X-Empathy-Signature": signature(delivery.endpoint.secret, int(time.time()), body),
        },
    )  # fmt: skip
    status, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:300] or exc.__class__.__name__
    attempts = delivery.attempts + 1
    ok = status is not None and 200 <= status < 300
    fields = {"attempts": attempts, "last_status_code": status, "last_error": error}
    if ok:
        fields |= {"status": WebhookDelivery.Status.DELIVERED, "delivered_at": timezone.now()}
    elif attempts >= WebhookDelivery.MAX_ATTEMPTS:
        fields |= {"status": WebhookDelivery.Status.FAILED}
    else:
        fields |= {"next_attempt_at": timezone.now() + backoff(attempts)}
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
        **fields
    )
    if not ok:
        log.warning("webhook %s to %s not delivered (attempt %s): %s", delivery.pk,
                    delivery.endpoint.url, attempts, error or status)  # fmt: skip
    return ok


def webhooks_deliver(*, rounds: int = 10) -> int:
    """Fan out what waits in the outbox, then send what is due, a batch at a time."""
    events_fan_out()
    sent = 0
    for _ in range(rounds):
        claimed = deliveries_claim()
        if not claimed:
            break
        sent += sum(delivery_send(delivery) for delivery in claimed)
    return sent


def endpoint_log(endpoint: WebhookEndpoint, *, limit: int = 50) -> list[WebhookDelivery]:
    return list(endpoint.deliveries.select_related("event").order_by("-pk")[:limit])
