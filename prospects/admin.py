"""Prospects in Django admin: accounts, people, what they engaged with and said, the outbox.

Editable where an edit can be checked like the app checks it: people and accounts (each
stays in one team's records, with an owner of that team: README "Records belong to a
team"), content assets, an opportunity's figures and status (through
``services.opportunity_save``, which notes when it was won, lost or reopened), and a form
source's name, team and pause. What the app derives, records as evidence or promises to
repeat is read-only, each for the reason in its docstring. Nothing here is deleted (see
``empathy_crm.admin``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from empathy_crm.access import records_team_id
from empathy_crm.admin import BigTableAdmin, EmailSearch, NoDeleteAdmin, ReadOnlyAdmin, email_search
from people.models import Team
from prospects import services
from prospects.forms import opportunity_dates_check
from prospects.models import (
    Account,
    ContentAsset,
    Conversation,
    Engagement,
    FormSource,
    InboundDelivery,
    Opportunity,
    Prospect,
    ProspectAlias,
    ProspectEvent,
    ProspectHistory,
    ProspectImport,
)


def team_name(team) -> str:
    return str(team) if team else "no team"


# --- Accounts and people ------------------------------------------------------------------


class AccountAdminForm(forms.ModelForm):
    """An account belongs to one team (chosen when it is added, fixed after: moving it would
    move a buying group out of the team that keeps its people), and so does its owner. What
    changes is checked."""

    def clean(self):
        data = super().clean()
        team = data.get("team") if "team" in self.fields else self.instance.team
        team_id = team.pk if team else None
        owner, changed = data.get("owner"), set(self.changed_data)
        if owner is not None and changed & {"owner", "team"} and records_team_id(owner) != team_id:
            self.add_error("owner", f"{owner} does not work in {team_name(team)}, whose account "
                                    "this is; choose someone of that team.")  # fmt: skip
        domain = (data.get("domain") or "").strip().lower()
        if domain and changed & {"domain", "team"}:
            data["domain"] = domain
            taken = Account.objects.of_team(team_id).filter(domain__lower=domain)
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error("domain", f"{team_name(team)} has an account with this domain.")
        return data


@admin.register(Account)
class AccountAdmin(BigTableAdmin, NoDeleteAdmin):
    form = AccountAdminForm
    list_display = ("name", "domain", "team", "owner", "size", "created_at")
    list_select_related = ("team", "owner")
    list_filter = ("size", "team")
    search_fields = ("name",)  # a trigram index on PostgreSQL (prospects/0003)
    search_help_text = "Part of the account's name."
    autocomplete_fields = ("team", "owner")
    readonly_fields = ("created_at",)
    fields = (
        "name", "domain", "team", "owner", "industry", "size", "climb_goal", "climb_position",
        "climb_blockers", "created_at",
    )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return ("team", *self.readonly_fields) if obj else self.readonly_fields


class ProspectAdminForm(forms.ModelForm):
    """A person is one team's record: the team of their owner when added here (as when a
    rep adds them), fixed after. Their owner (someone to hand them to) and their account
    are of that team, and an email is kept once per team, in lower case. What changes is
    checked."""

    def clean(self):
        data = super().clean()
        owner, account = data.get("owner"), data.get("account")
        if self.instance.pk:
            team_id, team = self.instance.team_id, self.instance.team
        else:
            team_id = records_team_id(owner) if owner else None
            team = Team.objects.filter(pk=team_id).first()
        if owner is not None and "owner" in self.changed_data:
            if not owner.is_active:
                self.add_error("owner", f"{owner} is deactivated.")
            elif records_team_id(owner) != team_id:
                message = (f"{owner} does not work in {team_name(team)}, whose record this "
                           "is; hand them to someone of that team.")  # fmt: skip
                self.add_error("owner", message)
        if account is not None and "account" in self.changed_data and account.team_id != team_id:
            self.add_error("account", f"{account} is another team's account; choose one of "
                                      f"{team_name(team)}.")  # fmt: skip
        email = (data.get("email") or "").lower()
        if email and "email" in self.changed_data:
            data["email"] = email
            kept = Prospect.objects.of_team(team_id).filter(email__lower=email)
            if kept.exclude(pk=self.instance.pk).exists():
                self.add_error("email", f"{team_name(team)} has a prospect with this email.")
        self.instance.team_id = team_id  # for the model's own checks, before it is saved
        return data


@admin.register(Prospect)
class ProspectAdmin(BigTableAdmin, NoDeleteAdmin):
    """What the prospect list filters on (last touch, feeling) is kept by the
    ``conversation_log`` service from the conversations: read-only here."""

    form = ProspectAdminForm
    list_display = ("name", "email", "team", "owner", "account")
    list_select_related = ("team", "owner", "account")
    list_filter = ("stage", "willingness", "feeling_trend", "do_not_contact", "team")
    # Trigram indexes on PostgreSQL (prospects/0003) serve these contains-searches.
    search_fields = ("first_name", "last_name", "email")
    search_help_text = "Part of a first name, last name or email."
    autocomplete_fields = ("owner",)
    raw_id_fields = ("account",)
    readonly_fields = (
        "team", "last_helpful_touch_at", "last_feeling", "feeling_trend", "created_at",
        "updated_at",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "email", "title", "phone", "timezone")}),
        ("Whose record", {"fields": ("team", "owner", "account"), "description":
            "A person is one team's record: their owner's team when added, fixed after."}),
        ("Their journey", {"fields": (
            "buying_role", "willingness", "stage", "do_not_contact", "source", "open_question",
        )}),
        ("Kept by the app from their conversations", {"fields": (
            "last_helpful_touch_at", "last_feeling", "feeling_trend", "created_at", "updated_at",
        )}),
    )  # fmt: skip

    @admin.display
    def name(self, prospect: Prospect) -> str:
        return prospect.name

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:  # as services.prospect_add says: a buying group may have grown
            services.group_member_event_record(obj)


@admin.register(ContentAsset)
class ContentAssetAdmin(NoDeleteAdmin):
    list_display = ("title", "kind", "url")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("kind",)
    search_fields = ("title",)


# --- What people did and said ---------------------------------------------------------------


@admin.register(Engagement)
class EngagementAdmin(EmailSearch, BigTableAdmin, ReadOnlyAdmin):
    """What a person did and why, as it was recorded (with the inbound payload): playbooks
    acted on it and empathy maps quote it as evidence. Engagements are recorded by the
    app's services, which announce them to the playbooks; one added here would not be."""

    list_display = ("occurred_at", "prospect", "asset", "source", "form_source")
    list_select_related = ("prospect", "asset", "form_source")
    list_filter = ("form_source",)
    search_fields = (email_search("prospect"),)
    raw_id_fields = ("prospect", "asset", "form_source")


