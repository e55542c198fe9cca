from __future__ import annotations

import zoneinfo
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from empathy_crm.access import Role
from people.demo import DEMO_PASSWORD
from people.models import Team, User


def test_seed_demo_is_idempotent_and_prints_the_logins(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    assert User.objects.count() == 5
    team = Team.objects.get()
    assert team.manager.username == "maria"
    assert sorted(u.username for u in team.members.all() if u.role is Role.REP) == [
        "lucas",
        "priya",
        "sam",
    ]
    admin = User.objects.get(username="admin")
    assert admin.role is Role.ADMIN and admin.is_staff
    assert admin.check_password(DEMO_PASSWORD)
    assert f"sam      / {DEMO_PASSWORD}" in out.getvalue()
    from concierge.models import FollowUp, Playbook
    from prospects.models import Conversation, Prospect

    # Thirteen people to show the everyday pages, and the insights story's (issue 13).
    assert Prospect.objects.exclude(source="Story").count() == 13 and Conversation.objects.exists()
    assert Playbook.objects.count() == 4
    sam_tasks = FollowUp.objects.filter(assignee__username="sam")
    assert sam_tasks.filter(status="due").exists(), "the demo queue has something overdue"
    from empathy_maps.models import EmpathyMap

    states = set(EmpathyMap.objects.values_list("status", flat=True))
    assert states == {"approved", "submitted", "returned", "draft"}
    from empathy_maps.models import Persona

    assert Persona.objects.get().members.count() == 12


def test_the_demo_headline_is_a_computed_uplift_with_intervals(db):
    from insights import selectors

    call_command("seed_demo", stdout=StringIO())
    page = selectors.insights_page(selectors.scope_for(User.objects.get(username="maria")))
    headline = page["headline"]
    assert not headline.small and not headline.did_small
    assert headline.change.startswith("+") and " to " in headline.interval
    assert float(headline.after_rate) > float(headline.before_rate)
    assert page["switched"], "the team's switch date, half a year before the seed"


def test_seed_demo_keeps_a_password_the_user_changed(db):
    call_command("seed_demo", stdout=StringIO())
    sam = User.objects.get(username="sam")
    sam.set_password("my-own-secret-phrase")
    sam.save()
    call_command("seed_demo", stdout=StringIO())
    sam.refresh_from_db()
    assert sam.check_password("my-own-secret-phrase")


@pytest.mark.parametrize(
    "moment",
    ["2026-11-22T02:07:00+01:00", "2026-11-23T08:00:00+00:00", "2026-11-18T23:59:00-08:00"],
    ids=["sunday night", "monday morning", "wednesday midnight in california"],
)
def test_demo_follow_ups_fall_inside_their_prospects_working_hours(db, clock, moment):
    clock.move_to(moment)
    call_command("seed_demo", stdout=StringIO())
    from concierge.models import FollowUp

    followups = list(FollowUp.objects.select_related("prospect"))
    assert any(t.status == "due" for t in followups), "the demo queue has something overdue"
    for followup in followups:
        local = followup.due_at.astimezone(zoneinfo.ZoneInfo(followup.prospect.timezone))
        assert local.weekday() < 5 and 9 <= local.hour < 17, (
            f"{followup} falls due at {local:%a %H:%M}"
        )


@pytest.mark.parametrize(
    "moment",
    [None, "2026-12-03T12:00:00+00:00", "2027-01-01T03:00:00+00:00"],
    ids=["mid-month", "early in a month", "new year in utc, not yet in chicago"],
)
def test_demo_commissions_tell_the_same_story_on_any_day(db, clock, moment):
    """Last month under Helping pays: one statement of each state, Sam kept whole by the old
    plan, Lucas topped up to the floor, Priya disputing a line; a second run adds nothing."""
    from commissions.models import (
        AuditEntry,
        CommissionPlan,
        Dispute,
        Statement,
        StatementLine,
    )
    from commissions.periods import start_of
    from prospects.models import Conversation, Opportunity

    if moment:
        clock.move_to(moment)
    call_command("seed_demo", stdout=StringIO())
    counts = [
        model.objects.count()
        for model in (CommissionPlan, Statement, StatementLine, Dispute, AuditEntry,
                      Opportunity, Conversation)
    ]  # fmt: skip
    call_command("seed_demo", stdout=StringIO())
    assert [
        model.objects.count()
        for model in (CommissionPlan, Statement, StatementLine, Dispute, AuditEntry,
                      Opportunity, Conversation)
    ] == counts  # fmt: skip

    old = CommissionPlan.objects.get(name="Old plan: percentage of won deals")
    helping = CommissionPlan.objects.get(name="Helping pays")
    assert (old.status, helping.status) == ("retired", "live")
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(helping.timezone)).date()
    last_month = start_of("month", start_of("month", today) - timedelta(days=1))
    assert helping.effective_from == last_month
    last = {
        s.rep.username: s
        for s in Statement.objects.filter(plan=helping, period_start=last_month)
        .select_related("rep")
        .prefetch_related("lines")
    }
    assert {name: s.status for name, s in last.items()} == {
        "sam": "draft",
        "priya": "approved",
        "lucas": "locked",
    }
    words = {name: [line.description for line in s.lines.all()] for name, s in last.items()}
    kept_whole = [w for w in words["sam"] if w.startswith("Paid under your previous plan: $")]
    assert kept_whole and kept_whole[0].endswith(" under Helping pays"), words["sam"]
    assert "Topped up to $1,000.00, the guaranteed floor" in words["lucas"]
    assert last["lucas"].total == Decimal("1000.00")
    assert not any(w.startswith("Topped up") for w in words["priya"] + words["sam"])

    dispute = Dispute.objects.get()
    assert dispute.status == "open" and dispute.raised_by.username == "priya"
    assert dispute.statement == last["priya"]
    assert dispute.line_key in {line.key for line in last["priya"].lines.all()}
    assert AuditEntry.objects.filter(action="raised", subject_id=dispute.pk).exists()
