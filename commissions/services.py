"""Plans, statements, disputes and payroll: every change goes through here, in a transaction,
with its entry in the audit trail (who, when, before and after)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from commissions import engine, periods, rules
from commissions.models import (
    AuditEntry,
    CommissionPlan,
    CommissionRule,
    Dispute,
    DisputeStatus,
    LineExclusion,
    PayrollBatch,
    PlanStatus,
    PlanVersion,
    RuleKind,
    RunStatus,
    Statement,
    StatementLine,
    StatementRevision,
    StatementRun,
    StatementStatus,
)
from commissions.money import ZERO, cents, decimal, display
from empathy_crm.access import reps_of
from empathy_crm.models import Notification
from empathy_crm.notifications import notify
from people.models import User

log = logging.getLogger(__name__)


# --- The audit trail ----------------------------------------------------------------------


def audit(subject, action: str, actor: User | None, *, before=None, after=None, note: str = ""):
    """Append who did what to ``subject`` (a plan, rule, statement or dispute), and when."""
    AuditEntry.objects.create(
        subject_type=subject._meta.model_name, subject_id=subject.pk, action=action,
        actor=actor, before=before, after=after, note=note[:300],
    )  # fmt: skip


def plan_state(plan: CommissionPlan) -> dict:
    return {
        "name": plan.name, "period": plan.period, "currency": plan.currency,
        "timezone": plan.timezone, "effective_from": str(plan.effective_from),
        "effective_to": str(plan.effective_to or ""), "status": plan.status,
        "reps": sorted(plan.reps.values_list("username", flat=True)),
        "teams": sorted(plan.teams.values_list("name", flat=True)),
    }  # fmt: skip


def rules_state(version: PlanVersion) -> list[dict]:
    return [
        {"kind": r.kind, "name": r.name, "params": r.params, "order": r.order}
        for r in version.rules.order_by("order", "pk")
    ]


# --- Plans and their versions -------------------------------------------------------------


def members(plan: CommissionPlan) -> list[int]:
    """The reps a plan pays: those named, and the active reps of the teams named."""
    named = set(plan.reps.filter(is_active=True).values_list("pk", flat=True))
    teams = reps_of(User.objects.filter(is_active=True, team__in=plan.teams.all()))
    return sorted(named | set(teams.values_list("pk", flat=True)))


def plan_create(*, by: User, name: str, period: str, currency: str, timezone_name: str,
                effective_from: date, effective_to: date | None = None, reps=(), teams=(),
                rules_in: list[tuple[str, str, dict]] = ()) -> CommissionPlan:  # fmt: skip
    """A draft plan with its first version and rules ((kind, name, params) each)."""
    checked = _checked_rules(rules_in)
    with transaction.atomic(durable=True):
        plan = CommissionPlan(
            name=name.strip(), period=period, currency=currency.upper(), timezone=timezone_name,
            effective_from=effective_from, effective_to=effective_to, created_by=by,
        )  # fmt: skip
        plan.full_clean()
        plan.save()
        plan.reps.set(reps)
        plan.teams.set(teams)
        version = PlanVersion.objects.create(
            plan=plan, number=1, effective_from=effective_from, created_by=by, note="First version"
        )
        _rules_write(version, checked)
        audit(plan, "created", by, after={**plan_state(plan), "rules": rules_state(version)})
    return plan


def _checked_rules(rules_in) -> list[tuple[str, str, dict]]:
    checked = []
    for n, (kind, name, params) in enumerate(rules_in, start=1):
        if kind not in RuleKind.values:
            raise ValidationError(f"Rule {n}: choose a kind of rule.")
        try:
            checked.append((kind, (name or RuleKind(kind).label).strip(),
                            rules.clean_params(kind, params)))  # fmt: skip
        except ValidationError as exc:
            messages = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.message_dict.items())
            raise ValidationError(f"Rule {n} ({RuleKind(kind).label}): {messages}") from None
    rules.check_version([(kind, params) for kind, _, params in checked])
    return checked


def _rules_write(version: PlanVersion, checked) -> None:
    CommissionRule.objects.bulk_create(
        CommissionRule(version=version, kind=kind, name=name, params=params, order=n)
        for n, (kind, name, params) in enumerate(checked, start=1)
    )


def version_has_paid(version: PlanVersion) -> bool:
    """A version whose rules paid a line on an approved or locked statement is history; so
    is one in force during a settled statement's period, even if it paid no line there (a
    late record of that period is corrected at the rules it was computed with)."""
    later = version.plan.versions.filter(effective_from__gt=version.effective_from)
    upto = later.order_by("effective_from").values_list("effective_from", flat=True).first()
    settled = Statement.objects.filter(
        plan_id=version.plan_id, status__in=engine.SETTLED, period_end__gt=version.effective_from
    )
    if upto is not None:
        settled = settled.filter(period_start__lt=upto)
    return (
        settled.exists()
        or StatementLine.objects.filter(
            rule__version=version, statement__status__in=engine.SETTLED
        ).exists()
    )


def rules_replace(*, version: PlanVersion, rules_in, by: User) -> PlanVersion:
    """Change the rules of a version that has paid nothing settled yet (a draft plan's, or a
    live plan's latest before its first approval). Otherwise: ``version_add``."""
    return rules_edit(version=version, change=lambda current: list(rules_in), by=by)


def rules_edit(*, version: PlanVersion, change, by: User) -> PlanVersion:
    """``change`` takes the version's rules as they are now ([(kind, name, params)], read
    under the version's lock, so two admins editing at once never lose an edit) and returns
    them as they should be; they are checked as a whole before anything is written."""
    with transaction.atomic(durable=True):
        locked = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
        if version_has_paid(locked):
            raise ValidationError(
                f"Version {locked.number} has paid approved or locked statements, so its rules "
                "stay as they were: add a new version from a date instead."
            )
        before = rules_state(locked)
        checked = _checked_rules(change([(r["kind"], r["name"], r["params"]) for r in before]))
        StatementLine.objects.filter(rule__version=locked).update(rule=None)  # drafts only
        locked.rules.all().delete()
        _rules_write(locked, checked)
        audit(locked.plan, f"rules of version {locked.number} changed", by,
              before={"rules": before}, after={"rules": rules_state(locked)})  # fmt: skip
    return locked


def rule_save(*, version: PlanVersion, index: int | None, kind: str, name: str, params: dict,
              by: User) -> PlanVersion:  # fmt: skip
    """Add a rule to a version (``index`` None) or change its ``index``-th (from 0)."""

    def change(current: list) -> list:
        if index is None:
            return [*current, (kind, name, params)]
        if not 0 <= index < len(current):
            raise ValidationError("That rule is gone: someone changed the plan meanwhile.")
        return [*current[:index], (kind, name, params), *current[index + 1 :]]

    return rules_edit(version=version, change=change, by=by)


def rule_remove(*, version: PlanVersion, index: int, by: User) -> PlanVersion:
    def change(current: list) -> list:
        if not 0 <= index < len(current):
            raise ValidationError("That rule is gone: someone changed the plan meanwhile.")
        return [*current[:index], *current[index + 1 :]]

    return rules_edit(version=version, change=change, by=by)


def rule_move(*, version: PlanVersion, index: int, step: int, by: User) -> PlanVersion:
    """Move a rule up (``step`` -1) or down (+1): the order a statement lists its lines in."""

    def change(current: list) -> list:
        other = index + step
        if not (0 <= index < len(current) and 0 <= other < len(current)):
            return current
        current[index], current[other] = current[other], current[index]
        return current

    return rules_edit(version=version, change=change, by=by)


def editable_version(plan: CommissionPlan) -> PlanVersion | None:
    """The version whose rules an admin may change in place: a draft plan's, or the version a
    live plan got from a date on, until it pays an approved or locked statement. A live plan's
    first version is never edited in place: a change starts a new version from a date."""
    latest = plan.versions.order_by("-effective_from", "-number").first()
    if latest is None or plan.status == PlanStatus.RETIRED:
        return None
    if plan.status == PlanStatus.LIVE and latest.number == 1:
        return None
    return None if version_has_paid(latest) else latest


def version_start(*, plan: CommissionPlan, effective_from: date, note: str, by: User):
    """A live plan's rules change from a date: a new version, starting as a copy of the
    latest one's rules, for the admin to edit."""
    if not note.strip():
        raise ValidationError({"note": "Say what changes, and why: reps read it."})
    latest = plan.versions.order_by("-effective_from", "-number").first()
    current = rules_state(latest) if latest else []
    return version_add(
        plan=plan, effective_from=effective_from, note=note,
        rules_in=[(r["kind"], r["name"], r["params"]) for r in current], by=by,
    )  # fmt: skip


def plan_update(*, plan: CommissionPlan, by: User, name: str, currency: str, timezone_name: str,
                reps, teams) -> CommissionPlan:  # fmt: skip
    """Name, currency, time zone and members. A live plan's currency and time zone stay as
    they are (its statements were computed in them); its members may change."""
    with transaction.atomic(durable=True):
        plan = CommissionPlan.objects.select_for_update().get(pk=plan.pk)
        before = plan_state(plan)
        if plan.status != PlanStatus.DRAFT and (
            currency.upper() != plan.currency or timezone_name != plan.timezone
        ):
            raise ValidationError(
                "A plan that has paid keeps its currency and time zone: start a new plan."
            )
        plan.name, plan.currency, plan.timezone = name.strip(), currency.upper(), timezone_name
        plan.full_clean()
        plan.save(update_fields=["name", "currency", "timezone"])
        plan.reps.set(reps)
        plan.teams.set(teams)
        if plan.status == PlanStatus.LIVE:
            clash = overlapping_rep(plan)
            if clash:
                raise ValidationError(clash)
        after = plan_state(plan)
        if after != before:
            audit(plan, "changed", by, before=before, after=after)
    return plan


def version_add(*, plan: CommissionPlan, effective_from: date, rules_in, note: str, by: User):
    """Editing a live plan: a new version of its rules from a date on; statements say which
    version paid each line."""
    checked = _checked_rules(rules_in)
    with transaction.atomic(durable=True):
        plan = CommissionPlan.objects.select_for_update().get(pk=plan.pk)
        latest = plan.versions.order_by("-effective_from").first()
        if latest and effective_from <= latest.effective_from:
            raise ValidationError(
                f"A new version starts after the last one ({latest.effective_from:%Y-%m-%d})."
            )
        if effective_from < plan.effective_from:
            raise ValidationError("A version can't start before its plan.")
        settled = Statement.objects.filter(
            plan=plan, status__in=engine.SETTLED, period_end__gt=effective_from
        )
        if settled.exists():
            raise ValidationError(
                "Statements from that date are approved or locked already: start the new "
                "version after them."
            )
        number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PlanVersion.objects.create(
            plan=plan, number=number, effective_from=effective_from, note=note.strip()[:300],
            created_by=by,
        )  # fmt: skip
        _rules_write(version, checked)
        audit(plan, f"version {number} added", by,
              after={"effective_from": str(effective_from), "rules": rules_state(version)},
              note=note)  # fmt: skip
    return version


def plan_go_live(*, plan: CommissionPlan, by: User) -> None:
    """A draft plan starts paying; refused if one of its reps is paid by another plan in
    some of the same periods (a rep has one statement a period)."""
    with transaction.atomic(durable=True):
        plan = CommissionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.DRAFT:
            raise ValidationError("Only a draft plan can go live.")
        clash = overlapping_rep(plan)
        if clash:
            raise ValidationError(clash)
        plan.status = PlanStatus.LIVE
        plan.save(update_fields=["status"])
        audit(plan, "went live", by, before={"status": "draft"}, after={"status": "live"})


def overlapping_rep(plan: CommissionPlan) -> str:
    """Why ``plan`` can't go live (a rep two plans would pay in the same periods), or ""."""
    mine = set(members(plan))
    paying = CommissionPlan.objects.filter(status__in=[PlanStatus.LIVE, PlanStatus.RETIRED])
    for other in paying.exclude(pk=plan.pk):
        if _overlap(plan, other):
            both = mine & set(members(other))
            if both:
                name = User.objects.filter(pk__in=both).order_by("username").first()
                return (
                    f"{name} is paid by “{other}” in some of the same periods (one statement a "
                    "period): end that plan before this one's first period, or take them out "
                    "of one of the two."
                )
    return ""


def _overlap(one: CommissionPlan, other: CommissionPlan) -> bool:
    """Whether the two plans pay in some of the same periods: one ending on March 14 and
    the other starting on the 15th would both need the rep's one March statement."""

    def span(plan: CommissionPlan) -> tuple[date, date]:
        first = periods.start_of(plan.period, plan.effective_from)
        if plan.effective_to is None:
            return first, date.max
        return first, periods.end_of(plan.period, periods.start_of(plan.period, plan.effective_to))

    (one_from, one_after), (other_from, other_after) = span(one), span(other)
    return one_from < other_after and other_from < one_after


def plan_retire(*, plan: CommissionPlan, last_day: date, by: User) -> None:
    with transaction.atomic(durable=True):
        plan = CommissionPlan.objects.select_for_update().get(pk=plan.pk)
        before = plan_state(plan)
        plan.effective_to = last_day
        plan.full_clean()
        plan.status = PlanStatus.RETIRED if last_day < timezone.localdate() else plan.status
        plan.save(update_fields=["effective_to", "status"])
        audit(plan, "end date set", by, before=before, after=plan_state(plan))


# --- Statement runs -----------------------------------------------------------------------


def clawback_days(plan: CommissionPlan, start: date) -> int | None:
    """The clawback window of the version in force at the end of the period, if any."""
    window = engine.Window(plan, start, periods.end_of(plan.period, start))
    parts = engine.segments(window, engine.plan_versions(plan))
    version = parts[-1][0] if parts else None
    rule = (
        next((r for r in version.rules.all() if r.kind == RuleKind.CLAWBACK), None)
        if version
        else None
    )
    return rule.params["days"] if rule else None


def statements_run(*, plan: CommissionPlan, start: date, by: User | None = None) -> int:
    """Compute (or recompute) the draft statements of ``plan`` for the period starting on
    ``start``; approved and locked ones are left as they are. Deterministic and re-runnable:
    the same records give the same lines. Returns how many statements were computed."""
    start = periods.start_of(plan.period, start)
    end = periods.end_of(plan.period, start)
    reps = members(plan)
    if not reps:
        return 0
    with transaction.atomic(durable=True):
        existing = {
            s.rep_id: s
            for s in Statement.objects.select_for_update().filter(
                rep_id__in=reps, period_start=start
            )
        }
        elsewhere = [rep for rep, s in existing.items() if s.plan_id != plan.pk]
        for rep in elsewhere:
            log.warning("rep %s already has a statement for %s under another plan", rep, start)
        open_reps = [
            rep for rep in reps
            if rep not in elsewhere and (rep not in existing or existing[rep].is_open)
        ]  # fmt: skip
        if not open_reps:
            return 0
        exclusions = {
            (e.statement.rep_id, e.key): e.reason
            for e in LineExclusion.objects.filter(statement__in=[existing[r] for r in open_reps
                                                                 if r in existing])
            .select_related("statement")
        }  # fmt: skip
        results = engine.compute(plan, start, open_reps, excluded=exclusions)
        earliest_open = _reps_with_an_earlier_draft(open_reps, start)
        fixes = engine.corrections(
            plan, start, [r for r in open_reps if r not in earliest_open], excluded=exclusions,
        )  # fmt: skip
        for rep, paid in engine.disputes_paid(open_reps, start).items():
            fixes.setdefault(rep, []).extend(paid)
        now = timezone.now()
        new = [
            Statement(plan=plan, rep_id=rep, period_start=start, period_end=end,
                      currency=plan.currency)
            for rep in open_reps if rep not in existing
        ]  # fmt: skip
        Statement.objects.bulk_create(new)
        statements = {
            **{s.rep_id: s for s in new},
            **{r: existing[r] for r in open_reps if r in existing},
        }
        StatementLine.objects.filter(statement__in=list(statements.values())).delete()
        lines = []
        for rep in open_reps:
            result = results[rep]
            result.lines.extend(fixes.get(rep, []))
            for position, line in enumerate(result.lines):
                lines.append(StatementLine(
                    statement=statements[rep], rule_id=line.rule_id, kind=line.kind,
                    description=line.description[:300], source_type=line.source_type,
                    source_id=line.source_id, amount=line.amount, snapshot=line.snapshot,
                    corrects_period=line.corrects_period, excluded=line.excluded,
                    exclusion_reason=line.exclusion_reason, position=position,
                ))  # fmt: skip
            statement = statements[rep]
            statement.total, statement.computed_at = result.total, now
        _lines_write(lines)
        Statement.objects.bulk_update(list(statements.values()), ["total", "computed_at"])
    return len(open_reps)


LINE_COLUMNS = ("statement_id", "rule_id", "kind", "description", "source_type", "source_id",
                "amount", "snapshot", "corrects_period", "excluded", "exclusion_reason",
                "position")  # fmt: skip


def _lines_write(lines: list[StatementLine]) -> None:
    """Write a run's lines: on PostgreSQL with COPY, which takes a quarter's 14,000 lines in
    a fifth of the time INSERTs do; elsewhere with bulk_create."""
    if connection.vendor != "postgresql":
        StatementLine.objects.bulk_create(lines, batch_size=2000)
        return
    table = StatementLine._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy,
    ):
        for line in lines:
            copy.write_row((
                line.statement.pk, line.rule_id, line.kind, line.description,
                line.source_type, line.source_id, line.amount, json.dumps(line.snapshot),
                line.corrects_period, line.excluded, line.exclusion_reason, line.position,
            ))  # fmt: skip


