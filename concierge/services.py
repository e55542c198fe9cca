"""What follow-ups do: a logged conversation changes the queue, due follow-ups are delivered
(in the app exactly once, by email at least once), and the rep's day comes as a digest.
Playbooks turning events into follow-ups live in ``concierge/events.py``."""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from concierge import scheduling
from concierge.events import render_wording
from concierge.models import (
    WAITING_STATUSES,
    DigestSent,
    FollowUp,
    FollowUpStatus,
    OnConversation,
    Playbook,
    PlaybookStep,
)
from empathy_crm.access import reps_of
from empathy_crm.models import Notification
from people.models import User
from prospects import services as prospect_services
from prospects.models import Conversation, HelpKind, Prospect

log = logging.getLogger(__name__)


# --- What a conversation changes ----------------------------------------------------------


def conversation_record(
    *, prospect: Prospect, rep: User, next_step: dict | None = None, **conversation
) -> Conversation:
    """Log a helpful conversation and let it change the queue, in one transaction.

    The conversation is logged by ``prospects.services.conversation_log`` (which also
    records the events playbooks react to); then pending check-ins are cancelled or moved as
    their playbook step says (someone talked with the person first), and the rep's own next
    step (``next_step``: kind, help_offered, on) is scheduled.
    """
    with transaction.atomic(durable=True):
        logged = prospect_services.conversation_log(prospect=prospect, rep=rep, **conversation)
        checkins_adjust_after_conversation(prospect, logged.created_at)
        if next_step:
            next_step_schedule(prospect=prospect, rep=rep, source_key=f"conversation:{logged.pk}",
                               **next_step)  # fmt: skip
    return logged


