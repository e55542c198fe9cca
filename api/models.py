"""Personal access tokens, remembered writes (Idempotency-Key), and outbound webhooks."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "ecrm_"  # noqa: S105 (marks a token in logs and secret scanners)


def token_hash(raw: str) -> str:
    """How a token is kept: its SHA-256. A token is 32 random bytes, so a plain hash is
    enough (no salt or stretching: nobody can guess their way to a preimage)."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def working(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal access token: acts as its user, with their role and scope. Shown in full
    once, when made; only its SHA-256 and its first characters are kept."""

    #: last_used_at is written at most this often per token, not on every request.
    TOUCH_EVERY = timedelta(minutes=1)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “Zapier”.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False, help_text="Its first characters.")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple[ApiToken, str]:
        """A new token for ``user`` and its raw value: the one moment it is seen."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=token_hash(raw),
                                   prefix=raw[:12])  # fmt: skip
        return token, raw

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= self.TOUCH_EVERY:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


class IdempotentRequest(models.Model):
    """A write made with an ``Idempotency-Key``: a retry with the same key and body gets
    ``status``/``response_body`` again; another body with the key is a 409. While the first
    request runs, ``status`` is 0 and a second one with the key is told to wait (409)."""

    #: A request still marked running after this long died with its process; it may be
    #: tried again with the same key.
    STALE = timedelta(minutes=5)
    KEEP = timedelta(hours=24)

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotent_request_once")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_age")]

    def __str__(self) -> str:
        return self.key


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL that hears of the topics it chose (``empathy_crm.OutboxEvent.Topic``), every
    team's or one team's, each request signed with its own secret (shown once, kept
    encrypted: signing needs the secret itself)."""

    url = models.URLField(max_length=500)
    topics = models.JSONField(default=list)
    team = models.ForeignKey(
        "people.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Leave empty to hear of every team.",
    )
    secret_encrypted = models.TextField(editable=False)
    secret_hint = models.CharField(max_length=4, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["url", "pk"]

    def __str__(self) -> str:
        return self.url

    def secret_issue(self) -> str:
        from empathy_crm.crypto import encrypt

        secret = new_webhook_secret()
        self.secret_encrypted = encrypt(secret)
        self.secret_hint = secret[-4:]
        return secret

    @property
    def secret(self) -> str:
        from empathy_crm.crypto import decrypt

        return decrypt(self.secret_encrypted)


class WebhookDelivery(models.Model):
    """One event for one endpoint: POSTed at least once, retried with backoff.

    The database is the schedule: a run claims due rows (``SELECT … FOR UPDATE SKIP
    LOCKED``) and, in the same transaction, moves ``next_attempt_at`` past a lease; it then
    POSTs and records the answer. A worker killed in between only delays it: when the lease
    runs out the next run sends the same delivery again, with the same ``X-Empathy-Delivery``
    id, so the receiver can tell a repeat."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    MAX_ATTEMPTS = 8
    #: How long a claimed delivery is left alone: a POST times out long before.
    LEASE = timedelta(minutes=2)

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")  # fmt: skip
    event = models.ForeignKey("empathy_crm.OutboxEvent", on_delete=models.CASCADE,
                              related_name="+")  # fmt: skip
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"),
                         name="webhook_delivery_due"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