RUN_LEASE = timedelta(minutes=6)  # a minute longer than a task may live (CELERY_TASK_TIME_LIMIT)
RUN_RESEND_AFTER = timedelta(minutes=1)


def statements_run_request(*, plan: CommissionPlan, start: date, by: User | None) -> StatementRun:
    """Ask for a plan's statements of a period to be computed by a worker. A run already
    waiting for the same plan and period is the answer to a second request."""
    with transaction.atomic(durable=True):
        plan = CommissionPlan.objects.select_for_update().get(pk=plan.pk)  # one at a time
        if plan.status == PlanStatus.DRAFT:
            raise ValidationError("A draft plan pays nothing yet: preview it, or make it live.")
        start = periods.start_of(plan.period, start)
        if start < periods.start_of(plan.period, plan.effective_from):
            raise ValidationError(f"The plan starts on {plan.effective_from:%b %-d, %Y}.")
        if start > timezone.localdate():
            raise ValidationError("That period has not started yet.")
        waiting = StatementRun.objects.filter(
            plan=plan, period_start=start, status=RunStatus.QUEUED
        ).first()
        if waiting:
            return waiting
        run = StatementRun.objects.create(plan=plan, period_start=start, requested_by=by)
        transaction.on_commit(lambda: _run_send(run.pk))
    return run


