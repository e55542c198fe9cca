"""Empathy maps in Django admin: to look at.

A map moves through review (draft, submitted, approved or returned) by
``empathy_maps.services``, which keep an immutable version at each submit, reopen an approved
map when it changes, refuse changes while a manager reviews it, and tie each entry's evidence
to the person the map is about. A direct edit of a map, an entry or a version would do none
of that, so they are read-only here; the rep edits them on the board. A persona's name and
description are editable (nothing depends on their words); its members are added on the
persona's page, which keeps its counts.
"""

from __future__ import annotations

from django.contrib import admin

from empathy_crm.admin import BigTableAdmin, EmailSearch, NoDeleteAdmin, ReadOnlyAdmin, email_search
from empathy_maps.models import EmpathyMap, Entry, MapVersion, Persona, ReviewComment

MAP_SUBJECT = ("map__prospect", "map__persona")


@admin.register(Persona)
class PersonaAdmin(NoDeleteAdmin):
    """Personas are made on the app's page with their curated map; the owner decides whose
    team sees it, so it stays as made."""

    list_display = ("name", "owner", "created_at", "insight_at")
    list_select_related = ("owner",)
    search_fields = ("name",)
    fields = ("name", "description", "owner", "member_count", "created_at", "insight_at")
    readonly_fields = ("owner", "member_count", "created_at", "insight_at")

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="members")
    def member_count(self, persona: Persona) -> int:
        return persona.members.count()


@admin.register(EmpathyMap)
class EmpathyMapAdmin(EmailSearch, BigTableAdmin, ReadOnlyAdmin):
    list_display = ("__str__", "owner", "status", "version", "updated_at")
    list_select_related = ("prospect", "persona", "owner")
    list_filter = ("status",)
    search_fields = (email_search("prospect"),)
    # The index (updated_at, id) gives this order without a sort: latest first.
    ordering = ("-updated_at", "-id")
    raw_id_fields = ("prospect", "persona", "owner")


@admin.register(Entry)
class EntryAdmin(EmailSearch, BigTableAdmin, ReadOnlyAdmin):
    list_display = ("text", "quadrant", "map", "created_by", "created_at")
    list_select_related = (*MAP_SUBJECT, "created_by")
    list_filter = ("quadrant",)
    search_fields = (email_search("map__prospect"),)
    raw_id_fields = ("map", "evidence_conversation", "evidence_engagement", "created_by")


@admin.register(MapVersion)
class MapVersionAdmin(EmailSearch, BigTableAdmin, ReadOnlyAdmin):
    """What a map looked like when it was submitted: never changed afterwards."""

    list_display = ("map", "number", "submitted_by", "submitted_at", "review_status",
                    "reviewed_by")  # fmt: skip
    list_select_related = (*MAP_SUBJECT, "submitted_by", "reviewed_by")
    list_filter = ("review_status",)
    search_fields = (email_search("map__prospect"),)
    raw_id_fields = ("map", "submitted_by", "reviewed_by")


@admin.register(ReviewComment)
class ReviewCommentAdmin(EmailSearch, BigTableAdmin, ReadOnlyAdmin):
    """A reviewer's words as the rep received them (told in the app and by email)."""

    list_display = ("created_at", "map", "author", "text")
    list_select_related = (*MAP_SUBJECT, "author")
    search_fields = (email_search("map__prospect"),)
    raw_id_fields = ("map", "version", "entry", "author")
