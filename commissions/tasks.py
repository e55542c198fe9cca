"""Thin Celery tasks: take ids, call a service."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from commissions import periods, services
from commissions.models import CommissionPlan, PlanStatus

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="commissions.statements_run", ignore_result=True, **RETRY)
def statements_run(plan_id: int, start: str) -> None:
    """One plan's statements for one period (its drafts are recomputed)."""
    plan = CommissionPlan.objects.filter(pk=plan_id).first()
    if plan is not None:
        services.statements_run(plan=plan, start=date.fromisoformat(start))


@shared_task(name=services.RUN_MESSAGE, ignore_result=True, **RETRY)
def statement_run(run_id: int) -> None:
    """A run someone asked for (``services.statements_run_request``), claimed under a lease."""
    services.statement_run_execute(run_id=run_id)


@shared_task(name="commissions.statement_runs_resend", ignore_result=True, **RETRY)
def statement_runs_resend() -> None:
    services.statement_runs_resend()


@shared_task(name="commissions.statements_refresh", ignore_result=True, **RETRY)
def statements_refresh() -> None:
    """Every night: the live plans' draft statements of this period and the last one, so
    they show what was done up to yesterday (approved and locked ones stay as they are)."""
    today = timezone.localdate()
    for plan in CommissionPlan.objects.filter(status=PlanStatus.LIVE):
        this = periods.start_of(plan.period, today)
        last = periods.start_of(plan.period, this - timedelta(days=1))
        for start in (last, this):
            if start >= periods.start_of(plan.period, plan.effective_from):
                services.statements_run(plan=plan, start=start)