@admin.register(Conversation)
class ConversationAdmin(EmailSearch, BigTableAdmin, ReadOnlyAdmin):
    """A helpful conversation as the rep logged it. The person's last touch and feeling
    trend, their open question, the playbooks' events, empathy-map evidence and commission
    statements all came from it when it was logged; an edit here would leave them behind."""

    list_display = ("occurred_at", "prospect", "rep", "channel", "feeling_before", "feeling_after")
    list_select_related = ("prospect", "rep")
    search_fields = (email_search("prospect"),)
    raw_id_fields = ("prospect", "rep")


class OpportunityAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        opportunity_dates_check(self, data)
        return data


@admin.register(Opportunity)
class OpportunityAdmin(EmailSearch, BigTableAdmin, NoDeleteAdmin):
    """Its figures and status are editable, saved by ``services.opportunity_save`` (which
    notes when it was won, lost or reopened, for commissions' clawback rule). Whose it is
    (account, person, owner) and where it came from stay as the app made them: a win counts
    for its owner, within one team's account. Opportunities are opened from a prospect's
    page; one added here would have no person or source."""

    form = OpportunityAdminForm
    list_display = ("name", "account", "owner", "amount", "status", "opened_on", "closed_on")
    list_select_related = ("account", "owner")
    list_filter = ("status",)
    search_fields = (email_search("prospect"),)
    raw_id_fields = ("account", "prospect", "source_conversation", "source_engagement")
    fields = (
        "name", "amount", "status", "opened_on", "closed_on", "account", "prospect", "owner",
        "source_conversation", "source_engagement", "status_changed_at",
    )  # fmt: skip
    readonly_fields = (
        "account", "prospect", "owner", "source_conversation", "source_engagement",
        "status_changed_at",
    )  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        services.opportunity_save(opportunity=obj, status_before=form.initial.get("status"))


# --- Inbound -------------------------------------------------------------------------------


