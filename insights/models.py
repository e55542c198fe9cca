"""Does helping work? The team's switch date, the rollups the insights pages read, what
people need (topics), and the coaching managers give on reps' conversations.

The rollups (``Comparison`` and its ``Figure`` rows, ``WeekFigure``, ``TopicMention`` and
``TopicWeek``) are refreshed by Celery beat (``insights.refresh``); the pages read them and
say how fresh they are. ``insights.metrics`` computes the same figures live from the records:
a test proves both agree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.timezone import now

from empathy_crm.access import ScopedQuerySet, edits_only_own
from people.models import validate_timezone


class TeamInsights(models.Model):
    """A team's insights settings: the day it switched from converting to helping, and the
    time zone whose midnight ends its days."""

    team = models.OneToOneField("people.Team", on_delete=models.CASCADE, related_name="insights")
    switched_on = models.DateField(
        "we switched to helping on",
        null=True,
        blank=True,
        help_text="Figures after this day are compared with an equally long period before it.",
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Days (and weeks, from Monday) end at midnight in this time zone.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name_plural = "team insights"

    def __str__(self) -> str:
        return f"Insights of {self.team}"


class Comparison(models.Model):
    """One team's figures for a period after a date and the equally long period before it,
    per owner and cohort (``Figure`` rows), as of ``refreshed_at``.

    The team's default (its switch date up to today) is kept fresh by beat; another range
    a manager picks is computed on first view and refreshed while people look at it.
    """

    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="+")
    after_from = models.DateField()
    after_to = models.DateField()
    tz = models.CharField(max_length=64)
    is_default = models.BooleanField(default=False)
    records_since = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "after_from", "after_to", "tz"], name="insights_comparison_once"
            )
        ]
        indexes = [models.Index(fields=["team", "is_default", "-refreshed_at"])]


class Period(models.TextChoices):
    BEFORE = "before", "Before"
    AFTER = "after", "After"


class Cohort(models.TextChoices):
    HELPED = "helped", "Helped"
    NOT_HELPED = "not_helped", "Not helped"


class Figure(models.Model):
    """The additive parts of every figure, for one owner (or, with ``owner`` empty, the
    whole team), one period and one cohort of a comparison."""

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="figures")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.CharField(max_length=6, choices=Period.choices)
    cohort = models.CharField(max_length=10, choices=Cohort.choices)
    people = models.PositiveIntegerField(default=0)
    people_with_opportunity = models.PositiveIntegerField(default=0)
    opportunities = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    won_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    first_helps = models.PositiveIntegerField(default=0)
    #: {days from first engagement to first help: people}, for the median.
    help_days = models.JSONField(default=dict)
    followups_done = models.PositiveIntegerField(default=0)
    followups_on_time = models.PositiveIntegerField(default=0)
    conversations = models.PositiveIntegerField(default=0)
    shift_sum = models.IntegerField(default=0)
    shift_squares = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comparison", "owner", "period", "cohort"],
                name="insights_figure_once",
                nulls_distinct=False,
            )
        ]


class ComparisonItem(models.Model):
    """What came before the after-period's opportunities: per content asset and per kind of
    help, how many of them it preceded (``owner`` empty: the whole team)."""

    class Kind(models.TextChoices):
        ASSET = "asset", "Content asset"
        HELP = "help", "Kind of help"

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="items")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    key = models.CharField(max_length=30)  # the asset's id, or the help kind
    opportunities = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["comparison", "owner", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["comparison", "owner", "kind", "key"],
                name="insights_comparisonitem_once",
                nulls_distinct=False,
            )
        ]


class ComparisonTopic(models.Model):
    """A topic's mentions by one owner's people (or, with ``owner`` empty, the team's) in
    the weeks of a comparison's period after, and the two four-week spans of its trend:
    what the pages draw, worked out with the comparison."""

    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="topics")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey("Topic", on_delete=models.CASCADE, related_name="+")
    mentions = models.PositiveIntegerField()
    recent = models.PositiveIntegerField(default=0)
    earlier = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["comparison", "owner", "-mentions"])]
        constraints = [
            models.UniqueConstraint(
                fields=["comparison", "owner", "topic"],
                name="insights_comparisontopic_once",
                nulls_distinct=False,
            )
        ]


class WeekFigure(models.Model):
    """A team's (``owner`` empty) or one owner's week, Monday to Sunday in the team's time
    zone: counts that add up, for the trend charts."""

    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    week = models.DateField()
    new_people = models.PositiveIntegerField(default=0)
    first_helps = models.PositiveIntegerField(default=0)
    opportunities_helped = models.PositiveIntegerField(default=0)
    opportunities_other = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    conversations = models.PositiveIntegerField(default=0)
    shift_sum = models.IntegerField(default=0)
    followups_done = models.PositiveIntegerField(default=0)
    followups_on_time = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["team", "owner", "week"])]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "owner", "week"],
                name="insights_weekfigure_once",
                nulls_distinct=False,
            )
        ]


class RollupRun(models.Model):
    """When each rollup was last refreshed (one row per name), for "as of" on the pages."""

    name = models.CharField(max_length=40, unique=True)
    finished_at = models.DateTimeField()
    #: How far the topic mentions have read (the last conversation and engagement ids).
    watermark = models.JSONField(default=dict)


class Need(models.TextChoices):
    QUESTION = "question", "Question"
    FRUSTRATION = "frustration", "Frustration"
    ROADBLOCK = "roadblock", "Roadblock"


class Topic(models.Model):
    """What a team's people need, grouped: phrases whose normalised words match (stemmed,
    without filler words), or nearly match, are one topic. Each team has its own topics, so
    a label (the first phrase heard) is always in that team's people's words."""

    team = models.ForeignKey(
        "people.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    need = models.CharField(max_length=12, choices=Need.choices)
    key = models.CharField(max_length=300)
    label = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "need", "key"], name="insights_topic_once", nulls_distinct=False
            )
        ]

    def __str__(self) -> str:
        return self.label


class MentionQuerySet(ScopedQuerySet):
    """In scope when the person it is about is (their current owner, as for every record),
    and out of sight with them once they are deleted."""

    owner_field = "prospect__owner"

    def visible_to(self, user) -> MentionQuerySet:
        return super().visible_to(user).filter(prospect__deleted_at__isnull=True)


class TopicMention(models.Model):
    """One phrase of one record (a conversation's questions, frustrations or roadblocks, an
    engagement's why, an empathy map entry) that belongs to a topic."""

    class Source(models.TextChoices):
        CONVERSATION = "conversation", "Conversation"
        ENGAGEMENT = "engagement", "Engagement"
        ENTRY = "entry", "Empathy map"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="mentions")
    prospect = models.ForeignKey("prospects.Prospect", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=12, choices=Source.choices)
    conversation = models.ForeignKey(
        "prospects.Conversation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    engagement = models.ForeignKey(
        "prospects.Engagement", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    entry = models.ForeignKey(
        "empathy_maps.Entry", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    occurred_at = models.DateTimeField()

    objects = MentionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["prospect", "occurred_at"]),
            models.Index(fields=["topic", "-occurred_at"]),
        ]


