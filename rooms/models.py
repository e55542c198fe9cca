"""The climb room: a private page a buying group opens by personal link, with their goal,
their questions and the help given, stories of teams that made a similar climb, and a plan
with owners on both sides.

What the team sees of the people in it is exactly ``RoomEvent``: which steps and answers
they opened (once each), questions asked, steps marked done, whether an answer helped, and
colleagues they invited. Nothing else is recorded: no reading time, no visits, no pixels.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from prospects.models import Account

#: How long a personal link works unless the rep picks otherwise.
LINK_DAYS = 30


def token_hash(token: str) -> str:
    """What we keep of a personal link: its SHA-256 (the token itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A long random link token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


class Colour(models.TextChoices):
    """The room's brand colours: each dark enough for white text (WCAG AA) and for links."""

    TEAL = "teal", "Teal"
    BLUE = "blue", "Blue"
    INDIGO = "indigo", "Indigo"
    PLUM = "plum", "Plum"
    CRIMSON = "crimson", "Crimson"
    FOREST = "forest", "Forest"
    SLATE = "slate", "Slate"


class TeamBrand(models.Model):
    """How a team's climb rooms look: its colour, set by an admin (Django admin)."""

    team = models.OneToOneField("people.Team", on_delete=models.CASCADE, related_name="brand")
    colour = models.CharField(max_length=10, choices=Colour.choices, default=Colour.TEAL)

    class Meta:
        verbose_name = "team colour for climb rooms"
        verbose_name_plural = "team colours for climb rooms"

    def __str__(self) -> str:
        return f"{self.team}: {self.get_colour_display()}"


class RoomQuerySet(models.QuerySet):
    """A room is in scope when its account is (an account is one team's)."""

    def visible_to(self, user) -> RoomQuerySet:
        return self.filter(account__in=Account.objects.visible_to(user))

    def editable_by(self, user) -> RoomQuerySet:
        return self.filter(account__in=Account.objects.editable_by(user))


class Room(models.Model):
    """One account's climb room, opened by its rep."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="room")
    team = models.ForeignKey(
        "people.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="rooms"
    )
    goal = models.TextField("their goal", blank=True, help_text="In their words.")
    climb = models.TextField(
        "where they are", blank=True, help_text="Where the climb stands, written for them."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rooms_opened"
    )
    opened_at = models.DateTimeField(default=timezone.now)

    objects = RoomQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Climb room of {self.account}"

    def get_absolute_url(self) -> str:
        return reverse("rooms:room_detail", args=[self.pk])

    @property
    def rep(self):
        """Who helps the group: the account's rep, else whoever opened the room."""
        return self.account.owner if self.account.owner_id else self.created_by


class RoomMember(models.Model):
    """One person's way into one room: a personal link (kept as a hash), expiring and
    revocable. A colleague invited from the room waits (``approved`` False, no prospect
    yet) until the rep approves them; they then join the buying group."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    prospect = models.ForeignKey(
        "prospects.Prospect",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="room_memberships",
    )
    # Who a colleague's invitation names, until the rep approves it.
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    title = models.CharField(max_length=150, blank=True)
    invited_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="invited"
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["room", "approved"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.prospect_id:
            return self.prospect.name
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def first(self) -> str:
        return self.prospect.first_name if self.prospect_id else self.first_name

    @property
    def is_pending(self) -> bool:
        return not self.approved and self.revoked_at is None

    @property
    def link_works(self) -> bool:
        return bool(
            self.approved
            and self.token_hash
            and self.revoked_at is None
            and self.expires_at
            and self.expires_at > timezone.now()
        )

    def link_issue(self, *, days: int = LINK_DAYS) -> str:
        """A new personal link (not saved); the previous one stops. Returns the token: the
        one moment it is seen in full."""
        token = new_token()
        self.token_hash = token_hash(token)
        self.expires_at = timezone.now() + timedelta(days=days)
        self.revoked_at = None
        return token

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class RoomQuestion(models.Model):
    """One of the group's questions, with the answer or resource given: chosen by the rep
    from an engagement or a conversation, or asked from the room."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField("their question")
    engagement = models.ForeignKey(
        "prospects.Engagement", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conversation = models.ForeignKey(
        "prospects.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    asked_by = models.ForeignKey(
        RoomMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="asked"
    )
    answer = models.TextField("the answer", blank=True)
    asset = models.ForeignKey(
        "prospects.ContentAsset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="resource",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_answered(self) -> bool:
        return bool(self.answer or self.asset_id)


class RoomStory(models.Model):
    """A story of a team that made a similar climb (a content asset of kind customer story)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="stories")
    asset = models.ForeignKey("prospects.ContentAsset", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["room", "asset"], name="room_story_once"),
        ]

    def __str__(self) -> str:
        return str(self.asset)


class PlanStep(models.Model):
    """A step of the climb plan, owned by a buyer (by name) or by the rep."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        UNDER_WAY = "under_way", "Under way"
        DONE = "done", "Done"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=200)
    owner_prospect = models.ForeignKey(
        "prospects.Prospect", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["target_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_prospect__isnull=True) | Q(owner_rep__isnull=True),
                name="plan_step_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_name(self) -> str:
        if self.owner_prospect_id:
            return self.owner_prospect.name
        if self.owner_rep_id:
            return str(self.owner_rep)
        return "Nobody yet"

    def mark_done(self) -> bool:
        """Done now; False when it already was."""
        if self.status == self.Status.DONE:
            return False
        self.status = self.Status.DONE
        self.done_at = timezone.now()
        self.save(update_fields=["status", "done_at"])
        return True


class RoomEvent(models.Model):
    """What the team sees of the room's people, and nothing else (the room says so)."""

    class Kind(models.TextChoices):
        OPENED_STEP = "opened_step", "Opened a step"
        OPENED_ANSWER = "opened_answer", "Opened an answer"
        ASKED = "asked", "Asked a question"
        MARKED_DONE = "marked_done", "Marked a step done"
        HELPED_YES = "helped_yes", "An answer helped"
        HELPED_NO = "helped_no", "An answer did not help"
        INVITED = "invited", "Invited a colleague"

    SENTENCES = {
        Kind.OPENED_STEP: "{who} opened “{subject}”",
        Kind.OPENED_ANSWER: "{who} opened the answer to “{subject}”",
        Kind.ASKED: "{who} asked “{subject}”",
        Kind.MARKED_DONE: "{who} marked “{subject}” done",
        Kind.HELPED_YES: "{who} said the answer to “{subject}” helped",
        Kind.HELPED_NO: "{who} said the answer to “{subject}” did not help",
        Kind.INVITED: "{who} asked to invite {subject}",
    }

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="events")
    member = models.ForeignKey(RoomMember, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    question = models.ForeignKey(
        RoomQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    step = models.ForeignKey(
        PlanStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    #: What it was about, in words, as it was then (a step's title, a question, a name).
    subject = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["room", "-created_at"], name="room_event_recent")]

    def __str__(self) -> str:
        return self.sentence

    @property
    def sentence(self) -> str:
        """ "Dana opened “Security checklist”", "Marcus asked “Who trains …”"."""
        who = self.member.first or "Someone"
        return self.SENTENCES[self.kind].format(who=who, subject=self.subject)