RUN_MESSAGE = "commissions.statement_run"


def _run_send(run_id: int) -> None:
    """Tell a worker; if the broker is away, the run waits in its row for the sweep."""
    try:
        from commissions.tasks import statement_run  # tasks import this module

        statement_run.apply_async(
            args=[run_id], retry=True, retry_policy={"max_retries": 1, "interval_start": 0.2}
        )
    except (BrokerError, OSError) as exc:
        log.warning("statement run %s not sent (%s); the sweep will send it", run_id, exc)


def statement_run_execute(*, run_id: int, now=None) -> bool:
    """Claim the run under a lease and compute it. False if another worker has it, or it is
    done: a message delivered twice computes once."""
    now = now or timezone.now()
    claimed = (
        StatementRun.objects.filter(pk=run_id)
        .filter(Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, lease_until__lt=now))
        .update(status=RunStatus.RUNNING, lease_until=now + RUN_LEASE)
    )
    if not claimed:
        return False
    run = StatementRun.objects.select_related("plan").get(pk=run_id)
    try:
        count = statements_run(plan=run.plan, start=run.period_start, by=run.requested_by)
    except Exception as exc:
        log.exception("statement run %s failed", run_id)
        StatementRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=str(exc)[:300]
        )
        return True
    StatementRun.objects.filter(pk=run_id).update(
        status=RunStatus.DONE, finished_at=timezone.now(), statements=count, lease_until=None
    )
    return True


