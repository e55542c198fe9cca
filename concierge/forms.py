from __future__ import annotations

from django import forms

from concierge.models import Outcome, Playbook, PlaybookStep
from prospects.models import HelpKind, ProspectEvent


class DoneForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("", "How did it go?"), *Outcome.choices])
    receivers_eye = forms.CharField(
        label="If I were them, why would I want this?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SnoozeForm(forms.Form):
    CHOICES = [("tomorrow", "Tomorrow"), ("next_week", "Next week"), ("date", "On a date")]
    until = forms.ChoiceField(choices=CHOICES)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("until") == "date" and not data.get("date"):
            self.add_error("date", "Pick the date to come back to it.")
        return data


class SkipForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why skip it?")


class ReassignForm(forms.Form):
    to = forms.ModelChoiceField(queryset=None, label="Hand it to")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = people


class PlaybookForm(forms.ModelForm):
    class Meta:
        model = Playbook
        fields = ["name", "trigger", "team", "no_touch_days", "enabled"]
        labels = {"trigger": "When", "no_touch_days": "No helpful touch for (days)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trigger"].choices = [("", "Choose what starts it"),
                                          *self.fields["trigger"].choices[1:]]  # fmt: skip
        self.fields["team"].empty_label = "Every team"
        self.fields["no_touch_days"].required = False

    def clean(self):
        data = super().clean()
        if data.get("trigger") == ProspectEvent.Kind.NO_TOUCH:
            if not data.get("no_touch_days"):
                self.add_error("no_touch_days", "Say after how many days without help.")
        elif "no_touch_days" in data:
            data["no_touch_days"] = self.instance.no_touch_days or 14  # not used: kept as it was
        return data


class StepForm(forms.ModelForm):
    """A step as an admin writes it: the order is the list's (the ↑/↓ buttons), not a field."""

    class Meta:
        model = PlaybookStep
        fields = ["delay_days", "delay_hours", "kind", "wording", "addresses", "on_conversation"]
        widgets = {"wording": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose the help"), *HelpKind.choices]


def step_formset(data=None, *, instance: Playbook):
    """The playbook's steps, and one blank step to fill in when it has none yet (no empty
    step otherwise: "Add a step" asks for one)."""
    extra = 0 if instance.pk and instance.steps.exists() else 1
    factory = forms.inlineformset_factory(
        Playbook, PlaybookStep, form=StepForm, extra=extra, can_delete=True
    )
    return factory(data, instance=instance)


def steps_check(playbook_form: PlaybookForm, formset) -> None:
    """An enabled playbook needs at least one step, or it would promise help and give none."""
    if not playbook_form.cleaned_data.get("enabled"):
        return
    kept = [
        form for form in formset.forms
        if form.has_changed() or form.instance.pk
        if not form.cleaned_data.get("DELETE") and form.cleaned_data.get("kind")
    ]  # fmt: skip
    if not kept:
        playbook_form.add_error("enabled", "Add at least one step before you enable it.")


class PreviewForm(forms.Form):
    email = forms.EmailField(label="Preview for the prospect with the email")
