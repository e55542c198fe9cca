"""The outbox of things that happened to people: recorded here, in the transaction of the
service that made them happen; handled in one place, ``concierge/events.py``, which turns
them into follow-ups by the playbooks.

After the transaction commits, each new event is announced with the Celery message
``EXPAND_MESSAGE`` (the concierge app's task of that name takes it). If the broker is down
the event stays unprocessed and the concierge's minute sweep picks it up: a lost message
delays follow-ups, it never loses them.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from prospects.models import ProspectEvent

log = logging.getLogger(__name__)

#: The message that asks for an event (and those waiting behind it) to be expanded.
EXPAND_MESSAGE = "prospect_events.expand"
#: Events a message asks to expand together: a burst becomes a few transactions.
BATCH = 500


def record(
    *, kind: str, prospect_id: int, key: str, context: dict | None = None, new: bool = False
) -> ProspectEvent:
    """Remember that something happened, in the caller's transaction; announce it after commit.

    ``new``: the caller knows (kind, key) was never recorded (its key names a row it just
    inserted), so one plain INSERT does."""
    event = ProspectEvent(kind=kind, key=key, prospect_id=prospect_id, context=context or {})
    if new:
        event.save(force_insert=True)
    else:
        # Insert unless (kind, key) is already there, then read it back: two round trips,
        # where get_or_create's select, savepoint, insert and release took four.
        ProspectEvent.objects.bulk_create([event], ignore_conflicts=True)
        event = ProspectEvent.objects.get(kind=kind, key=key)
    if event.processed_at is None:  # a replay of one already expanded needs no message
        announce_after_commit(event.pk)
    return event


class _Announce:
    """An after-commit announcement of ``event_id`` (a class, so a transaction's pending one
    can be recognised)."""

    def __init__(self, event_id: int):
        self.event_id = event_id

    def __call__(self) -> None:
        announce(self.event_id)


def announce_after_commit(event_id: int) -> None:
    """One message per transaction: the worker that takes it expands the events waiting
    behind it too (oldest first), so a second message for the same commit would find
    nothing left to do; the sweep covers any the first one did not reach."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        isinstance(callback, _Announce) for _, callback, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(_Announce(event_id))


def record_many(*, kind: str, events: list[tuple[int, str]]) -> int:
    """``record`` for many (prospect id, key) pairs, e.g. a CSV import's.

    One insert for all of them; after commit, one message per batch of events (each message
    also expands the ones waiting behind it). Returns how many are waiting.
    """
    if not events:
        return 0
    keys = [key for _, key in events]
    ProspectEvent.objects.bulk_create(
        [ProspectEvent(kind=kind, prospect_id=pk, key=key) for pk, key in events],
        ignore_conflicts=True,
        batch_size=2000,
    )
    ids: list[int] = []
    for n in range(0, len(keys), 10_000):
        ids += ProspectEvent.objects.filter(
            kind=kind, key__in=keys[n : n + 10_000], processed_at__isnull=True
        ).values_list("pk", flat=True)
    ids.sort()
    firsts = ids[::BATCH]
    transaction.on_commit(lambda: [announce(pk) for pk in firsts])
    return len(ids)


def announce(event_id: int) -> None:
    try:
        current_app.send_task(
            EXPAND_MESSAGE,
            args=[event_id],
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0.2},
        )
    except (BrokerError, OSError) as exc:
        log.warning("event %s not announced (%s); the sweep will expand it", event_id, exc)
