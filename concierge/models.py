"""Concierge follow-ups: the next *helpful* step for a person, scheduled by playbooks in place
of a qualification script. The database is the schedule: a task row with ``due_at`` and
``status`` is claimed by the dispatch sweep with a conditional update, never parked in Celery."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from empathy_crm.access import ScopedQuerySet


class TaskKind(models.TextChoices):
    ANSWER_QUESTION = "answer_question", "Answer a question"
    SEND_RESOURCE = "send_resource", "Send a resource"
    MAKE_INTRODUCTION = "make_introduction", "Make an introduction"
    SHARE_STORY = "share_story", "Share a customer story"
    REMOVE_ROADBLOCK = "remove_roadblock", "Remove a roadblock"
    CHECK_IN = "check_in", "Check in"


#: Kinds that reach out to the person; done needs the receiver's-eye answer and an outcome.
#: Removing a roadblock is often work behind the scenes, so its answer is optional.
OUTBOUND_KINDS = frozenset(TaskKind) - {TaskKind.REMOVE_ROADBLOCK}
RECEIVERS_EYE_MISSING = "Before marking it done: if you were them, why would you want this?"


class TaskStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DUE = "due", "Due"
    DONE = "done", "Done"
    SNOOZED = "snoozed", "Snoozed"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (TaskStatus.SCHEDULED, TaskStatus.DUE, TaskStatus.SNOOZED)
WAITING_STATUSES = (TaskStatus.SCHEDULED, TaskStatus.SNOOZED)


class Outcome(models.TextChoices):
    QUESTION_ANSWERED = "question_answered", "Their question is answered"
    ROADBLOCK_REMOVED = "roadblock_removed", "A roadblock is gone"
    WIN_REACHED = "win_reached", "They reached a win"
    HELP_WELCOMED = "help_welcomed", "The help was welcome"
    NO_RESPONSE = "no_response", "No response yet"
    NOT_HELPFUL = "not_helpful", "It did not help"


class Trigger(models.TextChoices):
    NEW_ENGAGEMENT = "new_engagement", "A new engagement"
    CONVERSATION_LOGGED = "conversation_logged", "A conversation is logged"
    FEELING_DROPPED = "feeling_dropped", "Their feeling dropped during a conversation"
    NO_TOUCH = "no_touch", "No helpful touch for some days"
    NEW_GROUP_MEMBER = "new_group_member", "A new member joins a buying group"


class OnConversation(models.TextChoices):
    KEEP = "keep", "Keep it as planned"
    RESCHEDULE = "reschedule", "Move it to after the conversation"
    CANCEL = "cancel", "Cancel it: they have been helped"


class Playbook(models.Model):
    """Replaces the qualification script: when something happens, the helpful steps to take."""

    name = models.CharField(max_length=150)
    trigger = models.CharField(max_length=30, choices=Trigger.choices)
    enabled = models.BooleanField(default=True)
    team = models.ForeignKey(
        "people.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="playbooks",
        help_text="Leave empty to use it for everyone.",
    )
    no_touch_days = models.PositiveSmallIntegerField(
        default=14, help_text="For the “no helpful touch” trigger: after how many days."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlaybookStep(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=0)
    delay_days = models.PositiveSmallIntegerField("wait (working days)", default=0)
    delay_hours = models.PositiveSmallIntegerField("and (working hours)", default=0)
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    wording = models.TextField(
        "suggested wording",
        help_text="Placeholders: {first_name}, {question}, {account}, {rep_first_name}.",
    )
    addresses = models.CharField("the question or pain it addresses", max_length=200, blank=True)
    on_conversation = models.CharField(
        "if a conversation happens first",
        max_length=12,
        choices=OnConversation.choices,
        default=OnConversation.KEEP,
    )

    class Meta:
        ordering = ["playbook", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.playbook}: {self.get_kind_display()}"


class ConciergeTaskQuerySet(ScopedQuerySet):
    owner_field = "assignee"

    def open(self) -> ConciergeTaskQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def due_by(self, moment) -> ConciergeTaskQuerySet:
        return self.filter(status__in=WAITING_STATUSES, due_at__lte=moment)


class ConciergeTask(models.Model):
    """The next helpful step for one person, by one rep, at a good time for them."""

    prospect = models.ForeignKey(
        "prospects.Prospect", on_delete=models.CASCADE, related_name="concierge_tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concierge_tasks"
    )
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=TaskStatus.choices, default=TaskStatus.SCHEDULED
    )
    help_offered = models.TextField("the help we offer", blank=True)
    receivers_eye = models.TextField(
        "if I were them, why would I want this?",
        blank=True,
        help_text="Answer it as the person receiving this, before you reach out.",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    skip_reason = models.CharField(max_length=300, blank=True)
    step = models.ForeignKey(
        PlaybookStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    #: What caused it ("engagement:12", "conversation:40", "no_touch:2026-11-22"), so running
    #: a playbook twice for the same event makes each task once.
    source_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ConciergeTaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "prospect", "source_key"],
                condition=Q(step__isnull=False),
                name="concierge_task_once_per_step_and_event",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="concierge_due_sweep"),
            models.Index(fields=["assignee", "status", "due_at"], name="concierge_queue"),
            models.Index(fields=["prospect", "status", "due_at"], name="concierge_by_prospect"),
            # What each rep got done lately (the manager's week), however much history piles up.
            models.Index(
                fields=["assignee", "completed_at"],
                condition=Q(status=TaskStatus.DONE),
                name="concierge_done_by_assignee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.prospect}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def needs_receivers_eye(self) -> bool:
        return self.kind in OUTBOUND_KINDS

    # --- one row, one rule ----------------------------------------------------------------

    def _move(self, to: str, by, note: str = "", fields: tuple[str, ...] = ()) -> None:
        if not self.is_open:
            raise ValidationError(f"This follow-up is already {self.get_status_display().lower()}.")
        before = self.status
        self.status = to
        with transaction.atomic():
            self.save(update_fields=["status", *fields])
            TaskEvent.objects.create(
                task=self, actor=by, from_status=before, to_status=to, note=note
            )

    def complete(self, *, outcome: str, receivers_eye: str, by) -> None:
        receivers_eye = receivers_eye.strip()
        if self.needs_receivers_eye and not receivers_eye:
            raise ValidationError({"receivers_eye": RECEIVERS_EYE_MISSING})
        if not outcome:
            raise ValidationError({"outcome": "Say how it went."})
        self.outcome, self.receivers_eye = outcome, receivers_eye
        self.completed_at = timezone.now()
        self._move(TaskStatus.DONE, by, fields=("outcome", "receivers_eye", "completed_at"))

    def snooze(self, *, until, by) -> None:
        if until <= timezone.now():
            raise ValidationError({"until": "Snooze to a moment in the future."})
        self.due_at = until
        self.notified_at = None
        self._move(TaskStatus.SNOOZED, by, note=f"until {until:%Y-%m-%d %H:%M %Z}",
                   fields=("due_at", "notified_at"))  # fmt: skip

    def skip(self, *, reason: str, by) -> None:
        if not reason.strip():
            raise ValidationError({"reason": "Say why you skip it, so the team can learn from it."})
        self.skip_reason = reason.strip()
        self._move(TaskStatus.SKIPPED, by, note=self.skip_reason, fields=("skip_reason",))

    def cancel(self, *, note: str, by=None) -> None:
        self._move(TaskStatus.CANCELLED, by, note=note)

    def reassign(self, *, to, by) -> None:
        if not self.is_open:
            raise ValidationError("Only open follow-ups can be handed over.")
        before = self.assignee
        self.assignee = to
        with transaction.atomic():
            self.save(update_fields=["assignee"])
            TaskEvent.objects.create(
                task=self, actor=by, from_status=self.status, to_status=self.status,
                note=f"handed from {before} to {to}",
            )  # fmt: skip


class TaskEvent(models.Model):
    """The status history of a follow-up."""

    task = models.ForeignKey(ConciergeTask, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=TaskStatus.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class TriggerEvent(models.Model):
    """An outbox row, written in the same transaction as what happened. A Celery task
    expands it into follow-ups; the sweep picks up any whose message never arrived."""

    trigger = models.CharField(max_length=30, choices=Trigger.choices)
    prospect = models.ForeignKey(
        "prospects.Prospect", on_delete=models.CASCADE, related_name="trigger_events"
    )
    source_key = models.CharField(max_length=100)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trigger", "source_key"], name="trigger_event_once")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="trigger_event_unprocessed",
            )
        ]


class NoticeEmail(models.Model):
    """One email to a person carrying all the follow-up notices that were waiting for them.

    Sent at least once, under a lease: a run creates the row (or takes over one whose lease
    ran out), sends the mail, then confirms it (``sent_at`` here, ``emailed_at`` on each
    notice). A run that dies in between never confirms; once the lease runs out the next run
    sends the very same mail again: the same notices under the same ``message_id``, so the
    receiving side can recognise the repeat. The notices a mail carries are fixed when the row
    is made, so a repeat never changes its Message-ID.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_emails"
    )
    message_id = models.CharField(max_length=200, unique=True)
    notice_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=1)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["lease_until"],
                condition=Q(sent_at__isnull=True),
                name="notice_email_unsent",
            )
        ]

    @staticmethod
    def message_id_for(user_id: int, notice_ids: list[int], domain: str) -> str:
        """A Message-ID that follows from who gets the mail and which notices it carries."""
        carried = ",".join(str(pk) for pk in sorted(notice_ids))
        digest = hashlib.sha256(f"{user_id}:{carried}".encode()).hexdigest()[:32]
        return f"<notices.{user_id}.{digest}@{domain}>"


class Notification(models.Model):
    """In-app notice for a user (a follow-up became due); emailed at least once, in a
    :class:`NoticeEmail` that carries it (``email``), and ``emailed_at`` once that was sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    task = models.ForeignKey(
        ConciergeTask, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.ForeignKey(
        NoticeEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "user"],
                condition=Q(task__isnull=False),
                name="notify_once_per_task",
            )
        ]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            # What the minute's email run looks for: follow-up notices no mail carries yet.
            models.Index(
                fields=["user"],
                condition=Q(task__isnull=False, email__isnull=True, emailed_at__isnull=True),
                name="notification_email_pending",
            ),
        ]


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A rep's follow-ups as an iCalendar feed at a secret URL; a new token revokes the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def rotate(self) -> None:
        self.token = new_feed_token()
        self.created_at = timezone.now()
        self.save(update_fields=["token", "created_at"])


class DigestSent(models.Model):
    """One daily digest per rep per local date, however often the sweep runs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "local_date"], name="digest_once_a_day")
        ]
