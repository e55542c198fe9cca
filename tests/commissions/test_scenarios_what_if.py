"""The what-if: a draft plan priced on the records reps already have, against what their
current plans pay; it writes nothing, and whoever would earn less comes first."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from commissions import engine, services
from commissions.models import (
    AuditEntry,
    CommissionPlan,
    CommissionRule,
    LineExclusion,
    PayrollBatch,
    PlanVersion,
    Statement,
    StatementLine,
)
from tests.commissions.conftest import at, conversation, followup_done, won

JANUARY = date(2026, 1, 1)
MODELS = (CommissionPlan, PlanVersion, CommissionRule, Statement, StatementLine, LineExclusion,
          PayrollBatch, AuditEntry)  # fmt: skip


def test_the_what_if_writes_nothing_and_puts_who_would_earn_less_first(rep, teammate, plan_for):
    plan_for(("won_percent", {"rate": "10"}), reps=[rep, teammate], name="Pays for wins",
             start=date(2025, 1, 1))  # fmt: skip
    draft = plan_for(("per_conversation", {"amount": "10.00"}), ("won_percent", {"rate": "2"}),
                     reps=[rep, teammate], live=False)  # fmt: skip
    won(rep, "5000.00", date(2026, 1, 10))
    conversation(rep, when=at(2026, 1, 12, 10))
    conversation(rep, when=at(2026, 1, 13, 10))
    for _ in range(30):
        conversation(teammate, when=at(2026, 1, 20, 10))
    won(teammate, "1000.00", date(2026, 2, 3))
    before = {model.__name__: model.objects.count() for model in MODELS}
    rows = services.what_if(draft=draft, first=JANUARY, last=date(2026, 2, 28))
    after = {model.__name__: model.objects.count() for model in MODELS}
    assert after == before, "nothing written"
    # rep: now 10% of 5,000 = 500.00; draft 2 × 10.00 + 2% of 5,000 = 120.00 -> -380.00
    # teammate: now 10% of 1,000 = 100.00; draft 30 × 10.00 + 2% of 1,000 = 320.00 -> +220.00
    assert [(r.rep, r.old, r.new, r.difference) for r in rows] == [
        (rep, Decimal("500.00"), Decimal("120.00"), Decimal("-380.00")),
        (teammate, Decimal("100.00"), Decimal("320.00"), Decimal("220.00")),
    ]


def test_the_what_if_counts_exactly_what_a_statement_would_pay(rep, plan_for):
    # what-if and previews count records in SQL without listing them: the same figure as the
    # line-by-line statement, rounding and once-a-day included
    plan = plan_for(
        ("per_conversation", {"amount": "12.34"}),
        ("per_followup", {"amount": "3.33"}),
        ("won_percent", {"quota": "1000.20", "tiers": [{"up_to": "100", "rate": "2.5"},
                                                       {"up_to": None, "rate": "7.5"}]}),
        ("spif", {"amount": "4.44", "help_kind": "check_in", "starts": "2026-03-01",
                  "ends": "2026-03-15"}),
        reps=[rep], tz="Europe/Berlin",
    )  # fmt: skip
    talked_to = conversation(rep, when=at(2026, 3, 2, 10)).prospect
    conversation(rep, talked_to, when=at(2026, 3, 2, 22, 30))  # 23:30 in Berlin: same day
    conversation(rep, talked_to, when=at(2026, 3, 2, 23, 30))  # 00:30 on the 3rd: next day
    conversation(rep, when=at(2026, 3, 4, 10), help_given="")
    for day in (3, 9, 16):
        done = at(2026, 3, day, 10)
        followup_done(rep, due=done - timedelta(hours=2), done=done, kind="check_in")
    for amount, day in (("0.20", 2), ("1000.00", 5), ("0.20", 9), ("41.00", 20)):
        won(rep, amount, date(2026, 3, day))
    listed = engine.compute(plan, date(2026, 3, 1), [rep.pk])[rep.pk]
    counted = engine.compute(plan, date(2026, 3, 1), [rep.pk], detail=False)[rep.pk]
    # conversations: Mar 2 (twice) and Mar 3 in Berlin, 2 × 12.34 = 24.68
    # follow-ups on time: 3 × 3.33 = 9.99; check-ins within the bonus (3rd, 9th): 2 × 4.44 = 8.88
    # wins in close order against 1,000.20: 0.20 × 2.5% = 0.005 -> 0.01; 1,000.00 × 2.5% =
    # 25.00 (reaching quota exactly); 0.20 × 7.5% = 0.015 -> 0.02; 41.00 × 7.5% = 3.075 -> 3.08
    # 24.68 + 9.99 + 8.88 + 0.01 + 25.00 + 0.02 + 3.08 = 71.66
    assert listed.total == counted.total == Decimal("71.66")