class TopicWeek(models.Model):
    """A team's mentions of a topic in one week (Monday, in the team's time zone)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("people.Team", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    mentions = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["team", "week"])]
        constraints = [
            models.UniqueConstraint(fields=["topic", "week"], name="insights_topicweek_once")
        ]


# --- Coaching ------------------------------------------------------------------------------


class CoachingQuerySet(ScopedQuerySet):
    """Coaching is in scope when its conversation is (the person it is about belongs to the
    viewer's team, as access says for every record); a rep sees only the coaching on the
    conversations they had themselves, not their teammates'."""

    owner_field = "conversation__prospect__owner"

    def visible_to(self, user) -> CoachingQuerySet:
        scoped = super().visible_to(user).filter(conversation__prospect__deleted_at__isnull=True)
        if edits_only_own(user):
            return scoped.filter(conversation__rep=user)
        return scoped


class CoachingField(models.TextChoices):
    WHOLE = "", "The conversation as a whole"
    QUESTIONS = "questions", "Their questions"
    FRUSTRATIONS = "frustrations", "Frustrations"
    ROADBLOCKS = "roadblocks", "Roadblocks"
    HELP_GIVEN = "help_given", "The help given"
    WINS = "wins", "Wins"
    QUOTES = "quotes", "In their words"
    FEELINGS = "feelings", "How they felt"


class CoachingComment(models.Model):
    """A manager's comment on a rep's conversation (as a whole or on one field), or a reply
    in its thread (``reply_to``: the comment that started it)."""

    conversation = models.ForeignKey(
        "prospects.Conversation", on_delete=models.CASCADE, related_name="coaching"
    )
    field = models.CharField(max_length=20, choices=CoachingField.choices, blank=True)
    reply_to = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = CoachingQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["conversation", "created_at"]),
            models.Index(
                fields=["created_at"],
                condition=Q(reply_to__isnull=True),
                name="insights_coaching_threads",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]
