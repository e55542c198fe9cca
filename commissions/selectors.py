"""Reads the commission screens share: a period's statements, a statement's lines grouped by
the rule that paid them, what a line paid on, and the audit trail in words."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.urls import reverse

from commissions import engine, periods, rules
from commissions.models import (
    AuditEntry,
    CommissionPlan,
    CommissionRule,
    Dispute,
    DisputeStatus,
    LineKind,
    PlanVersion,
    RuleKind,
    Statement,
    StatementLine,
    StatementRun,
)
from commissions.money import ZERO, display

GROUP_LABELS = {
    LineKind.LATE_CHANGE: "Changes to earlier periods",
    LineKind.DISPUTE: "Dispute outcomes",
}


# --- Periods and statements ---------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    kind: str

    @property
    def label(self) -> str:
        return periods.label(self.kind, self.start)

    @property
    def value(self) -> str:
        return self.start.isoformat()


def periods_with_statements(statements: QuerySet, *, limit: int = 12) -> list[Period]:
    """The periods ``statements`` (already scoped) cover, newest first."""
    rows = (
        statements.order_by("-period_start")
        .values_list("period_start", "plan__period")
        .distinct()[: limit * 3]
    )
    found: OrderedDict[date, Period] = OrderedDict()
    for start, kind in rows:
        found.setdefault(start, Period(start, kind))
    return list(found.values())[:limit]


def chosen_period(
    options: list[Period], raw: str | None, today: date, *, ended: bool = False
) -> Period | None:
    """The period asked for (``?period=YYYY-MM-DD``); else the latest that has begun, or
    with ``ended`` the latest that is over (the one to approve), if there is one."""
    if raw:
        for option in options:
            if option.value == raw:
                return option
    started = [p for p in options if p.start <= today]
    if ended:
        over = [p for p in started if periods.end_of(p.kind, p.start) <= today]
        started = over or started
    return (started or options or [None])[0]


def period_statements(statements: QuerySet, start: date) -> list[Statement]:
    """A period's statements with what a manager needs beside each: rep, plan, open
    disputes and lines left out; ordered by rep."""
    return list(
        statements.filter(period_start=start)
        .select_related("rep", "plan", "rep__team")
        .annotate(
            open_disputes=Count("disputes", filter=Q(disputes__status=DisputeStatus.OPEN)),
        )
        .order_by("rep__first_name", "rep__last_name", "rep__username")
    )


def period_summary(statements: list[Statement]) -> dict:
    by_status: dict[str, int] = {}
    for s in statements:
        by_status[s.status] = by_status.get(s.status, 0) + 1
    currencies = {s.currency for s in statements}
    total = sum((s.total for s in statements), ZERO)
    return {
        "count": len(statements),
        "by_status": by_status,
        "total": display(total, currencies.pop()) if len(currencies) == 1 else "",
        "open_disputes": sum(getattr(s, "open_disputes", 0) for s in statements),
    }


def statement_for(statements: QuerySet, **lookup) -> Statement | None:
    """One of ``statements`` (already scoped) with what its page shows beside it."""
    related = statements.select_related("rep", "rep__team", "plan", "approved_by", "locked_by")
    return related.filter(**lookup).first()


# --- A statement's lines, by rule ---------------------------------------------------------


@dataclass
class Group:
    key: str
    title: str
    rule: str  # the rule in a sentence, or what the lines are
    kind: str
    count: int = 0
    total: Decimal = ZERO
    excluded: int = 0
    lines: list[StatementLine] = field(default_factory=list)


def line_groups(statement: Statement, *, with_lines: str | None = None) -> list[Group]:
    """The statement's lines summed per rule (one query, SQL doing the sums), in the plan's
    order; the lines themselves only for the group ``with_lines`` ("all": every group)."""
    sums = (
        statement.lines.values("rule_id", "kind")
        .annotate(
            n=Count("pk"),
            paid=Sum("amount", filter=Q(excluded=False)),
            left_out=Count("pk", filter=Q(excluded=True)),
            first=Min("position"),
        )
        .order_by("first")
    )
    sums = list(sums)
    rule_ids = [row["rule_id"] for row in sums if row["rule_id"]]
    rules_by_id = CommissionRule.objects.select_related("version").in_bulk(rule_ids)
    groups = []
    for row in sums:
        rule = rules_by_id.get(row["rule_id"])
        key = str(row["rule_id"]) if row["rule_id"] else row["kind"]
        if rule:
            title = f"{rule.name} (version {rule.version.number})"
            sentence = rules.describe(rule.kind, rule.params, statement.currency)
        else:
            title = GROUP_LABELS.get(row["kind"]) or _kind_label(row["kind"])
            sentence = ""
        groups.append(
            Group(key, title, sentence, row["kind"], row["n"], row["paid"] or ZERO, row["left_out"])
        )
    wanted = [g for g in groups if with_lines in ("all", g.key)]
    if wanted:
        lines = statement.lines.all()
        by_key = {g.key: g for g in wanted}
        for line in lines:
            key = str(line.rule_id) if line.rule_id else line.kind
            if key in by_key:
                line.paid_on = paid_on(line, statement.currency)
                # A manager may leave out what a rule paid for a record; the floor, cap and
                # corrections follow from those and are recomputed, never left out.
                line.excludable = line.kind in engine.RECORD_KINDS
                by_key[key].lines.append(line)
    return groups


def protections(statement: Statement) -> list[StatementLine]:
    """The lines that say how the statement protects the rep's pay (the hold-harmless
    comparison, a floor's top-up) or limits it (a cap), to show above the rest."""
    kinds = (RuleKind.HOLD_HARMLESS, RuleKind.FLOOR, RuleKind.CAP)
    return list(statement.lines.filter(kind__in=kinds, excluded=False))


