"""Bad input at the service level: refused with a message that says what is wrong, and
nothing written (every count the same before and after)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissions import services
from commissions.models import (
    AuditEntry,
    CommissionPlan,
    CommissionRule,
    LineExclusion,
    PlanStatus,
    PlanVersion,
    Statement,
    StatementLine,
)
from tests.commissions.conftest import at, conversation, paid, settle, statement_for

JANUARY, FEBRUARY = date(2026, 1, 1), date(2026, 2, 1)
PER_TALK = ("per_conversation", {"amount": "10.00"})
MODELS = (CommissionPlan, PlanVersion, CommissionRule, Statement, StatementLine, LineExclusion,
          AuditEntry)  # fmt: skip


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def refused(call, message: str) -> None:
    """``call()`` raises a ValidationError saying ``message``, and writes nothing."""
    before = counts()
    with pytest.raises(ValidationError) as raised:
        call()
    assert message in " ".join(raised.value.messages)
    assert counts() == before


def create(admin_user, rep, *rules, name="Helping pays"):
    return lambda: services.plan_create(
        by=admin_user, name=name, period="month", currency="EUR", timezone_name="UTC",
        effective_from=JANUARY, reps=[rep], rules_in=[(kind, "", p) for kind, p in rules],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (("won_percent", {"rate": "-2"}), "rate: A rate is between 0 and 100 percent."),
        (("won_percent", {"rate": "120"}), "rate: A rate is between 0 and 100 percent."),
        (("per_conversation", {"amount": "-5.00"}), "amount: It can't be negative."),
        (("per_followup", {"amount": "10.005"}), "amount: Give it to the cent at most."),
        (("per_followup", {"amount": 10.5}), "amount: Send money as a string, not a float."),
        (
            ("won_percent", {"quota": "10000", "tiers": [
                {"up_to": "100", "rate": "5"}, {"up_to": "80", "rate": "8"},
                {"up_to": None, "rate": "10"}]}),
            "tiers: Tier 2 overlaps the one before: each tier must end above the last (100% of "
            "quota).",
        ),
        (
            ("won_percent", {"quota": "10000", "tiers": [{"up_to": "100", "rate": "5"}]}),
            "tiers: The last tier must have no upper end, so every amount is paid.",
        ),
        (
            ("won_percent", {"quota": "10000", "tiers": [
                {"up_to": "100", "rate": "-5"}, {"up_to": None, "rate": "8"}]}),
            "tier 1 rate: A rate is between 0 and 100 percent.",
        ),
        (
            ("won_percent", {"quota": "10000", "tiers": "5% then 8%"}),
            "tiers: Give the tiers as a list",
        ),
        (
            ("spif", {"amount": "25.00", "help_kind": "check_in", "starts": "2026-03-20",
                      "ends": "2026-03-10"}),
            "ends: The bonus can't end before it starts.",
        ),
        (("clawback", {"days": "0"}), "days: Give a number of days from 1 to 730."),
        (("hold_harmless", {"previous_plan": "999999", "until": "2026-03-31"}),
         "previous_plan: Choose the plan the reps were paid under before."),
    ],
)  # fmt: skip
def test_a_plan_with_a_bad_rule_is_refused_and_nothing_is_saved(admin_user, rep, rule, message):
    refused(create(admin_user, rep, PER_TALK, rule), f"Rule 2 ({RULE_LABELS[rule[0]]}): {message}")


RULE_LABELS = {
    "won_percent": "Percentage of won amount",
    "per_conversation": "Per helpful conversation",
    "per_followup": "Per follow-up done on time",
    "spif": "Bonus for a kind of help (SPIF)",
    "clawback": "Clawback of reversed wins",
    "hold_harmless": "Hold-harmless transition",
}


def test_rules_that_are_not_a_set_of_parameters_are_refused_not_a_crash(admin_user, rep):
    refused(create(admin_user, rep, ("per_conversation", "10.00")), "Give the rule's parameters")
    refused(create(admin_user, rep, ("per_lead", {"amount": "10.00"})),
            "Rule 1: choose a kind of rule.")  # fmt: skip


def test_a_floor_above_the_cap_is_refused_in_a_new_plan_and_in_a_new_version(
    admin_user, rep, plan_for
):
    floor, cap = ("floor", {"amount": "600.00"}), ("cap", {"amount": "500.00"})
    message = "The guaranteed floor (600.00) is above the cap (500.00): no statement could "
    refused(create(admin_user, rep, PER_TALK, floor, cap), message)
    plan = plan_for(PER_TALK, reps=[rep])
    refused(
        lambda: services.version_add(
            plan=plan,
            effective_from=date(2026, 6, 1),
            note="Guarantees",
            by=admin_user,
            rules_in=[
                ("per_conversation", "", {"amount": "10.00"}),
                ("floor", "", floor[1]),
                ("cap", "", cap[1]),
            ],
        ),
        message,
    )


def test_two_floors_in_one_version_are_refused(admin_user, rep):
    refused(
        create(admin_user, rep, ("floor", {"amount": "100.00"}), ("floor", {"amount": "200.00"})),
        "A plan has one guaranteed floor at most.",
    )


def test_a_second_plan_for_the_same_rep_on_the_same_days_does_not_go_live(
    admin_user, rep, plan_for
):
    plan_for(PER_TALK, reps=[rep])
    second = plan_for(PER_TALK, reps=[rep], name="Also helping", start=date(2026, 6, 1),
                      live=False)  # fmt: skip
    refused(lambda: services.plan_go_live(plan=second, by=admin_user),
            "is paid by “Helping pays” in some of the same periods")  # fmt: skip
    second.refresh_from_db()
    assert second.status == PlanStatus.DRAFT


def test_a_second_plan_for_the_same_rep_in_the_same_month_does_not_go_live(
    admin_user, rep, plan_for
):
    # The first plan pays to March 14 (and is retired), the second would from March 15: no
    # day twice, but one March statement for the rep, so one plan could not pay its half.
    first = plan_for(PER_TALK, reps=[rep])
    services.plan_retire(plan=first, last_day=date(2026, 3, 14), by=admin_user)
    second = plan_for(PER_TALK, reps=[rep], name="Helping pays more", start=date(2026, 3, 15),
                      live=False)  # fmt: skip
    refused(lambda: services.plan_go_live(plan=second, by=admin_user),
            "is paid by “Helping pays” in some of the same periods")  # fmt: skip
    # a plan of its own from April 1 can
    april = plan_for(PER_TALK, reps=[rep], name="Helping pays from April", start=date(2026, 4, 1))
    april.refresh_from_db()
    assert april.status == PlanStatus.LIVE


def test_a_locked_statement_is_not_edited_by_any_service(rep, manager, plan_for):
    plan = plan_for(PER_TALK, reps=[rep])
    conversation(rep, when=at(2026, 1, 5, 10))
    january = settle(statement_for(plan, rep, JANUARY), manager)
    line = january.lines.get()
    refused(
        lambda: services.line_exclude(statement=january, key=line.key, reason="No", by=manager),
        "Only a draft statement's lines can be left out.",
    )
    refused(lambda: services.statement_approve(statement=january, by=manager),
            "Only a draft statement can be approved.")  # fmt: skip
    refused(lambda: services.statement_lock(statement=january, by=manager),
            "Approve the statement before you lock it.")  # fmt: skip
    conversation(rep, when=at(2026, 1, 6, 10))  # a run after a new record: still as locked
    assert services.statements_run(plan=plan, start=JANUARY) == 0
    january.refresh_from_db()
    assert (january.total, paid(january)) == (Decimal("10.00"), [(line.description, line.amount)])


def test_a_rule_version_that_has_paid_a_settled_statement_is_not_edited(
    admin_user, rep, manager, plan_for
):
    plan = plan_for(PER_TALK, reps=[rep])
    conversation(rep, when=at(2026, 1, 5, 10))
    settle(statement_for(plan, rep, JANUARY), manager)
    version = plan.versions.get()
    refused(
        lambda: services.rules_replace(version=version, by=admin_user,
                                       rules_in=[("per_conversation", "", {"amount": "50.00"})]),
        "Version 1 has paid approved or locked statements, so its rules stay as they were",
    )  # fmt: skip
    assert version.rules.get().params == {"amount": "10.00"}
    refused(
        lambda: services.version_add(plan=plan, effective_from=date(2026, 1, 20), note="Raise",
                                     rules_in=[("per_conversation", "", {"amount": "12.00"})],
                                     by=admin_user),
        "Statements from that date are approved or locked already",
    )  # fmt: skip


def test_a_rule_version_applied_to_a_settled_statement_that_paid_nothing_is_not_edited(
    admin_user, rep, manager, plan_for
):
    plan = plan_for(PER_TALK, reps=[rep])
    january = settle(statement_for(plan, rep, JANUARY), manager)  # a quiet month: no lines
    assert january.total == Decimal("0.00") and not january.lines.exists()
    version = plan.versions.get()
    # were it edited to 50.00, a conversation logged late for January would be corrected at
    # a rate January was never computed with
    refused(
        lambda: services.rules_replace(version=version, by=admin_user,
                                       rules_in=[("per_conversation", "", {"amount": "50.00"})]),
        "Version 1 has paid approved or locked statements",
    )  # fmt: skip
    conversation(rep, when=at(2026, 1, 25, 10))
    february = statement_for(plan, rep, FEBRUARY)
    assert [ln.amount for ln in february.lines.filter(corrects_period=JANUARY)] == [
        Decimal("10.00")
    ]


def test_a_dispute_accepted_without_an_amount_or_unanswered_is_refused(rep, manager, plan_for):
    plan = plan_for(PER_TALK, reps=[rep])
    conversation(rep, when=at(2026, 1, 5, 10))
    january = settle(statement_for(plan, rep, JANUARY), manager)
    key = january.lines.get().key
    refused(lambda: services.dispute_raise(statement=january, key=key, text=" ", by=rep),
            "Say what is wrong with the line.")  # fmt: skip
    refused(lambda: services.dispute_raise(statement=january, key=key, text="Mine", by=manager),
            "Only the rep raises a dispute about their statement.")  # fmt: skip
    dispute = services.dispute_raise(statement=january, key=key, text="Twice that day", by=rep)
    refused(
        lambda: services.dispute_answer(
            dispute=dispute, accept=True, answer="Yes", adjustment=None, by=manager
        ),
        "Say what the rep is paid (or gives back) for it.",
    )
    refused(
        lambda: services.dispute_answer(
            dispute=dispute, accept=False, answer="", adjustment=None, by=manager
        ),
        "Answer the rep in a sentence.",
    )


def test_a_what_if_over_more_than_twelve_months_is_refused(rep, plan_for):
    draft = plan_for(PER_TALK, reps=[rep], live=False)
    refused(lambda: services.what_if(draft=draft, first=JANUARY, last=date(2027, 1, 31)),
            "Compare twelve months at most.")  # fmt: skip
