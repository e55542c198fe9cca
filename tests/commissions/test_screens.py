"""The commission screens as their users meet them: the admin builds and runs a plan, the
manager approves and answers, the rep reads their earnings and questions a line."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from commissions import services
from commissions.models import (
    AuditEntry,
    CommissionPlan,
    CommissionRule,
    Dispute,
    PayrollBatch,
    RunStatus,
    Statement,
    StatementLine,
    StatementRun,
)
from tests.commissions.conftest import at, conversation, won
from tests.factories import make_rep

OCTOBER = date(2026, 10, 1)


@pytest.fixture
def paid(team, rep, teammate, manager, admin_user, plan_for):
    """A live plan paying the team: October's records computed into draft statements."""
    plan = plan_for(
        ("per_conversation", {"amount": "10.00"}),
        ("won_percent", {"rate": "5"}),
        ("floor", {"amount": "100.00"}),
        teams=[team],
    )
    dana = conversation(rep, when=at(2026, 10, 6, 10)).prospect
    conversation(rep, dana, when=at(2026, 10, 7, 10))
    won(rep, "3000.00", date(2026, 10, 20), name="Brightpath rollout")
    conversation(teammate, when=at(2026, 10, 8, 10))
    services.statements_run(plan=plan, start=OCTOBER)
    return plan


def statement_of(user) -> Statement:
    return Statement.objects.get(rep=user, period_start=OCTOBER)


# --- The rep ------------------------------------------------------------------------------


def test_my_earnings_shows_the_statement_by_rule_with_its_total(client, rep, paid):
    client.force_login(rep)
    page = client.get(reverse("commissions:my_earnings"), {"period": "2026-10-01"}).text
    # 2 × 10.00 + 5% of 3,000.00 = 170.00, above the 100.00 floor
    assert "€170.00" in page
    assert "Per helpful conversation (version 1)" in page and "€20.00" in page
    assert "Percentage of won amount (version 1)" in page and "€150.00" in page
    assert "2 lines" in page


def test_a_group_opens_in_place_with_what_each_line_paid_on(client, rep, paid):
    client.force_login(rep)
    rule = CommissionRule.objects.get(kind="won_percent")
    url = reverse("commissions:statement_detail", args=[statement_of(rep).pk])
    fragment = client.get(url, {"group": rule.pk}, HTTP_HX_REQUEST="true").text
    assert "<html" not in fragment and "Show lines" not in fragment
    assert "Won: Brightpath rollout" in fragment
    assert "Won amount: €3,000.00" in fragment and "5% of €3,000.00" in fragment