@admin.register(FormSource)
class FormSourceAdmin(NoDeleteAdmin):
    """The secret is never shown nor edited here: we keep it encrypted, show its last four
    characters, and it is made or rotated on the app's *Form sources* page, which shows a
    new one in full once. So sources are added there too. Deleting one would take its
    deliveries (the idempotency records) with it; pause it instead."""

    list_display = ("name", "team", "is_active", "secret_ends_with", "secret_made_at")
    list_select_related = ("team",)
    list_filter = ("is_active",)
    search_fields = ("name",)
    autocomplete_fields = ("team",)
    fields = (
        "name", "team", "is_active", "secret_ends_with", "secret_made_at",
        "previous_secret_until", "created_at", "rotate",
    )  # fmt: skip
    readonly_fields = (
        "secret_ends_with", "secret_made_at", "previous_secret_until", "created_at", "rotate",
    )  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="secret")
    def secret_ends_with(self, source: FormSource) -> str:
        return f"…{source.secret_hint}"

    @admin.display(description="new secret")
    def rotate(self, source: FormSource) -> str:
        return format_html(
            '<a href="{}">Rotate it on the Form sources page</a> (shown once, in full).',
            reverse("prospects:form_source_list"),
        )


@admin.register(InboundDelivery)
class InboundDeliveryAdmin(BigTableAdmin, ReadOnlyAdmin):
    """An accepted delivery remembered by its Idempotency-Key: a retry gets this answer
    instead of a second engagement. An edit would change what a retry is answered (or let
    another body through under the same key)."""

    list_display = ("created_at", "form_source", "idempotency_key")
    list_select_related = ("form_source",)
    list_filter = ("form_source",)
    search_fields = ("idempotency_key__exact",)  # with the source, its unique index
    search_help_text = "The exact Idempotency-Key (filter by the source first)."
    raw_id_fields = ("form_source",)


@admin.register(ProspectAlias)
class ProspectAliasAdmin(ReadOnlyAdmin):
    """An email a merged duplicate had, kept so inbound deliveries and imports still find the
    person it was merged into. Written by the merge, in its transaction."""

    list_display = ("email", "prospect", "team", "created_at")
    list_select_related = ("prospect", "team")
    search_fields = ("=email",)
    raw_id_fields = ("prospect",)


@admin.register(ProspectHistory)
class ProspectHistoryAdmin(BigTableAdmin, ReadOnlyAdmin):
    """Merges, deletions, undos and purges of people's records, as the app wrote them; a line
    outlives the record it is about."""

    list_display = ("created_at", "action", "subject", "actor", "team")
    list_select_related = ("actor", "team")
    list_filter = ("action",)
    search_fields = ("subject",)
    raw_id_fields = ("prospect",)


# --- The outbox and imports ---------------------------------------------------------------


@admin.register(ProspectEvent)
class ProspectEventAdmin(EmailSearch, BigTableAdmin, ReadOnlyAdmin):
    """The outbox: what happened to a person, written in the transaction that made it
    happen and expanded into follow-ups by the concierge's playbooks once. An edit (or a
    cleared ``processed_at``) would schedule follow-ups twice or never."""

    list_display = ("created_at", "kind", "prospect", "key", "processed_at")
    list_select_related = ("prospect",)
    list_filter = ("kind", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = (email_search("prospect"),)
    raw_id_fields = ("prospect",)


@admin.register(ProspectImport)
class ProspectImportAdmin(ReadOnlyAdmin):
    """A CSV upload and how its run went, as the import worker left it. The file itself is
    not shown (it may be 20 MB of people's details); its first errors are."""

    list_display = ("created_at", "filename", "uploaded_by", "status", "total_rows",
                    "created_count", "updated_count")  # fmt: skip
    list_select_related = ("uploaded_by",)
    list_filter = ("status",)
    search_fields = ("filename",)
    raw_id_fields = ("uploaded_by",)
    fields = (
        "filename", "uploaded_by", "status", "total_rows", "checked_rows", "created_count",
        "updated_count", "message", "first_errors", "created_at", "finished_at",
    )  # fmt: skip
    readonly_fields = ("first_errors",)

    @admin.display(description="errors (the first 20)")
    def first_errors(self, job: ProspectImport) -> str:
        rows = job.errors[:20]
        return "\n".join(str(row) for row in rows) or "None"
