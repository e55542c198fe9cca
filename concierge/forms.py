from __future__ import annotations

from django import forms

from concierge.models import Outcome


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
