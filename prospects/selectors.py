"""Reads shared by views: the prospect page (the prospects app's own page, and the
concierge's answer after a conversation is logged on it)."""

from __future__ import annotations

from datetime import datetime, time
from itertools import chain

from django.utils import timezone

from empathy_crm.access import may_edit
from prospects import charts, services
from prospects.models import Prospect


def prospect_page(user, prospect: Prospect) -> dict:
    """What the prospect page shows of ``prospect`` to ``user``: the timeline of
    conversations, engagements and opportunities, the emotional journey, the buying group
    (those of it the user may see) and why they came."""
    conversations = list(prospect.conversations.select_related("rep")[:50])
    engagements = list(prospect.engagements.select_related("asset")[:50])
    opportunities = list(prospect.opportunities.all()[:20])
    for item, kind in chain(
        ((c, "conversation") for c in conversations),
        ((e, "engagement") for e in engagements),
        ((o, "opportunity") for o in opportunities),
    ):
        item.kind = kind
        item.when = getattr(item, "occurred_at", None) or timezone.make_aware(
            datetime.combine(item.opened_on, time(12))
        )
    timeline = sorted(
        chain(conversations, engagements, opportunities), key=lambda i: i.when, reverse=True
    )
    group = []
    if prospect.account_id:
        group = list(
            Prospect.objects.visible_to(user)
            .filter(account_id=prospect.account_id)
            .exclude(pk=prospect.pk)
            .order_by("buying_role", "last_name")[:30]
        )
    why = next((e for e in engagements if e.why), None)
    return {
        "prospect": prospect,
        "can_edit": may_edit(user, prospect.owner_id),
        "timeline": timeline,
        "journey": charts.journey_chart(services.emotional_journey(prospect)),
        "buying_group": group,
        "why_engagement": why,
    }
