"""The REST API's and webhooks' raw data in Django admin, read-only: tokens are issued and
revoked by their owners (shown once, kept hashed), endpoints are added on the Webhooks page
(their secret shown once, kept encrypted), and requests and deliveries are what happened."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from api.models import ApiToken, IdempotentRequest, WebhookDelivery, WebhookEndpoint
from empathy_crm.admin import BigTableAdmin, ReadOnlyAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """A personal access token: its name, first characters and use, never the token."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name",)
    exclude = ("key_hash",)


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(BigTableAdmin, ReadOnlyAdmin):
    """A write made with an Idempotency-Key and the answer a retry gets again (a day)."""

    list_display = ("created_at", "key", "token", "status")
    list_select_related = ("token",)
    search_fields = ("=key",)
    raw_id_fields = ("token",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    """Where events are POSTed; the secret is not shown (its last four characters are)."""

    list_display = ("url", "team", "is_active", "secret_hint", "created_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_select_related = ("team",)
    list_filter = ("is_active",)
    search_fields = ("url",)
    exclude = ("secret_encrypted",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(BigTableAdmin, ReadOnlyAdmin):
    """One event for one endpoint, as the delivery job left it: tries, answer, next try."""

    list_display = ("created_at", "endpoint", "status", "attempts", "last_status_code",
                    "next_attempt_at")  # fmt: skip
    list_select_related = ("endpoint",)
    list_filter = ("status",)
    search_fields = ("=endpoint__url",)
    raw_id_fields = ("endpoint", "event")