def statement_runs_resend(*, now=None) -> int:
    """Every minute: send again the runs whose message was lost (waiting over a minute) or
    whose worker died (lease run out). Returns how many."""
    now = now or timezone.now()
    stuck = list(
        StatementRun.objects.filter(
            Q(status=RunStatus.QUEUED, requested_at__lt=now - RUN_RESEND_AFTER)
            | Q(status=RunStatus.RUNNING, lease_until__lt=now)
        ).values_list("pk", flat=True)[:100]
    )
    for pk in stuck:
        _run_send(pk)
    return len(stuck)


def _reps_with_an_earlier_draft(reps: list[int], start: date) -> set[int]:
    """Corrections go to a rep's earliest open period, once."""
    return set(
        Statement.objects.filter(
            rep_id__in=reps, status=StatementStatus.DRAFT, period_start__lt=start
        ).values_list("rep_id", flat=True)
    )


def statement_approve(*, statement: Statement, by: User) -> None:
    with transaction.atomic(durable=True):
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status != StatementStatus.DRAFT:
            raise ValidationError("Only a draft statement can be approved.")
        if statement.rep_id == by.pk:
            raise ValidationError("Nobody approves their own statement.")
        statement.status, statement.approved_by, statement.approved_at = (
            StatementStatus.APPROVED, by, timezone.now(),
        )  # fmt: skip
        statement.save(update_fields=["status", "approved_by", "approved_at"])
        audit(statement, "approved", by, before={"status": "draft"},
              after={"status": "approved", "total": str(statement.total)})  # fmt: skip
        period = periods.label(statement.plan.period, statement.period_start)
        notify(
            user_id=statement.rep_id,
            kind=Notification.Kind.STATEMENT_APPROVED,
            message=f"Your statement for {period} is approved: "
            f"{display(statement.total, statement.currency)}",
            url=statement.get_absolute_url(),
            key=f"statement:{statement.pk}:{statement.revision}",
        )


