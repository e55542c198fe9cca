"""Scheduling the next helpful step, and delivering due follow-ups: in the app exactly once,
by email at least once."""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from concierge import scheduling
from concierge.models import (
    OPEN_STATUSES,
    WAITING_STATUSES,
    ConciergeTask,
    DigestSent,
    NoticeEmail,
    Notification,
    OnConversation,
    Playbook,
    PlaybookStep,
    TaskKind,
    TaskStatus,
    Trigger,
    TriggerEvent,
)
from empathy_crm.access import Role
from people.models import User
from prospects.models import Prospect

log = logging.getLogger(__name__)

TRIGGER_BATCH = 500  # triggers expanded together when many are waiting


# --- Triggers (an outbox in the caller's transaction) -------------------------------------


def trigger_record(*, trigger: str, prospect_id: int, source_key: str, context: dict | None = None):
    """Remember that something happened, in the caller's transaction; expand it after commit.

    If the broker is down the row stays unprocessed and the minute sweep expands it later:
    a lost message delays follow-ups, it never loses them.
    """
    # Insert unless (trigger, source key) is already there, then read it back: two round
    # trips, where get_or_create's select, savepoint, insert and release took four.
    TriggerEvent.objects.bulk_create(
        [TriggerEvent(trigger=trigger, source_key=source_key, prospect_id=prospect_id,
                      context=context or {})],
        ignore_conflicts=True,
    )  # fmt: skip
    event = TriggerEvent.objects.get(trigger=trigger, source_key=source_key)
    if event.processed_at is None:  # a replay of one already expanded needs no message
        transaction.on_commit(lambda: trigger_enqueue(event.pk))
    return event


def triggers_record_many(*, trigger: str, events: list[tuple[int, str]]) -> int:
    """``trigger_record`` for many (prospect id, source key) pairs, e.g. a CSV import's.

    One insert for all of them; after commit, one message per batch of triggers (each
    worker message also expands the ones waiting behind it). Returns how many were new.
    """
    if not events:
        return 0
    keys = [key for _, key in events]
    TriggerEvent.objects.bulk_create(
        [TriggerEvent(trigger=trigger, prospect_id=pk, source_key=key) for pk, key in events],
        ignore_conflicts=True,
        batch_size=2000,
    )
    ids: list[int] = []
    for n in range(0, len(keys), 10_000):
        ids += TriggerEvent.objects.filter(
            trigger=trigger, source_key__in=keys[n : n + 10_000], processed_at__isnull=True
        ).values_list("pk", flat=True)
    ids.sort()
    firsts = ids[::TRIGGER_BATCH]
    transaction.on_commit(lambda: [trigger_enqueue(pk) for pk in firsts])
    return len(ids)


def trigger_enqueue(event_id: int) -> None:
    from concierge.tasks import followups_expand

    try:
        followups_expand.apply_async(
            args=[event_id], retry=True, retry_policy={"max_retries": 1, "interval_start": 0.2}
        )
    except (BrokerError, OSError) as exc:
        log.warning("trigger %s not queued (%s); the sweep will expand it", event_id, exc)


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


