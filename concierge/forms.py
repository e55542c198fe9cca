from __future__ import annotations

from django import forms

from concierge.models import Outcome, Playbook, PlaybookStep


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


StepFormSet = forms.inlineformset_factory(
    Playbook,
    PlaybookStep,
    fields=[
        "order",
        "delay_days",
        "delay_hours",
        "kind",
        "wording",
        "addresses",
        "on_conversation",
    ],
    widgets={"wording": forms.Textarea(attrs={"rows": 2})},
    extra=1,
    can_delete=True,
)


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
