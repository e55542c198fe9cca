from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from empathy_crm.ids import parse_id
from prospects.models import ContentAsset, Conversation, Engagement, Prospect
from rooms.models import PlanStep, Room, RoomQuestion

DAYS = [(7, "A week"), (30, "30 days"), (90, "90 days")]


class RoomClimbForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["goal", "climb"]
        widgets = {
            "goal": forms.Textarea(attrs={"rows": 2}),
            "climb": forms.Textarea(attrs={"rows": 3}),
        }


def _assets():
    return ContentAsset.objects.order_by("title")


class QuestionChooseForm(forms.Form):
    """One of the group's questions (from an engagement's why or a conversation), with the
    answer or resource given."""

    source = forms.ChoiceField(label="Their question", choices=())
    text = forms.CharField(
        label="In the room, as", max_length=1000, required=False,
        help_text="Leave empty to use their words as they are.",
    )  # fmt: skip
    answer = forms.CharField(label="The answer", widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=5000, required=False)  # fmt: skip
    asset = forms.ModelChoiceField(label="Resource", queryset=ContentAsset.objects.none(),
                                   required=False)  # fmt: skip

    def __init__(self, *args, engagements, conversations, **kwargs):
        super().__init__(*args, **kwargs)
        self.engagements = {e.pk: e for e in engagements}
        self.conversations = {c.pk: c for c in conversations}
        choices = [(f"e{pk}", f"{e.prospect.first_name}: {e.why[:120]}")
                   for pk, e in self.engagements.items()]  # fmt: skip
        choices += [(f"c{pk}", f"{c.prospect.first_name}: {c.questions[:120]}")
                    for pk, c in self.conversations.items()]  # fmt: skip
        self.fields["source"].choices = choices
        self.fields["asset"].queryset = _assets()

    def clean(self):
        data = super().clean()
        source = data.get("source") or ""
        data["engagement"] = self.engagements.get(int(source[1:])) if source[:1] == "e" else None
        data["conversation"] = (
            self.conversations.get(int(source[1:])) if source[:1] == "c" else None
        )
        said = data["engagement"].why if data["engagement"] else ""
        said = data["conversation"].questions if data["conversation"] else said
        data["text"] = (data.get("text") or "").strip() or said
        return data


class AnswerForm(forms.ModelForm):
    remove = forms.BooleanField(label="Take it out of the room", required=False)

    class Meta:
        model = RoomQuestion
        fields = ["text", "answer", "asset"]
        widgets = {"text": forms.TextInput(), "answer": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = _assets()
        self.fields["text"].max_length = 1000


class StoryForm(forms.Form):
    asset = forms.ModelChoiceField(
        label="Story", queryset=ContentAsset.objects.filter(kind=ContentAsset.Kind.CASE_STUDY)
    )


class StepForm(forms.ModelForm):
    owner = forms.ChoiceField(label="Who does it", choices=(), required=False)
    remove = forms.BooleanField(label="Take it out of the plan", required=False)

    class Meta:
        model = PlanStep
        fields = ["title", "target_date", "status"]
        widgets = {"target_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, room: Room, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.pk: p for p in people}
        self.reps = {
            u.pk: u
            for u in get_user_model().objects.filter(
                team_id=room.team_id, is_active=True
            ).order_by("first_name")
        } if room.team_id else {room.created_by_id: room.created_by}  # fmt: skip
        self.fields["owner"].choices = [("", "Nobody yet")]
        self.fields["owner"].choices += [(f"p{pk}", p.name) for pk, p in self.people.items()]
        self.fields["owner"].choices += [(f"r{pk}", f"{u} (us)") for pk, u in self.reps.items()]
        step = self.instance
        if step.pk:
            self.initial["owner"] = (
                f"p{step.owner_prospect_id}" if step.owner_prospect_id
                else f"r{step.owner_rep_id}" if step.owner_rep_id else ""
            )  # fmt: skip
        for name in ("title", "target_date", "status", "owner", "remove"):
            self.fields[name].widget.attrs["id"] = f"id_step{step.pk or 'new'}_{name}"

    def clean(self):
        data = super().clean()
        owner = data.get("owner") or ""
        pk = parse_id(owner[1:])
        self.instance.owner_prospect = self.people.get(pk) if owner[:1] == "p" else None
        self.instance.owner_rep = self.reps.get(pk) if owner[:1] == "r" else None
        return data


class InviteForm(forms.Form):
    prospect = forms.ModelChoiceField(label="Who", queryset=Prospect.objects.none())
    days = forms.TypedChoiceField(label="The link works for", choices=DAYS, coerce=int,
                                  initial=30)  # fmt: skip
    send = forms.BooleanField(label="Email them the link", required=False, initial=True)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prospect"].queryset = people

    def clean(self):
        data = super().clean()
        person = data.get("prospect")
        if person and data.get("send") and person.do_not_contact:
            self.add_error("send", f"{person.name} asked not to be contacted: copy the link "
                           "only if they asked you for it.")  # fmt: skip
        return data


class ApproveForm(forms.Form):
    days = forms.TypedChoiceField(label="The link works for", choices=DAYS, coerce=int,
                                  initial=30)  # fmt: skip


# --- The room's people --------------------------------------------------------------------


class AskForm(forms.Form):
    text = forms.CharField(label="Your question", max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class HelpedForm(forms.Form):
    helped = forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No")])


class ColleagueForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100, required=False)
    email = forms.EmailField(label="Work email", max_length=254)
    title = forms.CharField(label="Their role", max_length=150, required=False)


def group_questions(prospects):
    """What the group asked that a rep may bring into the room: engagements' whys and
    conversations' questions of ``prospects`` (already in the rep's scope)."""
    engagements = (
        Engagement.objects.filter(prospect__in=prospects).exclude(why="")
        .select_related("prospect").order_by("-occurred_at")[:50]
    )  # fmt: skip
    conversations = (
        Conversation.objects.filter(prospect__in=prospects).exclude(questions="")
        .select_related("prospect").order_by("-occurred_at")[:50]
    )  # fmt: skip
    return list(engagements), list(conversations)
