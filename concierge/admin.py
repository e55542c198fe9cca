"""Follow-ups and playbooks in Django admin.

A follow-up's history is its audit trail, so an admin's change to one goes through the model
methods the queue uses and lands in that history with the admin as actor: a hand-over is
``reassign``, a new day is a snooze (``snooze``), what it offers is ``revise``, and "Cancel
the selected follow-ups" is ``cancel``. Its status and how it ended are the rep's to set in
the queue (done asks the receiver's-eye question first), so they are read-only here, and a
closed follow-up is read-only altogether. Playbooks are edited with their steps, as on the
app's page; the rest is read-only, each for the reason in its docstring.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from concierge import scheduling
from concierge.models import (
    OPEN_STATUSES,
    CalendarFeed,
    DigestSent,
    FollowUp,
    FollowUpEvent,
    Playbook,
    PlaybookStep,
)
from empathy_crm.access import records_team_id
from empathy_crm.admin import BigTableAdmin, EmailSearch, NoDeleteAdmin, ReadOnlyAdmin, email_search

# --- Playbooks ----------------------------------------------------------------------------


class StepFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """An enabled playbook needs a step, or it would promise help and give none (as
        the app's playbook page says)."""
        super().clean()
        if not self.instance.enabled:
            return
        kept = [
            form for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
            if form.instance.pk or form.has_changed()
        ]  # fmt: skip
        if not kept:
            raise ValidationError("Add at least one step before you enable it, or pause it.")


class PlaybookStepInline(admin.TabularInline):
    model = PlaybookStep
    formset = StepFormSet
    fields = ("order", "delay_days", "delay_hours", "kind", "wording", "addresses",
              "on_conversation")  # fmt: skip
    extra = 1


@admin.register(Playbook)
class PlaybookAdmin(NoDeleteAdmin):
    """Paused, not deleted: the follow-ups a playbook made would lose the step that
    explains them (and that keeps each event from making them twice)."""

    list_display = ("name", "trigger", "team", "enabled", "steps")
    list_select_related = ("team",)
    list_filter = ("trigger", "enabled", "team")
    search_fields = ("name",)
    autocomplete_fields = ("team",)
    fields = ("name", "trigger", "team", "no_touch_days", "enabled")
    inlines = [PlaybookStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(step_count=Count("steps"))

    @admin.display(ordering="step_count")
    def steps(self, playbook: Playbook) -> int:
        return playbook.step_count


@admin.register(PlaybookStep)
class PlaybookStepAdmin(ReadOnlyAdmin):
    """Steps are edited on their playbook (here or on the app's playbook page), which keeps
    an enabled playbook from losing its last one."""

    list_display = ("playbook", "order", "kind", "delay_days", "delay_hours", "on_conversation")
    list_select_related = ("playbook",)
    list_filter = ("kind", "on_conversation")
    search_fields = ("playbook__name",)


# --- Follow-ups and their history -----------------------------------------------------------


class FollowUpAdminForm(forms.ModelForm):
    move_to = forms.DateField(
        label="Move it to",
        required=False,
        widget=AdminDateWidget,
        help_text="A day: it then falls due when the person's working hours begin, as a "
        "snooze to a date in the queue does.",
    )

    class Meta:
        model = FollowUp
        fields = ("assignee", "kind", "help_offered")

    def clean_assignee(self):
        """Hand it to someone active in the team whose record the person is."""
        assignee = self.cleaned_data["assignee"]
        if assignee.pk == self.instance.assignee_id:
            return assignee
        if not assignee.is_active:
            raise ValidationError(f"{assignee} is deactivated.")
        team = self.instance.prospect.team
        if records_team_id(assignee) != (team.pk if team else None):
            raise ValidationError(f"{assignee} does not work in {team or 'no team'}, whose "
                                  "person this is; hand it to someone of that team.")  # fmt: skip
        return assignee

    def clean_move_to(self):
        day = self.cleaned_data["move_to"]
        if day is None:
            return None
        moment = scheduling.on_date(self.instance.prospect, day)  # refuses a day gone by
        if moment <= timezone.now():
            raise ValidationError("Their working hours that day have begun; pick a later day.")
        self.moved_to = moment
        return day


class FollowUpEventInline(admin.TabularInline):
    """The history, as the app wrote it (each row headed by its move: "Due → Snoozed")."""

    model = FollowUpEvent
    verbose_name_plural = "history"
    fields = ("at", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(FollowUp)
class FollowUpAdmin(EmailSearch, BigTableAdmin, NoDeleteAdmin):
    """Every change lands in the follow-up's history with the admin as actor (see the
    module's docstring). Follow-ups are made by conversations and playbooks (each event's
    once); none is added here, and a cancelled one keeps its history where a deleted one
    would lose it."""

    form = FollowUpAdminForm
    list_display = ("__str__", "assignee", "status", "due_at")
    list_select_related = ("prospect", "assignee")
    list_filter = ("status",)  # the (status, due_at) index
    search_fields = (email_search("prospect"),)
    autocomplete_fields = ("assignee",)
    raw_id_fields = ("prospect", "step")
    readonly_fields = (
        "prospect", "status", "due_at", "outcome", "receivers_eye", "completed_at",
        "skip_reason", "step", "source_key", "created_at", "notified_at",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": (
            "prospect", "status", "due_at", "move_to", "assignee", "kind", "help_offered",
        )}),
        ("How it ended", {"fields": ("outcome", "receivers_eye", "completed_at", "skip_reason")}),
        ("Where it came from", {"fields": ("step", "source_key", "created_at", "notified_at")}),
    )  # fmt: skip
    inlines = [FollowUpEventInline]
    actions = ["cancel"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        """A closed follow-up is history: read-only."""
        return super().has_change_permission(request, obj) and (obj is None or obj.is_open)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            return self.fieldsets
        # Read-only: "move to" is a question of the form, not a field to show.
        first, *rest = self.fieldsets
        shown = tuple(name for name in first[1]["fields"] if name != "move_to")
        return ((first[0], {"fields": shown}), *rest)

    def save_model(self, request, obj, form, change):
        """The changes, each through the model method that records it in the history; on
        the row as it is now (locked), not as the form found it."""
        followup = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("prospect", "assignee")
            .get(pk=obj.pk)
        )
        if not followup.is_open:
            self.message_user(request, f"It was {followup.get_status_display().lower()} in "
                              "the meantime; nothing was changed.", messages.ERROR)  # fmt: skip
            return
        if obj.assignee_id != followup.assignee_id:
            followup.reassign(to=obj.assignee, by=request.user)
        revised = [name for name in ("kind", "help_offered")
                   if getattr(obj, name) != getattr(followup, name)]  # fmt: skip
        if revised:
            for name in revised:
                setattr(followup, name, getattr(obj, name))
            followup.revise(fields=revised, by=request.user)
        if form.cleaned_data.get("move_to"):
            followup.snooze(until=form.moved_to, by=request.user)

    @admin.action(description="Cancel the selected follow-ups", permissions=["change"])
    def cancel(self, request, queryset):
        """Open ones only, at most 500 at a time, each recorded in its history."""
        with transaction.atomic():
            open_ones = list(
                queryset.filter(status__in=OPEN_STATUSES)
                .select_for_update(of=("self",))
                .order_by("pk")[:501]
            )
            if len(open_ones) > 500:
                self.message_user(request, "Cancel at most 500 at a time; narrow the list.",
                                  messages.ERROR)  # fmt: skip
                return
            for followup in open_ones:
                followup.cancel(note="cancelled in Django admin", by=request.user)
        self.message_user(request, f"Cancelled {len(open_ones)} open follow-up(s).")


@admin.register(FollowUpEvent)
class FollowUpEventAdmin(EmailSearch, BigTableAdmin, ReadOnlyAdmin):
    """A follow-up's history: the audit trail of what happened to it, by whom. Append-only."""

    list_display = ("at", "followup", "actor", "from_status", "to_status", "note")
    list_select_related = ("followup__prospect", "actor")
    search_fields = (email_search("followup__prospect"),)
    raw_id_fields = ("followup", "actor")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """The secret token is the feed's only credential: never shown here. A rep makes a new
    link on their calendar page; deactivating the user revokes theirs for good."""

    list_display = ("user", "created_at")
    list_select_related = ("user",)
    search_fields = ("=user__username",)
    fields = ("user", "created_at")


@admin.register(DigestSent)
class DigestSentAdmin(BigTableAdmin, ReadOnlyAdmin):
    """What keeps the daily digest to one a day: an edit would send a rep's day twice, or
    not at all."""

    list_display = ("local_date", "user", "sent_at")
    list_select_related = ("user",)
    search_fields = ("=user__username",)
    search_help_text = "The rep's exact username."
    raw_id_fields = ("user",)
