from __future__ import annotations

from django import forms

from insights.models import CoachingField
from people.models import validate_timezone


class RangeForm(forms.Form):
    """The period after (the one before is as long, right before it), in the URL."""

    first = forms.DateField(
        label="After, from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(
        label="to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"first": data.get("from", ""), "last": data.get("to", "")}
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("first")) != bool(cleaned.get("last")):
            raise forms.ValidationError("Give both days of the period after, or neither.")
        return cleaned


class SwitchForm(forms.Form):
    switched_on = forms.DateField(
        label="We switched to helping on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # A text field, not a select of 600 zones: the form sits on every insights page.
    timezone = forms.CharField(
        label="Days end at midnight in",
        max_length=64,
        validators=[validate_timezone],
        help_text="A time zone such as America/Chicago or Europe/Berlin.",
    )


class CommentForm(forms.Form):
    field = forms.ChoiceField(label="About", choices=CoachingField.choices, required=False)
    text = forms.CharField(
        label="Your coaching", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ReplyForm(forms.Form):
    text = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