def statement_lock(*, statement: Statement, by: User) -> None:
    """Approved -> locked: its figures are final; later changes to what it paid for become
    adjustment lines in the next open period."""
    with transaction.atomic(durable=True):
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status != StatementStatus.APPROVED:
            raise ValidationError("Approve the statement before you lock it.")
        statement.status, statement.locked_by, statement.locked_at = (
            StatementStatus.LOCKED, by, timezone.now(),
        )  # fmt: skip
        statement.save(update_fields=["status", "locked_by", "locked_at"])
        audit(statement, "locked", by, before={"status": "approved"},
              after={"status": "locked", "total": str(statement.total)})  # fmt: skip


def statement_unlock(*, statement: Statement, reason: str, by: User) -> None:
    """Back to draft, for a reason; what it said is kept as a revision."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the statement is unlocked."})
    with transaction.atomic(durable=True):
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status != StatementStatus.LOCKED:
            raise ValidationError("Only a locked statement is unlocked.")
        StatementRevision.objects.create(
            statement=statement, revision=statement.revision, total=statement.total,
            lines=[_line_state(line) for line in statement.lines.all()], reason=reason.strip(),
            unlocked_by=by,
        )  # fmt: skip
        before = {"status": "locked", "revision": statement.revision, "total": str(statement.total)}
        statement.status, statement.revision = StatementStatus.DRAFT, statement.revision + 1
        statement.approved_by = statement.approved_at = None
        statement.locked_by = statement.locked_at = None
        statement.save(update_fields=["status", "revision", "approved_by", "approved_at",
                                      "locked_by", "locked_at"])  # fmt: skip
        audit(statement, "unlocked", by, before=before,
              after={"status": "draft", "revision": statement.revision}, note=reason)  # fmt: skip


def _line_state(line: StatementLine) -> dict:
    return {"key": line.key, "description": line.description, "amount": str(line.amount),
            "excluded": line.excluded, "snapshot": line.snapshot}  # fmt: skip


def line_exclude(*, statement: Statement, key: str, reason: str, by: User) -> None:
    """A manager takes a line out of a draft statement, with a reason (kept across runs)."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the line is left out."})
    with transaction.atomic(durable=True):
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if not statement.is_open:
            raise ValidationError("Only a draft statement's lines can be left out.")
        line = next((ln for ln in statement.lines.all() if ln.key == key), None)
        if line is None:
            raise ValidationError("That line is not on this statement.")
        if line.kind not in engine.RECORD_KINDS:
            raise ValidationError(
                "Only a line a rule paid for a record can be left out; this one follows from "
                "the others and is recomputed with them."
            )
        LineExclusion.objects.update_or_create(
            statement=statement, key=key,
            defaults={"reason": reason.strip()[:300], "excluded_by": by},
        )  # fmt: skip
        line.excluded, line.exclusion_reason = True, reason.strip()[:300]
        line.save(update_fields=["excluded", "exclusion_reason"])
        after = _line_state(line)
        audit(statement, "line left out", by, before={"line": {**after, "excluded": False}},
              after={"line": after}, note=reason)  # fmt: skip
    statements_run(plan=statement.plan, start=statement.period_start, by=by)


