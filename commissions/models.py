"""Commission plans that pay for helping, and statements reps can trust.

A plan (monthly or quarterly periods, in its own time zone) has versions; each version has
rules, and a version applies from its date until the next one starts. A statement is one
rep's pay for one period: its lines are computed from the records they pay for (each line
keeps a snapshot of what it paid on), it goes draft -> approved -> locked, and a later change
of a record becomes an adjustment line in the next open period, never a changed figure.

Money is ``Decimal``; the one rounding rule is ``commissions.money.cents``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now

from empathy_crm.access import PersonalQuerySet
from people.models import validate_timezone


class PeriodKind(models.TextChoices):
    MONTH = "month", "Monthly"
    QUARTER = "quarter", "Quarterly"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class CommissionPlan(models.Model):
    """Who is paid how: the reps and teams it covers, its periods and its currency."""

    name = models.CharField(max_length=120, unique=True)
    period = models.CharField(max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    currency = models.CharField(max_length=3, default="EUR", help_text="e.g. EUR, USD, GBP")
    timezone = models.CharField(
        "time zone",
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Periods and days (one helpful conversation a day) run in this time zone.",
    )
    effective_from = models.DateField(help_text="The first day it pays for.")
    effective_to = models.DateField(
        null=True, blank=True, help_text="The last day it pays for; empty while it runs."
    )
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    reps = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="commission_plans"
    )
    teams = models.ManyToManyField("people.Team", blank=True, related_name="commission_plans")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-effective_from", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("commissions:plan_detail", args=[self.pk])

    def clean(self) -> None:
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "A plan can't end before it starts."})


class PlanVersion(models.Model):
    """The rules of a plan from a date on. Editing a live plan makes a new version from a
    date; a version that has paid a line on an approved or locked statement never changes."""

    plan = models.ForeignKey(CommissionPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    effective_from = models.DateField()
    note = models.CharField(max_length=300, blank=True, help_text="What changed, and why.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["plan", "effective_from", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_once"),
            models.UniqueConstraint(
                fields=["plan", "effective_from"], name="plan_version_from_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number} (from {self.effective_from:%Y-%m-%d})"


class RuleKind(models.TextChoices):
    PER_CONVERSATION = "per_conversation", "Per helpful conversation"
    PER_FOLLOWUP = "per_followup", "Per follow-up done on time"
    PER_SOURCED_OPPORTUNITY = "per_sourced_opportunity", "Per opportunity sourced from help"
    WON_PERCENT = "won_percent", "Percentage of won amount"
    SPIF = "spif", "Bonus for a kind of help (SPIF)"
    FLOOR = "floor", "Guaranteed floor"
    HOLD_HARMLESS = "hold_harmless", "Hold-harmless transition"
    CAP = "cap", "Cap"
    CLAWBACK = "clawback", "Clawback of reversed wins"


class CommissionRule(models.Model):
    """One rule of a plan version; its parameters are checked per kind
    (``commissions.rules``)."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=30, choices=RuleKind.choices)
    name = models.CharField(max_length=120, help_text="What the statement calls its lines.")
    params = models.JSONField(default=dict, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class StatementRun(models.Model):
    """Someone asked for a plan's statements of a period to be computed. The row is the
    request, so a lost Celery message only delays it: the minute sweep sends it again, and a
    worker claims it under a lease, so two workers never compute it at once."""

    plan = models.ForeignKey(CommissionPlan, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=now)
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    statements = models.PositiveIntegerField(default=0, help_text="How many were computed.")
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "requested_at"], name="run_waiting")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.period_start:%Y-%m-%d} · {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    LOCKED = "locked", "Locked"


class StatementQuerySet(PersonalQuerySet):
    owner_field = "rep"


class Statement(models.Model):
    """One rep's pay for one period of their plan."""

    plan = models.ForeignKey(CommissionPlan, on_delete=models.PROTECT, related_name="statements")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="statements"
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="The first day after the period.")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    revision = models.PositiveIntegerField(default=1, help_text="One more after each unlock.")
    computed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "rep"]
        constraints = [
            # Two plans can't pay the same rep for the same period.
            models.UniqueConstraint(fields=["rep", "period_start"], name="statement_once_a_period")
        ]
        indexes = [models.Index(fields=["plan", "period_start", "status"])]

    def __str__(self) -> str:
        return f"{self.rep} · {self.period_start:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("commissions:statement_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == StatementStatus.DRAFT


