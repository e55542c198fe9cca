"""Accounts and their buying groups, prospects, what they engaged with and why, the helpful
conversations reps log, and the opportunities that came out of helping."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.timezone import localdate, now

from empathy_crm.access import ScopedQuerySet, edits_only_own, sees_everyone, works_in_a_team
from empathy_crm.crypto import InvalidToken, decrypt, encrypt
from people.models import validate_timezone

log = logging.getLogger(__name__)


class Feeling(models.IntegerChoices):
    """How a person felt, on one small fixed scale from distressed to confident."""

    DISTRESSED = 1, "Distressed"
    FRUSTRATED = 2, "Frustrated"
    UNSURE = 3, "Unsure"
    HOPEFUL = 4, "Hopeful"
    CONFIDENT = 5, "Confident"


class FeelingTrend(models.TextChoices):
    RISING = "rising", "Feeling better"
    STEADY = "steady", "Steady"
    FALLING = "falling", "Feeling worse"


class BuyingRole(models.TextChoices):
    CHAMPION = "champion", "Champion"
    DECISION_MAKER = "decision_maker", "Decision maker"
    INFLUENCER = "influencer", "Influencer"
    USER = "user", "User"
    SKEPTIC = "skeptic", "Skeptic"
    UNKNOWN = "unknown", "Not known yet"


class Willingness(models.TextChoices):
    """How willing the person is to climb (make the change) right now."""

    EAGER = "eager", "Eager"
    CURIOUS = "curious", "Curious"
    HESITANT = "hesitant", "Hesitant"
    NOT_NOW = "not_now", "Not now"


class JourneyStage(models.TextChoices):
    """Where *they* are in their own progress; not a sales funnel."""

    EXPLORING = "exploring", "Exploring"
    BUILDING_CASE = "building_case", "Building the case"
    ALIGNING_GROUP = "aligning_group", "Aligning the group"
    DECIDING = "deciding", "Deciding"
    CUSTOMER = "customer", "Customer"
    RESTING = "resting", "Resting"


class HelpKind(models.TextChoices):
    """The kinds of help a rep offers a person: what a next step or a follow-up is."""

    ANSWER_QUESTION = "answer_question", "Answer a question"
    SEND_RESOURCE = "send_resource", "Send a resource"
    MAKE_INTRODUCTION = "make_introduction", "Make an introduction"
    SHARE_STORY = "share_story", "Share a customer story"
    REMOVE_ROADBLOCK = "remove_roadblock", "Remove a roadblock"
    CHECK_IN = "check_in", "Check in"


class AccountSize(models.TextChoices):
    XS = "1-10", "1–10"
    S = "11-50", "11–50"
    M = "51-200", "51–200"
    L = "201-1000", "201–1,000"
    XL = "1000+", "1,000+"


class AccountQuerySet(ScopedQuerySet):
    """An account belongs to one team (another team's account of the same company is a
    separate account, with its own climb): the team's reps and manager see it. Someone
    without a team sees the accounts without one that they own or have people in."""

    def visible_to(self, user) -> AccountQuerySet:
        if sees_everyone(user):
            return self.all()
        if not works_in_a_team(user):
            return self.none()
        if user.scope_team_id:
            return self.filter(team_id=user.scope_team_id)
        mine = Prospect.objects.filter(owner=user, account=OuterRef("pk"))
        return self.filter(Q(owner=user) | Q(Exists(mine)), team__isnull=True)

    def editable_by(self, user) -> AccountQuerySet:
        """A rep edits the accounts they own or have people in; managers their team's."""
        if not edits_only_own(user):
            return self.visible_to(user)
        mine = Prospect.objects.filter(owner=user, account=OuterRef("pk"))
        return self.visible_to(user).filter(Q(owner=user) | Q(Exists(mine)))

    def of_team(self, team_id: int | None) -> AccountQuerySet:
        """The accounts a prospect of ``team_id`` may join (None: those of no team)."""
        return self.filter(team_id=team_id) if team_id else self.filter(team__isnull=True)


