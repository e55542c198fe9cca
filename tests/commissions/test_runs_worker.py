"""A statement run someone asked for is computed by a real worker, once, even when its
message is lost and the minute sweep sends it again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commissions import services
from commissions.models import RunStatus, Statement, StatementRun
from tests.commissions.conftest import at, conversation
from tests.services import broker_unreachable, celery_worker, purge_queue, require_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_requested_run_lost_on_the_way_is_computed_once_by_a_worker(
    team, rep, admin_user, plan_for
):
    require_broker()
    purge_queue()
    plan = plan_for(("per_conversation", {"amount": "10.00"}), teams=[team])
    conversation(rep, when=at(2026, 10, 6, 10))
    conversation(rep, when=at(2026, 10, 7, 10))
    with broker_unreachable():  # the message is lost; the row stays
        run = services.statements_run_request(plan=plan, start=date(2026, 10, 1), by=admin_user)
    StatementRun.objects.filter(pk=run.pk).update(requested_at=run.requested_at.replace(year=2025))

    with celery_worker(name="runs"):
        assert services.statement_runs_resend() == 1
        services._run_send(run.pk)  # and a duplicate delivery
        wait_for(
            lambda: StatementRun.objects.filter(pk=run.pk, status=RunStatus.DONE).exists(),
            what="the worker to compute the run",
        )
    run.refresh_from_db()
    assert run.statements == 1
    statement = Statement.objects.get(rep=rep)
    # 2 × 10.00
    assert statement.total == Decimal("20.00") and statement.lines.count() == 2