# --- Disputes -----------------------------------------------------------------------------


def dispute_raise(*, statement: Statement, key: str, text: str, by: User) -> Dispute:
    if not text.strip():
        raise ValidationError({"text": "Say what is wrong with the line."})
    if by.pk != statement.rep_id:
        raise ValidationError("Only the rep raises a dispute about their statement.")
    line = next((ln for ln in statement.lines.all() if ln.key == key), None)
    if line is None:
        raise ValidationError("That line is not on this statement.")
    with transaction.atomic(durable=True):
        dispute = Dispute.objects.create(
            statement=statement, line_key=key, line_description=line.description,
            line_amount=line.amount, text=text.strip(), raised_by=by,
        )  # fmt: skip
        audit(dispute, "raised", by, after={"line": line.description, "text": dispute.text})
        manager = statement.rep.team.manager if statement.rep.team_id else None
        if manager:
            notify(user_id=manager.pk, kind=Notification.Kind.DISPUTE_RAISED,
                   message=f"{by} disputes “{line.description}”", url=statement.get_absolute_url(),
                   key=f"dispute:{dispute.pk}")  # fmt: skip
    return dispute


def dispute_answer(*, dispute: Dispute, accept: bool, answer: str, adjustment: Decimal | None,
                   by: User) -> Dispute:  # fmt: skip
    """The manager answers; an accepted dispute is paid as an adjustment line in the rep's
    first open period (the statement it is about, if still open)."""
    if not answer.strip():
        raise ValidationError({"answer": "Answer the rep in a sentence."})
    if accept and (adjustment is None or adjustment == 0):
        raise ValidationError({"adjustment": "Say what the rep is paid (or gives back) for it."})
    with transaction.atomic(durable=True):
        dispute = Dispute.objects.select_for_update().select_related("statement").get(pk=dispute.pk)
        if dispute.status != DisputeStatus.OPEN:
            raise ValidationError("This dispute is answered already.")
        statement = dispute.statement
        dispute.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
        dispute.answer, dispute.answered_by, dispute.answered_at = (
            answer.strip(),
            by,
            timezone.now(),
        )
        if accept:
            dispute.adjustment = cents(adjustment)
            dispute.paid_in_period = first_open_period(statement)
        dispute.save()
        audit(dispute, dispute.status, by, before={"status": "open"},
              after={"status": dispute.status, "answer": dispute.answer,
                     "adjustment": str(dispute.adjustment or ""),
                     "paid_in": str(dispute.paid_in_period or "")})  # fmt: skip
        notify(user_id=statement.rep_id, kind=Notification.Kind.DISPUTE_ANSWERED,
               message=f"Your dispute about “{dispute.line_description}” is {dispute.status}",
               url=statement.get_absolute_url(), key=f"dispute:{dispute.pk}:answer")  # fmt: skip
    if accept:
        paying = Statement.objects.filter(
            rep=statement.rep, period_start=dispute.paid_in_period
        ).first()
        if paying is not None and paying.is_open:
            statements_run(plan=paying.plan, start=paying.period_start, by=by)
    return dispute