class Account(models.Model):
    """An organisation; its prospects are the buying group making a change together."""

    team = models.ForeignKey(
        "people.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        help_text="The team whose buying group this is.",
    )
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True, help_text="e.g. acme.com")
    industry = models.CharField(max_length=120, blank=True)
    size = models.CharField(max_length=10, choices=AccountSize.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
    )
    climb_goal = models.TextField(
        "the change they are trying to make", blank=True, help_text="Their goal, in their words."
    )
    climb_position = models.TextField("where they are now", blank=True)
    climb_blockers = models.TextField("what blocks them", blank=True)
    created_at = models.DateTimeField(default=now)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # A company's domain names one account per team (and one among accounts of no team).
        constraints = [
            models.UniqueConstraint(
                F("team"), Lower("domain"), condition=~Q(domain=""), name="account_domain_per_team"
            ),
            models.UniqueConstraint(
                Lower("domain"),
                condition=~Q(domain="") & Q(team__isnull=True),
                name="account_domain_without_team",
            ),
        ]
        indexes = [
            models.Index(Lower("name"), name="account_name_lower"),
            models.Index(F("team"), Lower("name"), name="account_team_name_lower"),
            models.Index(fields=["team", "name", "id"], name="account_team_name_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("prospects:account_detail", args=[self.pk])


class ProspectQuerySet(ScopedQuerySet):
    def of_team(self, team_id: int | None) -> ProspectQuerySet:
        """The records a team keeps (None: the records of no team)."""
        return self.filter(team_id=team_id) if team_id else self.filter(team__isnull=True)

    def stale(self, days: int = 14) -> ProspectQuerySet:
        """No helpful touch for ``days`` days or more (never touched counts as stale)."""
        cutoff = now() - timedelta(days=days)
        return self.filter(Q(last_helpful_touch_at__lt=cutoff) | Q(last_helpful_touch_at=None))

    def with_list_columns(self) -> ProspectQuerySet:
        return self.select_related("account", "owner")


class ProspectManager(models.Manager.from_queryset(ProspectQuerySet)):
    """``Prospect.objects``: the people who are not deleted, so a deleted person is hidden from
    every list, search, selector and queue that starts here. ``Prospect.all_objects`` (undo,
    the sweep, admin) sees them too; a row's own foreign keys (``followup.prospect``) still
    reach a deleted person, as Django reads those through the plain base manager."""

    def get_queryset(self) -> ProspectQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


#: How long a deleted person can be brought back before the sweep deletes them for good.
UNDO_WINDOW = timedelta(minutes=10)


class Prospect(models.Model):
    """A person we try to help."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254)
    team = models.ForeignKey(
        "people.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospects",
        help_text="The team whose record this is; each team keeps its own record of a person.",
    )
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=150, blank=True)
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="prospects"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prospects",
        help_text="The rep who helps this person.",
    )
    buying_role = models.CharField(
        "role in the buying group",
        max_length=20,
        choices=BuyingRole.choices,
        default=BuyingRole.UNKNOWN,
    )
    willingness = models.CharField(
        "willingness to climb",
        max_length=10,
        choices=Willingness.choices,
        default=Willingness.CURIOUS,
    )
    stage = models.CharField(
        "journey stage", max_length=20, choices=JourneyStage.choices, default=JourneyStage.EXPLORING
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    do_not_contact = models.BooleanField(default=False)
    source = models.CharField(max_length=100, blank=True, help_text="Where they came from.")
    open_question = models.TextField(
        blank=True, help_text="What they are still trying to get answered, in their words."
    )
    # Kept up to date by prospects.services so list filters stay index lookups at scale.
    last_helpful_touch_at = models.DateTimeField(null=True, blank=True)
    last_feeling = models.PositiveSmallIntegerField(choices=Feeling.choices, null=True, blank=True)
    feeling_trend = models.CharField(max_length=10, choices=FeelingTrend.choices, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)
    #: Set by ``prospect_delete``: hidden everywhere, undone within ``UNDO_WINDOW``, then
    #: deleted for good by the ``prospects.deleted_purge`` sweep.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ProspectManager()
    all_objects = ProspectQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        # One record of a person per team (and one among records of no team), by email in
        # any case: another team's record of the same person is theirs, unseen and unsaid.
        # A deleted record waiting out its undo window does not hold its email.
        constraints = [
            models.UniqueConstraint(
                F("team"),
                Lower("email"),
                condition=Q(deleted_at__isnull=True),
                name="prospect_email_per_team",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(team__isnull=True, deleted_at__isnull=True),
                name="prospect_email_without_team",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["owner", "willingness"]),
            models.Index(fields=["owner", "last_helpful_touch_at"]),
            models.Index(fields=["owner", "feeling_trend"]),
            models.Index(fields=["account", "buying_role"]),
            models.Index(fields=["last_name", "first_name", "id"], name="prospect_name_order"),
            models.Index(Lower("email"), name="prospect_email_lower"),
            models.Index(
                fields=["deleted_at"],
                condition=Q(deleted_at__isnull=False),
                name="prospect_deleted",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("prospects:prospect_detail", args=[self.pk])

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        return (self.first_name[:1] + self.last_name[:1]).upper()

    @property
    def is_climbing(self) -> bool:
        return self.willingness in (Willingness.EAGER, Willingness.CURIOUS)


class ProspectAlias(models.Model):
    """Another address of a person, kept when their duplicate was merged into them: inbound
    deliveries and CSV imports with that address find the person it was merged into."""

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="aliases")
    team = models.ForeignKey(
        "people.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name_plural = "prospect aliases"
        constraints = [
            models.UniqueConstraint(F("team"), Lower("email"), name="prospect_alias_per_team"),
            models.UniqueConstraint(
                Lower("email"), condition=Q(team__isnull=True), name="prospect_alias_without_team"
            ),
        ]
        indexes = [models.Index(Lower("email"), name="prospect_alias_email_lower")]

    def __str__(self) -> str:
        return self.email


class ProspectHistory(models.Model):
    """What happened to a person's record as a whole: merged, deleted, brought back, gone for
    good. Kept (without the person) after the record itself is gone."""

    class Action(models.TextChoices):
        MERGED = "merged", "Merged"
        DELETED = "deleted", "Deleted"
        RESTORED = "restored", "Brought back"
        PURGED = "purged", "Deleted for good"

    prospect = models.ForeignKey(
        Prospect, on_delete=models.SET_NULL, null=True, blank=True, related_name="history"
    )
    team = models.ForeignKey(
        "people.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: Who the record was about, in words, so the line still reads once the record is gone.
    subject = models.CharField(max_length=400)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "prospect history"
        indexes = [models.Index(fields=["prospect", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.subject}"


class ContentAsset(models.Model):
    class Kind(models.TextChoices):
        GUIDE = "guide", "Guide"
        WEBINAR = "webinar", "Webinar"
        CASE_STUDY = "case_study", "Customer story"
        CHECKLIST = "checklist", "Checklist"
        VIDEO = "video", "Video"
        TOOL = "tool", "Tool or template"
        OTHER = "other", "Other"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    url = models.URLField(max_length=500, blank=True)
    questions_answered = models.TextField(
        blank=True, help_text="The questions this asset helps people answer, one per line."
    )

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["url"]), models.Index(fields=["title"])]

    def __str__(self) -> str:
        return self.title


class ProspectRecordQuerySet(ScopedQuerySet):
    """Rows that belong to a prospect are in scope when the prospect is (a person deleted,
    even while it can be undone, takes their rows out of sight with them)."""

    owner_field = "prospect__owner"

    def visible_to(self, user) -> ScopedQuerySet:
        return super().visible_to(user).filter(prospect__deleted_at__isnull=True)

    def editable_by(self, user) -> ScopedQuerySet:
        return super().editable_by(user).filter(prospect__deleted_at__isnull=True)


class Engagement(models.Model):
    """Something a prospect downloaded or attended, and *why*: the question behind it."""

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="engagements")
    asset = models.ForeignKey(
        ContentAsset, on_delete=models.SET_NULL, null=True, blank=True, related_name="engagements"
    )
    occurred_at = models.DateTimeField(default=now)
    why = models.TextField("why, in their words", blank=True)
    source = models.CharField(max_length=100, blank=True)
    form_source = models.ForeignKey(
        "prospects.FormSource", on_delete=models.SET_NULL, null=True, blank=True
    )
    source_payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now)

    objects = ProspectRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["prospect", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.prospect} · {self.asset or 'engagement'}"


class Channel(models.TextChoices):
    CALL = "call", "Phone call"
    VIDEO = "video", "Video call"
    MEETING = "meeting", "In person"
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    EVENT = "event", "Event"


class Conversation(models.Model):
    """A helpful conversation a rep logged."""

    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="conversations")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversations"
    )
    occurred_at = models.DateTimeField(default=now)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.CALL)
    questions = models.TextField("what they are trying to get answered", blank=True)
    frustrations = models.TextField("what frustrates them", blank=True)
    roadblocks = models.TextField("roadblocks we could remove", blank=True)
    help_given = models.TextField("help given", blank=True)
    wins = models.TextField("wins reached or within reach", blank=True)
    quotes = models.TextField("in their words", blank=True, help_text="A short quote per line.")
    feeling_before = models.PositiveSmallIntegerField(choices=Feeling.choices)
    feeling_after = models.PositiveSmallIntegerField(choices=Feeling.choices)
    created_at = models.DateTimeField(default=now)

    objects = ProspectRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["prospect", "-occurred_at"]),
            models.Index(fields=["rep", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} with {self.prospect} on {self.occurred_at:%Y-%m-%d}"

    @property
    def quote_lines(self) -> list[str]:
        return [line.strip() for line in self.quotes.splitlines() if line.strip()]

    @property
    def feeling_shift(self) -> int:
        return self.feeling_after - self.feeling_before


class Opportunity(models.Model):
    """A real buying conversation that came out of helping; in scope when its owner is."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="opportunities")
    prospect = models.ForeignKey(
        Prospect, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opportunities"
    )
    name = models.CharField(max_length=200)
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(default=localdate)
    closed_on = models.DateField(null=True, blank=True)
    source_conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    source_engagement = models.ForeignKey(
        Engagement, on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    #: When it was last won, lost or reopened: a win reversed soon after it closed may be
    #: taken back from a commission (commissions' clawback rule).
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="open", closed_on=None)
                | (~Q(status="open") & ~Q(closed_on=None)),
                name="opportunity_closed_on_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status"]),
            models.Index(fields=["prospect"]),
            # A rep's wins of a period (commission statements).
            models.Index(fields=["owner", "status", "closed_on"], name="opportunity_owner_closed"),
        ]

    def __str__(self) -> str:
        return self.name


