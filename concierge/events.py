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
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from concierge import scheduling
from concierge.models import OPEN_STATUSES, FollowUp, Playbook
from prospects import events as outbox
from prospects.models import Prospect, ProspectEvent

log = logging.getLogger(__name__)


def render_wording(template: str, prospect: Prospect) -> str:
    values = defaultdict(
        str,
        first_name=prospect.first_name,
        question=prospect.open_question or "their question",
        account=prospect.account.name if prospect.account_id else "their team",
        rep_first_name=prospect.owner.first_name if prospect.owner_id else "",
    )
    try:
        return template.format_map(values)
    except (ValueError, IndexError):
        return template  # a stray brace in the wording: show it as written


def followups_from_playbooks(events: list[ProspectEvent]) -> list[FollowUp]:
    """Expand events into follow-ups, once per step (re-running one makes nothing new).

    A batch reads its prospects, the enabled playbooks, the follow-ups already made and the
    prospects' busy days in four queries, and writes the new follow-ups in one insert.
    """
    prospects = Prospect.objects.select_related("owner", "account").in_bulk(
        {event.prospect_id for event in events}
    )
    playbooks = list(Playbook.objects.filter(enabled=True).prefetch_related("steps"))
    made = set(
        FollowUp.objects.filter(
            prospect_id__in=prospects, source_key__in={event.key for event in events}
        ).values_list("step_id", "prospect_id", "source_key")
    )
    busy_days: dict[int, set] = defaultdict(set)
    horizon = timezone.now() - timedelta(days=1)
    busy = FollowUp.objects.open().filter(prospect_id__in=prospects, due_at__gte=horizon)
    for prospect_id, due in busy.values_list("prospect_id", "due_at"):
        tz = scheduling.zone(prospects[prospect_id].timezone)
        busy_days[prospect_id].add(due.astimezone(tz).date())
    created = []
    for event in events:
        prospect = prospects.get(event.prospect_id)
        if prospect is None:
            log.info("event %s: the prospect was deleted; nothing scheduled", event.pk)
            continue
        if prospect.do_not_contact:
            log.info("event %s: %s is do-not-contact; nothing scheduled", event.pk, prospect)
            continue
        if prospect.owner_id is None:
            log.info("event %s: %s has no owner; nothing scheduled", event.pk, prospect)
            continue
        team_id = prospect.owner.team_id
        for playbook in playbooks:
            if playbook.trigger != event.kind or playbook.team_id not in (None, team_id):
                continue
            for step in playbook.steps.all():
                key = (step.pk, prospect.pk, event.key)
                if key in made:
                    continue
                made.add(key)
                due_at = scheduling.due_at_for(
                    prospect, after=event.created_at, days=step.delay_days, hrs=step.delay_hours,
                    busy_days=busy_days[prospect.pk],
                )  # fmt: skip
                created.append(
                    FollowUp(
                        prospect=prospect,
                        assignee=prospect.owner,
                        kind=step.kind,
                        step=step,
                        source_key=event.key,
                        help_offered=render_wording(step.wording, prospect),
                        due_at=due_at,
                    )
                )
    return FollowUp.objects.bulk_create(created)


def events_expand(event_ids) -> int:
    """Claim unprocessed events (rows another worker holds are skipped) and expand them
    together, in one transaction. Returns how many follow-ups were scheduled."""
    with transaction.atomic(durable=True):
        events = list(
            ProspectEvent.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(event_ids), processed_at__isnull=True)
            .order_by("pk")
        )
        if not events:
            return 0
        followups = followups_from_playbooks(events)
        ProspectEvent.objects.filter(pk__in=[event.pk for event in events]).update(
            processed_at=timezone.now()
        )
    return len(followups)


def event_expand(event_id: int, *, with_waiting: int = 0) -> int:
    """Expand one event and, with ``with_waiting``, up to that many others still waiting:
    a burst (a webinar's attendees arriving at once) is then expanded in a few batches, and
    the messages for events already done find nothing left to do."""
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