class LineKind(models.TextChoices):
    """What a line is: a rule's (``RuleKind``), or a correction of an earlier period."""

    LATE_CHANGE = "late_change", "Change to an earlier period"
    DISPUTE = "dispute", "Dispute outcome"


class StatementLine(models.Model):
    """One amount on a statement and what it paid for: a record (``source_type``/``source_id``)
    and a snapshot of the inputs, so a later edit of that record never changes this figure."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    rule = models.ForeignKey(
        CommissionRule, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    kind = models.CharField(max_length=30)
    description = models.CharField(max_length=300)
    source_type = models.CharField(max_length=20, blank=True)  # conversation, followup, …
    source_id = models.BigIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    snapshot = models.JSONField(default=dict, blank=True)
    #: For a correction: the period whose figure it corrects.
    corrects_period = models.DateField(null=True, blank=True)
    excluded = models.BooleanField(default=False)
    exclusion_reason = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["statement", "position", "pk"]
        indexes = [models.Index(fields=["source_type", "source_id"], name="line_source")]

    def __str__(self) -> str:
        return self.description

    @property
    def key(self) -> str:
        """What the line is about, the same from one computation to the next (a correction:
        the line it corrects, in the period it corrects, as ``engine.Line.key`` says)."""
        if self.corrects_period and self.snapshot.get("corrects"):
            return f"{self.snapshot['corrects']}@{self.corrects_period:%Y-%m-%d}"
        return line_key(self.rule_id, self.kind, self.source_type, self.source_id)


def line_key(rule_id, kind: str, source_type: str, source_id) -> str:
    return f"{rule_id or '-'}:{kind}:{source_type}:{source_id or '-'}"


class LineExclusion(models.Model):
    """A manager took a line out of a draft statement, with a reason; kept across
    recomputations (by the line's key)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="exclusions")
    key = models.CharField(max_length=200)
    reason = models.CharField(max_length=300)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    excluded_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "key"], name="line_excluded_once")
        ]


class StatementRevision(models.Model):
    """What a locked statement said before it was unlocked (and why it was)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    lines = models.JSONField()
    reason = models.CharField(max_length=300)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unlocked_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["statement", "revision"]


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class DisputeQuerySet(PersonalQuerySet):
    owner_field = "statement__rep"


class Dispute(models.Model):
    """A rep questions a line; the manager answers. An accepted dispute is paid as an
    adjustment line in the rep's first open period from ``paid_in_period``."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="disputes")
    line_key = models.CharField(max_length=200)
    line_description = models.CharField(max_length=300)
    line_amount = models.DecimalField(max_digits=12, decimal_places=2)
    text = models.TextField("what is wrong")
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=now)
    answer = models.TextField(blank=True)
    adjustment = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="What the rep is paid (or gives back) for it.",
    )  # fmt: skip
    paid_in_period = models.DateField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(answer=""), name="dispute_answered_in_words"
            )
        ]

    def __str__(self) -> str:
        return f"Dispute about {self.line_description}"


class PayrollBatch(models.Model):
    """One payroll export: the locked statements (at their revision) it paid, so exporting
    the same period again gives the very same file, and nothing is paid twice."""

    period_start = models.DateField()
    batch_id = models.CharField(max_length=40, unique=True)
    rows = models.JSONField(help_text="What was exported, row by row.")
    total = models.DecimalField(max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at"]


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("The audit trail is append-only.")

    def delete(self):
        raise ValidationError("The audit trail is append-only.")


class AuditEntry(models.Model):
    """Who changed a plan, rule, statement or dispute, when, and what it was before and
    after. Append-only: never edited, never deleted."""

    subject_type = models.CharField(max_length=30)
    subject_id = models.BigIntegerField()
    action = models.CharField(max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=now)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject")]

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type} {self.subject_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The audit trail is append-only.")
