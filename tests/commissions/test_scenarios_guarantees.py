"""What a statement guarantees beyond its lines: the cap, the floor (fixed or a baseline
average), and the hold-harmless comparison with the plan a rep was paid under before."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from commissions import services
from commissions.models import Statement
from prospects.services import opportunity_save
from tests.commissions.conftest import (
    at,
    conversation,
    followup_done,
    paid,
    settle,
    statement_for,
    won,
)

JANUARY, FEBRUARY, MARCH = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def test_floor_and_cap_together_top_up_one_rep_and_cap_the_other(rep, teammate, plan_for):
    plan = plan_for(
        ("per_conversation", {"amount": "10.00"}), ("won_percent", {"rate": "10"}),
        ("floor", {"amount": "200.00"}), ("cap", {"amount": "500.00"}),
        reps=[rep, teammate],
    )  # fmt: skip
    for _ in range(12):
        conversation(rep, when=at(2026, 3, 2, 10))
    won(teammate, "6500.00", date(2026, 3, 9))
    # rep: 12 × 10.00 = 120.00, under the floor: + 80.00 -> 200.00 (no cap line)
    mine = statement_for(plan, rep, MARCH)
    assert paid(mine)[-1] == ("Topped up to €200.00, the guaranteed floor", Decimal("80.00"))
    assert mine.total == Decimal("200.00")
    # teammate: 10% of 6,500 = 650.00, capped at 500.00: -150.00; the floor (after the cap)
    # has nothing to add, so the cap is never undone
    theirs = Statement.objects.get(rep=teammate, period_start=MARCH)
    assert paid(theirs) == [("Won: Deal 6500.00", Decimal("650.00")),
                            ("Capped at €500.00", Decimal("-150.00"))]  # fmt: skip
    assert theirs.total == Decimal("500.00")


@pytest.fixture
def pays_for_wins(plan_for, rep, teammate):
    """The plan the reps were paid under in 2025: 10% of won amounts."""
    return plan_for(("won_percent", {"rate": "10"}), reps=[rep, teammate], name="Pays for wins",
                    start=date(2025, 1, 1), end=date(2025, 12, 31))  # fmt: skip


def test_a_floor_from_a_baseline_average_guarantees_the_old_average(
    rep, teammate, manager, plan_for, pays_for_wins
):
    baseline = {date(2025, 10, 1): "3000.00", date(2025, 11, 1): "4500.00",
                date(2025, 12, 1): "4000.10"}  # fmt: skip
    for start, amount in baseline.items():
        won(rep, amount, start + timedelta(days=9))
        settle(statement_for(pays_for_wins, rep, start), manager)  # 300.00, 450.00, 400.01
    helping = plan_for(
        ("per_conversation", {"amount": "10.00"}),
        ("floor", {"baseline_from": "2025-10-01", "baseline_to": "2025-12-31"}),
        reps=[rep, teammate],
    )  # fmt: skip
    for _ in range(10):
        conversation(rep, when=at(2026, 1, 12, 10))
    conversation(teammate, when=at(2026, 1, 12, 10))
    january = statement_for(helping, rep, JANUARY)
    # average: (300.00 + 450.00 + 400.01) / 3 = 383.3366… -> 383.34
    # earned 10 × 10.00 = 100.00, topped up by 383.34 - 100.00 = 283.34
    assert paid(january)[-1] == (
        "Topped up to €383.34, your average from 2025-10-01 to 2025-12-31",
        Decimal("283.34"),
    )
    assert january.total == Decimal("383.34")
    # the teammate had no settled statement in the baseline: no floor to guarantee
    assert Statement.objects.get(rep=teammate, period_start=JANUARY).total == Decimal("10.00")


def helping_pays(plan_for, previous, reps, *rules, until="2026-03-31"):
    return plan_for(
        *rules, ("hold_harmless", {"previous_plan": str(previous.pk), "until": until}), reps=reps
    )


def test_hold_harmless_pays_the_old_plan_when_it_pays_more_and_says_so(
    rep, plan_for, pays_for_wins
):
    plan = helping_pays(plan_for, pays_for_wins, [rep], ("won_percent", {"rate": "5"}),
                        ("per_followup", {"amount": "48.50"}))  # fmt: skip
    won(rep, "12400.00", date(2026, 1, 15), name="Rollout")
    for day in range(5, 15):
        followup_done(rep, due=at(2026, 1, day, 9), done=at(2026, 1, day, 11))
    statement = statement_for(plan, rep, JANUARY)
    # new plan: 5% of 12,400 = 620.00 + 10 × 48.50 = 485.00 -> 1,105.00
    # old plan on the same results: 10% of 12,400 = 1,240.00 -> top-up 135.00
    assert paid(statement)[-1] == (
        "Paid under your previous plan: €1,240.00 > €1,105.00 under Helping pays",
        Decimal("135.00"),
    )
    assert statement.total == Decimal("1240.00")


def test_hold_harmless_says_so_when_the_new_plan_pays_more(rep, plan_for, pays_for_wins):
    plan = helping_pays(plan_for, pays_for_wins, [rep], ("won_percent", {"rate": "5"}),
                        ("per_followup", {"amount": "48.50"}))  # fmt: skip
    won(rep, "2000.00", date(2026, 1, 15))
    for day in range(5, 15):
        followup_done(rep, due=at(2026, 1, day, 9), done=at(2026, 1, day, 11))
    statement = statement_for(plan, rep, JANUARY)
    # new: 5% of 2,000 = 100.00 + 485.00 = 585.00; old: 10% of 2,000 = 200.00: nothing to add
    assert paid(statement)[-1] == (
        "You earn more under Helping pays: €585.00 ≥ €200.00 under Pays for wins",
        Decimal("0.00"),
    )
    assert statement.total == Decimal("585.00")


def test_hold_harmless_ends_with_its_window(rep, plan_for, pays_for_wins):
    plan = helping_pays(plan_for, pays_for_wins, [rep], ("won_percent", {"rate": "5"}),
                        until="2026-01-31")  # fmt: skip
    won(rep, "1000.00", date(2026, 1, 15), name="January deal")
    won(rep, "1000.00", date(2026, 2, 15), name="February deal")
    # January, inside the window: 5% = 50.00, old 10% = 100.00 -> + 50.00
    assert statement_for(plan, rep, JANUARY).total == Decimal("100.00")
    # February, after it: the new plan alone, 50.00, and no comparison line
    february = statement_for(plan, rep, FEBRUARY)
    assert paid(february) == [("Won: February deal", Decimal("50.00"))]


def test_hold_harmless_compares_on_the_same_results_without_a_line_left_out(
    rep, manager, plan_for, pays_for_wins
):
    plan = helping_pays(plan_for, pays_for_wins, [rep], ("per_conversation", {"amount": "10.00"}),
                        ("won_percent", {"rate": "5"}))  # fmt: skip
    conversation(rep, when=at(2026, 1, 8, 10))
    deal = won(rep, "1000.00", date(2026, 1, 15), name="Booked twice")
    statement = statement_for(plan, rep, JANUARY)
    # 10.00 + 50.00 = 60.00 against the old 100.00: + 40.00 -> 100.00
    assert statement.total == Decimal("100.00")
    line = statement.lines.get(source_type="opportunity", source_id=deal.pk)
    services.line_exclude(statement=statement, key=line.key, reason="Booked twice", by=manager)
    statement.refresh_from_db()
    # without the deal: new 10.00, old 0.00 -> the old plan can't pay for the deal either
    assert paid(statement)[-1] == (
        "You earn more under Helping pays: €10.00 ≥ €0.00 under Pays for wins",
        Decimal("0.00"),
    )
    assert statement.total == Decimal("10.00")


def test_hold_harmless_compares_with_the_old_rules_of_that_period(
    rep, teammate, manager, admin_user, plan_for
):
    # The old plan still pays the teammate; the rep moved to Helping pays in January.
    old = plan_for(("won_percent", {"rate": "10"}), reps=[teammate], name="Pays for wins",
                   start=date(2025, 1, 1))  # fmt: skip
    plan = helping_pays(plan_for, old, [rep], ("won_percent", {"rate": "5"}),
                        until="2026-06-30")  # fmt: skip
    won(rep, "1000.00", date(2026, 2, 10), name="February deal")
    february = settle(statement_for(plan, rep, FEBRUARY), manager)
    assert february.total == Decimal("100.00")  # 50.00 + (100.00 - 50.00)
    # In May the old plan gets new rules from June on, for those it still pays.
    services.version_add(plan=old, effective_from=date(2026, 6, 1), note="Summer push",
                         rules_in=[("won_percent", "", {"rate": "50"})], by=admin_user)  # fmt: skip
    won(rep, "1000.00", date(2026, 3, 10), name="March deal")
    march = statement_for(plan, rep, MARCH)
    assert march.lines.get(kind="hold_harmless").snapshot["previous_version"] == 1
    # March compares with the old rules of March (10%), not June's (50%):
    # 5% = 50.00 vs 100.00 -> + 50.00; and February, locked, is not reopened by June's rules
    assert paid(march) == [
        ("Won: March deal", Decimal("50.00")),
        ("Paid under your previous plan: €100.00 > €50.00 under Helping pays", Decimal("50.00")),
    ]


@pytest.mark.parametrize(
    ("reversed_on", "adjustments"),
    [
        # reversed after the 30 days: the win stays paid, and so does the old plan's pay for it
        (date(2026, 2, 20), []),
        # reversed within them: the 50.00 it paid and the 50.00 hold-harmless top-up go back
        (date(2026, 1, 25), [Decimal("-50.00"), Decimal("-50.00")]),
    ],
)
def test_a_reversed_win_is_judged_the_same_under_both_plans_of_a_hold_harmless(
    rep, manager, plan_for, pays_for_wins, clock, reversed_on, adjustments
):
    plan = helping_pays(plan_for, pays_for_wins, [rep], ("won_percent", {"rate": "5"}),
                        ("clawback", {"days": "30"}), until="2026-06-30")  # fmt: skip
    deal = won(rep, "1000.00", date(2026, 1, 10), name="Rollout")
    assert settle(statement_for(plan, rep, JANUARY), manager).total == Decimal("100.00")
    clock.move_to(at(reversed_on.year, reversed_on.month, reversed_on.day, 12))
    deal.status = "lost"
    opportunity_save(opportunity=deal, status_before="won")
    february = statement_for(plan, rep, FEBRUARY)
    fixes = [ln.amount for ln in february.lines.filter(corrects_period=JANUARY)]
    assert sorted(fixes) == adjustments
    assert february.total == sum(adjustments, Decimal("0.00"))


def test_hold_harmless_compares_only_the_days_the_new_plan_pays_for(rep, plan_for, pays_for_wins):
    # The old plan ended on Dec 31; the new one starts on Jan 15: nobody pays Jan 1-14.
    plan = plan_for(
        ("won_percent", {"rate": "5"}),
        ("hold_harmless", {"previous_plan": str(pays_for_wins.pk), "until": "2026-03-31"}),
        reps=[rep], start=date(2026, 1, 15),
    )  # fmt: skip
    won(rep, "1000.00", date(2026, 1, 5), name="Before the plan")
    won(rep, "1000.00", date(2026, 1, 20), name="Rollout")
    statement = statement_for(plan, rep, JANUARY)
    # new plan, Jan 15-31: 5% of 1,000 = 50.00; old plan on the same days: 10% = 100.00
    assert paid(statement) == [
        ("Won: Rollout", Decimal("50.00")),
        ("Paid under your previous plan: €100.00 > €50.00 under Helping pays", Decimal("50.00")),
    ]
