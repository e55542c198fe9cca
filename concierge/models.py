"""Concierge follow-ups: the next *helpful* step for a person, scheduled by playbooks in place
of a qualification script. The database is the schedule: a follow-up row with ``due_at`` and
``status`` is claimed by the dispatch sweep with a conditional update, never parked in Celery."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from empathy_crm import outbox
from empathy_crm.access import ScopedQuerySet
from prospects.models import HelpKind, ProspectEvent

#: Kinds that reach out to the person; done needs the receiver's-eye answer and an outcome.
#: Removing a roadblock is often work behind the scenes, so its answer is optional.
OUTBOUND_KINDS = frozenset(HelpKind) - {HelpKind.REMOVE_ROADBLOCK}
RECEIVERS_EYE_MISSING = "Before marking it done: if you were them, why would you want this?"


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DUE = "due", "Due"
    DONE = "done", "Done"
    SNOOZED = "snoozed", "Snoozed"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (FollowUpStatus.SCHEDULED, FollowUpStatus.DUE, FollowUpStatus.SNOOZED)
WAITING_STATUSES = (FollowUpStatus.SCHEDULED, FollowUpStatus.SNOOZED)


class Outcome(models.TextChoices):
    QUESTION_ANSWERED = "question_answered", "Their question is answered"
    ROADBLOCK_REMOVED = "roadblock_removed", "A roadblock is gone"
    WIN_REACHED = "win_reached", "They reached a win"
    HELP_WELCOMED = "help_welcomed", "The help was welcome"
    NO_RESPONSE = "no_response", "No response yet"
    NOT_HELPFUL = "not_helpful", "It did not help"


class OnConversation(models.TextChoices):
    KEEP = "keep", "Keep it as planned"
    RESCHEDULE = "reschedule", "Move it to after the conversation"
    CANCEL = "cancel", "Cancel it: they have been helped"


class Playbook(models.Model):
    """Replaces the qualification script: when something happens, the helpful steps to take."""

    name = models.CharField(max_length=150)
    trigger = models.CharField(max_length=30, choices=ProspectEvent.Kind.choices)
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
    kind = models.CharField(max_length=30, choices=HelpKind.choices)
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


class FollowUpQuerySet(ScopedQuerySet):
    owner_field = "assignee"

    def open(self) -> FollowUpQuerySet:
        """Still to do, for a person who is not deleted (one waiting out the undo window
        leaves every queue, count and digest at once, and comes back with an undo)."""
        return self.filter(status__in=OPEN_STATUSES, prospect__deleted_at__isnull=True)

    def due_by(self, moment) -> FollowUpQuerySet:
        return self.filter(
            status__in=WAITING_STATUSES, due_at__lte=moment, prospect__deleted_at__isnull=True
        )


class FollowUp(models.Model):
    """The next helpful step for one person, by one rep, at a good time for them."""

    # The foreign keys' own indexes would repeat the first column of concierge_by_prospect,
    # concierge_queue and followup_once_per_step_and_event: every claim changes the status,
    # which rewrites each index entry of the row, so three fewer make dispatch cheaper.
    prospect = models.ForeignKey(
        "prospects.Prospect", on_delete=models.CASCADE, related_name="followups", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="followups",
        db_index=False,
    )  # fmt: skip
    kind = models.CharField(max_length=30, choices=HelpKind.choices)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.SCHEDULED
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
        PlaybookStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="followups",
        db_index=False,
    )  # fmt: skip
    #: What caused it ("engagement:12", "conversation:40", "no_touch:2026-11-22"), so running
    #: a playbook twice for the same event makes each follow-up once.
    source_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "prospect", "source_key"],
                condition=Q(step__isnull=False),
                name="followup_once_per_step_and_event",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="concierge_due_sweep"),
            models.Index(fields=["assignee", "status", "due_at"], name="concierge_queue"),
            models.Index(fields=["prospect", "status", "due_at"], name="concierge_by_prospect"),
            # What each rep got done lately (the manager's week), however much history piles up.
            models.Index(
                fields=["assignee", "completed_at"],
                condition=Q(status=FollowUpStatus.DONE),
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
            FollowUpEvent.objects.create(
                followup=self, actor=by, from_status=before, to_status=to, note=note
            )

    def complete(self, *, outcome: str, receivers_eye: str, by) -> None:
        receivers_eye = receivers_eye.strip()
        if self.needs_receivers_eye and not receivers_eye:
            raise ValidationError({"receivers_eye": RECEIVERS_EYE_MISSING})
        if not outcome:
            raise ValidationError({"outcome": "Say how it went."})
        self.outcome, self.receivers_eye = outcome, receivers_eye
        self.completed_at = timezone.now()
        with transaction.atomic():
            self._move(FollowUpStatus.DONE, by, fields=("outcome", "receivers_eye", "completed_at"))
            outbox.record(topic=outbox.Topic.FOLLOWUP_DONE, team_id=self.prospect.team_id,
                          payload={"id": self.pk, "prospect": self.prospect_id,
                                   "assignee": self.assignee_id, "kind": self.kind,
                                   "outcome": self.outcome,
                                   "completed_at": self.completed_at.isoformat()})  # fmt: skip

    def snooze(self, *, until, by) -> None:
        if until <= timezone.now():
            raise ValidationError({"until": "Snooze to a moment in the future."})
        self.due_at = until
        self.notified_at = None
        self._move(FollowUpStatus.SNOOZED, by, note=f"until {until:%Y-%m-%d %H:%M %Z}",
                   fields=("due_at", "notified_at"))  # fmt: skip

    def skip(self, *, reason: str, by) -> None:
        if not reason.strip():
            raise ValidationError({"reason": "Say why you skip it, so the team can learn from it."})
        self.skip_reason = reason.strip()
        self._move(FollowUpStatus.SKIPPED, by, note=self.skip_reason, fields=("skip_reason",))

    def cancel(self, *, note: str, by=None) -> None:
        self._move(FollowUpStatus.CANCELLED, by, note=note)

    def revise(self, *, fields: list[str], by) -> None:
        """Save a direct change of ``fields`` of an open follow-up (what it offers, made in
        Django admin) and keep it in the history: who changed what."""
        if not self.is_open:
            raise ValidationError(f"This follow-up is already {self.get_status_display().lower()}.")
        names = ", ".join(str(self._meta.get_field(name).verbose_name) for name in fields)
        with transaction.atomic():
            self.save(update_fields=fields)
            FollowUpEvent.objects.create(
                followup=self, actor=by, from_status=self.status, to_status=self.status,
                note=f"changed {names}"[:300],
            )  # fmt: skip

    def reassign(self, *, to, by) -> None:
        if not self.is_open:
            raise ValidationError("Only open follow-ups can be handed over.")
        before = self.assignee
        self.assignee = to
        with transaction.atomic():
            self.save(update_fields=["assignee"])
            FollowUpEvent.objects.create(
                followup=self, actor=by, from_status=self.status, to_status=self.status,
                note=f"handed from {before} to {to}",
            )  # fmt: skip


class FollowUpEvent(models.Model):
    """The status history of a follow-up."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=FollowUpStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=FollowUpStatus.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or 'New'} → {self.get_to_status_display()}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A rep's follow-ups as an iCalendar feed at a secret URL; a new token revokes the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

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

    def __str__(self) -> str:
        return f"Digest of {self.local_date:%Y-%m-%d}"
