"""Forms of the commission screens. A rule's parameters are checked by
``commissions.rules.clean_params``, the one place that knows each kind; the form shows the
fields of its kind and puts each error beside its field."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from commissions import rules
from commissions.models import CommissionPlan, PeriodKind, RuleKind
from empathy_crm.access import reps_of
from people.models import Team, User
from prospects.models import HelpKind

CURRENCIES = [
    ("EUR", "EUR (€)"),
    ("USD", "USD ($)"),
    ("GBP", "GBP (£)"),
    ("CHF", "CHF"),
    ("JPY", "JPY (¥)"),
]
MAX_TIERS = 5


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class DateInput(forms.DateInput):
    input_type = "date"


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class MonthField(forms.DateField):
    """A month (``2026-03``), as the first day of it."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class PlanForm(forms.Form):
    name = forms.CharField(max_length=120)
    period = forms.ChoiceField(
        choices=PeriodKind.choices,
        initial=PeriodKind.MONTH,
        help_text="How often statements are drawn up.",
    )
    currency = forms.ChoiceField(choices=CURRENCIES, initial="EUR")
    timezone = forms.ChoiceField(
        label="Time zone",
        initial="UTC",
        help_text="Periods and days (a helpful conversation counts once a person a day) run in it.",
    )
    effective_from = forms.DateField(label="Pays from", widget=DateInput)
    effective_to = forms.DateField(
        label="Pays until", widget=DateInput, required=False, help_text="Leave empty while it runs."
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every rep of these teams, now and later.",
    )
    extra_reps = forms.CharField(
        label="Also these reps",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Usernames or emails, one per line or separated by commas.",
    )

    def __init__(self, *args, plan: CommissionPlan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["teams"].queryset = Team.objects.order_by("name")
        self.fields["timezone"].choices = timezone_choices()
        if plan is not None:
            for name in ("period", "effective_from", "effective_to"):
                del self.fields[name]
            if plan.status != "draft":
                for name in ("currency", "timezone"):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "Kept as it is: the plan has paid in it."
            self.initial.update(
                name=plan.name,
                currency=plan.currency,
                timezone=plan.timezone,
                teams=list(plan.teams.all()),
                extra_reps="\n".join(
                    plan.reps.order_by("username").values_list("username", flat=True)
                ),
            )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = CommissionPlan.objects.filter(name__iexact=name)
        if self.plan is not None:
            clash = clash.exclude(pk=self.plan.pk)
        if clash.exists():
            raise ValidationError("Another plan has that name.")
        return name

    def clean_extra_reps(self) -> list[User]:
        words = [w.strip() for w in self.cleaned_data["extra_reps"].replace(",", "\n").split("\n")]
        words = [w for w in words if w]
        if len(words) > 500:
            raise ValidationError("Name 500 reps at most here; add whole teams instead.")
        found = list(
            reps_of(User.objects.filter(is_active=True)).filter(
                Q(username__in=words) | Q(email__in=[w.lower() for w in words])
            )
        )
        known = {u.username for u in found} | {u.email.lower() for u in found}
        unknown = [w for w in words if w not in known and w.lower() not in known]
        if unknown:
            raise ValidationError(f"No active rep is called {', '.join(unknown[:5])}.")
        return found

    def clean(self):
        data = super().clean()
        first, last = data.get("effective_from"), data.get("effective_to")
        if first and last and last < first:
            self.add_error("effective_to", "A plan can't end before it starts.")
        if "teams" in data and "extra_reps" in data and not (data["teams"] or data["extra_reps"]):
            self.add_error("teams", "Choose the teams or reps the plan pays.")
        return data


#: Which fields each kind of rule shows, in order.
KIND_FIELDS = {
    RuleKind.PER_CONVERSATION: ["amount"],
    RuleKind.PER_FOLLOWUP: ["amount"],
    RuleKind.PER_SOURCED_OPPORTUNITY: ["amount"],
    RuleKind.WON_PERCENT: ["won_mode", "rate", "quota"],  # and the tiers
    RuleKind.SPIF: ["amount", "help_kind", "starts", "ends"],
    RuleKind.FLOOR: ["floor_mode", "amount", "baseline_from", "baseline_to"],
    RuleKind.HOLD_HARMLESS: ["previous_plan", "until"],
    RuleKind.CAP: ["amount"],
    RuleKind.CLAWBACK: ["days"],
}
HELP = {
    RuleKind.PER_CONVERSATION: "Paid once a person a day, for a conversation whose help given is "
    "recorded.",
    RuleKind.PER_FOLLOWUP: "Paid for a follow-up done no later than a day after it was due, with "
    "the answer to “if I were them, why would I want this?”.",
    RuleKind.PER_SOURCED_OPPORTUNITY: "Paid when an opportunity opens from a conversation or an "
    "engagement.",
    RuleKind.WON_PERCENT: "A share of each won amount; with tiers, each part of an amount is paid "
    "at the rate of the band of quota it falls in.",
    RuleKind.SPIF: "A bonus for each follow-up of one kind of help done between two dates.",
    RuleKind.FLOOR: "Tops a statement up so nobody is paid less than this while the team learns.",
    RuleKind.HOLD_HARMLESS: "Until the date, each rep is paid the higher of this plan and the "
    "previous one on the same results; the statement says which.",
    RuleKind.CAP: "The most the rules pay in a period (the floor and hold-harmless come on top).",
    RuleKind.CLAWBACK: "A won opportunity reversed within this many days of closing is taken back "
    "in the next open period.",
}
AMOUNT_LABELS = {
    RuleKind.PER_CONVERSATION: "Amount per helpful conversation",
    RuleKind.PER_FOLLOWUP: "Amount per follow-up done on time",
    RuleKind.PER_SOURCED_OPPORTUNITY: "Amount per opportunity",
    RuleKind.SPIF: "Bonus per follow-up",
    RuleKind.FLOOR: "Guaranteed amount a period",
    RuleKind.CAP: "At most, a period",
}


class RuleForm(forms.Form):
    kind = forms.ChoiceField(choices=RuleKind.choices, widget=forms.HiddenInput)
    name = forms.CharField(
        max_length=120,
        required=False,
        help_text="What the statement calls its lines; the kind's name if empty.",
    )
    amount = forms.CharField(max_length=20, required=False)
    won_mode = forms.ChoiceField(
        label="Rate",
        choices=[("flat", "One rate"), ("tiers", "Tiers of quota attainment")],
        initial="flat",
        widget=forms.RadioSelect,
        required=False,
    )
    rate = forms.CharField(label="Rate (%)", max_length=10, required=False)
    quota = forms.CharField(label="Quota a period", max_length=20, required=False)
    help_kind = forms.ChoiceField(
        label="Kind of help", choices=[("", "—"), *HelpKind.choices], required=False
    )
    starts = forms.DateField(widget=DateInput, required=False)
    ends = forms.DateField(widget=DateInput, required=False)
    floor_mode = forms.ChoiceField(
        label="Floor",
        choices=[("fixed", "A fixed amount"), ("baseline", "Their average over a baseline period")],
        initial="fixed",
        widget=forms.RadioSelect,
        required=False,
    )
    baseline_from = forms.DateField(
        label="Baseline from",
        widget=DateInput,
        required=False,
        help_text="Statements of periods starting from this day…",
    )
    baseline_to = forms.DateField(
        label="Baseline to",
        widget=DateInput,
        required=False,
        help_text="…to this day, approved or locked.",
    )
    previous_plan = forms.ModelChoiceField(
        queryset=CommissionPlan.objects.none(), required=False, label="Previous plan"
    )
    until = forms.DateField(label="Until (last day)", widget=DateInput, required=False)
    days = forms.IntegerField(
        label="Days after closing", min_value=1, max_value=730, required=False
    )

    def __init__(self, *args, plan: CommissionPlan, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan, self.kind = plan, kind
        self.fields["kind"].initial = kind
        self.fields["previous_plan"].queryset = CommissionPlan.objects.exclude(pk=plan.pk)
        if kind in AMOUNT_LABELS:
            self.fields["amount"].label = AMOUNT_LABELS[kind]
        self.fields["amount"].help_text = f"In {plan.currency}, to the cent."
        for n in range(1, MAX_TIERS + 1):
            self.fields[f"tier_{n}_up_to"] = forms.CharField(
                label=f"Tier {n} up to (% of quota)", max_length=10, required=False
            )
            self.fields[f"tier_{n}_rate"] = forms.CharField(
                label=f"Tier {n} rate (%)", max_length=10, required=False
            )
        self.params: dict = {}

    @classmethod
    def for_rule(cls, *, plan, kind: str, name: str, params: dict) -> RuleForm:
        initial = {"kind": kind, "name": name, **params}
        if kind == RuleKind.WON_PERCENT and params.get("tiers"):
            initial["won_mode"] = "tiers"
            for n, tier in enumerate(params["tiers"], start=1):
                initial[f"tier_{n}_up_to"] = tier["up_to"] or ""
                initial[f"tier_{n}_rate"] = tier["rate"]
        if kind == RuleKind.FLOOR and not params.get("amount"):
            initial["floor_mode"] = "baseline"
        return cls(initial=initial, plan=plan, kind=kind)

    @property
    def kind_label(self) -> str:
        return RuleKind(self.kind).label

    @property
    def kind_help(self) -> str:
        return HELP.get(self.kind, "")

    def kind_fields(self):
        return [self[name] for name in KIND_FIELDS.get(self.kind, [])]

    def tier_rows(self):
        if self.kind != RuleKind.WON_PERCENT:
            return []
        return [
            (n, self[f"tier_{n}_up_to"], self[f"tier_{n}_rate"]) for n in range(1, MAX_TIERS + 1)
        ]

    def clean(self):
        data = super().clean()
        if self.kind not in RuleKind.values:
            raise ValidationError("Choose a kind of rule.")
        fixed_floor = self.kind == RuleKind.FLOOR and data.get("floor_mode") != "baseline"
        if fixed_floor and not data.get("amount"):
            self.add_error("amount", "Say how much.")
            return data
        raw = self._raw(data)
        try:
            self.params = rules.clean_params(self.kind, raw, plan=self.plan)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.add_error(self._field_for(key), messages)
        return data

    def _raw(self, data: dict) -> dict:
        kind = self.kind
        raw = {name: data.get(name) for name in KIND_FIELDS.get(kind, [])}
        if kind == RuleKind.WON_PERCENT and data.get("won_mode") == "tiers":
            raw = {"quota": data.get("quota"), "tiers": []}
            for n in range(1, MAX_TIERS + 1):
                up_to, rate = data.get(f"tier_{n}_up_to"), data.get(f"tier_{n}_rate")
                if up_to or rate:
                    raw["tiers"].append({"up_to": up_to or None, "rate": rate or ""})
            if not raw["tiers"]:
                raw["tiers"] = [{"up_to": None, "rate": ""}]
        if kind == RuleKind.FLOOR and data.get("floor_mode") == "baseline":
            raw.pop("amount", None)
        if kind == RuleKind.HOLD_HARMLESS:
            raw["previous_plan"] = data["previous_plan"].pk if data.get("previous_plan") else ""
        return raw

    def _field_for(self, key: str) -> str | None:
        if key in self.fields:
            return key
        if key.startswith("tier ") and key.endswith(" rate"):
            return f"tier_{key.split()[1]}_rate"
        if key == "tiers":
            return "tier_1_up_to"
        return None


class VersionForm(forms.Form):
    effective_from = forms.DateField(label="New rules from", widget=DateInput)
    note = forms.CharField(
        max_length=300,
        label="What changes, and why",
        help_text="Reps read this on their statements.",
    )


class EndForm(forms.Form):
    last_day = forms.DateField(label="Last day it pays for", widget=DateInput)


class PeriodRangeForm(forms.Form):
    """The periods a what-if compares: at most twelve months."""

    first = MonthField(label="From")
    last = MonthField(label="To")

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last:
            if last < first:
                self.add_error("last", "End after you start.")
            elif (last.year - first.year) * 12 + last.month - first.month >= 12:
                self.add_error("last", "Compare twelve months at most.")
        return data


class RunForm(forms.Form):
    period = forms.DateField(widget=DateInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.TextInput)


class ExcludeForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=300, label="Why is it left out?")


class DisputeForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label="What is wrong with this line?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DisputeAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("reject", "Reject")], widget=forms.RadioSelect
    )
    answer = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Your answer to the rep"
    )
    adjustment = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        label="Paid for it",
        help_text="What the rep is paid (negative: gives back), in their next open period.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "accept" and not data.get("adjustment"):
            self.add_error("adjustment", "Say what the rep is paid for it.")
        return data