def test_a_line_drills_down_to_the_record_it_paid_for(client, rep, paid):
    client.force_login(rep)
    line = StatementLine.objects.get(statement=statement_of(rep), kind="won_percent")
    response = client.get(reverse("commissions:line_source", args=[line.statement_id, line.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#opportunity-{line.source_id}")
    page = client.get(response["Location"]).text
    assert f'id="opportunity-{line.source_id}"' in page


def test_the_floor_tops_a_quiet_month_up_and_says_so(client, teammate, paid):
    client.force_login(teammate)
    page = client.get(reverse("commissions:my_earnings"), {"period": "2026-10-01"}).text
    # 1 × 10.00 = 10.00 paid, topped up by 90.00 to the floor of 100.00
    assert "€100.00" in page
    assert "Topped up to €100.00, the guaranteed floor" in page


def test_a_rep_questions_a_line_and_the_manager_hears_of_it(client, rep, manager, paid):
    client.force_login(rep)
    statement = statement_of(rep)
    line = statement.lines.get(kind="won_percent")
    response = client.post(
        reverse("commissions:dispute_raise", args=[statement.pk]),
        {"line": line.pk, "text": "The deal was 3,200, not 3,000", "next": "earnings"},
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert dispute.line_description == "Won: Brightpath rollout" and dispute.raised_by == rep
    assert manager.notifications.filter(kind="dispute_raised").exists()


def test_a_rep_never_sees_a_teammates_statement(client, rep, teammate, paid):
    client.force_login(rep)
    theirs = statement_of(teammate)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    line = theirs.lines.first()
    source = reverse("commissions:line_source", args=[theirs.pk, line.pk])
    assert client.get(source).status_code == 404
    assert client.get(reverse("commissions:statement_list")).status_code == 403


def test_a_rep_cannot_question_someone_elses_line_nor_approve_their_own(client, rep, manager, paid):
    mine = statement_of(rep)
    client.force_login(rep)
    response = client.post(reverse("commissions:statement_approve", args=[mine.pk]))
    assert response.status_code == 404
    assert statement_of(rep).status == "draft"
    client.force_login(manager)
    line = mine.lines.first()
    client.post(
        reverse("commissions:dispute_raise", args=[mine.pk]),
        {"line": line.pk, "text": "Not mine to ask"},
    )
    assert not Dispute.objects.exists()


def test_my_earnings_without_a_plan_says_what_will_come(client, rep):
    client.force_login(rep)
    page = client.get(reverse("commissions:my_earnings")).text
    assert "No statement yet" in page


# --- The manager --------------------------------------------------------------------------


def test_the_manager_sees_the_teams_statements_and_approves_them_all(
    client, manager, rep, teammate, paid
):
    outsider_plan_rep = make_rep(None, username="loner")
    client.force_login(manager)
    page = client.get(reverse("commissions:statement_list"), {"period": "2026-10-01"}).text
    assert str(rep) in page and str(teammate) in page and "loner" not in page
    assert "Approve all 2 drafts" in page
    client.post(reverse("commissions:statements_approve"), {"period": "2026-10-01"})
    assert set(Statement.objects.values_list("status", flat=True)) == {"approved"}
    assert rep.notifications.filter(kind="statement_approved").exists()
    assert outsider_plan_rep.statements.count() == 0


def test_the_manager_leaves_a_line_out_with_a_reason_and_the_total_follows(
    client, manager, rep, paid
):
    client.force_login(manager)
    statement = statement_of(rep)
    line = statement.lines.filter(kind="per_conversation").first()
    response = client.post(
        reverse("commissions:line_exclude", args=[statement.pk]),
        {"line": line.pk, "reason": "Logged twice by mistake"},
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    # 170.00 - 10.00
    assert statement.total == Decimal("160.00")
    left_out = statement.lines.get(excluded=True)
    assert left_out.exclusion_reason == "Logged twice by mistake"
    assert AuditEntry.objects.filter(action="line left out", subject_id=statement.pk).exists()


def test_leaving_a_line_out_needs_a_reason(client, manager, rep, paid):
    client.force_login(manager)
    statement = statement_of(rep)
    line = statement.lines.first()
    response = client.post(
        reverse("commissions:line_exclude", args=[statement.pk]),
        {"line": line.pk, "reason": "  "},
        follow=True,
    )
    assert "Say why the line is left out." in response.text
    assert not StatementLine.objects.filter(excluded=True).exists()


def test_an_accepted_dispute_is_paid_as_a_line_in_the_open_period(client, manager, rep, paid):
    statement = statement_of(rep)
    line = statement.lines.get(kind="won_percent")
    dispute = services.dispute_raise(statement=statement, key=line.key, text="It was 3,200", by=rep)
    client.force_login(manager)
    response = client.post(
        reverse("commissions:dispute_answer", args=[statement.pk, dispute.pk]),
        {"decision": "accept", "answer": "Right, the amount was corrected", "adjustment": "10.00"},
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    # 170.00 + 10.00, paid in this same (still open) period
    assert statement.total == Decimal("180.00")
    assert statement.lines.get(kind="dispute").description.startswith("Dispute accepted")
    assert rep.notifications.filter(kind="dispute_answered").exists()


def test_accepting_a_dispute_without_an_amount_is_refused_beside_the_field(
    client, manager, rep, paid
):
    statement = statement_of(rep)
    line = statement.lines.first()
    dispute = services.dispute_raise(statement=statement, key=line.key, text="?", by=rep)
    client.force_login(manager)
    response = client.post(
        reverse("commissions:dispute_answer", args=[statement.pk, dispute.pk]),
        {"decision": "accept", "answer": "Yes"},
        follow=True,
    )
    assert "Say what the rep is paid for it." in response.text
    assert Dispute.objects.get().status == "open"


def test_another_manager_cannot_approve_or_answer(client, other_manager, rep, paid):
    statement = statement_of(rep)
    client.force_login(other_manager)
    assert (
        client.post(reverse("commissions:statement_approve", args=[statement.pk])).status_code
        == 404
    )
    page = client.get(reverse("commissions:statement_list")).text
    assert str(rep) not in page


# --- The admin ----------------------------------------------------------------------------


def test_the_admin_builds_a_plan_rule_by_rule(client, admin_user, team, rep):
    client.force_login(admin_user)
    response = client.post(
        reverse("commissions:plan_create"),
        {
            "name": "Helping pays",
            "period": "month",
            "currency": "EUR",
            "timezone": "Europe/Berlin",
            "effective_from": "2026-12-01",
            "teams": [team.pk],
            "extra_reps": "",
        },
    )
    plan = CommissionPlan.objects.get(name="Helping pays")
    assert response["Location"] == plan.get_absolute_url()
    version = plan.versions.get()
    add = reverse("commissions:rule_add", args=[plan.pk, version.pk])
    client.post(add, {"kind": "per_conversation", "amount": "12.50"})
    client.post(
        add,
        {
            "kind": "won_percent",
            "won_mode": "tiers",
            "quota": "10000",
            "tier_1_up_to": "100",
            "tier_1_rate": "4",
            "tier_2_rate": "8",
        },
    )
    client.post(add, {"kind": "floor", "floor_mode": "fixed", "amount": "500"})
    assert list(version.rules.values_list("kind", "params")) == [
        ("per_conversation", {"amount": "12.50"}),
        (
            "won_percent",
            {
                "quota": "10000.00",
                "tiers": [{"up_to": "100", "rate": "4"}, {"up_to": None, "rate": "8"}],
            },
        ),
        ("floor", {"amount": "500.00"}),
    ]
    page = client.get(plan.get_absolute_url()).text
    assert "€12.50 per helpful conversation" in page and "Make it live" in page


def test_a_bad_rule_is_refused_beside_its_field_and_nothing_is_saved(
    client, admin_user, rep, plan_for
):
    plan = plan_for(("cap", {"amount": "1000"}), reps=[rep], live=False)
    version = plan.versions.get()
    client.force_login(admin_user)
    add = reverse("commissions:rule_add", args=[plan.pk, version.pk])
    page = client.post(add, {"kind": "per_followup", "amount": "-5"}).text
    assert "It can&#x27;t be negative." in page
    page = client.post(
        add,
        {
            "kind": "won_percent",
            "won_mode": "tiers",
            "quota": "1000",
            "tier_1_up_to": "100",
            "tier_1_rate": "4",
            "tier_2_up_to": "80",
            "tier_2_rate": "6",
            "tier_3_rate": "8",
        },
    ).text
    assert "Tier 2 overlaps the one before" in page
    page = client.post(add, {"kind": "floor", "floor_mode": "fixed", "amount": "2000"}).text
    assert "is above the cap" in page
    assert list(version.rules.values_list("kind", flat=True)) == ["cap"]


def test_a_live_plans_rules_change_only_from_a_date(client, admin_user, paid):
    client.force_login(admin_user)
    first = paid.versions.get()
    page = client.get(paid.get_absolute_url()).text
    assert "Change the rules from a date" in page
    add = reverse("commissions:rule_add", args=[paid.pk, first.pk])
    response = client.post(add, {"kind": "cap", "amount": "900"}, follow=True)
    assert "Those rules are history" in response.text and first.rules.count() == 3
    client.post(
        reverse("commissions:version_start", args=[paid.pk]),
        {"effective_from": "2026-12-01", "note": "A cap for the holidays"},
    )
    second = paid.versions.get(number=2)
    assert second.rules.count() == 3  # copied from version 1
    add = reverse("commissions:rule_add", args=[paid.pk, second.pk])
    client.post(add, {"kind": "cap", "amount": "900"})
    assert list(second.rules.values_list("kind", flat=True))[-1] == "cap"
    assert first.rules.count() == 3


def test_the_preview_shows_last_period_on_the_rules_being_edited(client, admin_user, rep, paid):
    client.force_login(admin_user)
    fragment = client.get(
        reverse("commissions:plan_preview", args=[paid.pk]), HTTP_HX_REQUEST="true"
    ).text
    assert "October 2026" in fragment and "€170.00" in fragment
    assert not Statement.objects.filter(period_start=date(2026, 11, 1)).exists()


def test_the_what_if_marks_who_would_earn_less_and_writes_nothing(
    client, admin_user, team, rep, teammate, paid, plan_for
):
    draft = plan_for(
        ("per_conversation", {"amount": "50.00"}),
        teams=[team],
        live=False,
        name="Conversations only",
        start=date(2027, 1, 1),
    )
    client.force_login(admin_user)
    before = (Statement.objects.count(), StatementLine.objects.count())
    page = client.get(
        reverse("commissions:plan_what_if", args=[draft.pk]),
        {"first": "2026-10", "last": "2026-10"},
    ).text
    # rep: now 170.00, under the draft 2 × 50.00 = 100.00 -> -70.00
    # teammate: now 100.00 (the floor), under the draft 50.00 -> -50.00
    assert "-€70.00" in page and "-€50.00" in page
    assert '2</div><div class="stat-label">reps would earn less' in page
    assert (Statement.objects.count(), StatementLine.objects.count()) == before


def test_the_what_if_refuses_more_than_twelve_months(client, admin_user, paid):
    client.force_login(admin_user)
    page = client.get(
        reverse("commissions:plan_what_if", args=[paid.pk]), {"first": "2025-01", "last": "2026-06"}
    ).text
    assert "Compare twelve months at most." in page


def test_running_a_period_is_a_row_a_worker_claims_once(
    client, admin_user, rep, paid, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    Statement.objects.all().delete()
    with django_capture_on_commit_callbacks() as sent:
        client.post(reverse("commissions:plan_run", args=[paid.pk]), {"period": "2026-10-01"})
    run = StatementRun.objects.get()
    assert run.status == RunStatus.QUEUED and len(sent) == 1
    assert services.statement_run_execute(run_id=run.pk) is True
    assert services.statement_run_execute(run_id=run.pk) is False  # delivered twice: once
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.statements == 2
    assert statement_of(rep).total == Decimal("170.00")


def test_a_run_whose_message_was_lost_is_sent_again(clock, admin_user, paid):
    services.statements_run_request(plan=paid, start=OCTOBER, by=admin_user)
    assert services.statement_runs_resend() == 0  # just asked: its message is on its way
    clock.shift(120)
    assert services.statement_runs_resend() == 1


def test_payroll_export_twice_is_the_same_file_and_pays_nothing_twice(
    client, admin_user, manager, rep, teammate, paid
):
    for statement in Statement.objects.all():
        services.statement_approve(statement=statement, by=manager)
    client.force_login(admin_user)
    client.post(reverse("commissions:payroll_lock"), {"period": "2026-10-01"})
    assert set(Statement.objects.values_list("status", flat=True)) == {"locked"}
    first = client.post(
        reverse("commissions:payroll_export"), {"period": "2026-10-01"}, follow=True
    )
    second = client.post(
        reverse("commissions:payroll_export"), {"period": "2026-10-01"}, follow=True
    )
    assert first.content == second.content
    rows = list(csv.DictReader(io.StringIO(first.content.decode())))
    assert sorted((r["rep"], r["amount"]) for r in rows) == [
        (rep.username, "170.00"),
        (teammate.username, "100.00"),
    ]
    assert PayrollBatch.objects.count() == 1


def test_the_audit_trail_says_who_changed_what(client, admin_user, manager, rep, paid):
    services.statement_approve(statement=statement_of(rep), by=manager)
    client.force_login(admin_user)
    page = client.get(reverse("commissions:audit_trail")).text
    assert "Approved" in page and str(manager) in page
    assert "Created" in page and "Per helpful conversation: 10.00 per helpful conversation" in page


# --- Query counts, constant in data size --------------------------------------------------


def test_my_earnings_costs_the_same_queries_however_long_the_statement(
    client, rep, paid, django_assert_num_queries, session_queries
):
    client.force_login(rep)
    url = reverse("commissions:my_earnings")
    client.get(url)  # warm the session
    # user and role; the rep's periods; the statement; its disputes; the group sums; the
    # rules of the groups; the protections (floor, cap, hold-harmless); revisions; the
    # statement's history; the follow-up badge; the unread notices (bell)
    expected = session_queries + 11
    with django_assert_num_queries(expected):
        client.get(url, {"period": "2026-10-01"})
    for day in range(1, 28):
        conversation(rep, when=at(2026, 10, day, 12))
    services.statements_run(plan=paid, start=OCTOBER)
    with django_assert_num_queries(expected):
        client.get(url, {"period": "2026-10-01"})


def test_the_period_list_costs_the_same_queries_for_a_bigger_team(
    client, team, manager, paid, django_assert_num_queries, session_queries
):
    client.force_login(manager)
    url = reverse("commissions:statement_list")
    client.get(url)
    # user and role; the team (scope); the periods; the statements with reps, plans and
    # open disputes; the follow-up badge; the unread notices (bell)
    with django_assert_num_queries(session_queries + 6) as before:
        client.get(url, {"period": "2026-10-01"})
    for n in range(5):
        make_rep(team, username=f"more{n}")
    services.statements_run(plan=paid, start=OCTOBER)
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(url, {"period": "2026-10-01"})


def test_the_floors_top_up_cannot_be_left_out_it_follows_from_the_rest(
    client, manager, teammate, paid
):
    statement = statement_of(teammate)
    floor = statement.lines.get(kind="floor")
    client.force_login(manager)
    page = client.get(statement.get_absolute_url(), {"group": "all"}).text
    assert page.count("Leave it out") == 1  # the conversation's line only
    response = client.post(
        reverse("commissions:line_exclude", args=[statement.pk]),
        {"line": floor.pk, "reason": "No floor for you"},
        follow=True,
    )
    assert "Only a line a rule paid for a record can be left out" in response.text
    assert not statement.lines.filter(excluded=True).exists()


def test_the_manager_starts_on_the_last_period_that_is_over(client, manager, rep, paid):
    services.statements_run(plan=paid, start=date(2026, 11, 1))  # the running month
    client.force_login(manager)
    page = client.get(reverse("commissions:statement_list")).text
    assert "Statements, October 2026" in page
    client.force_login(rep)
    page = client.get(reverse("commissions:my_earnings")).text
    assert "November 2026 · Helping pays" in page  # a rep sees the month under way