def followups_from_playbooks(events: list[TriggerEvent]) -> list[ConciergeTask]:
    """Expand triggers into follow-ups, once per step (re-running one makes nothing new).

    A batch reads its prospects, the enabled playbooks, the follow-ups already made and the
    prospects' busy days in four queries, and writes the new follow-ups in one insert.
    """
    prospects = Prospect.objects.select_related("owner", "account").in_bulk(
        {event.prospect_id for event in events}
    )
    playbooks = list(Playbook.objects.filter(enabled=True).prefetch_related("steps"))
    made = set(
        ConciergeTask.objects.filter(
            prospect_id__in=prospects, source_key__in={event.source_key for event in events}
        ).values_list("step_id", "prospect_id", "source_key")
    )
    busy_days: dict[int, set] = defaultdict(set)
    horizon = timezone.now() - timedelta(days=1)
    busy = ConciergeTask.objects.open().filter(prospect_id__in=prospects, due_at__gte=horizon)
    for prospect_id, due in busy.values_list("prospect_id", "due_at"):
        tz = scheduling.zone(prospects[prospect_id].timezone)
        busy_days[prospect_id].add(due.astimezone(tz).date())
    created = []
    for event in events:
        prospect = prospects.get(event.prospect_id)
        if prospect is None:
            log.info("trigger %s: the prospect was deleted; nothing scheduled", event.pk)
            continue
        if prospect.do_not_contact:
            log.info("trigger %s: %s is do-not-contact; nothing scheduled", event.pk, prospect)
            continue
        if prospect.owner_id is None:
            log.info("trigger %s: %s has no owner; nothing scheduled", event.pk, prospect)
            continue
        team_id = prospect.owner.team_id
        for playbook in playbooks:
            if playbook.trigger != event.trigger or playbook.team_id not in (None, team_id):
                continue
            for step in playbook.steps.all():
                key = (step.pk, prospect.pk, event.source_key)
                if key in made:
                    continue
                made.add(key)
                due_at = scheduling.due_at_for(
                    prospect, after=event.created_at, days=step.delay_days, hrs=step.delay_hours,
                    busy_days=busy_days[prospect.pk],
                )  # fmt: skip
                created.append(
                    ConciergeTask(
                        prospect=prospect,
                        assignee=prospect.owner,
                        kind=step.kind,
                        step=step,
                        source_key=event.source_key,
                        help_offered=render_wording(step.wording, prospect),
                        due_at=due_at,
                    )
                )
    return ConciergeTask.objects.bulk_create(created)


def triggers_expand(event_ids) -> int:
    """Claim unprocessed triggers (rows another worker holds are skipped) and expand them
    together, in one transaction. Returns how many follow-ups were scheduled."""
    with transaction.atomic(durable=True):
        events = list(
            TriggerEvent.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(event_ids), processed_at__isnull=True)
            .order_by("pk")
        )
        if not events:
            return 0
        tasks = followups_from_playbooks(events)
        TriggerEvent.objects.filter(pk__in=[event.pk for event in events]).update(
            processed_at=timezone.now()
        )
    return len(tasks)


def trigger_expand(event_id: int, *, with_waiting: int = 0) -> int:
    """Expand one trigger and, with ``with_waiting``, up to that many others still waiting:
    a burst (a webinar's attendees arriving at once) is then expanded in a few batches, and
    the messages for triggers already done find nothing left to do."""
    ids = [event_id]
    if with_waiting:
        unprocessed = TriggerEvent.objects.filter(processed_at__isnull=True)
        if not unprocessed.filter(pk=event_id).exists():
            return 0  # already expanded, in a batch an earlier message took
        waiting = unprocessed.exclude(pk=event_id)
        ids += waiting.order_by("created_at").values_list("pk", flat=True)[:with_waiting]
    return triggers_expand(ids)