def _kind_label(kind: str) -> str:
    try:
        return RuleKind(kind).label
    except ValueError:
        return kind.replace("_", " ").capitalize()


def paid_on(line: StatementLine, currency: str) -> list[tuple[str, str]]:
    """What a line paid on, from its snapshot: the figures as they were when it was computed,
    whatever the record says now."""
    snap = line.snapshot or {}
    facts: list[tuple[str, str]] = []
    if "version" in snap:
        facts.append(("Rule version", str(snap["version"])))
    if line.source_type == "conversation":
        facts += [
            ("Day", snap.get("day", "")),
            ("Conversations that day", str(snap.get("conversations", 1))),
        ]
    elif line.source_type == "followup":
        facts += [("Due", _when(snap.get("due_at"))), ("Done", _when(snap.get("completed_at")))]
    elif line.kind == RuleKind.WON_PERCENT and "amount" in snap:
        facts += [
            ("Won amount", display(Decimal(snap["amount"]), currency)),
            ("Closed on", snap.get("closed_on", "")),
            ("Won earlier in the period", display(Decimal(snap.get("won_before", "0")), currency)),
        ]
        for piece in snap.get("pieces", []):
            band = f" (band up to {piece['band']})" if piece.get("band") else ""
            facts.append(
                ("Paid", f"{piece['rate']}% of {display(Decimal(piece['amount']), currency)}{band}")
            )
    elif line.source_type == "opportunity":
        facts += [("Opened on", snap.get("opened_on", ""))]
    elif line.kind == RuleKind.CAP:
        facts += [
            ("Rules paid", display(Decimal(snap["rules_paid"]), currency)),
            ("Cap", display(Decimal(snap["cap"]), currency)),
        ]
    elif line.kind == RuleKind.FLOOR:
        facts += [
            ("Paid before the top-up", display(Decimal(snap["paid"]), currency)),
            ("Floor", display(Decimal(snap["floor"]), currency)),
        ]
    elif line.kind == RuleKind.HOLD_HARMLESS:
        facts += [
            (
                f"Under {snap.get('previous_plan', 'the previous plan')}",
                display(Decimal(snap["previous"]), currency),
            ),
            ("Under this plan", display(Decimal(snap["new"]), currency)),
        ]
    elif line.kind == LineKind.DISPUTE:
        facts += [
            ("Answer", snap.get("answer", "")),
            ("About the period of", snap.get("period", "")),
        ]
    elif line.corrects_period:
        facts += [
            (
                "Corrects",
                periods.label("month", line.corrects_period)
                if line.corrects_period.day == 1
                else str(line.corrects_period),
            )
        ]
    if "count" in snap:
        facts.append(("Counted", str(snap["count"])))
    return [(k, v) for k, v in facts if v]


