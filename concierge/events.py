"""The one place where what happened to people (``prospects.models.ProspectEvent``, the outbox
the prospects app writes in the transaction of whatever happened) becomes follow-ups: each
enabled playbook whose trigger is the event's kind schedules its steps for the person.

Who records which event: ``prospects.services`` (a conversation logged and a feeling that
dropped during it, an engagement by hand or by a form, a new member of a buying group) and
``prospects.imports`` (new members from a CSV file); ``no_touch_scan`` below (nobody helped
someone for a playbook's number of days). After commit each is announced with the Celery
message ``prospects.events.EXPAND_MESSAGE`` (``concierge.tasks.prospect_events_expand``);
``events_sweep`` expands any whose message was lost.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from concierge import scheduling
from concierge.models import OPEN_STATUSES, FollowUp, FollowUpStatus, Playbook
from prospects import events as outbox
from prospects.models import Prospect, ProspectEvent

log = logging.getLogger(__name__)


def render_wording(template: str, prospect: Prospect) -> str:
    return _render(
        template,
        first_name=prospect.first_name,
        question=prospect.open_question,
        account=prospect.account.name if prospect.account_id else None,
        rep_first_name=prospect.owner.first_name if prospect.owner_id else "",
    )


def _render(template: str, *, first_name, question, account, rep_first_name) -> str:
    values = defaultdict(
        str,
        first_name=first_name,
        question=question or "their question",
        account="their team" if account is None else account,
        rep_first_name=rep_first_name or "",
    )
    try:
        return template.format_map(values)
    except (ValueError, IndexError):
        return template  # a stray brace in the wording: show it as written


class Event(NamedTuple):
    pk: int
    prospect_id: int
    kind: str
    key: str
    created_at: datetime


class Person(NamedTuple):
    """What expanding an event reads of a prospect (one row, no model instances: a burst
    reads thousands)."""

    pk: int
    timezone: str
    do_not_contact: bool
    owner_id: int | None
    team_id: int | None  # the owner's
    rep_first_name: str | None
    first_name: str
    open_question: str
    account_id: int | None
    account: str | None


EVENT_FIELDS = Event._fields
PERSON_FIELDS = ("pk", "timezone", "do_not_contact", "owner_id", "owner__team_id",
                 "owner__first_name", "first_name", "open_question", "account_id",
                 "account__name")  # fmt: skip
FOLLOWUP_COLUMNS = ("prospect_id", "assignee_id", "kind", "step_id", "source_key",
                    "help_offered", "due_at")  # fmt: skip


def followups_from_playbooks(events: list[Event]) -> int:
    """Expand events into follow-ups, once per step (re-running one makes nothing new).

    A batch reads its prospects, the enabled playbooks and their steps, the follow-ups
    already made and the prospects' busy days in five queries, as plain rows, and writes the
    new follow-ups in one insert. Returns how many it made.
    """
    prospects = {
        row[0]: Person(*row)
        for row in Prospect.objects.filter(pk__in={event.prospect_id for event in events})
        .order_by()
        .values_list(*PERSON_FIELDS)
    }
    playbooks = list(Playbook.objects.filter(enabled=True).prefetch_related("steps"))
    made = set(
        FollowUp.objects.filter(
            prospect_id__in=prospects, source_key__in={event.key for event in events}
        ).values_list("step_id", "prospect_id", "source_key")
    )
    busy_days: dict[int, set] = defaultdict(set)
    now = timezone.now()
    horizon = now - timedelta(days=1)
    busy = FollowUp.objects.open().filter(prospect_id__in=prospects, due_at__gte=horizon)
    for prospect_id, due in busy.order_by().values_list("prospect_id", "due_at"):
        tz = scheduling.zone(prospects[prospect_id].timezone)
        busy_days[prospect_id].add(due.astimezone(tz).date())
    rows = []
    for event in events:
        person = prospects.get(event.prospect_id)
        if person is None:
            log.info("event %s: the prospect was deleted; nothing scheduled", event.pk)
            continue
        if person.do_not_contact:
            log.info("event %s: prospect %s is do-not-contact; nothing scheduled", event.pk,
                     person.pk)  # fmt: skip
            continue
        if person.owner_id is None:
            log.info("event %s: prospect %s has no owner; nothing scheduled", event.pk, person.pk)
            continue
        for playbook in playbooks:
            if playbook.trigger != event.kind or playbook.team_id not in (None, person.team_id):
                continue
            for step in playbook.steps.all():
                key = (step.pk, person.pk, event.key)
                if key in made:
                    continue
                made.add(key)
                due_at = scheduling.due_at_for(
                    person, after=event.created_at, days=step.delay_days, hrs=step.delay_hours,
                    busy_days=busy_days[person.pk], now=now,
                )  # fmt: skip
                wording = _render(
                    step.wording, first_name=person.first_name, question=person.open_question,
                    account=person.account if person.account_id else None,
                    rep_first_name=person.rep_first_name,
                )  # fmt: skip
                rows.append((person.pk, person.owner_id, step.kind, step.pk, event.key, wording,
                             due_at))  # fmt: skip
    _followups_insert(rows, now=now)
    return len(rows)


# status and created_at, then the columns of FOLLOWUP_COLUMNS as arrays.
_INSERT_SQL = """
INSERT INTO {table} (prospect_id, assignee_id, kind, step_id, source_key, help_offered, due_at,
                     status, receivers_eye, outcome, skip_reason, created_at)
