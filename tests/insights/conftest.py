from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from insights.models import TeamInsights
from prospects.models import Conversation, Engagement, Opportunity
from tests.factories import ProspectFactory

UTC = ZoneInfo("UTC")


def at(day: date | str, hour: int = 12, tz: ZoneInfo = UTC) -> datetime:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(day, time(hour), tzinfo=tz)


def person(
    owner,
    engaged,
    *,
    helped=None,
    talked=None,
    opened=None,
    status="open",
    closed=None,
    amount="1000",
    asset=None,
    name="Pat",
):
    """A person engaged at ``engaged``; helped (a conversation with help given) at ``helped``;
    a conversation without help at ``talked``; an opportunity opened on ``opened``."""
    prospect = ProspectFactory(owner=owner, first_name=name)
    engaged = at(engaged) if isinstance(engaged, str) else engaged
    Engagement.objects.create(
        prospect=prospect, occurred_at=engaged, why="How long does it take?", asset=asset
    )
    if helped:
        Conversation.objects.create(
            prospect=prospect,
            rep=owner,
            occurred_at=at(helped) if isinstance(helped, str) else helped,
            help_given="Sent the checklist.",
            questions="How long does onboarding take?",
            feeling_before=2,
            feeling_after=4,
        )
    if talked:
        Conversation.objects.create(
            prospect=prospect,
            rep=owner,
            occurred_at=at(talked) if isinstance(talked, str) else talked,
            help_given="",
            feeling_before=3,
            feeling_after=2,
        )
    if opened:
        Opportunity.objects.create(
            account=prospect.account,
            prospect=prospect,
            owner=owner,
            name=f"{name}'s deal",
            amount=Decimal(amount),
            status=status,
            opened_on=date.fromisoformat(opened),
            closed_on=date.fromisoformat(closed) if closed else None,
        )
    return prospect


@pytest.fixture
def switched(team, manager):
    """The team switched to helping on 19 October 2026 (the clock: 18 November 2026):
    after = 19 Oct – 18 Nov (31 days), before = 18 Sep – 18 Oct."""
    return TeamInsights.objects.create(team=team, switched_on=date(2026, 10, 19), timezone="UTC")
