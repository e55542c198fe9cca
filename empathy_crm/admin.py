"""Django admin: the raw data, fast at a million rows, and safe to touch where it is editable.

The bases every app's ``admin.py`` builds on live here (the shared bottom), with the admin of
this app's own models: the inbox, its mails and the worker heartbeat, all read-only.

- ``BigTableAdmin``: the list of a table that grows to millions of rows. It is counted
  cheaply (``EstimatedCountPaginator``: exact up to 10,000 rows, PostgreSQL's estimate past
  that), never counted twice (``show_full_result_count``) nor per filter choice (facets),
  ordered newest first by the primary key (an index walk; sorting a million rows by a column
  no index serves is a page that takes seconds), and has no "delete selected".
- ``ReadOnlyAdmin``: to look at. Rows the app's services keep consistent (an outbox, a
  history, an immutable version, an idempotency record, a mail under a lease), whose direct
  edit would break what they promise.
- ``EmailSearch``: a list of what happened to people, searched by the person's exact email
  through the ``lower(email)`` index (``email_search``).
- ``NoDeleteAdmin``: editable through the admin's checked forms, never deleted here: a
  person, an account or a follow-up takes its history with it (conversations, follow-up
  histories, map versions), and the app itself deletes none of these.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper

from empathy_crm.models import NoticeEmail, Notification, OutboxEvent, WorkerHeartbeat
from empathy_crm.paginator import EstimatedCountPaginator


class NoDeleteAdmin(admin.ModelAdmin):
    """Editable, never deleted here (see the module's docstring). A related row (an owner,
    a team) is chosen in its field, not added, changed or deleted from beside it."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            formfield.widget.can_add_related = False
            formfield.widget.can_change_related = False
            formfield.widget.can_delete_related = False
        return formfield


class ReadOnlyAdmin(NoDeleteAdmin):
    """Look, don't touch: the app's services keep these rows consistent."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class BigTableAdmin(admin.ModelAdmin):
    """The changelist of a table of millions (see the module's docstring). A subclass may
    order or sort by other columns where an index serves that order."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    ordering = ("-pk",)
    sortable_by = ()
    list_per_page = 25  # as the app's lists: rendering the rows is most of such a page

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


def email_search(path: str) -> str:
    """A search field for the exact email of the person at ``path`` ("prospect"), served by
    the ``lower(email)`` index; ``=prospect__email`` would compare in upper case, which no
    btree index serves (a trigram index does, a thousand times slower)."""
    return f"{path}__email__lower__exact"


class EmailSearch(admin.ModelAdmin):
    """Searched by an exact email (``email_search``), which the app keeps in lower case."""

    search_help_text = "The person's exact email."

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.strip().lower())


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """Touched every minute by the beat's heartbeat task: an edit would fake a live worker
    (or hide a dead one) on the admin's home page."""

    list_display = ("hostname", "last_seen_at", "alive")
    search_fields = ("hostname",)

    @admin.display(boolean=True)
    def alive(self, heartbeat: WorkerHeartbeat) -> bool:
        return heartbeat.is_alive


@admin.register(NoticeEmail)
class NoticeEmailAdmin(BigTableAdmin, ReadOnlyAdmin):
    """A mail of notices, sent at least once under a lease and confirmed after: an edit of
    its lease, ``sent_at`` or Message-ID would send it twice, never, or as another mail."""

    list_display = ("message_id", "user", "notice_count", "created_at", "attempts", "sent_at")
    list_select_related = ("user",)
    list_filter = (("sent_at", admin.EmptyFieldListFilter),)
    search_fields = ("message_id__exact",)  # its unique index
    search_help_text = "The exact Message-ID, angle brackets included."


@admin.register(Notification)
class NotificationAdmin(BigTableAdmin, ReadOnlyAdmin):
    """A notice in someone's inbox: one per person and key, emailed once carried by a
    mail. The person reads it in the app; an edit here would mark it read for them, move
    it to another inbox, or send it again (or never)."""

    list_display = ("created_at", "user", "kind", "message", "read_at", "emailed_at")
    list_select_related = ("user",)
    list_filter = (("read_at", admin.EmptyFieldListFilter),)  # unread: a partial index
    search_fields = ("=user__username",)  # then the (user, created_at) index
    search_help_text = "The exact username of whose inbox it is in."
    raw_id_fields = ("user", "email")


@admin.register(OutboxEvent)
class OutboxEventAdmin(BigTableAdmin, ReadOnlyAdmin):
    """What the webhooks announce (a person created, a conversation logged, a follow-up done,
    an opportunity won), written in the transaction that made it happen and fanned out to the
    endpoints once. An edit would announce something that did not happen."""

    list_display = ("created_at", "topic", "team", "published_at")
    list_select_related = ("team",)
    list_filter = ("topic", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("=topic",)