def _when(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else ""


def source_url(line: StatementLine) -> str | None:
    """Where the record a line paid for lives in the app (the caller checks its scope)."""
    from concierge.models import FollowUp
    from prospects.models import Conversation, Opportunity

    if not line.source_id:
        return None
    if line.source_type == "conversation":
        found = (
            Conversation.objects.filter(pk=line.source_id)
            .values_list("prospect_id", flat=True)
            .first()
        )
        return (
            f"{reverse('prospects:prospect_detail', args=[found])}#conversation-{line.source_id}"
            if found
            else None
        )
    if line.source_type == "opportunity":
        found = (
            Opportunity.objects.filter(pk=line.source_id)
            .values_list("prospect_id", flat=True)
            .first()
        )
        return (
            f"{reverse('prospects:prospect_detail', args=[found])}#opportunity-{line.source_id}"
            if found
            else None
        )
    if line.source_type == "followup":
        return (
            reverse("concierge:followup_detail", args=[line.source_id])
            if FollowUp.objects.filter(pk=line.source_id).exists()
            else None
        )
    if line.source_type == "dispute":
        found = (
            Dispute.objects.filter(pk=line.source_id).values_list("statement_id", flat=True).first()
        )
        return reverse("commissions:statement_detail", args=[found]) if found else None
    return None


# --- Plans --------------------------------------------------------------------------------


def plans_overview() -> list[CommissionPlan]:
    return list(
        CommissionPlan.objects.annotate(
            n_versions=Count("versions", distinct=True),
            n_teams=Count("teams", distinct=True),
            n_reps=Count("reps", distinct=True),
        ).order_by("status", "-effective_from", "name")
    )


def versions_with_rules(plan: CommissionPlan, *, with_sentences: bool = False) -> list[PlanVersion]:
    versions = list(plan.versions.prefetch_related("rules").order_by("effective_from", "number"))
    if with_sentences:
        for version in versions:
            version.sentences = [
                (r.name, rules.describe(r.kind, r.params, plan.currency))
                for r in version.rules.all()
            ]
    return versions


def recent_runs(plan: CommissionPlan, *, limit: int = 5) -> list[StatementRun]:
    return list(plan.runs.select_related("requested_by")[:limit])


# --- The audit trail, in words ------------------------------------------------------------


def audit_entries(*, subject_type: str = "", subject_id: int | None = None) -> QuerySet:
    entries = AuditEntry.objects.select_related("actor")
    if subject_type:
        entries = entries.filter(subject_type=subject_type)
    if subject_id:
        entries = entries.filter(subject_id=subject_id)
    return entries


def audit_changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(what, before, after) for each thing the entry changed."""
    before, after = entry.before or {}, entry.after or {}
    changes = []
    for name in list(dict.fromkeys([*before, *after])):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        changes.append((name.replace("_", " "), _said(name, was), _said(name, now)))
    return changes


def _said(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "rules" and isinstance(value, list):
        return (
            "; ".join(f"{r['name']}: {rules.describe(r['kind'], r['params'])}" for r in value)
            or "no rules"
        )
    if name == "line" and isinstance(value, dict):
        state = " (left out)" if value.get("excluded") else ""
        return f"{value.get('description', '')}: {value.get('amount', '')}{state}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


SUBJECTS = {
    "commissionplan": "Plan",
    "planversion": "Plan version",
    "statement": "Statement",
    "dispute": "Dispute",
}


def subject_label(entry: AuditEntry) -> str:
    return f"{SUBJECTS.get(entry.subject_type, entry.subject_type)} #{entry.subject_id}"


def subject_urls(entries: list[AuditEntry]) -> dict[int, str]:
    """Entry id -> the page of what it is about, in three queries at most whatever the
    page's length."""
    ids: dict[str, set[int]] = {}
    for entry in entries:
        ids.setdefault(entry.subject_type, set()).add(entry.subject_id)
    statement_of = dict(
        Dispute.objects.filter(pk__in=ids.get("dispute", ())).values_list("pk", "statement_id")
    )
    plan_of = dict(
        PlanVersion.objects.filter(pk__in=ids.get("planversion", ())).values_list("pk", "plan_id")
    )
    urls = {}
    for entry in entries:
        kind, pk = entry.subject_type, entry.subject_id
        if kind == "commissionplan":
            urls[entry.pk] = reverse("commissions:plan_detail", args=[pk])
        elif kind == "statement":
            urls[entry.pk] = reverse("commissions:statement_detail", args=[pk])
        elif kind == "dispute" and pk in statement_of:
            urls[entry.pk] = reverse("commissions:statement_detail", args=[statement_of[pk]])
        elif kind == "planversion" and pk in plan_of:
            urls[entry.pk] = reverse("commissions:plan_detail", args=[plan_of[pk]])
    return urls
