"""Commission scenarios: a plan, its rules, and the records they pay for, built in a line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from commissions import periods, services
from commissions.models import Statement
from prospects.models import Opportunity
from tests.factories import ConversationFactory, FollowUpFactory, ProspectFactory


@pytest.fixture
def plan_for(admin_user):
    """plan_for(rep, (kind, params), ..., period="month", tz="UTC", start=...) -> a live plan."""

    def make(*rules, reps=(), teams=(), period="month", tz="UTC", start=date(2026, 1, 1),
             end=None, name="Helping pays", live=True):  # fmt: skip
        plan = services.plan_create(
            by=admin_user, name=name, period=period, currency="EUR", timezone_name=tz,
            effective_from=start, effective_to=end, reps=reps, teams=teams,
            rules_in=[(kind, "", params) for kind, params in rules],
        )  # fmt: skip
        if live:
            services.plan_go_live(plan=plan, by=admin_user)
        return plan

    return make


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def conversation(rep, prospect=None, *, when, help_given="Answered their question"):
    prospect = prospect or ProspectFactory(owner=rep)
    return ConversationFactory(prospect=prospect, rep=rep, occurred_at=when, help_given=help_given)


def followup_done(rep, *, due, done, eye="It saves them a week", kind="send_resource"):
    return FollowUpFactory(prospect=ProspectFactory(owner=rep), assignee=rep, kind=kind,
                           due_at=due, completed_at=done, status="done", receivers_eye=eye,
                           outcome="help_welcomed")  # fmt: skip


def won(rep, amount, closed_on, *, name=None, sourced=False):
    prospect = ProspectFactory(owner=rep)
    talk = (
        conversation(rep, prospect, when=at(closed_on.year, closed_on.month, 1))
        if sourced
        else None
    )
    return Opportunity.objects.create(
        account=prospect.account, prospect=prospect, owner=rep, name=name or f"Deal {amount}",
        amount=Decimal(amount), status="won", opened_on=closed_on, closed_on=closed_on,
        source_conversation=talk,
    )  # fmt: skip


def person(rep, first: str, last: str):
    """A prospect of ``rep``'s with a name the statement lines can be checked against."""
    return ProspectFactory(owner=rep, first_name=first, last_name=last)


def statement_for(plan, rep, start: date) -> Statement:
    """Run ``plan``'s statements for the period holding ``start`` and give ``rep``'s."""
    services.statements_run(plan=plan, start=start)
    return Statement.objects.get(rep=rep, period_start=periods.start_of(plan.period, start))


def paid(statement: Statement) -> list[tuple[str, Decimal]]:
    """What the statement pays, line by line (left-out lines not shown)."""
    return [(ln.description, ln.amount) for ln in statement.lines.filter(excluded=False)]


def settle(statement: Statement, manager) -> Statement:
    """A manager approves and locks the statement."""
    services.statement_approve(statement=statement, by=manager)
    services.statement_lock(statement=statement, by=manager)
    statement.refresh_from_db()
    return statement