def first_open_period(statement: Statement) -> date:
    """The rep's first draft period from ``statement``'s on, or the period after their last."""
    draft = (
        Statement.objects.filter(
            rep_id=statement.rep_id, status=StatementStatus.DRAFT,
            period_start__gte=statement.period_start,
        ).order_by("period_start").first()
    )  # fmt: skip
    if draft:
        return draft.period_start
    last = Statement.objects.filter(rep_id=statement.rep_id).order_by("-period_start").first()
    return periods.end_of(last.plan.period, last.period_start)


# --- Payroll ------------------------------------------------------------------------------


def payroll_export(*, start: date, by: User) -> PayrollBatch:
    """The locked statements of the period not paid yet, as one batch; exporting the same
    period again with nothing new gives the very same batch (so nothing is paid twice). A
    statement relocked at a new revision is paid the difference."""
    with transaction.atomic(durable=True):
        locked = list(
            Statement.objects.select_for_update()
            .filter(period_start=start, status=StatementStatus.LOCKED)
            .select_related("rep").order_by("rep__username", "pk")
        )  # fmt: skip
        paid: dict[int, Decimal] = defaultdict(Decimal)
        exported: set[tuple[int, int]] = set()
        batches = list(PayrollBatch.objects.filter(period_start=start).order_by("created_at", "pk"))
        for batch in batches:
            for row in batch.rows:
                paid[row["statement"]] += Decimal(row["amount"])
                exported.add((row["statement"], row["revision"]))
        rows = [
            {"statement": s.pk, "revision": s.revision, "rep": s.rep.username,
             "email": s.rep.email, "name": s.rep.get_full_name() or s.rep.username,
             "period": str(s.period_start), "currency": s.currency,
             "amount": str(s.total - paid[s.pk])}
            for s in locked if (s.pk, s.revision) not in exported
        ]  # fmt: skip
        if not rows:
            if batches:
                return batches[-1]
            raise ValidationError("No locked statement for that period yet.")
        digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:12]
        batch = PayrollBatch.objects.create(
            period_start=start, batch_id=f"PAY-{start:%Y%m}-{digest}", rows=rows,
            total=sum((Decimal(r["amount"]) for r in rows), ZERO), created_by=by,
        )  # fmt: skip
    return batch


