"""Admins set each team's room colour here; rooms are shown read-only (their links are
never shown: only a hash is kept, and only the rep's page makes new ones)."""

from __future__ import annotations

from django.contrib import admin

from rooms.models import Room, RoomEvent, TeamBrand


@admin.register(TeamBrand)
class TeamBrandAdmin(admin.ModelAdmin):
    list_display = ["team", "colour"]
    list_select_related = ["team"]
    autocomplete_fields = []
    raw_id_fields = ["team"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Room)
class RoomAdmin(ReadOnly):
    list_display = ["account", "team", "created_by", "opened_at"]
    list_select_related = ["account", "team", "created_by"]
    fields = ["account", "team", "goal", "climb", "created_by", "opened_at"]
    show_full_result_count = False


@admin.register(RoomEvent)
class RoomEventAdmin(ReadOnly):
    list_display = ["room", "kind", "subject", "created_at"]
    list_select_related = ["room__account"]
    fields = ["room", "member", "kind", "subject", "created_at"]
    show_full_result_count = False
