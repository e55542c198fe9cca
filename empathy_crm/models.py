"""What every app shares: the worker heartbeat, and each person's inbox of notices."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
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


class NoticeEmail(models.Model):
    """One email to a person carrying the notices that were waiting for them (those of
    the kinds ``Notification.EMAILED_KINDS``).

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
                name="inbox_email_unsent",
            )
        ]

    def __str__(self) -> str:
        return self.message_id

    @staticmethod
    def message_id_for(user_id: int, notice_ids: list[int], domain: str) -> str:
        """A Message-ID that follows from who gets the mail and which notices it carries."""
        carried = ",".join(str(pk) for pk in sorted(notice_ids))
        digest = hashlib.sha256(f"{user_id}:{carried}".encode()).hexdigest()[:32]
        return f"<notices.{user_id}.{digest}@{domain}>"


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A notice in one person's inbox: what happened, and a link to what it is about.

    ``key`` says what it is about ("followup:12"): a person gets one notice per key, however
    often the same thing is reported. Follow-ups that fall due are also emailed, at least
    once, in a :class:`NoticeEmail` (``email``; ``emailed_at`` once it was sent).
    """

    class Kind(models.TextChoices):
        FOLLOWUP_DUE = "followup_due", "Follow-up due"
        MAP_SUBMITTED = "map_submitted", "Map to review"
        MAP_RETURNED = "map_returned", "Map returned"
        MAP_APPROVED = "map_approved", "Map approved"
        IMPORT_FINISHED = "import_finished", "Import done"
        IMPORT_FAILED = "import_failed", "Import failed"
        STATEMENT_APPROVED = "statement_approved", "Statement approved"
        DISPUTE_RAISED = "dispute_raised", "Dispute to answer"
        DISPUTE_ANSWERED = "dispute_answered", "Dispute answered"
        COACHING_COMMENT = "coaching_comment", "Coaching"
        COACHING_REPLY = "coaching_reply", "Coaching reply"
        OTHER = "other", "Notice"

    #: Kinds that are emailed, a person's waiting ones together in one mail.
    EMAILED_KINDS = (Kind.FOLLOWUP_DUE,)

    # notification_inbox (user, created_at) serves what the foreign key's own index would.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        db_index=False,
    )  # fmt: skip
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.OTHER)
    message = models.CharField(max_length=300)
    url = models.CharField("link", max_length=300, blank=True, help_text="A path in the app.")
    key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.ForeignKey(
        NoticeEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~Q(key=""), name="notification_once_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            # What the minute's email run looks for: notices to email that no mail carries yet.
            models.Index(
                fields=["user"],
                condition=Q(kind="followup_due", email__isnull=True, emailed_at__isnull=True),
                name="inbox_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.message

    def mark_read(self, at=None) -> None:
        if self.read_at is None:
            self.read_at = at or timezone.now()
            self.save(update_fields=["read_at"])


class OutboxEvent(models.Model):
    """Something that happened that tools outside may want to hear of (a webhook topic),
    written by the service that made it happen, in its transaction (``empathy_crm.outbox``),
    so it commits or rolls back with it. The api app fans each out to the webhook endpoints
    that listen for its topic and delivers them (``api/webhooks.py``); ``published_at`` says it
    was fanned out."""

    class Topic(models.TextChoices):
        PROSPECT_CREATED = "prospect.created", "A prospect is created"
        CONVERSATION_LOGGED = "conversation.logged", "A conversation is logged"
        FOLLOWUP_DONE = "followup.done", "A follow-up is done"
        OPPORTUNITY_WON = "opportunity.won", "An opportunity is won"

    topic = models.CharField(max_length=40, choices=Topic.choices)
    #: The team whose record it is about: an endpoint of a team hears only its own.
    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")  # fmt: skip
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=Q(published_at__isnull=True),
                         name="outbox_unpublished"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