# --- What-if ------------------------------------------------------------------------------


@dataclass
class Comparison:
    rep: User
    old: Decimal
    new: Decimal

    @property
    def difference(self) -> Decimal:
        return self.new - self.old


def what_if(*, draft: CommissionPlan, first: date, last: date) -> list[Comparison]:
    """Each of the draft plan's reps: what their current plans paid (or would pay) over the
    periods from ``first`` to ``last`` (at most twelve months), against what the draft
    would pay on the same records. Nothing is written."""
    if (last.year - first.year) * 12 + last.month - first.month >= 12:
        raise ValidationError("Compare twelve months at most.")
    reps = members(draft)
    versions = engine.plan_versions(draft)
    old: dict[int, Decimal] = defaultdict(Decimal)
    new: dict[int, Decimal] = defaultdict(Decimal)
    starts = periods.between(draft.period, first, last)
    for start in starts:
        end = periods.end_of(draft.period, start)
        results = engine.compute(draft, start, reps, end=end, versions=versions, detail=False,
                                 whole=True)  # fmt: skip
        for rep, result in results.items():
            new[rep] += result.total
        for plan, plan_reps in _current_plans(reps, start, end).items():
            results = engine.compute(plan, start, plan_reps, end=end, detail=False)
            for rep, result in results.items():
                old[rep] += result.total
    people = User.objects.in_bulk(reps)
    return sorted(
        (Comparison(people[rep], old[rep], new[rep]) for rep in reps),
        key=lambda c: (c.difference, c.rep.username),
    )


def _current_plans(reps: list[int], start: date, end: date) -> dict[CommissionPlan, list[int]]:
    """Which live or retired plan paid each rep during the period (none: they earned 0)."""
    found: dict[CommissionPlan, list[int]] = defaultdict(list)
    left = set(reps)
    plans = CommissionPlan.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=start),
        status__in=[PlanStatus.LIVE, PlanStatus.RETIRED], effective_from__lt=end,
    ).order_by("-effective_from")  # fmt: skip
    for plan in plans:
        mine = [rep for rep in members(plan) if rep in left]
        if mine:
            found[plan] = mine
            left -= set(mine)
    return found


def parse_amount(raw: str, field_name: str) -> Decimal:
    try:
        return decimal(raw, field=field_name)
    except ValueError as exc:
        raise ValidationError({field_name: str(exc)}) from None


@dataclass
class WhatIf:
    rows: list[Comparison]
    first: date
    last: date

    @property
    def old(self) -> Decimal:
        return sum((r.old for r in self.rows), ZERO)

    @property
    def new(self) -> Decimal:
        return sum((r.new for r in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.new - self.old

    @property
    def earning_less(self) -> list[Comparison]:
        return [r for r in self.rows if r.difference < 0]


def what_if_summary(*, draft: CommissionPlan, first: date, last: date) -> WhatIf:
    """``what_if`` with its totals: the cost of the change and who would earn less."""
    return WhatIf(what_if(draft=draft, first=first, last=last), first, last)


@dataclass
class PreviewRow:
    rep: User
    total: Decimal
    parts: list[tuple[str, Decimal]]


def plan_preview(*, plan: CommissionPlan, today: date) -> dict:
    """What the rules being edited (else the latest) would have paid each member over the
    last full period, on its records; nothing is written."""
    this = periods.start_of(plan.period, today)
    start = periods.start_of(plan.period, this - timedelta(days=1))
    version = editable_version(plan) or plan.versions.order_by("-effective_from", "-number").first()
    reps = members(plan)
    if version is None or not reps:
        return {"start": start, "label": periods.label(plan.period, start), "rows": [],
                "total": ZERO, "version": version}  # fmt: skip
    results = engine.compute(plan, start, reps, versions=[version], whole=True, detail=False)
    names = {r.pk: r.name for r in version.rules.all()}
    people = User.objects.in_bulk(reps)
    rows = []
    for rep in reps:
        result = results[rep]
        parts = [(names.get(line.rule_id) or line.description, line.amount)
                 for line in result.lines if line.amount]  # fmt: skip
        rows.append(PreviewRow(people[rep], result.total, parts))
    rows.sort(key=lambda r: (-r.total, r.rep.username))
    return {"start": start, "label": periods.label(plan.period, start), "rows": rows,
            "total": sum((r.total for r in rows), ZERO), "version": version}  # fmt: skip
