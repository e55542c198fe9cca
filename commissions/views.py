"""Commission screens. Admins build plans (a form per kind of rule, a live preview on last
period, the what-if), run periods, lock statements and export payroll; managers approve their
team's statements, leave lines out with a reason and answer disputes; a rep reads "My
earnings", drills into each line and questions it."""

from __future__ import annotations

import csv
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from commissions import periods, rules, selectors, services
from commissions.forms import (
    DisputeAnswerForm,
    DisputeForm,
    EndForm,
    ExcludeForm,
    PeriodRangeForm,
    PlanForm,
    ReasonForm,
    RuleForm,
    RunForm,
    VersionForm,
)
from commissions.models import (
    CommissionPlan,
    Dispute,
    DisputeStatus,
    PayrollBatch,
    PlanVersion,
    RuleKind,
    Statement,
    StatementLine,
    StatementStatus,
)
from commissions.money import display
from empathy_crm.access import Role, may_review, role_required, sees_everyone
from empathy_crm.ids import parse_id
from people.models import Team
from prospects.imports import formula_escape

AUDIT_PAGE = 30


def fail(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- Plans (admins) -----------------------------------------------------------------------


@role_required(Role.ADMIN)
def plan_list(request):
    return render(request, "commissions/plan_list.html", {"plans": selectors.plans_overview()})


@role_required(Role.ADMIN)
def plan_create(request):
    form = PlanForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = services.plan_create(
                by=request.user,
                name=d["name"],
                period=d["period"],
                currency=d["currency"],
                timezone_name=d["timezone"],
                effective_from=d["effective_from"],
                effective_to=d["effective_to"],
                reps=d["extra_reps"],
                teams=d["teams"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Plan created as a draft. Now add its rules.")
            return redirect(plan)
    return render(request, "commissions/plan_form.html", {"form": form, "plan": None})


def plan_for(pk: int) -> CommissionPlan:
    return get_object_or_404(CommissionPlan, pk=pk)


@role_required(Role.ADMIN)
def plan_detail(request, pk: int):
    plan = plan_for(pk)
    editable = services.editable_version(plan)
    today = timezone.localdate()
    last_period = periods.start_of(plan.period, periods.start_of(plan.period, today) - timedelta(1))
    context = {
        "plan": plan,
        "versions": selectors.versions_with_rules(plan, with_sentences=True),
        "editable": editable,
        "editable_rules": _rule_rows(editable),
        "kinds": RuleKind.choices,
        "members": services.members(plan),
        "runs": selectors.recent_runs(plan),
        "version_form": VersionForm(initial={"effective_from": periods.end_of(plan.period, today)}),
        "end_form": EndForm(initial={"last_day": plan.effective_to}),
        "run_form": RunForm(initial={"period": periods.start_of(plan.period, today)}),
        "run_periods": _run_periods(plan, today),
        "preview_period": periods.label(plan.period, last_period),
        "what_if_form": _what_if_form(plan, today),
    }
    return render(request, "commissions/plan_detail.html", context)


def _rule_rows(version: PlanVersion | None) -> list[dict]:
    if version is None:
        return []
    rules_in = list(version.rules.all())
    return [
        {
            "index": n,
            "rule": rule,
            "sentence": rules.describe(rule.kind, rule.params, version.plan.currency),
            "first": n == 0,
            "last": n == len(rules_in) - 1,
        }
        for n, rule in enumerate(rules_in)
    ]


def _run_periods(plan: CommissionPlan, today) -> list[selectors.Period]:
    """The periods a run may be asked for: the plan's, up to the current one (newest first)."""
    last = min(today, plan.effective_to or today)
    starts = periods.between(plan.period, plan.effective_from, last)
    return [selectors.Period(start, plan.period) for start in reversed(starts[-12:])]


def _what_if_form(plan: CommissionPlan, today) -> PeriodRangeForm:
    last = periods.start_of("month", today) - timedelta(days=1)
    first = (last.replace(day=1) - timedelta(days=62)).replace(day=1)
    return PeriodRangeForm(initial={"first": first, "last": last.replace(day=1)})


@role_required(Role.ADMIN)
def plan_edit(request, pk: int):
    plan = plan_for(pk)
    form = PlanForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.plan_update(
                plan=plan,
                by=request.user,
                name=d["name"],
                currency=d.get("currency") or plan.currency,
                timezone_name=d.get("timezone") or plan.timezone,
                reps=d["extra_reps"],
                teams=d["teams"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Plan saved.")
            return redirect(plan)
    return render(request, "commissions/plan_form.html", {"form": form, "plan": plan})


def version_for(plan: CommissionPlan, version_pk: int) -> PlanVersion | None:
    """The version whose rules may change, or None (it has paid, or the plan is live and
    changes from a date): the caller says so and changes nothing."""
    version = get_object_or_404(PlanVersion, pk=version_pk, plan=plan)
    return version if services.editable_version(plan) == version else None


def history(request, plan: CommissionPlan):
    messages.error(
        request,
        "Those rules are history: they paid statements as they are. "
        "Change the rules from a date instead.",
    )
    return redirect(f"{plan.get_absolute_url()}#rules")


@role_required(Role.ADMIN)
def rule_add(request, pk: int, version_pk: int):
    """A form per kind of rule: ``?kind=`` chooses it (the plan page loads it in place)."""
    plan = plan_for(pk)
    version = version_for(plan, version_pk)
    if version is None:
        return history(request, plan)
    kind = request.POST.get("kind") or request.GET.get("kind", "")
    if kind not in RuleKind.values:
        raise Http404("No such kind of rule.")
    form = RuleForm(request.POST or None, plan=plan, kind=kind)
    return _rule_form(request, plan, version, form, None)


@role_required(Role.ADMIN)
def rule_edit(request, pk: int, version_pk: int, index: int):
    plan = plan_for(pk)
    version = version_for(plan, version_pk)
    if version is None:
        return history(request, plan)
    rules_now = list(version.rules.all())
    if index >= len(rules_now):
        raise Http404("That rule is gone.")
    rule = rules_now[index]
    if request.method == "POST":
        form = RuleForm(request.POST, plan=plan, kind=rule.kind)
    else:
        form = RuleForm.for_rule(plan=plan, kind=rule.kind, name=rule.name, params=rule.params)
    return _rule_form(request, plan, version, form, index)


def _rule_form(request, plan, version, form: RuleForm, index: int | None):
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(
                version=version,
                index=index,
                kind=form.kind,
                name=form.cleaned_data["name"],
                params=form.params,
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Rule saved: {form.kind_label}.")
            return redirect(plan)
    template = "commissions/rule_form.html"
    if request.htmx and request.method == "GET":
        template += "#rule-form"
    return render(
        request, template, {"plan": plan, "version": version, "form": form, "index": index}
    )


@role_required(Role.ADMIN)
@require_POST
def rule_remove(request, pk: int, version_pk: int, index: int):
    plan = plan_for(pk)
    version = version_for(plan, version_pk)
    if version is None:
        return history(request, plan)
    try:
        services.rule_remove(version=version, index=index, by=request.user)
    except ValidationError as exc:
        fail(request, exc)
    return redirect(plan)


@role_required(Role.ADMIN)
@require_POST
def rule_move(request, pk: int, version_pk: int, index: int, direction: str):
    plan = plan_for(pk)
    step = {"up": -1, "down": 1}.get(direction)
    version = version_for(plan, version_pk)
    if step is None:
        raise Http404
    if version is None:
        return history(request, plan)
    try:
        services.rule_move(version=version, index=index, step=step, by=request.user)
    except ValidationError as exc:
        fail(request, exc)
    return redirect(f"{plan.get_absolute_url()}#rules")


@role_required(Role.ADMIN)
@require_POST
def version_start(request, pk: int):
    plan = plan_for(pk)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            version = services.version_start(
                plan=plan,
                effective_from=form.cleaned_data["effective_from"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            fail(request, exc)
        else:
            messages.success(
                request,
                f"Version {version.number} starts on "
                f"{version.effective_from:%b %-d, %Y}, with the rules copied: change them below.",
            )
    else:
        messages.error(request, "Give the date the new rules start on, and what changes.")
    return redirect(plan)


@role_required(Role.ADMIN)
@require_POST
def plan_go_live(request, pk: int):
    plan = plan_for(pk)
    try:
        services.plan_go_live(plan=plan, by=request.user)
    except ValidationError as exc:
        fail(request, exc)
    else:
        messages.success(
            request, f"“{plan}” is live: it pays its reps from {plan.effective_from:%b %-d, %Y}."
        )
    return redirect(plan)


@role_required(Role.ADMIN)
@require_POST
def plan_end(request, pk: int):
    plan = plan_for(pk)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.plan_retire(plan=plan, last_day=form.cleaned_data["last_day"], by=request.user)
        except ValidationError as exc:
            fail(request, exc)
        else:
            messages.success(request, "End date saved.")
    else:
        messages.error(request, "Give the last day the plan pays for.")
    return redirect(plan)


@role_required(Role.ADMIN)
def plan_preview(request, pk: int):
    """What the plan's rules (those being edited) would have paid each member last period;
    nothing is written. The plan page loads it in place after each change."""
    plan = plan_for(pk)
    preview = services.plan_preview(plan=plan, today=timezone.localdate())
    template = "commissions/plan_preview.html"
    if request.htmx:
        template += "#preview"
    return render(request, template, {"plan": plan, "preview": preview})


@role_required(Role.ADMIN)
def plan_what_if(request, pk: int):
    """The plan against what its reps' current plans pay, over past periods."""
    plan = plan_for(pk)
    form = PeriodRangeForm(request.GET or None)
    comparison = None
    if form.is_bound and form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        try:
            comparison = services.what_if_summary(draft=plan, first=first, last=last)
        except ValidationError as exc:
            form.add_error(None, exc)
    elif not form.is_bound:
        form = _what_if_form(plan, timezone.localdate())
    return render(
        request, "commissions/what_if.html", {"plan": plan, "form": form, "comparison": comparison}
    )


@role_required(Role.ADMIN)
@require_POST
def plan_run(request, pk: int):
    plan = plan_for(pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a period.")
        return redirect(plan)
    try:
        run = services.statements_run_request(
            plan=plan, start=form.cleaned_data["period"], by=request.user
        )
    except ValidationError as exc:
        fail(request, exc)
        return redirect(plan)
    label = periods.label(plan.period, run.period_start)
    messages.success(
        request, f"Statements for {label} are being computed; this page shows when they are ready."
    )
    return redirect(f"{plan.get_absolute_url()}#runs")


@role_required(Role.ADMIN)
def plan_runs(request, pk: int):
    """The plan's recent runs (polled by the plan page while one is under way)."""
    plan = plan_for(pk)
    template = "commissions/plan_detail.html#runs" if request.htmx else "commissions/runs.html"
    return render(request, template, {"plan": plan, "runs": selectors.recent_runs(plan)})


@role_required(Role.ADMIN)
def audit_trail(request):
    subject_type = request.GET.get("type", "")
    raw_id = request.GET.get("id", "")
    entries = selectors.audit_entries(
        subject_type=subject_type if subject_type in AUDIT_TYPES else "",
        subject_id=parse_id(raw_id),
    )
    page = Paginator(entries, AUDIT_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    urls = selectors.subject_urls(rows)
    items = [
        {
            "entry": e,
            "changes": selectors.audit_changes(e),
            "url": urls.get(e.pk),
            "subject": selectors.subject_label(e),
        }
        for e in rows
    ]
    query = "&".join(f"{k}={v}" for k, v in (("type", subject_type), ("id", raw_id)) if v)
    return render(
        request,
        "commissions/audit.html",
        {
            "page": page,
            "items": items,
            "types": AUDIT_TYPES,
            "type": subject_type,
            "query": query,
        },
    )


AUDIT_TYPES = {"commissionplan": "Plans", "statement": "Statements", "dispute": "Disputes"}


# --- Statements ---------------------------------------------------------------------------


@role_required(Role.MANAGER, Role.ADMIN)
def statement_list(request):
    """A period's statements of the team (an admin: of a team, or every team)."""
    visible = Statement.objects.visible_to(request.user)
    teams = list(Team.objects.visible_to(request.user)) if sees_everyone(request.user) else []
    team = next((t for t in teams if str(t.pk) == request.GET.get("team")), None)
    if team is not None:
        visible = visible.filter(rep__team=team)
    options = selectors.periods_with_statements(visible)
    today = timezone.localdate()
    period = selectors.chosen_period(options, request.GET.get("period"), today, ended=True)
    statements = selectors.period_statements(visible, period.start) if period else []
    for s in statements:
        s.may_approve = s.status == StatementStatus.DRAFT and may_review(
            request.user, owner_id=s.rep_id, owner_team_id=s.rep.team_id
        )
    return render(
        request,
        "commissions/statement_list.html",
        {
            "period": period,
            "periods": options,
            "statements": statements,
            "summary": selectors.period_summary(statements),
            "teams": teams,
            "team": team,
            "approvable": sum(1 for s in statements if s.may_approve),
            "lockable": sees_everyone(request.user)
            and any(s.status == StatementStatus.APPROVED for s in statements),
        },
    )


@role_required(Role.MANAGER, Role.ADMIN)
@require_POST
def statements_approve(request):
    """Approve every draft of the period the user may approve (the list's button)."""
    period = request.POST.get("period", "")
    drafts = (
        Statement.objects.visible_to(request.user)
        .filter(period_start=period if _is_date(period) else None, status=StatementStatus.DRAFT)
        .select_related("rep")
    )
    done = 0
    for statement in drafts:
        if may_review(request.user, owner_id=statement.rep_id, owner_team_id=statement.rep.team_id):
            try:
                services.statement_approve(statement=statement, by=request.user)
                done += 1
            except ValidationError:
                continue
    messages.success(request, f"{done} statement{'s' if done != 1 else ''} approved.")
    return redirect(f"{reverse('commissions:statement_list')}?period={period}")


def _is_date(raw: str) -> bool:
    try:
        return bool(timezone.datetime.fromisoformat(raw))
    except ValueError:
        return False


def statement_context(request, statement: Statement, *, group: str | None = None) -> dict:
    user = request.user
    reviewer = may_review(user, owner_id=statement.rep_id, owner_team_id=statement.rep.team_id)
    disputes = list(statement.disputes.select_related("raised_by", "answered_by"))
    return {
        "statement": statement,
        "period_label": periods.label(statement.plan.period, statement.period_start),
        "groups": selectors.line_groups(statement, with_lines=group),
        "protections": selectors.protections(statement),
        "open_group": group,
        "is_rep": user.pk == statement.rep_id,
        "reviewer": reviewer,
        "may_exclude": reviewer and statement.status == StatementStatus.DRAFT,
        "may_lock": sees_everyone(user) and statement.status == StatementStatus.APPROVED,
        "may_unlock": sees_everyone(user) and statement.status == StatementStatus.LOCKED,
        "disputes": disputes,
        "disputed_keys": {d.line_key for d in disputes if d.status == DisputeStatus.OPEN},
        "revisions": list(statement.revisions.select_related("unlocked_by")),
        "trail": list(
            selectors.audit_entries(subject_type="statement", subject_id=statement.pk)[:20]
        ),
        "answer_form": DisputeAnswerForm(),
    }


def statement_get(request, pk: int) -> Statement:
    statement = selectors.statement_for(Statement.objects.visible_to(request.user), pk=pk)
    if statement is None:
        raise Http404
    return statement


@login_required
def statement_detail(request, pk: int):
    """A statement grouped by rule; ``?group=`` opens one group's lines (in place with
    htmx, ``all`` for every line)."""
    statement = statement_get(request, pk)
    group = request.GET.get("group") or None
    context = statement_context(request, statement, group=group)
    template = "commissions/statement_detail.html"
    if request.htmx and group:
        context["group"] = next((g for g in context["groups"] if g.key == group), None)
        if context["group"] is None:
            raise Http404
        context["mine"] = context["is_rep"] and request.GET.get("mine") == "1"
        template = "commissions/_statement.html#group"
    return render(request, template, context)


@login_required
def my_earnings(request):
    """A rep's own statements: the period asked for, else the latest that has begun."""
    mine = Statement.objects.filter(rep=request.user)
    options = selectors.periods_with_statements(mine)
    period = selectors.chosen_period(options, request.GET.get("period"), timezone.localdate())
    statement = selectors.statement_for(mine, period_start=period.start) if period else None
    context = {"periods": options, "period": period, "mine": True}
    if statement is not None:
        group = request.GET.get("group") or None
        context.update(statement_context(request, statement, group=group))
    return render(request, "commissions/my_earnings.html", context)


@login_required
def line_source(request, pk: int, line_pk: int):
    """Drill down from a line to the conversation, follow-up or opportunity it paid for."""
    statement = statement_get(request, pk)
    line = get_object_or_404(StatementLine, pk=line_pk, statement=statement)
    url = selectors.source_url(line)
    if url is None:
        messages.info(request, "That record is gone; the line shows what it paid on.")
        return redirect(statement)
    return redirect(url)


def _back(request, statement: Statement):
    if request.POST.get("next") == "earnings":
        return redirect(f"{reverse('commissions:my_earnings')}?period={statement.period_start}")
    return redirect(statement)


def reviewable(request, pk: int) -> Statement:
    statement = statement_get(request, pk)
    if not may_review(request.user, owner_id=statement.rep_id, owner_team_id=statement.rep.team_id):
        raise Http404
    return statement


@login_required
@require_POST
def statement_approve(request, pk: int):
    statement = reviewable(request, pk)
    try:
        services.statement_approve(statement=statement, by=request.user)
    except ValidationError as exc:
        fail(request, exc)
    else:
        messages.success(
            request,
            f"Approved: {statement.rep}'s statement, "
            f"{display(statement.total, statement.currency)}.",
        )
    return redirect(statement)


@role_required(Role.ADMIN)
@require_POST
def statement_lock(request, pk: int):
    statement = statement_get(request, pk)
    try:
        services.statement_lock(statement=statement, by=request.user)
    except ValidationError as exc:
        fail(request, exc)
    else:
        messages.success(request, "Locked: its figures are final.")
    return redirect(statement)


@role_required(Role.ADMIN)
@require_POST
def statement_unlock(request, pk: int):
    statement = statement_get(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the statement is unlocked.")
        return redirect(statement)
    try:
        services.statement_unlock(
            statement=statement, reason=form.cleaned_data["reason"], by=request.user
        )
    except ValidationError as exc:
        fail(request, exc)
    else:
        messages.success(request, "Unlocked: back to draft. What it said is kept as a revision.")
    return redirect(statement)


@login_required
@require_POST
def line_exclude(request, pk: int):
    statement = reviewable(request, pk)
    form = ExcludeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the line is left out.")
        return redirect(statement)
    line = get_object_or_404(StatementLine, pk=form.cleaned_data["line"], statement=statement)
    try:
        services.line_exclude(
            statement=statement, key=line.key, reason=form.cleaned_data["reason"], by=request.user
        )
    except ValidationError as exc:
        fail(request, exc)
    else:
        messages.success(request, f"Left out: {line.description}.")
    return redirect(
        f"{statement.get_absolute_url()}?group={_group_key(line)}#group-{_group_key(line)}"
    )


def _group_key(line: StatementLine) -> str:
    return str(line.rule_id) if line.rule_id else line.kind


@login_required
@require_POST
def dispute_raise(request, pk: int):
    statement = statement_get(request, pk)
    if statement.rep_id != request.user.pk:
        raise Http404
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what is wrong with the line.")
        return _back(request, statement)
    line = get_object_or_404(StatementLine, pk=form.cleaned_data["line"], statement=statement)
    try:
        services.dispute_raise(
            statement=statement, key=line.key, text=form.cleaned_data["text"], by=request.user
        )
    except ValidationError as exc:
        fail(request, exc)
    else:
        messages.success(
            request, "Your question is with your manager; you'll hear back in your inbox."
        )
    return _back(request, statement)


@login_required
@require_POST
def dispute_answer(request, pk: int, dispute_pk: int):
    statement = reviewable(request, pk)
    dispute = get_object_or_404(Dispute, pk=dispute_pk, statement=statement)
    form = DisputeAnswerForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(f"{statement.get_absolute_url()}#disputes")
    d = form.cleaned_data
    try:
        services.dispute_answer(
            dispute=dispute,
            accept=d["decision"] == "accept",
            answer=d["answer"],
            adjustment=d.get("adjustment"),
            by=request.user,
        )
    except ValidationError as exc:
        fail(request, exc)
    else:
        messages.success(request, "Answered; the rep is told in their inbox.")
    return redirect(f"{statement.get_absolute_url()}#disputes")


# --- Payroll (admins) ---------------------------------------------------------------------


@role_required(Role.ADMIN)
def payroll(request):
    options = selectors.periods_with_statements(Statement.objects.all())
    today = timezone.localdate()
    period = selectors.chosen_period(options, request.GET.get("period"), today, ended=True)
    statements = (
        selectors.period_statements(Statement.objects.all(), period.start) if period else []
    )
    batches = list(PayrollBatch.objects.filter(period_start=period.start)) if period else []
    return render(
        request,
        "commissions/payroll.html",
        {
            "periods": options,
            "period": period,
            "summary": selectors.period_summary(statements),
            "locked": [s for s in statements if s.status == StatementStatus.LOCKED],
            "not_locked": [s for s in statements if s.status != StatementStatus.LOCKED],
            "batches": batches,
        },
    )


@role_required(Role.ADMIN)
@require_POST
def payroll_lock(request):
    """Lock every approved statement of the period."""
    period = request.POST.get("period", "")
    approved = Statement.objects.filter(
        period_start=period if _is_date(period) else None, status=StatementStatus.APPROVED
    )
    done = 0
    for statement in approved:
        try:
            services.statement_lock(statement=statement, by=request.user)
            done += 1
        except ValidationError:
            continue
    messages.success(request, f"{done} statement{'s' if done != 1 else ''} locked.")
    return redirect(f"{reverse('commissions:payroll')}?period={period}")


@role_required(Role.ADMIN)
@require_POST
def payroll_export(request):
    period = request.POST.get("period", "")
    if not _is_date(period):
        raise Http404
    try:
        batch = services.payroll_export(
            start=timezone.datetime.fromisoformat(period).date(), by=request.user
        )
    except ValidationError as exc:
        fail(request, exc)
        return redirect(f"{reverse('commissions:payroll')}?period={period}")
    return redirect("commissions:payroll_download", batch_id=batch.batch_id)


@role_required(Role.ADMIN)
def payroll_download(request, batch_id: str):
    """The batch as CSV: the same file every time it is downloaded."""
    batch = get_object_or_404(PayrollBatch, batch_id=batch_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.batch_id}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "batch_id",
            "statement",
            "revision",
            "rep",
            "email",
            "name",
            "period",
            "currency",
            "amount",
        ]
    )
    for row in batch.rows:
        writer.writerow(
            [
                batch.batch_id,
                row["statement"],
                row["revision"],
                *(formula_escape(row[k]) for k in ("rep", "email", "name")),
                row["period"],
                row["currency"],
                row["amount"],
            ]
        )
    return response
