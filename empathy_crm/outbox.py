"""The outbox of what tools outside may hear of (webhooks): recorded here, in the
transaction of the service that made it happen; fanned out and delivered in one place,
``api/webhooks.py``.

After commit, ``PUBLISH_MESSAGE`` asks a worker to deliver now; if the broker is down the
event waits, and the minute sweep delivers it: a lost message delays, never loses.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from empathy_crm.models import OutboxEvent

log = logging.getLogger(__name__)

#: The message that asks for waiting events to be fanned out and delivered.
PUBLISH_MESSAGE = "api.webhooks_deliver"
Topic = OutboxEvent.Topic


def record(*, topic: str, team_id: int | None, payload: dict) -> OutboxEvent:
    """Remember ``topic`` happened, in the caller's transaction; announce it after commit."""
    event = OutboxEvent.objects.create(topic=topic, team_id=team_id, payload=payload)
    _announce_on_commit()
    return event


def record_many(*, topic: str, happened: list[tuple[int | None, dict]]) -> None:
    """``record`` for many at once (an import's new people): (team id, payload) each."""
    if happened:
        OutboxEvent.objects.bulk_create(
            [OutboxEvent(topic=topic, team_id=team_id, payload=payload)
             for team_id, payload in happened],
            batch_size=2000,
        )  # fmt: skip
        _announce_on_commit()


def _announce_on_commit() -> None:
    connection = transaction.get_connection()
    # One message per transaction: it delivers every event waiting.
    if not (connection.in_atomic_block and any(
        callback is announce for _, callback, _ in connection.run_on_commit
    )):  # fmt: skip
        transaction.on_commit(announce)


def announce() -> None:
    try:
        current_app.send_task(PUBLISH_MESSAGE, retry=True,
                              retry_policy={"max_retries": 1, "interval_start": 0.2})  # fmt: skip
    except (BrokerError, OSError) as exc:
        log.warning("webhook events not announced (%s); the sweep will deliver them", exc)
