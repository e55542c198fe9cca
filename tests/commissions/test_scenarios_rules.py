"""Each kind of rule, paid to the cent on hand-worked examples (plans in UTC unless said)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from commissions import rules
from commissions.money import cents, display
from prospects.models import Opportunity
from tests.commissions.conftest import (
    at,
    conversation,
    followup_done,
    paid,
    person,
    statement_for,
    won,
)
from tests.factories import EngagementFactory, FollowUpFactory, ProspectFactory

MARCH = date(2026, 3, 1)


def test_a_helpful_conversation_is_paid_once_per_prospect_a_day(rep, plan_for):
    plan = plan_for(("per_conversation", {"amount": "12.50"}), reps=[rep])
    dana, marcus = person(rep, "Dana", "Whitfield"), person(rep, "Marcus", "Oyelaran")
    conversation(rep, dana, when=at(2026, 3, 3, 9))
    conversation(rep, dana, when=at(2026, 3, 3, 16))  # Dana again that day: not again
    conversation(rep, dana, when=at(2026, 3, 4, 9))  # Dana the next day: again
    conversation(rep, marcus, when=at(2026, 3, 3, 11))  # another person the same day: paid
    statement = statement_for(plan, rep, MARCH)
    # Dana Mar 3, Marcus Mar 3, Dana Mar 4: 3 × 12.50 = 37.50
    assert paid(statement) == [
        ("Helped Dana Whitfield on Mar 3", Decimal("12.50")),
        ("Helped Marcus Oyelaran on Mar 3", Decimal("12.50")),
        ("Helped Dana Whitfield on Mar 4", Decimal("12.50")),
    ]
    assert statement.total == Decimal("37.50")
    assert statement.lines.first().snapshot["conversations"] == 2, "both talks are on record"


def test_a_conversation_with_no_help_recorded_is_not_paid(rep, plan_for):
    plan = plan_for(("per_conversation", {"amount": "12.50"}), reps=[rep])
    conversation(rep, when=at(2026, 3, 3, 9), help_given="")
    conversation(rep, when=at(2026, 3, 3, 10), help_given="   \n ")  # only blanks: no help either
    conversation(rep, person(rep, "Ana", "Lima"), when=at(2026, 3, 5, 9))
    statement = statement_for(plan, rep, MARCH)
    # only Ana's conversation records help: 1 × 12.50
    assert paid(statement) == [("Helped Ana Lima on Mar 5", Decimal("12.50"))]
    assert statement.total == Decimal("12.50")


def test_a_follow_up_pays_when_done_on_time_with_the_receivers_eye_answer(rep, plan_for):
    plan = plan_for(("per_followup", {"amount": "7.25"}), reps=[rep])
    nine = at(2026, 3, 10, 9)
    followup_done(rep, due=nine, done=nine + timedelta(hours=2))  # on time
    followup_done(rep, due=nine, done=nine + timedelta(hours=23, minutes=59))  # still on time
    followup_done(rep, due=nine, done=nine + timedelta(days=1))  # a full day after: late
    followup_done(rep, due=nine, done=nine + timedelta(days=2))  # late
    followup_done(rep, due=nine, done=nine + timedelta(hours=1), eye="")  # no receiver's eye
    FollowUpFactory(prospect=ProspectFactory(owner=rep), assignee=rep, due_at=nine,
                    status="due")  # fmt: skip  # not done at all
    statement = statement_for(plan, rep, MARCH)
    # two on time with the answer: 2 × 7.25 = 14.50
    assert [amount for _, amount in paid(statement)] == [Decimal("7.25"), Decimal("7.25")]
    assert statement.total == Decimal("14.50")
    assert all(d.startswith("On time: send a resource for") for d, _ in paid(statement))


def _opportunity(rep, name, opened_on, **source):
    prospect = ProspectFactory(owner=rep)
    return Opportunity.objects.create(
        account=prospect.account, prospect=prospect, owner=rep, name=name, amount=Decimal("5000"),
        opened_on=opened_on, **source,
    )  # fmt: skip


def test_an_opportunity_sourced_from_help_is_paid_and_an_unsourced_one_is_not(rep, plan_for):
    plan = plan_for(("per_sourced_opportunity", {"amount": "40.00"}), reps=[rep])
    talk = conversation(rep, when=at(2026, 3, 2, 10))
    asked = EngagementFactory(prospect=ProspectFactory(owner=rep))
    _opportunity(rep, "Rollout", date(2026, 3, 4), source_conversation=talk)
    _opportunity(rep, "Pilot", date(2026, 3, 9), source_engagement=asked)
    _opportunity(rep, "Cold call", date(2026, 3, 12))  # came from nowhere: not paid
    _opportunity(rep, "April deal", date(2026, 4, 1), source_conversation=talk)  # next month
    statement = statement_for(plan, rep, MARCH)
    # 2 × 40.00 = 80.00
    assert paid(statement) == [
        ("Opportunity from a conversation: Rollout", Decimal("40.00")),
        ("Opportunity from an engagement: Pilot", Decimal("40.00")),
    ]
    assert statement.total == Decimal("80.00")


def test_a_flat_rate_rounds_each_line_half_away_from_zero_and_totals_the_rounded_lines(
    rep, plan_for
):
    plan = plan_for(("won_percent", {"rate": "2.5"}), reps=[rep])
    for day in (2, 3, 4):
        won(rep, "0.20", date(2026, 3, day), name=f"Tiny {day}")  # 0.005 -> 0.01 each
    won(rep, "41.00", date(2026, 3, 10), name="Small")  # 1.025 -> 1.03
    won(rep, "100.10", date(2026, 3, 11), name="Medium")  # 2.5025 -> 2.50
    statement = statement_for(plan, rep, MARCH)
    assert [amount for _, amount in paid(statement)] == [
        Decimal("0.01"), Decimal("0.01"), Decimal("0.01"), Decimal("1.03"), Decimal("2.50"),
    ]  # fmt: skip
    # 0.01 + 0.01 + 0.01 + 1.03 + 2.50 = 3.56 (rounding the sum, 141.70 × 2.5% = 3.5425,
    # would say 3.54: the statement adds up from its lines instead)
    assert statement.total == Decimal("3.56")


def test_the_one_rounding_rule_rounds_halves_away_from_zero_both_ways():
    assert cents(Decimal("0.005")) == Decimal("0.01")
    assert cents(Decimal("-0.005")) == Decimal("-0.01")
    assert cents(Decimal("2.675")) == Decimal("2.68")
    assert cents(Decimal("-1.015")) == Decimal("-1.02")
    assert cents(Decimal("1.00499")) == Decimal("1.00")
    assert cents(Decimal("-1.00499")) == Decimal("-1.00")
    assert display(Decimal("-1240.5"), "EUR") == "-€1,240.50"


def test_a_win_that_crosses_a_tier_is_split_across_the_two_bands(rep, plan_for):
    plan = plan_for(
        ("won_percent", {"quota": "10000", "tiers": [{"up_to": "100", "rate": "5"},
                                                     {"up_to": None, "rate": "8"}]}),
        reps=[rep],
    )  # fmt: skip
    won(rep, "7000.00", date(2026, 3, 5), name="First")
    won(rep, "5000.00", date(2026, 3, 12), name="Second")
    statement = statement_for(plan, rep, MARCH)
    # First: 7,000 × 5% = 350.00 (attainment 70%)
    # Second: 3,000 up to quota × 5% = 150.00, 2,000 above × 8% = 160.00 -> 310.00
    assert paid(statement) == [("Won: First", Decimal("350.00")),
                               ("Won: Second", Decimal("310.00"))]  # fmt: skip
    assert statement.total == Decimal("660.00")
    second = statement.lines.get(description="Won: Second").snapshot
    assert [(Decimal(p["amount"]), p["rate"], p["band"]) for p in second["pieces"]] == [
        (Decimal("3000"), "5", "100% of quota"),
        (Decimal("2000"), "8", "∞% of quota"),
    ]
    assert Decimal(second["won_before"]) == Decimal("7000")


def test_several_wins_climb_the_tiers_in_the_order_they_closed(rep, plan_for):
    plan = plan_for(
        ("won_percent", {"quota": "10000", "tiers": [
            {"up_to": "50", "rate": "2"}, {"up_to": "100", "rate": "5"},
            {"up_to": None, "rate": "10"}]}),
        reps=[rep],
    )  # fmt: skip
    won(rep, "4000.00", date(2026, 3, 20), name="Third")  # recorded first, closed last
    won(rep, "4000.00", date(2026, 3, 2), name="First")
    won(rep, "4000.00", date(2026, 3, 10), name="Second")
    statement = statement_for(plan, rep, MARCH)
    # First (0 -> 4,000): 4,000 × 2% = 80.00
    # Second (4,000 -> 8,000): 1,000 × 2% + 3,000 × 5% = 20 + 150 = 170.00
    # Third (8,000 -> 12,000): 2,000 × 5% + 2,000 × 10% = 100 + 200 = 300.00
    assert paid(statement) == [
        ("Won: First", Decimal("80.00")),
        ("Won: Second", Decimal("170.00")),
        ("Won: Third", Decimal("300.00")),
    ]
    assert statement.total == Decimal("550.00")


def test_a_line_split_across_bands_is_rounded_once_not_piece_by_piece(rep, plan_for):
    plan = plan_for(
        ("won_percent", {"quota": "1000.20", "tiers": [{"up_to": "100", "rate": "2.5"},
                                                       {"up_to": None, "rate": "7.5"}]}),
        reps=[rep],
    )  # fmt: skip
    won(rep, "1000.40", date(2026, 3, 5), name="Edge")
    statement = statement_for(plan, rep, MARCH)
    # 1,000.20 × 2.5% = 25.005 and 0.20 × 7.5% = 0.015: the line is 25.020 -> 25.02
    # (rounding each piece would have paid 25.01 + 0.02 = 25.03)
    assert paid(statement) == [("Won: Edge", Decimal("25.02"))]


def test_a_spif_pays_its_bonus_for_its_kind_of_help_within_its_dates(rep, plan_for):
    plan = plan_for(
        ("spif", {"amount": "25.00", "help_kind": "make_introduction", "starts": "2026-03-10",
                  "ends": "2026-03-20"}),
        reps=[rep],
    )  # fmt: skip

    def intro(done, kind="make_introduction"):
        followup_done(rep, due=done - timedelta(hours=1), done=done, kind=kind)

    intro(at(2026, 3, 9, 23, 59))  # the day before: no
    intro(at(2026, 3, 10, 0, 30))  # first day: yes
    intro(at(2026, 3, 20, 23, 0))  # last day: yes
    intro(at(2026, 3, 21, 0, 0))  # the day after: no
    intro(at(2026, 3, 15, 12), kind="share_story")  # another kind of help: no
    statement = statement_for(plan, rep, MARCH)
    # 2 × 25.00 = 50.00
    assert [amount for _, amount in paid(statement)] == [Decimal("25.00"), Decimal("25.00")]
    assert all(d.startswith("Bonus: make an introduction for") for d, _ in paid(statement))
    assert statement.total == Decimal("50.00")


def test_a_spif_across_two_months_pays_each_month_for_its_own_days(rep, plan_for):
    plan = plan_for(
        ("spif", {"amount": "25.00", "help_kind": "share_story", "starts": "2026-03-25",
                  "ends": "2026-04-05"}),
        reps=[rep],
    )  # fmt: skip
    for done in (at(2026, 3, 28, 10), at(2026, 4, 2, 10), at(2026, 4, 6, 10)):
        followup_done(rep, due=done, done=done, kind="share_story")
    # March: the 28th -> 25.00; April: the 2nd -> 25.00 (the 6th is after the bonus)
    assert statement_for(plan, rep, MARCH).total == Decimal("25.00")
    assert statement_for(plan, rep, date(2026, 4, 1)).total == Decimal("25.00")


def test_the_cap_takes_back_what_the_rules_paid_above_it(rep, plan_for):
    plan = plan_for(
        ("per_conversation", {"amount": "10.00"}), ("cap", {"amount": "100.00"}), reps=[rep]
    )
    for _ in range(12):
        conversation(rep, when=at(2026, 3, 2, 10))
    statement = statement_for(plan, rep, MARCH)
    # 12 people × 10.00 = 120.00; capped at 100.00: a line of -20.00
    assert paid(statement)[-1] == ("Capped at €100.00", Decimal("-20.00"))
    assert statement.total == Decimal("100.00")


def test_a_fixed_floor_tops_a_thin_month_up(rep, plan_for):
    plan = plan_for(
        ("per_conversation", {"amount": "10.00"}), ("floor", {"amount": "300.00"}), reps=[rep]
    )
    conversation(rep, when=at(2026, 3, 2, 10))
    conversation(rep, when=at(2026, 3, 3, 10))
    statement = statement_for(plan, rep, MARCH)
    # 2 × 10.00 = 20.00; the floor adds 300.00 - 20.00 = 280.00
    assert paid(statement)[-1] == ("Topped up to €300.00, the guaranteed floor", Decimal("280.00"))
    assert statement.total == Decimal("300.00")


def test_rates_and_bands_read_as_plain_percentages(rep, plan_for):
    flat = rules.clean_params("won_percent", {"rate": "10"})
    assert rules.describe("won_percent", flat) == "10% of won amounts"
    tiered = rules.clean_params("won_percent", {"quota": "20000", "tiers": [
        {"up_to": "100", "rate": "5"}, {"up_to": "200", "rate": "10.50"},
        {"up_to": "", "rate": "20"}]})  # fmt: skip
    assert rules.describe("won_percent", tiered) == (
        "Of won amounts, quota 20000.00: 5% up to 100% of quota, 10.5% up to 200% of quota, "
        "20% above"
    )
