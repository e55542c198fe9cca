from __future__ import annotations

from django import forms
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.html import format_html

from empathy_crm.access import default_owner_filter, sees_everyone
from empathy_crm.ids import parse_id
from empathy_crm.zones import TimeZoneField
from people.models import User
from prospects import services
from prospects.models import (
    Account,
    Channel,
    ContentAsset,
    Conversation,
    Engagement,
    Feeling,
    FeelingTrend,
    FormSource,
    HelpKind,
    JourneyStage,
    Opportunity,
    Prospect,
    Willingness,
)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ProspectFilterForm(forms.Form):
    SORTS = {
        "name": ("last_name", "first_name", "pk"),
        "-touch": ("last_helpful_touch_at", "pk"),
        "-created": ("-created_at", "-pk"),
        "stage": ("stage", "last_name", "pk"),
    }
    SORT_CHOICES = [
        ("name", "Name"),
        ("-touch", "Longest without help"),
        ("-created", "Newest"),
        ("stage", "Journey stage"),
    ]

    q = forms.CharField(required=False, label="Search", max_length=100)
    owner = forms.CharField(required=False, label="Owner")
    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *JourneyStage.choices])
    willingness = forms.ChoiceField(
        required=False, choices=[("", "Any willingness"), *Willingness.choices]
    )
    trend = forms.ChoiceField(
        required=False, label="Feeling", choices=[("", "Any feeling"), *FeelingTrend.choices]
    )
    stale = forms.BooleanField(required=False, label="No helpful touch for 14+ days")
    open_question = forms.BooleanField(required=False, label="Has an open question")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(self, *args, user: User, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        everyone = "Everyone" if sees_everyone(user) else "Everyone on my team"
        self.owners = {str(person.pk): person for person in owners}
        self.fields["owner"].choices = [
            ("me", "Mine"),
            ("all", everyone),
            *[(pk, str(person)) for pk, person in self.owners.items() if person.pk != user.pk],
        ]
        # The owner box shows the owner the list is filtered by: for managers and admins that
        # is everyone, not the first choice ("Mine") a browser shows when none is selected.
        self.fields["owner"].initial = self.default_owner
        if self.is_bound and not self.data.get("owner"):
            self.data = self.data.copy()
            self.data["owner"] = self.default_owner

    def clean_owner(self) -> str:
        owner = self.cleaned_data["owner"] or self.default_owner
        if owner in ("me", "all") or owner in self.owners:
            return owner
        if sees_everyone(self.user) and parse_id(owner) is not None:
            return owner  # any owner, e.g. from a link on a team page
        raise forms.ValidationError("Choose someone from the list.")

    @property
    def default_owner(self) -> str:
        return default_owner_filter(self.user)

    def team_by_name(self) -> list[int]:
        """The owners whose lists merge into this one, when it is a team's whole list by
        name (no search): then each owner's index gives their first names in order."""
        data = self.cleaned_data if self.is_valid() else {}
        owner = data.get("owner") or self.default_owner
        if sees_everyone(self.user) or owner != "all" or data.get("q"):
            return []
        if (data.get("sort") or "name") != "name":
            return []
        return list(self.user.scope_member_ids)

    @property
    def searched(self) -> bool:
        return bool(((self.cleaned_data if self.is_valid() else {}).get("q") or "").strip())

    @property
    def sorts_by_name(self) -> bool:
        return ((self.cleaned_data if self.is_valid() else {}).get("sort") or "name") == "name"

    @property
    def active_filters(self) -> int:
        """How many filters beside the search narrow the list (the owner when not the default)."""
        data = self.cleaned_data if self.is_valid() else {}
        owner = data.get("owner") or self.default_owner
        narrowing = ("stage", "willingness", "trend", "stale", "open_question")
        return (owner != self.default_owner) + sum(bool(data.get(name)) for name in narrowing)

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        owner = data.get("owner") or self.default_owner
        if owner == "me":
            queryset = queryset.filter(owner=self.user)
        elif owner != "all":
            queryset = queryset.filter(owner_id=int(owner))
        for term in (data.get("q") or "").split()[:3]:
            # Matching accounts first, as a short id list: the OR below then stays a
            # bitmap OR of (trigram) indexes on one table instead of a scan over a join.
            accounts = list(
                Account.objects.visible_to(self.user)
                .filter(name__icontains=term)
                .values_list("pk", flat=True)[:200]
            )
            queryset = queryset.filter(
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(email__icontains=term)
                | Q(account_id__in=accounts)
            )
        if data.get("stage"):
            queryset = queryset.filter(stage=data["stage"])
        if data.get("willingness"):
            queryset = queryset.filter(willingness=data["willingness"])
        if data.get("trend"):
            queryset = queryset.filter(feeling_trend=data["trend"])
        if data.get("stale"):
            queryset = queryset.stale(14)
        if data.get("open_question"):
            queryset = queryset.exclude(open_question="")
        sort = data.get("sort") or "name"
        everything = sees_everyone(self.user) and owner == "all" and not data.get("q")
        if sort == "name" and not everything:
            # Filter first, then sort the (few thousand at most) matches by name, case-
            # insensitively: an ordering no index covers keeps the planner from walking the
            # whole name index in search of a team's or a search term's rows.
            return queryset.order_by(Upper("last_name"), Upper("first_name"), "pk")
        return queryset.order_by(*self.SORTS[sort])


# The Account field asks for suggestions as the user types (prospects:account_options).
COMPANY_SUGGESTIONS = {
    "list": "account-options",
    "autocomplete": "off",
    "hx-get": reverse_lazy("prospects:account_options"),
    "hx-trigger": "input changed delay:250ms",
    "hx-target": "#account-options",
    "hx-swap": "innerHTML",
}


class ProspectForm(forms.ModelForm):
    class Meta:
        model = Prospect
        fields = [
            "first_name", "last_name", "email", "title", "phone", "company", "buying_role",
            "willingness", "stage", "timezone", "open_question", "do_not_contact",
        ]  # fmt: skip
        widgets = {"open_question": forms.Textarea(attrs={"rows": 2})}

    # A name, not a list of every account (20,000 for an admin): suggestions come as you type
    # (account_options), and a new company becomes a new account (services.prospect_add).
    company = forms.CharField(
        label="Account",
        required=False,
        max_length=200,
        help_text="The company they work for: pick one as you type, or enter a new one.",
        widget=forms.TextInput(attrs=COMPANY_SUGGESTIONS),
    )

    timezone = TimeZoneField(
        label="Time zone",
        required=False,
        help_text="Follow-ups land in their working hours. Leave it empty to use the zone of "
        "their colleagues at the account, or of their email's country (.de, .fr, .co.uk…).",
    )

    def __init__(self, *args, team_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_id = team_id

    def clean_email(self) -> str:
        """One record of a person per team: only the user's own team is asked (whether
        another team knows them is not this user's to learn)."""
        email = self.cleaned_data["email"].lower()
        team = Prospect.objects.of_team(self.team_id)
        if team.filter(email__lower=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Your team already has a prospect with this email.")
        return email


class ProspectQuickEditForm(forms.ModelForm):
    class Meta:
        model = Prospect
        fields = [
            "title", "phone", "buying_role", "willingness", "stage", "timezone",
            "open_question", "do_not_contact",
        ]  # fmt: skip
        widgets = {"open_question": forms.Textarea(attrs={"rows": 2})}

    timezone = TimeZoneField(label="Time zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prospect = self.instance
        if prospect.pk and prospect.timezone in ("", "UTC"):
            suggestion = services.timezone_suggested(
                email=prospect.email, account_id=prospect.account_id, exclude_pk=prospect.pk
            )
            if suggestion:
                self.suggested_timezone = suggestion[0]
                self.fields["timezone"].help_text = format_html(
                    "Suggested: <strong>{}</strong> ({}).", *suggestion
                )


class FeelingSelect(forms.RadioSelect):
    template_name = "prospects/widgets/feeling_select.html"


class ConversationForm(forms.ModelForm):
    """The conversation guide: questions to hold in mind instead of a qualification script."""

    question_answered = forms.BooleanField(required=False, label="Their question is answered now")
    next_step_kind = forms.ChoiceField(
        label="Next helpful step",
        required=False,
        choices=[("", "None needed right now"), *HelpKind.choices],
    )
    next_step_help = forms.CharField(
        label="The help you will offer",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_step_on = forms.DateField(
        label="They asked us to come back on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for the next working day, in their working hours.",
    )

    class Meta:
        model = Conversation
        fields = [
            "channel", "occurred_at", "questions", "frustrations", "roadblocks", "help_given",
            "wins", "quotes", "feeling_before", "feeling_after",
        ]  # fmt: skip
        labels = {
            "questions": "What are they trying to get answered?",
            "frustrations": "What frustrates them?",
            "roadblocks": "What roadblock could we remove?",
            "help_given": "How did we help, or make their day easier?",
            "wins": "What win could we help them reach?",
            "quotes": "In their own words",
            "feeling_before": "How did they feel at the start?",
            "feeling_after": "And at the end?",
            "occurred_at": "When",
        }
        help_texts = {"quotes": "A short quote per line; they make the best evidence."}
        widgets = {
            "occurred_at": DateTimeInput(),
            "questions": forms.Textarea(attrs={"rows": 2}),
            "frustrations": forms.Textarea(attrs={"rows": 2}),
            "roadblocks": forms.Textarea(attrs={"rows": 2}),
            "help_given": forms.Textarea(attrs={"rows": 2}),
            "wins": forms.Textarea(attrs={"rows": 2}),
            "quotes": forms.Textarea(attrs={"rows": 2}),
            "feeling_before": FeelingSelect(),
            "feeling_after": FeelingSelect(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = Channel.choices
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        for name in ("feeling_before", "feeling_after"):
            self.fields[name].choices = Feeling.choices

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(
                "A conversation that already happened can't be in the future."
            )
        return value

    def clean(self):
        data = super().clean()
        said = [
            data.get(f) for f in ("questions", "frustrations", "roadblocks", "help_given", "wins")
        ]
        if not any(said):
            raise forms.ValidationError(
                "Write down at least what they asked, what frustrates them, or how you helped."
            )
        on = data.get("next_step_on")
        if on and on < timezone.localdate():
            self.add_error("next_step_on", "That date has passed; pick today or later.")
        if on and not data.get("next_step_kind"):
            data["next_step_kind"] = HelpKind.CHECK_IN
        if data.get("next_step_kind") and not (data.get("next_step_help") or "").strip():
            self.add_error("next_step_help", "Say what help you will offer, in a sentence.")
        return data

    def conversation(self) -> dict:
        """What was said and felt, for ``conversation_log``: the fields without the next step."""
        return {k: v for k, v in self.cleaned_data.items() if not k.startswith("next_step")}

    def next_step(self) -> dict | None:
        """The rep's next helpful step (kind, help_offered, on), if they set one."""
        data = self.cleaned_data
        if not data.get("next_step_kind"):
            return None
        return {
            "kind": data["next_step_kind"],
            "help_offered": data["next_step_help"].strip(),
            "on": data.get("next_step_on"),
        }


class EngagementForm(forms.ModelForm):
    class Meta:
        model = Engagement
        fields = ["asset", "occurred_at", "why", "source"]
        labels = {"why": "Why did they come? The question in their words", "asset": "Content"}
        widgets = {"occurred_at": DateTimeInput(), "why": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = ContentAsset.objects.order_by("title")
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class OpportunityForm(forms.ModelForm):
    class Meta:
        model = Opportunity
        fields = [
            "name", "amount", "status", "opened_on", "closed_on",
            "source_conversation", "source_engagement",
        ]  # fmt: skip
        labels = {
            "source_conversation": "Came from the conversation",
            "source_engagement": "Came from the engagement",
        }
        widgets = {
            "opened_on": forms.DateInput(attrs={"type": "date"}),
            "closed_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, prospect: Prospect, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_conversation"].queryset = prospect.conversations.all()
        self.fields["source_engagement"].queryset = prospect.engagements.select_related("asset")

    def clean(self):
        data = super().clean()
        opportunity_dates_check(self, data)
        return data


def opportunity_dates_check(form: forms.ModelForm, data: dict) -> None:
    """An open opportunity has no close date; a won or lost one has one, not before it
    opened (errors on ``closed_on``). Shared by the app's form and Django admin's."""
    status, closed_on = data.get("status"), data.get("closed_on")
    if status in (Opportunity.Status.WON, Opportunity.Status.LOST) and not closed_on:
        form.add_error("closed_on", "Say when it was won or lost.")
    if status == Opportunity.Status.OPEN and closed_on:
        form.add_error("closed_on", "An open opportunity has no close date.")
    if closed_on and data.get("opened_on") and closed_on < data["opened_on"]:
        form.add_error("closed_on", "It can't close before it opened.")


class AccountClimbForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["climb_goal", "climb_position", "climb_blockers", "industry", "size"]
        widgets = {
            "climb_goal": forms.Textarea(attrs={"rows": 2}),
            "climb_position": forms.Textarea(attrs={"rows": 2}),
            "climb_blockers": forms.Textarea(attrs={"rows": 2}),
        }


class FormSourceForm(forms.ModelForm):
    class Meta:
        model = FormSource
        fields = ["name", "team", "is_active"]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="An export of HubSpot, Salesforce, Pipedrive or ours: the first row names "
        "the columns; comma, semicolon or tab; UTF-8 or Windows-1252.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB; split it up.")
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Upload a .csv file.")
        return upload


class ImportMappingForm(forms.Form):
    """Which field each column of an upload holds: one choice per column, offered with the
    suggested (or the team's remembered) field chosen."""

    def __init__(self, *args, job, **kwargs):
        from prospects import imports

        super().__init__(*args, **kwargs)
        self.job = job
        choices = [(imports.IGNORED, "Don't import"), *imports.FIELD_LABELS.items()]
        for index, name in enumerate(job.header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=name or f"Column {index + 1}",
                choices=choices,
                initial=job.mapping[index] if index < len(job.mapping) else imports.IGNORED,
            )

    @property
    def mapping(self) -> list[str]:
        return [self.cleaned_data[f"column_{i}"] for i in range(len(self.job.header))]

    def clean(self):
        from prospects import imports

        cleaned = super().clean()
        if not self.errors:
            for problem in imports.mapping_problems(self.mapping):
                self.add_error(None, problem)
        return cleaned