def next_step_schedule(*, prospect: Prospect, rep: User, kind: str, help_offered: str,
                       on: date | None, source_key: str) -> FollowUp | None:  # fmt: skip
    """The rep's own next helpful step from a conversation (or the date they asked for)."""
    if prospect.do_not_contact:
        log.info("%s is do-not-contact; next step not scheduled", prospect)
        return None
    due = scheduling.on_date(prospect, on) if on else next_working_day(prospect)
    return FollowUp.objects.create(
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
    pending = FollowUp.objects.filter(
        prospect=prospect, status__in=WAITING_STATUSES, kind=HelpKind.CHECK_IN,
        step__isnull=False, created_at__lt=at,
    ).select_related("step")  # fmt: skip
    for followup in pending:
        if followup.step.on_conversation == OnConversation.CANCEL:
            followup.cancel(note="a conversation happened first")
        elif followup.step.on_conversation == OnConversation.RESCHEDULE:
            followup.due_at = scheduling.due_at_for(
                prospect, after=at, days=followup.step.delay_days, hrs=followup.step.delay_hours,
                exclude_followup_id=followup.pk,
            )  # fmt: skip
            followup.save(update_fields=["due_at"])


# --- A rep's choices on a follow-up -------------------------------------------------------

SNOOZE_WORKING_DAYS = {"tomorrow": 1, "next_week": 5}


def followup_snooze(*, followup: FollowUp, until: str, on: date | None = None, by: User) -> None:
    """Snooze to the start of the person's next working day ("tomorrow"), five working days
    on ("next_week"), or the day they asked for ("date", ``on``), in their working hours."""
    if until == "date":
        try:
            moment = scheduling.on_date(followup.prospect, on)
        except ValidationError as exc:
            raise ValidationError({"date": exc.messages}) from None
    else:
        tz = scheduling.zone(followup.prospect.timezone)
        start = scheduling.local_day_bounds(timezone.now(), tz)[0]
        moment = scheduling.add_working_time(
            start, tz, scheduling.WorkingHours.from_settings(), days=SNOOZE_WORKING_DAYS[until]
        )
    followup.snooze(until=moment, by=by)


# --- Delivery -----------------------------------------------------------------------------


def due_followups_dispatch(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Mark due follow-ups as due and notify their assignees in the app, each exactly once.

    Each batch is one transaction that claims rows with SELECT … FOR UPDATE SKIP LOCKED (so
    dispatchers running at once take different rows), marks them due and writes their
    notices; a worker killed mid-batch rolls its claim back for the next run. Each status is
    read on its own, oldest first, straight from the (status, due_at) index. On PostgreSQL a
    batch is one statement (claim, update and notices in the database, nothing per row in
    Python); elsewhere (SQLite, the embedded default) the same steps go through the ORM.
    """
    now = now or timezone.now()
    claim = _dispatch_batch_sql if connection.vendor == "postgresql" else _dispatch_batch_orm
    total = 0
    for status in WAITING_STATUSES:
        while claimed := claim(status=status, now=now, batch=batch):
            total += claimed
    return total


def _notice_url_pattern() -> str:
    return reverse("concierge:followup_detail", args=[0]).replace("/0/", "/{}/")


# One statement per batch: the claim (the (status, due_at) index, oldest first, rows other
# dispatchers hold skipped), the status change and the notices, with the count of claimed
# rows as its only result. ON CONFLICT DO NOTHING: one notice per follow-up, whatever runs
# at once. The claimed ids go in as an array and each name is a subquery by id: as an IN
# and a join, PostgreSQL hashed the whole follow-up and prospect tables for each batch.
_DISPATCH_SQL = """
WITH claimed AS (
    UPDATE {followup} AS f SET status = %(due)s, notified_at = %(now)s
    WHERE f.id = ANY(ARRAY(
        SELECT id FROM {followup}
        WHERE status = %(status)s AND due_at <= %(now)s
          AND NOT EXISTS (  -- not while its person's deletion can be undone
              SELECT 1 FROM {prospect} AS d WHERE d.id = prospect_id AND d.deleted_at IS NOT NULL
          )
        ORDER BY due_at
        LIMIT %(batch)s
        FOR UPDATE SKIP LOCKED
    ))
    RETURNING f.id, f.assignee_id, f.kind, f.prospect_id
), notices AS (
    INSERT INTO {notification} (user_id, kind, key, url, created_at, message)
    SELECT c.assignee_id, %(notice_kind)s, 'followup:' || c.id,
           replace(%(url)s, '{{}}', c.id::text), %(now)s,
           btrim(
               coalesce(label.text, c.kind) || ' for '
               || (SELECT p.first_name || ' ' || p.last_name FROM {prospect} AS p
                   WHERE p.id = c.prospect_id)
           )
    FROM claimed AS c
    LEFT JOIN unnest(%(kinds)s::text[], %(labels)s::text[]) AS label (kind, text)
        ON label.kind = c.kind
    ON CONFLICT DO NOTHING
)
SELECT count(*) FROM claimed
"""


def _dispatch_batch_sql(*, status: str, now: datetime, batch: int) -> int:
    sql = _DISPATCH_SQL.format(
        followup=FollowUp._meta.db_table,
        notification=Notification._meta.db_table,
        prospect=Prospect._meta.db_table,
    )
    kinds, labels = zip(*((k, str(label)) for k, label in HelpKind.choices), strict=True)
    params = {
        "due": FollowUpStatus.DUE, "now": now, "status": status, "batch": batch,
        "notice_kind": Notification.Kind.FOLLOWUP_DUE, "url": _notice_url_pattern(),
        "kinds": list(kinds), "labels": list(labels),
    }  # fmt: skip
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _dispatch_batch_orm(*, status: str, now: datetime, batch: int) -> int:
    url = _notice_url_pattern()
    labels = dict(HelpKind.choices)
    with transaction.atomic(durable=True):
        rows = list(
            FollowUp.objects.filter(status=status, due_at__lte=now)
            .filter(prospect__deleted_at__isnull=True)  # not while it can be undone
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_at")
            .values_list(
                "pk", "assignee_id", "kind", "prospect__first_name", "prospect__last_name"
            )[:batch]
        )
        if not rows:
            return 0
        FollowUp.objects.filter(pk__in=[r[0] for r in rows]).update(
            status=FollowUpStatus.DUE, notified_at=now
        )
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=assignee,
                    kind=Notification.Kind.FOLLOWUP_DUE,
                    key=f"followup:{pk}",
                    url=url.format(pk),
                    created_at=now,
                    message=f"{labels[kind]} for {first} {last}".strip(),
                )
                for pk, assignee, kind, first, last in rows
            ],
            ignore_conflicts=True,  # one notice per follow-up, whatever runs at once
        )
    return len(rows)


def digests_send(*, now: datetime | None = None) -> int:
    """At DIGEST_HOUR in each rep's own time zone, one email with the day's follow-ups."""
    now = now or timezone.now()
    sent = 0
    reps = reps_of(User.objects.filter(is_active=True)).exclude(email="")
    for rep in reps:
        tz = scheduling.zone(rep.timezone)
        local = now.astimezone(tz)
        if (
            local.hour != settings.DIGEST_HOUR
            or local.weekday() not in settings.CONCIERGE_WORKING_DAYS
        ):
            continue
        start, end = scheduling.local_day_bounds(now, tz)
        followups = list(
            FollowUp.objects.open().filter(assignee=rep, due_at__lt=end)
            .select_related("prospect").order_by("due_at")
        )  # fmt: skip
        if not followups:
            continue
        with transaction.atomic():
            _, created = DigestSent.objects.get_or_create(user=rep, local_date=local.date())
            if not created:
                continue
            overdue = [t for t in followups if t.due_at < start]
            send_mail(
                subject=f"Your day: {len(followups)} helpful follow-up{pluralize(len(followups))}",
                message=render_to_string(
                    "concierge/email/digest.txt",
                    {
                        "user": rep,
                        "followups": followups,
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


def playbook_save(*, form, formset) -> Playbook:
    """A playbook and its steps, from the editor's valid forms, together or not at all; a
    new step goes last (the ↑/↓ buttons move it)."""
    with transaction.atomic(durable=True):
        playbook = form.save()
        formset.instance = playbook
        steps = formset.save(commit=False)
        for step in formset.deleted_objects:
            step.delete()
        last = max((s.order for s in playbook.steps.all()), default=0)
        for step in steps:
            if step.pk is None:
                last += 1
                step.order = last
            step.save()
    return playbook


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
