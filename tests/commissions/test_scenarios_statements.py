"""Statement runs over time: drafts recompute the same, settled figures never move, and a
later change, a reversed win or an accepted dispute is paid once, in the next open period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissions import services
from commissions.models import (
    AuditEntry,
    StatementLine,
    StatementRevision,
    StatementStatus,
)
from prospects.services import opportunity_save
from tests.commissions.conftest import (
    at,
    conversation,
    followup_done,
    paid,
    person,
    settle,
    statement_for,
    won,
)

JANUARY, FEBRUARY, MARCH = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
PER_TALK = ("per_conversation", {"amount": "10.00"})


@pytest.fixture
def january_locked(rep, manager, plan_for):
    """Helping pays 10.00 a conversation; January (Dana, Marcus, Ana: 30.00) is locked."""
    plan = plan_for(PER_TALK, reps=[rep])
    talks = {
        name: conversation(rep, person(rep, *name.split()), when=at(2026, 1, day, 10))
        for name, day in (("Dana Whitfield", 5), ("Marcus Oyelaran", 12), ("Ana Lima", 20))
    }
    january = settle(statement_for(plan, rep, JANUARY), manager)
    assert january.total == Decimal("30.00")
    return plan, january, talks


def test_a_late_change_to_a_locked_month_is_an_adjustment_in_the_next_open_month(
    rep, manager, january_locked
):
    plan, january, talks = january_locked
    locked_lines = paid(january)
    talks["Marcus Oyelaran"].help_given = ""  # edited later: no help recorded after all
    talks["Marcus Oyelaran"].save()
    conversation(rep, person(rep, "Ben", "Okoro"), when=at(2026, 1, 25, 10))  # logged late
    conversation(rep, person(rep, "Cy", "Park"), when=at(2026, 2, 3, 10))
    february = statement_for(plan, rep, FEBRUARY)
    # February's own 10.00, January's: + 10.00 (Ben) - 10.00 (Marcus) -> 10.00
    assert sorted(paid(february)) == [
        ("Helped Cy Park on Feb 3", Decimal("10.00")),
        ("January 2026: Helped Ben Okoro on Jan 25", Decimal("10.00")),
        ("January 2026: Helped Marcus Oyelaran on Jan 12", Decimal("-10.00")),
    ]
    assert february.total == Decimal("10.00")
    assert set(february.lines.values_list("corrects_period", flat=True)) == {None, JANUARY}
    january.refresh_from_db()
    assert (january.total, paid(january)) == (Decimal("30.00"), locked_lines), "locked: as it was"
    # once February is settled, March pays January's change no second time
    settle(february, manager)
    assert paid(statement_for(plan, rep, MARCH)) == []


def test_an_edited_win_never_changes_the_locked_figure(rep, manager, plan_for):
    plan = plan_for(("won_percent", {"rate": "5"}), reps=[rep])
    deal = won(rep, "1000.00", date(2026, 1, 15), name="Rollout")
    january = settle(statement_for(plan, rep, JANUARY), manager)
    deal.amount = Decimal("1500.00")
    opportunity_save(opportunity=deal, status_before="won")
    february = statement_for(plan, rep, FEBRUARY)
    # January paid 5% of 1,000 = 50.00; now 5% of 1,500 = 75.00: + 25.00 in February
    assert paid(february) == [("January 2026: Won: Rollout", Decimal("25.00"))]
    line = january.lines.get()
    assert (line.amount, line.snapshot["amount"]) == (Decimal("50.00"), "1000.00")


def test_unlocking_takes_a_reason_and_keeps_the_locked_version(rep, manager, january_locked):
    plan, january, _ = january_locked
    with pytest.raises(ValidationError, match="Say why the statement is unlocked"):
        services.statement_unlock(statement=january, reason="  ", by=manager)
    january.refresh_from_db()
    assert (january.status, january.revision, StatementRevision.objects.count()) == (
        StatementStatus.LOCKED, 1, 0,
    )  # fmt: skip
    services.statement_unlock(statement=january, reason="A conversation was logged late",
                              by=manager)  # fmt: skip
    conversation(rep, person(rep, "Ben", "Okoro"), when=at(2026, 1, 25, 10))
    january = statement_for(plan, rep, JANUARY)
    # recomputed: 4 × 10.00 = 40.00, at revision 2
    assert (january.status, january.revision, january.total) == ("draft", 2, Decimal("40.00"))
    kept = StatementRevision.objects.get(statement=january)
    assert (kept.revision, kept.total, kept.reason) == (
        1, Decimal("30.00"), "A conversation was logged late",
    )  # fmt: skip
    assert [line["amount"] for line in kept.lines] == ["10.00", "10.00", "10.00"]
    unlocked = AuditEntry.objects.get(subject_type="statement", action="unlocked")
    assert (unlocked.actor, unlocked.note) == (manager, "A conversation was logged late")


def test_a_new_version_from_the_15th_pays_each_day_under_its_own_version_and_says_which(
    rep, admin_user, plan_for
):
    plan = plan_for(PER_TALK, ("won_percent", {"rate": "5"}), reps=[rep], tz="Europe/Berlin")
    services.version_add(
        plan=plan, effective_from=date(2026, 3, 15), note="More for helping", by=admin_user,
        rules_in=[("per_conversation", "", {"amount": "15.00"}), ("won_percent", "", {"rate": "6"})],
    )  # fmt: skip
    dana = person(rep, "Dana", "Whitfield")
    conversation(rep, dana, when=at(2026, 3, 3, 10))  # v1
    conversation(rep, dana, when=at(2026, 3, 14, 12))  # v1, the 14th
    conversation(rep, dana, when=at(2026, 3, 14, 23, 30))  # 00:30 on the 15th in Berlin: v2
    conversation(rep, dana, when=at(2026, 3, 15, 15))  # the same Berlin day: not again
    conversation(rep, dana, when=at(2026, 3, 28, 10))  # v2
    won(rep, "1000.00", date(2026, 3, 14), name="Before")
    won(rep, "1000.00", date(2026, 3, 15), name="After")
    statement = statement_for(plan, rep, MARCH)
    # v1: Mar 3 and Mar 14 at 10.00, 5% of 1,000 = 50.00
    # v2: Mar 15 and Mar 28 at 15.00, 6% of 1,000 = 60.00 -> 20 + 30 + 50 + 60 = 160.00
    assert [(d, a, ln.snapshot["version"], ln.rule.version.number)
            for (d, a), ln in zip(paid(statement), statement.lines.all(), strict=True)] == [
        ("Helped Dana Whitfield on Mar 3", Decimal("10.00"), 1, 1),
        ("Helped Dana Whitfield on Mar 14", Decimal("10.00"), 1, 1),
        ("Helped Dana Whitfield on Mar 15", Decimal("15.00"), 2, 2),
        ("Helped Dana Whitfield on Mar 28", Decimal("15.00"), 2, 2),
        ("Won: Before", Decimal("50.00"), 1, 1),
        ("Won: After", Decimal("60.00"), 2, 2),
    ]  # fmt: skip
    assert statement.total == Decimal("160.00")


def test_a_bonus_copied_into_the_new_version_pays_each_day_once(rep, admin_user, plan_for):
    bonus = {"amount": "25.00", "help_kind": "share_story", "starts": "2026-03-10",
             "ends": "2026-03-20"}  # fmt: skip
    plan = plan_for(("spif", bonus), ("cap", {"amount": "60.00"}), reps=[rep])
    services.version_add(
        plan=plan, effective_from=date(2026, 3, 15), note="The same bonus, a higher cap",
        rules_in=[("spif", "", bonus), ("cap", "", {"amount": "80.00"})], by=admin_user,
    )  # fmt: skip
    for day in (12, 14, 15, 18):
        followup_done(rep, due=at(2026, 3, day, 9), done=at(2026, 3, day, 10), kind="share_story")
    statement = statement_for(plan, rep, MARCH)
    # v1 pays the 12th and 14th, v2 the 15th and 18th: 4 × 25.00 = 100.00, never 8 lines;
    # the cap is the one in force at the end of the month (v2's 80.00): -20.00
    assert [(ln.amount, ln.snapshot["version"]) for ln in statement.lines.all()] == [
        (Decimal("25.00"), 1), (Decimal("25.00"), 1), (Decimal("25.00"), 2),
        (Decimal("25.00"), 2), (Decimal("-20.00"), 2),
    ]  # fmt: skip
    assert statement.total == Decimal("80.00")


def _lines(statement):
    return [(ln.key, ln.kind, ln.description, ln.amount, ln.snapshot, ln.excluded, ln.position)
            for ln in statement.lines.all()]  # fmt: skip


def test_re_running_a_draft_gives_identical_lines(rep, plan_for):
    plan = plan_for(
        PER_TALK, ("per_followup", {"amount": "5.50"}),
        ("won_percent", {"quota": "5000", "tiers": [{"up_to": "100", "rate": "3"},
                                                    {"up_to": None, "rate": "6"}]}),
        ("cap", {"amount": "400.00"}),
        reps=[rep],
    )  # fmt: skip
    for day in (2, 3, 3, 9):
        conversation(rep, when=at(2026, 3, day, 10))
    followup_done(rep, due=at(2026, 3, 4, 9), done=at(2026, 3, 4, 10))
    won(rep, "4000.00", date(2026, 3, 10))
    won(rep, "3000.00", date(2026, 3, 20))
    first = statement_for(plan, rep, MARCH)
    before = _lines(first)
    # 4 × 10.00 + 5.50 + 4,000 × 3% (120.00) + (1,000 × 3% + 2,000 × 6% = 150.00) = 315.50
    assert first.total == Decimal("315.50")
    again = statement_for(plan, rep, MARCH)
    assert (again.pk, again.total, _lines(again)) == (first.pk, first.total, before)


def test_a_line_left_out_stays_out_when_the_draft_is_recomputed(rep, manager, plan_for):
    plan = plan_for(PER_TALK, reps=[rep])
    talk = conversation(rep, person(rep, "Dana", "Whitfield"), when=at(2026, 3, 3, 10))
    conversation(rep, person(rep, "Ana", "Lima"), when=at(2026, 3, 4, 10))
    statement = statement_for(plan, rep, MARCH)
    line = statement.lines.get(source_id=talk.pk)
    services.line_exclude(statement=statement, key=line.key, reason="Her own colleague",
                          by=manager)  # fmt: skip
    conversation(rep, person(rep, "Ben", "Okoro"), when=at(2026, 3, 5, 10))
    statement = statement_for(plan, rep, MARCH)
    # Ana and Ben: 2 × 10.00; Dana's line still there, left out, with its reason
    assert statement.total == Decimal("20.00")
    dana = statement.lines.get(source_id=talk.pk)
    assert (dana.excluded, dana.exclusion_reason) == (True, "Her own colleague")


def test_the_floor_tops_up_around_a_line_left_out_and_it_stays_out(rep, manager, plan_for):
    plan = plan_for(PER_TALK, ("floor", {"amount": "100.00"}), reps=[rep])
    talk = conversation(rep, person(rep, "Dana", "Whitfield"), when=at(2026, 3, 3, 10))
    conversation(rep, person(rep, "Ana", "Lima"), when=at(2026, 3, 4, 10))
    statement = statement_for(plan, rep, MARCH)
    # 2 × 10.00 = 20.00, topped up by 80.00
    assert statement.lines.get(kind="floor").amount == Decimal("80.00")
    dana = statement.lines.get(source_id=talk.pk)
    services.line_exclude(statement=statement, key=dana.key, reason="Her own colleague",
                          by=manager)  # fmt: skip
    conversation(rep, person(rep, "Ben", "Okoro"), when=at(2026, 3, 5, 10))
    statement = statement_for(plan, rep, MARCH)
    # Dana left out: Ana and Ben 2 × 10.00 = 20.00, topped up by 80.00 -> 100.00
    assert paid(statement) == [
        ("Helped Ana Lima on Mar 4", Decimal("10.00")),
        ("Helped Ben Okoro on Mar 5", Decimal("10.00")),
        ("Topped up to €100.00, the guaranteed floor", Decimal("80.00")),
    ]
    assert statement.lines.get(source_id=talk.pk).excluded


def test_adjustments_of_two_months_by_the_same_rule_are_told_apart(rep, manager, plan_for):
    plan = plan_for(PER_TALK, ("floor", {"amount": "100.00"}), reps=[rep])
    conversation(rep, person(rep, "Dana", "Whitfield"), when=at(2026, 1, 5, 10))
    settle(statement_for(plan, rep, JANUARY), manager)  # 10.00 + 90.00
    conversation(rep, person(rep, "Ana", "Lima"), when=at(2026, 2, 3, 10))
    settle(statement_for(plan, rep, FEBRUARY), manager)  # 10.00 + 90.00
    conversation(rep, person(rep, "Ben", "Okoro"), when=at(2026, 1, 25, 10))  # logged late
    conversation(rep, person(rep, "Cy", "Park"), when=at(2026, 2, 20, 10))  # logged late
    march = statement_for(plan, rep, MARCH)
    # each late conversation (+10.00) is absorbed by its month's floor (-10.00): net 0.00,
    # and March's own floor tops an empty month up to 100.00
    fixes = march.lines.filter(corrects_period__isnull=False)
    assert sorted((ln.description, ln.amount) for ln in fixes) == [
        ("February 2026: Helped Cy Park on Feb 20", Decimal("10.00")),
        ("February 2026: Topped up to €100.00, the guaranteed floor", Decimal("-10.00")),
        ("January 2026: Helped Ben Okoro on Jan 25", Decimal("10.00")),
        ("January 2026: Topped up to €100.00, the guaranteed floor", Decimal("-10.00")),
    ]
    assert march.total == Decimal("100.00")
    keys = [ln.key for ln in march.lines.all()]
    assert len(set(keys)) == len(keys), "each line its own key"
    february_floor = fixes.get(description__startswith="February 2026: Topped up")
    dispute = services.dispute_raise(statement=march, key=february_floor.key, by=rep,
                                     text="Cy's talk was in February")  # fmt: skip
    assert (dispute.line_description, dispute.line_amount) == (
        "February 2026: Topped up to €100.00, the guaranteed floor", Decimal("-10.00"),
    )  # fmt: skip


def test_an_accepted_dispute_is_paid_in_the_next_open_period_rounded_half_away_from_zero(
    rep, manager, january_locked
):
    plan, january, _ = january_locked
    dana, marcus, ana = january.lines.all()

    def dispute(line, accept, adjustment=None):
        raised = services.dispute_raise(statement=january, key=line.key, by=rep,
                                        text="Two questions, two conversations")  # fmt: skip
        services.dispute_answer(dispute=raised, accept=accept, answer="Seen", by=manager,
                                adjustment=adjustment)  # fmt: skip

    dispute(dana, True, Decimal("12.345"))  # -> 12.35
    dispute(marcus, True, Decimal("-7.005"))  # gives back -> -7.01
    dispute(ana, False)  # rejected: nothing
    february = statement_for(plan, rep, FEBRUARY)
    assert sorted(paid(february)) == sorted([
        (f"Dispute accepted: {dana.description}", Decimal("12.35")),
        (f"Dispute accepted: {marcus.description}", Decimal("-7.01")),
    ])  # fmt: skip
    assert february.total == Decimal("5.34")  # 12.35 - 7.01
    january.refresh_from_db()
    assert january.total == Decimal("30.00")
    settle(february, manager)
    assert paid(statement_for(plan, rep, MARCH)) == [], "paid once"


def test_a_dispute_is_paid_even_while_an_earlier_month_is_still_open(rep, manager, plan_for):
    """January stays a draft (its questions unsettled); February is approved, and a
    dispute about it is accepted: March, the next open period after February, pays it."""
    plan = plan_for(PER_TALK, reps=[rep])
    conversation(rep, when=at(2026, 1, 5, 10))
    conversation(rep, when=at(2026, 2, 5, 10))
    statement_for(plan, rep, JANUARY)  # left open
    february = settle(statement_for(plan, rep, FEBRUARY), manager)
    line = february.lines.get()
    raised = services.dispute_raise(statement=february, key=line.key, text="Twice", by=rep)
    services.dispute_answer(dispute=raised, accept=True, answer="Yes", by=manager,
                            adjustment=Decimal("10.00"))  # fmt: skip
    march = statement_for(plan, rep, MARCH)
    # no conversation in March: 0.00 + the accepted dispute 10.00
    assert paid(march) == [(f"Dispute accepted: {line.description}", Decimal("10.00"))]
    assert march.total == Decimal("10.00")


@pytest.mark.parametrize(
    ("reversed_on", "clawed_back"),
    [
        (date(2026, 2, 5), True),  # 26 days after it closed
        (date(2026, 2, 9), True),  # 30 days: still within
        (date(2026, 2, 10), False),  # 31 days: kept
        (date(2026, 3, 20), False),  # long after: kept
    ],
)
def test_a_win_reversed_within_the_clawback_days_is_taken_back_and_later_it_is_kept(
    rep, manager, plan_for, clock, reversed_on, clawed_back
):
    plan = plan_for(("won_percent", {"rate": "5"}), ("clawback", {"days": "30"}), reps=[rep])
    deal = won(rep, "1000.00", date(2026, 1, 10), name="Rollout")
    settle(statement_for(plan, rep, JANUARY), manager)  # 5% of 1,000 = 50.00
    clock.move_to(at(reversed_on.year, reversed_on.month, reversed_on.day, 12))
    deal.status = "lost"
    opportunity_save(opportunity=deal, status_before="won")
    february = statement_for(plan, rep, FEBRUARY)
    expected = [("Clawback (January 2026): Won: Rollout, reversed", Decimal("-50.00"))]
    assert paid(february) == (expected if clawed_back else [])


@pytest.mark.parametrize(
    ("old_rules", "new_rules", "adjustment"),
    [
        # paid under a plan with no clawback: a later plan's clawback can't reach back
        ([], [("clawback", {"days": "60"})], []),
        # paid under a plan that claws back within 30 days: still so after the change
        ([("clawback", {"days": "30"})], [], [Decimal("-100.00")]),
    ],
)
def test_a_reversed_win_is_judged_by_the_clawback_of_the_plan_that_paid_it(
    rep, manager, plan_for, clock, old_rules, new_rules, adjustment
):
    old = plan_for(("won_percent", {"rate": "10"}), *old_rules, reps=[rep], name="Pays for wins",
                   start=date(2025, 1, 1), end=date(2025, 12, 31))  # fmt: skip
    new = plan_for(PER_TALK, *new_rules, reps=[rep])
    deal = won(rep, "1000.00", date(2025, 12, 10), name="Rollout")
    settle(statement_for(old, rep, date(2025, 12, 1)), manager)  # 10% of 1,000 = 100.00
    clock.move_to(at(2026, 1, 5, 12))  # reversed 26 days after it closed
    deal.status = "lost"
    opportunity_save(opportunity=deal, status_before="won")
    january = statement_for(new, rep, JANUARY)
    assert [ln.amount for ln in january.lines.filter(corrects_period=date(2025, 12, 1))] == (
        adjustment
    )


def test_payroll_exports_the_same_batch_twice_and_pays_a_relocked_statement_its_difference(
    rep, teammate, manager, plan_for
):
    plan = plan_for(PER_TALK, reps=[rep, teammate])
    conversation(rep, when=at(2026, 1, 5, 10))
    conversation(teammate, when=at(2026, 1, 6, 10))
    conversation(teammate, when=at(2026, 1, 7, 10))
    with pytest.raises(ValidationError, match="No locked statement for that period yet"):
        services.payroll_export(start=JANUARY, by=manager)
    mine = settle(statement_for(plan, rep, JANUARY), manager)
    theirs = statement_for(plan, teammate, JANUARY)
    services.statement_approve(statement=theirs, by=manager)  # approved, not locked: not yet
    first = services.payroll_export(start=JANUARY, by=manager)
    assert [(r["rep"], r["amount"]) for r in first.rows] == [("rep", "10.00")]
    services.statement_lock(statement=theirs, by=manager)
    second = services.payroll_export(start=JANUARY, by=manager)
    # only the teammate's 2 × 10.00 is new
    assert [(r["rep"], r["amount"]) for r in second.rows] == [("teammate", "20.00")]
    again = services.payroll_export(start=JANUARY, by=manager)
    assert (again.pk, again.batch_id, again.rows) == (second.pk, second.batch_id, second.rows)
    # unlocked, one more conversation, locked again at revision 2: only the 10.00 more is paid
    services.statement_unlock(statement=mine, reason="Missed one", by=manager)
    conversation(rep, when=at(2026, 1, 9, 10))
    settle(statement_for(plan, rep, JANUARY), manager)
    third = services.payroll_export(start=JANUARY, by=manager)
    assert [(r["rep"], r["revision"], r["amount"]) for r in third.rows] == [("rep", 2, "10.00")]
    assert services.payroll_export(start=JANUARY, by=manager).pk == third.pk
    # 10.00 + 20.00 + 10.00 paid in all: exactly the two locked totals (20.00 + 20.00)
    assert first.total + second.total + third.total == Decimal("40.00")


def test_a_correction_paid_later_is_not_paid_again_when_an_earlier_month_is_unlocked(
    rep, manager, january_locked
):
    plan, january, _ = january_locked
    february = settle(statement_for(plan, rep, FEBRUARY), manager)
    conversation(rep, person(rep, "Ben", "Okoro"), when=at(2026, 1, 25, 10))  # logged late
    march = settle(statement_for(plan, rep, MARCH), manager)
    assert paid(march) == [("January 2026: Helped Ben Okoro on Jan 25", Decimal("10.00"))]
    services.statement_unlock(statement=february, reason="Wrong team", by=manager)
    # February, open again, is now the first open period: but March has paid for Ben already
    assert paid(statement_for(plan, rep, FEBRUARY)) == []
    services.statement_unlock(statement=january, reason="Recount", by=manager)
    january = statement_for(plan, rep, JANUARY)
    # January recomputed: Dana, Marcus, Ana and Ben = 40.00, less the 10.00 March paid for Ben
    assert paid(january)[-1] == (
        "Paid already in March 2026: Helped Ben Okoro on Jan 25",
        Decimal("-10.00"),
    )
    assert january.total == Decimal("30.00")
    settle(january, manager)
    settle(statement_for(plan, rep, FEBRUARY), manager)
    april = statement_for(plan, rep, date(2026, 4, 1))
    assert paid(april) == [], "each conversation paid once: 30.00 in January, 10.00 in March"
    assert not StatementLine.objects.filter(statement__period_start=FEBRUARY).exists()
