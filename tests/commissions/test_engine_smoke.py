from __future__ import annotations

from datetime import date
from decimal import Decimal

from commissions import engine
from tests.commissions.conftest import at, conversation, followup_done, won


def test_a_month_of_helping_paid_to_the_cent(rep, plan_for):
    plan = plan_for(
        ("per_conversation", {"amount": "10.00"}),
        ("per_followup", {"amount": "5.50"}),
        ("won_percent", {"rate": "2.5"}),
        reps=[rep],
    )
    dana = conversation(rep, when=at(2026, 3, 3, 10)).prospect
    conversation(rep, dana, when=at(2026, 3, 3, 15))  # same prospect, same day: once
    conversation(rep, dana, when=at(2026, 3, 4, 9))
    conversation(rep, when=at(2026, 3, 5, 9), help_given="")  # no help recorded: nothing
    followup_done(rep, due=at(2026, 3, 10, 9), done=at(2026, 3, 10, 16))
    followup_done(rep, due=at(2026, 3, 10, 9), done=at(2026, 3, 12, 9))  # two days late
    won(rep, "1234.57", date(2026, 3, 20))
    result = engine.compute(plan, date(2026, 3, 1), [rep.pk])[rep.pk]
    # 2 × 10.00 + 1 × 5.50 + 2.5% of 1234.57 = 30.864… -> 30.86
    assert [line.amount for line in result.lines] == [
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("5.50"),
        Decimal("30.86"),
    ]
    assert result.total == Decimal("56.36")