def triggers_sweep(
    *, older_than: timedelta = timedelta(seconds=30), limit: int = 5000, batch: int = TRIGGER_BATCH
) -> int:
    """Expand triggers whose Celery message never arrived (broker down, worker lost), a
    batch at a time."""
    cutoff = timezone.now() - older_than
    ids = list(
        TriggerEvent.objects.filter(processed_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(triggers_expand(ids[n : n + batch]) for n in range(0, len(ids), batch))


# --- What a conversation changes ----------------------------------------------------------


def next_step_schedule(*, prospect: Prospect, rep: User, kind: str, help_offered: str,
                       on: date | None, source_key: str) -> ConciergeTask | None:  # fmt: skip
    """The rep's own next helpful step from a conversation (or the date they asked for)."""
    if prospect.do_not_contact:
        log.info("%s is do-not-contact; next step not scheduled", prospect)
        return None
    due = scheduling.on_date(prospect, on) if on else next_working_day(prospect)
    return ConciergeTask.objects.create(
        prospect=prospect, assignee=prospect.owner or rep, kind=kind, due_at=due,
        help_offered=help_offered, source_key=source_key,
    )  # fmt: skip


def next_working_day(prospect: Prospect, *, now: datetime | None = None) -> datetime:
    """Tomorrow's working hours, or the first working day if today is not one (weekend)."""
    tz = scheduling.zone(prospect.timezone)
    now = now or timezone.now()
    start = scheduling.next_working_moment(now, tz, scheduling.WorkingHours.from_settings())
    later_day = start.astimezone(tz).date() > now.astimezone(tz).date()
    return scheduling.due_at_for(prospect, days=0 if later_day else 1, now=now)


def checkins_adjust_after_conversation(prospect: Prospect, at: datetime) -> None:
    """Pending check-ins stop or move once someone has talked with the person (the way a
    sequence stops on reply), as each playbook step says."""
    pending = ConciergeTask.objects.filter(
        prospect=prospect, status__in=WAITING_STATUSES, kind=TaskKind.CHECK_IN,
        step__isnull=False, created_at__lt=at,
    ).select_related("step")  # fmt: skip
    for task in pending:
        if task.step.on_conversation == OnConversation.CANCEL:
            task.cancel(note="a conversation happened first")
        elif task.step.on_conversation == OnConversation.RESCHEDULE:
            task.due_at = scheduling.due_at_for(
                prospect, after=at, days=task.step.delay_days, hrs=task.step.delay_hours,
                exclude_task_id=task.pk,
            )  # fmt: skip
            task.save(update_fields=["due_at"])


def no_touch_scan(*, limit: int = 5000) -> int:
    """Record a trigger for people nobody has helped for a playbook's number of days."""
    recorded = 0
    for playbook in Playbook.objects.filter(enabled=True, trigger=Trigger.NO_TOUCH):
        cutoff = timezone.now() - timedelta(days=playbook.no_touch_days)
        open_task = ConciergeTask.objects.filter(prospect=OuterRef("pk"), status__in=OPEN_STATUSES)
        quiet = (
            Prospect.objects.filter(do_not_contact=False, owner__isnull=False)
            .filter(
                Q(last_helpful_touch_at__lt=cutoff)
                | Q(last_helpful_touch_at__isnull=True, created_at__lt=cutoff)
            )
            .exclude(Exists(open_task))
        )
        if playbook.team_id:
            quiet = quiet.filter(owner__team_id=playbook.team_id)
        for pk, touched in quiet.values_list("pk", "last_helpful_touch_at")[:limit]:
            with transaction.atomic():
                key = f"no_touch:{pk}:{touched:%Y%m%d%H%M}" if touched else f"no_touch:{pk}:never"
                trigger_record(trigger=Trigger.NO_TOUCH, prospect_id=pk, source_key=key)
            recorded += 1
    return recorded


# --- Delivery -----------------------------------------------------------------------------


def due_followups_dispatch(*, now: datetime | None = None, batch: int = 500) -> int:
    """Mark due follow-ups as due and notify their assignees in the app, each exactly once.

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED, so dispatchers running at once
    take different rows; a worker killed mid-batch rolls its claim back for the next run.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic(durable=True):
            rows = list(
                ConciergeTask.objects.filter(status__in=WAITING_STATUSES, due_at__lte=now)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("due_at")
                .values_list(
                    "pk", "assignee_id", "kind", "prospect__first_name", "prospect__last_name"
                )[:batch]
            )
            if not rows:
                break
            ConciergeTask.objects.filter(pk__in=[r[0] for r in rows]).update(
                status=TaskStatus.DUE, notified_at=now
            )
            labels = dict(TaskKind.choices)
            Notification.objects.bulk_create(
                [
                    Notification(
                        user_id=assignee,
                        task_id=pk,
                        created_at=now,
                        message=f"{labels[kind]} for {first} {last}".strip(),
                    )
                    for pk, assignee, kind, first, last in rows
                ],
                ignore_conflicts=True,
            )
        total += len(rows)
    return total


#: A mail lists this many of the notices it carries, then says how many more there are.
NOTICES_LISTED = 50
#: Mails claimed together; a run claims again until nothing is pending.
NOTICE_EMAIL_CHUNK = 200
#: How long a run may hold a mail before another run may send it: longer than a task may
#: live (Celery's hard time limit), so a running sender never loses its mail to a second one.
NOTICE_EMAIL_LEASE = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
PENDING_NOTICES = Q(task__isnull=False, email__isnull=True, emailed_at__isnull=True)


def notifications_email(*, now: datetime | None = None, chunk: int = NOTICE_EMAIL_CHUNK) -> int:
    """Email each person the follow-ups that fell due for them, at least once.

    One mail per person carries every notice waiting for them (it lists the first
    ``NOTICES_LISTED``). Mails are claimed under a lease, sent, then confirmed; a mail whose
    sender died is sent again, unchanged, once its lease has run out. The run claims again
    until nothing is left, over one SMTP connection. Returns the number of mails sent.
    """
    connection = get_connection()
    opened = False
    sent = 0
    try:
        while emails := notice_emails_claim(now=now or timezone.now(), limit=chunk):
            if not opened:
                connection.open()
                opened = True
            for email in emails:
                sent += notice_email_send(email=email, connection=connection)
    finally:
        if opened:
            connection.close()
    return sent


def notice_emails_claim(*, now: datetime, limit: int) -> list[NoticeEmail]:
    """Lease up to ``limit`` mails: first those whose sender's lease ran out, then new ones.

    A new mail takes every pending notice of one person. Rows are claimed with
    SELECT … FOR UPDATE SKIP LOCKED, so runs at once claim different mails.
    """
    lease_until = now + NOTICE_EMAIL_LEASE
    with transaction.atomic():
        expired = list(
            NoticeEmail.objects.filter(sent_at__isnull=True, lease_until__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("lease_until")
            .values_list("pk", flat=True)[:limit]
        )
        NoticeEmail.objects.filter(pk__in=expired).update(
            lease_until=lease_until, attempts=F("attempts") + 1
        )
    new = _notice_emails_create(now=now, lease_until=lease_until, people=limit - len(expired))
    return list(
        NoticeEmail.objects.filter(pk__in=[*expired, *new]).select_related("user").order_by("pk")
    )


def _notice_emails_create(*, now: datetime, lease_until: datetime, people: int) -> list[int]:
    """Make a mail for each of up to ``people`` persons with pending notices, carrying them all."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    while people > 0:
        with transaction.atomic():
            user_ids = list(
                Notification.objects.filter(PENDING_NOTICES)
                .order_by()
                .values_list("user_id", flat=True)
                .distinct()[:people]
            )
            carried: dict[int, list[int]] = defaultdict(list)
            for pk, user_id in (
                Notification.objects.filter(PENDING_NOTICES, user_id__in=user_ids)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by()
                .values_list("pk", "user_id")
            ):
                carried[user_id].append(pk)
            if not carried:
                return []  # nothing pending, or another run holds it
            addresses = dict(User.objects.filter(pk__in=carried).values_list("pk", "email"))
            # Someone without an address has nothing to send to: their notices are settled.
            unmailable = [
                pk for user_id, pks in carried.items() if not addresses[user_id] for pk in pks
            ]
            for part in _slices(unmailable):
                Notification.objects.filter(pk__in=part).update(emailed_at=now)
            emails = NoticeEmail.objects.bulk_create(
                NoticeEmail(
                    user_id=user_id,
                    message_id=NoticeEmail.message_id_for(user_id, pks, domain),
                    notice_count=len(pks),
                    created_at=now,
                    lease_until=lease_until,
                )
                for user_id, pks in carried.items()
                if addresses[user_id]
            )
            for email in emails:
                for part in _slices(carried[email.user_id]):
                    Notification.objects.filter(pk__in=part).update(email=email)
        if emails:
            return [email.pk for email in emails]
    return []


def _slices(pks: list[int], size: int = 10_000):
    """Id lists small enough for one query's parameters, however many notices wait."""
    for start in range(0, len(pks), size):
        yield pks[start : start + size]


def notice_email_send(*, email: NoticeEmail, connection: BaseEmailBackend) -> int:
    """Send one claimed mail, then confirm it and the notices it carries. Returns 1 if sent."""
    messages = email.notices.order_by("created_at", "pk").values_list("message", flat=True)
    listed = list(messages[:NOTICES_LISTED])
    count = email.notice_count
    message = EmailMessage(
        subject=f"{count} helpful follow-up{'s' if count != 1 else ''} due",
        body=render_to_string(
            "concierge/email/due.txt",
            {
                "user": email.user,
                "listed": listed,
                "more": count - len(listed),
                "site": settings.SITE_URL,
            },
        ),
        to=[email.user.email],
        headers={"Message-ID": email.message_id},
        connection=connection,
    )
    try:
        if not connection.send_messages([message]):
            return 0
    except smtplib.SMTPRecipientsRefused:
        log.warning("Mail %s refused for %s; retried after its lease", email.pk, email.user_id)
        return 0
    at = timezone.now()
    with transaction.atomic():
        NoticeEmail.objects.filter(pk=email.pk, sent_at__isnull=True).update(sent_at=at)
        email.notices.filter(emailed_at__isnull=True).update(emailed_at=at)
    return 1


def digests_send(*, now: datetime | None = None) -> int:
    """At DIGEST_HOUR in each rep's own time zone, one email with the day's follow-ups."""
    now = now or timezone.now()
    sent = 0
    reps = User.objects.filter(is_active=True, groups__name=Role.REP).exclude(email="")
    for rep in reps:
        tz = scheduling.zone(rep.timezone)
        local = now.astimezone(tz)
        if (
            local.hour != settings.DIGEST_HOUR
            or local.weekday() not in settings.CONCIERGE_WORKING_DAYS
        ):
            continue
        start, end = scheduling.local_day_bounds(now, tz)
        tasks = list(
            ConciergeTask.objects.open().filter(assignee=rep, due_at__lt=end)
            .select_related("prospect").order_by("due_at")
        )  # fmt: skip
        if not tasks:
            continue
        with transaction.atomic():
            _, created = DigestSent.objects.get_or_create(user=rep, local_date=local.date())
            if not created:
                continue
            overdue = [t for t in tasks if t.due_at < start]
            send_mail(
                subject=f"Your day: {len(tasks)} helpful follow-up{'s' if len(tasks) != 1 else ''}",
                message=render_to_string(
                    "concierge/email/digest.txt",
                    {
                        "user": rep,
                        "tasks": tasks,
                        "overdue": overdue,
                        "site": settings.SITE_URL,
                        "tz": tz,
                    },
                ),
                from_email=None,
                recipient_list=[rep.email],
            )
        sent += 1
    return sent


def step_preview(steps: list[PlaybookStep], prospect: Prospect, *, at: datetime | None = None):
    """What a playbook would schedule for ``prospect``, without writing anything."""
    tz = scheduling.zone(prospect.timezone)
    hours = scheduling.WorkingHours.from_settings()
    now = timezone.now()
    start = scheduling.whole_minute(max(at or now, now))
    rows = []
    for step in steps:
        due = scheduling.add_working_time(
            start, tz, hours, days=step.delay_days, hrs=step.delay_hours
        )
        rows.append({"step": step, "due_at": due, "local": due.astimezone(tz),
                     "wording": render_wording(step.wording, prospect)})  # fmt: skip
    return rows