def new_form_secret() -> str:
    return secrets.token_urlsafe(32)


class FormSource(models.Model):
    """A marketing form or webinar tool allowed to post engagements, with its own secret.

    The secret is shown in full once, when it is made; we keep it encrypted (HMAC needs the
    secret itself). After a rotation the previous secret keeps working for a grace period,
    so the tool can be updated without losing deliveries.
    """

    GRACE = timedelta(hours=24)

    name = models.CharField(max_length=120, unique=True)
    team = models.ForeignKey(
        "people.Team",
        on_delete=models.PROTECT,
        related_name="form_sources",
        help_text="New prospects are shared round-robin among this team's reps.",
    )
    secret_encrypted = models.TextField(editable=False)
    secret_hint = models.CharField(max_length=4, editable=False, help_text="Its last characters.")
    secret_made_at = models.DateTimeField(default=now, editable=False)
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        """The current secret, decrypted."""
        return decrypt(self.secret_encrypted)

    @property
    def previous_secret_works(self) -> bool:
        return bool(self.previous_secret_until and self.previous_secret_until > now())

    def secret_issue(self) -> str:
        """Give the source a new secret (not saved yet) and return it: the one moment it is
        seen in full."""
        secret = new_form_secret()
        self.secret_encrypted = encrypt(secret)
        self.secret_hint = secret[-4:]
        self.secret_made_at = now()
        return secret

    def rotate_secret(self, *, grace: timedelta = GRACE) -> str:
        """A new secret, returned; the current one keeps working for ``grace`` (zero: it
        stops now). A secret still in its grace from an earlier rotation stops now."""
        self.previous_secret_encrypted = self.secret_encrypted if grace else ""
        self.previous_secret_until = now() + grace if grace else None
        secret = self.secret_issue()
        self.save(update_fields=[
            "secret_encrypted", "secret_hint", "secret_made_at", "previous_secret_encrypted",
            "previous_secret_until",
        ])  # fmt: skip
        return secret

    def signature_matches(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is the hex HMAC-SHA256 of ``message`` with the current
        secret or, during its grace period, the previous one."""
        tokens = [self.secret_encrypted]
        if self.previous_secret_works:
            tokens.append(self.previous_secret_encrypted)
        for token in tokens:
            try:
                secret = decrypt(token)
            except InvalidToken:
                log.error("Form source %s: its secret cannot be decrypted with the "
                          "FIELD_ENCRYPTION_KEY in use", self.pk)  # fmt: skip
                continue
            expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected.encode(), signature):
                return True
        return False


class InboundDelivery(models.Model):
    """One accepted inbound request, remembered by its Idempotency-Key so a retry gets
    the same answer instead of a second engagement."""

    form_source = models.ForeignKey(FormSource, on_delete=models.CASCADE, related_name="deliveries")
    idempotency_key = models.CharField(max_length=200)
    # SHA-256 of the raw body: the same key with another body is refused, not answered with
    # this delivery's reply. Blank for deliveries remembered before it was kept.
    request_hash = models.CharField(max_length=64, blank=True)
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["form_source", "idempotency_key"], name="inbound_delivery_once"
            )
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class ProspectEvent(models.Model):
    """Something that happened to a person that the app may act on: the outbox.

    Written by the service that made it happen, in its transaction (``prospects.events``), so
    it commits or rolls back with it; the concierge app turns events into follow-ups by its
    playbooks (``concierge/events.py``, the one place they are handled). A lost message
    delays that, never loses it: a sweep expands whatever is still unprocessed.
    """

    class Kind(models.TextChoices):
        NEW_ENGAGEMENT = "new_engagement", "A new engagement"
        CONVERSATION_LOGGED = "conversation_logged", "A conversation is logged"
        FEELING_DROPPED = "feeling_dropped", "Their feeling dropped during a conversation"
        NO_TOUCH = "no_touch", "No helpful touch for some days"
        NEW_GROUP_MEMBER = "new_group_member", "A new member joins a buying group"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    prospect = models.ForeignKey(Prospect, on_delete=models.CASCADE, related_name="events")
    #: What it is about ("engagement:12", "conversation:40", "member:7"): an event is
    #: recorded once per kind and key, however often the same thing is reported.
    key = models.CharField(max_length=100)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="prospect_event_once")]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="prospect_event_unprocessed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key})"


class ProspectImport(models.Model):
    """A CSV upload: previewed (dry run, nothing written), then run by a Celery task."""

    class Status(models.TextChoices):
        MAPPING = "mapping", "Waiting for you to match the columns"
        PREVIEWING = "previewing", "Checking the file; nothing is saved"
        PREVIEWED = "previewed", "Checked, waiting for your confirmation"
        QUEUED = "queued", "Waiting for a worker"
        NOT_QUEUED = "not_queued", "Could not be queued"
        CHECKING = "checking", "Checking rows"
        SAVING = "saving", "Saving"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed; nothing was imported"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prospect_imports"
    )
    filename = models.CharField(max_length=255)
    content = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEWED)
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How the file was read and which column is which field (prospects.imports.TARGETS, or
    # "-" for a column not imported), one entry per column of ``header``.
    encoding = models.CharField(max_length=20, default="utf-8")
    delimiter = models.CharField(max_length=1, default=",")
    header = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    mapping_remembered = models.BooleanField(default=False)
    # The check's exact counts (``errors`` keeps only the first ones) and, per row,
    # [row, "new" | "update" | "unchanged" | "error", email, changed fields or problems].
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    outcomes = models.JSONField(default=list, blank=True)
    good_rows_only = models.BooleanField(
        default=False, help_text="Import the rows without errors and leave the others out."
    )

    ACTIVE = (Status.PREVIEWING, Status.QUEUED, Status.CHECKING, Status.SAVING)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        if self.status == self.Status.PREVIEWING:
            return min(99, int(100 * self.checked_rows / self.total_rows))
        # Checking is the long part; saving happens in one transaction at the end.
        return min(95, int(90 * self.checked_rows / self.total_rows))

    def mark(self, status: str, **fields) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self.status = status
        self.save(update_fields=["status", *fields])


class ImportMapping(models.Model):
    """Which column is which field, as a team last chose it for files with one header (a
    HubSpot export has the same header every time), offered again for the next such file."""

    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, null=True, blank=True)
    header_key = models.CharField(max_length=64, help_text="SHA-256 of the normalised header.")
    header = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "header_key"],
                name="import_mapping_per_header",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return ", ".join(self.header)[:80]