SELECT *, %s, '', '', '', %s
FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::text[],
            %s::timestamptz[])
"""


def _followups_insert(rows: list[tuple], *, now: datetime) -> None:
    """New scheduled follow-ups, one per row of ``FOLLOWUP_COLUMNS``, in one statement.

    On PostgreSQL the columns go in as arrays (``unnest``): the rows never become model
    instances, which cost more than the insert itself in a burst. Elsewhere, bulk_create.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        FollowUp.objects.bulk_create(
            [FollowUp(**dict(zip(FOLLOWUP_COLUMNS, row, strict=True)), created_at=now)
             for row in rows],
            batch_size=500,
        )  # fmt: skip
        return
    columns = [list(column) for column in zip(*rows, strict=True)]
    sql = _INSERT_SQL.format(table=FollowUp._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [FollowUpStatus.SCHEDULED, now, *columns])


#: Events this process expanded lately (committed): the messages for the rest of a batch
#: it took then need no query to find there is nothing left to do. Bounded; a miss only
#: costs the query.
_expanded_here: OrderedDict[int, None] = OrderedDict()
EXPANDED_REMEMBERED = 20_000


def _remember_expanded(ids: list[int]) -> None:
    for pk in ids:
        _expanded_here[pk] = None
    while len(_expanded_here) > EXPANDED_REMEMBERED:
        _expanded_here.popitem(last=False)


def forget_expanded() -> None:
    """Forget which events this process expanded (for a database whose ids start again)."""
    _expanded_here.clear()


def events_expand(event_ids) -> int:
    """Claim unprocessed events (rows another worker holds are skipped) and expand them
    together, in one transaction. Returns how many follow-ups were scheduled."""
    with transaction.atomic(durable=True):
        events = [
            Event(*row)
            for row in ProspectEvent.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(event_ids), processed_at__isnull=True)
            .order_by("pk")
            .values_list(*EVENT_FIELDS)
        ]
        if not events:
            return 0
        made = followups_from_playbooks(events)
        expanded = [event.pk for event in events]
        ProspectEvent.objects.filter(pk__in=expanded).update(processed_at=timezone.now())
        transaction.on_commit(lambda: _remember_expanded(expanded))
    return made


def event_expand(event_id: int, *, with_waiting: int = 0) -> int:
    """Expand one event and, with ``with_waiting``, up to that many others still waiting:
    a burst (a webinar's attendees arriving at once) is then expanded in a few batches, and
    the messages for events already done find nothing left to do (without a query, when
    this process expanded them)."""
    if event_id in _expanded_here:
        return 0
    ids = [event_id]
    if with_waiting:
        unprocessed = ProspectEvent.objects.filter(processed_at__isnull=True)
        if not unprocessed.filter(pk=event_id).exists():
            return 0  # already expanded, in a batch an earlier message took
        waiting = unprocessed.exclude(pk=event_id)
        ids += waiting.order_by("created_at").values_list("pk", flat=True)[:with_waiting]
    return events_expand(ids)


def events_sweep(
    *, older_than: timedelta = timedelta(seconds=30), limit: int = 5000, batch: int = outbox.BATCH
) -> int:
    """Expand events whose Celery message never arrived (broker down, worker lost), a
    batch at a time."""
    cutoff = timezone.now() - older_than
    ids = list(
        ProspectEvent.objects.filter(processed_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(events_expand(ids[n : n + batch]) for n in range(0, len(ids), batch))


def no_touch_scan(*, limit: int = 5000) -> int:
    """Record an event for people nobody has helped for a playbook's number of days."""
    recorded = 0
    for playbook in Playbook.objects.filter(enabled=True, trigger=ProspectEvent.Kind.NO_TOUCH):
        cutoff = timezone.now() - timedelta(days=playbook.no_touch_days)
        open_followup = FollowUp.objects.filter(prospect=OuterRef("pk"), status__in=OPEN_STATUSES)
        quiet = (
            Prospect.objects.filter(do_not_contact=False, owner__isnull=False)
            .filter(
                Q(last_helpful_touch_at__lt=cutoff)
                | Q(last_helpful_touch_at__isnull=True, created_at__lt=cutoff)
            )
            .exclude(Exists(open_followup))
        )
        if playbook.team_id:
            quiet = quiet.filter(owner__team_id=playbook.team_id)
        for pk, touched in quiet.values_list("pk", "last_helpful_touch_at")[:limit]:
            with transaction.atomic():
                key = f"no_touch:{pk}:{touched:%Y%m%d%H%M}" if touched else f"no_touch:{pk}:never"
                outbox.record(kind=ProspectEvent.Kind.NO_TOUCH, prospect_id=pk, key=key)
            recorded += 1
    return recorded
