"""Empathy maps built from evidence: what a person (or a persona) says, thinks, does and
feels, their pains and gains, each entry tied to what they actually said or did where it
can be. Maps go through review: draft -> submitted -> approved, or returned with comments;
every submit keeps an immutable version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from empathy_crm.access import ScopedQuerySet

MAX_ENTRY_LENGTH = 400


class Quadrant(models.TextChoices):
    SAYS = "says", "Says"
    THINKS = "thinks", "Thinks"
    DOES = "does", "Does"
    FEELS = "feels", "Feels"
    PAINS = "pains", "Pains"
    GAINS = "gains", "Gains"


#: Says and does are observed (they need evidence); thinks and feels are inferred.
OBSERVED = frozenset({Quadrant.SAYS, Quadrant.DOES})


class MapStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned for more depth"


class Persona(models.Model):
    """A named segment of prospects, mapped together."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="personas"
    )
    members = models.ManyToManyField("prospects.Prospect", related_name="personas", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    #: What the members have in common, counted by a Celery task (services.persona_recount):
    #: aggregating thousands of members' maps and conversations is too slow for a page view.
    insight = models.JSONField(default=dict, blank=True)
    insight_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EmpathyMapQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> EmpathyMapQuerySet:
        """A map of a deleted person goes with them (a persona's map has no person)."""
        return (
            super()
            .visible_to(user)
            .filter(Q(prospect__isnull=True) | Q(prospect__deleted_at__isnull=True))
        )

    def awaiting_review_by(self, user) -> EmpathyMapQuerySet:
        """Maps submitted by others in ``user``'s scope: what they may approve or return."""
        return self.visible_to(user).filter(status=MapStatus.SUBMITTED).exclude(owner=user)

    def with_subjects(self) -> EmpathyMapQuerySet:
        """With what a list of maps shows: whom each is about and who wrote it."""
        return self.select_related("prospect", "persona", "owner")


class EmpathyMap(models.Model):
    prospect = models.ForeignKey(
        "prospects.Prospect",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="empathy_maps",
    )
    persona = models.OneToOneField(
        Persona, on_delete=models.CASCADE, null=True, blank=True, related_name="empathy_map"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="empathy_maps"
    )
    goal = models.TextField("their goal", blank=True, help_text="What do *they* need to get done?")
    success = models.TextField("how they would know they succeeded", blank=True)
    status = models.CharField(max_length=10, choices=MapStatus.choices, default=MapStatus.DRAFT)
    version = models.PositiveIntegerField(default=0, help_text="The last submitted version.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = EmpathyMapQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(prospect__isnull=False, persona__isnull=True)
                | Q(prospect__isnull=True, persona__isnull=False),
                name="empathy_map_for_a_prospect_or_a_persona",
            ),
            models.UniqueConstraint(
                fields=["prospect", "owner"],
                condition=Q(prospect__isnull=False),
                name="one_map_per_prospect_and_author",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status"]),
            # The map list, latest first, for an admin who sees them all.
            models.Index(fields=["updated_at", "id"], name="empathy_map_updated"),
        ]

    def __str__(self) -> str:
        return f"Empathy map: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("empathy_maps:board", args=[self.pk])

    @property
    def subject(self):
        return self.prospect or self.persona

    @property
    def is_editable(self) -> bool:
        return self.status in (MapStatus.DRAFT, MapStatus.RETURNED, MapStatus.APPROVED)


class Entry(models.Model):
    map = models.ForeignKey(EmpathyMap, on_delete=models.CASCADE, related_name="entries")
    quadrant = models.CharField(max_length=10, choices=Quadrant.choices)
    text = models.CharField(max_length=MAX_ENTRY_LENGTH)
    position = models.PositiveIntegerField(default=0)
    evidence_conversation = models.ForeignKey(
        "prospects.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="empathy_entries",
    )
    evidence_engagement = models.ForeignKey(
        "prospects.Engagement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="empathy_entries",
    )
    evidence_quote = models.CharField(max_length=MAX_ENTRY_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["quadrant", "position", "pk"]
        indexes = [models.Index(fields=["map", "quadrant", "position"])]

    def __str__(self) -> str:
        return f"{self.get_quadrant_display()}: {self.text}"

    @property
    def has_evidence(self) -> bool:
        return bool(
            self.evidence_conversation_id or self.evidence_engagement_id or self.evidence_quote
        )

    @property
    def needs_evidence(self) -> bool:
        return self.quadrant in OBSERVED and not self.has_evidence

    def snapshot(self) -> dict:
        return {
            "id": self.pk,
            "quadrant": self.quadrant,
            "text": self.text,
            "position": self.position,
            "evidence_conversation": self.evidence_conversation_id,
            "evidence_engagement": self.evidence_engagement_id,
            "evidence_quote": self.evidence_quote,
        }


class MapVersion(models.Model):
    """What a map looked like when it was submitted. Never changed afterwards."""

    map = models.ForeignKey(EmpathyMap, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    gaps = models.JSONField(default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    review_status = models.CharField(
        max_length=10, choices=MapStatus.choices, default=MapStatus.SUBMITTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["map", "number"], name="map_version_number_once")
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"


class ReviewComment(models.Model):
    map = models.ForeignKey(EmpathyMap, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(
        MapVersion, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    entry = models.ForeignKey(
        Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return Truncator(self.text).chars(60)
