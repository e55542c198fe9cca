"""Reads shared by views: the prospect page (the prospects app's own page, and the
concierge's answer after a conversation is logged on it)."""

from __future__ import annotations

from datetime import datetime, time
from itertools import chain

from django.db.models import Q
from django.utils import timezone

from empathy_crm.access import may_edit
from prospects import charts, services
from prospects.models import Account, Prospect

SUGGESTIONS = 6


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
    history = list(prospect.history.select_related("actor")[:5])
    return {
        "prospect": prospect,
        "can_edit": may_edit(user, prospect.owner_id),
        "timeline": timeline,
        "journey": charts.journey_chart(services.emotional_journey(prospect)),
        "buying_group": group,
        "why_engagement": why,
        "history": history,
    }


def quick_find(user, text: str) -> dict:
    """People and accounts ``user`` may see whose name (or a person's email) holds ``text``,
    for the header's suggestions: a few of each, without sorting every match (a broad term
    would otherwise sort thousands to show six)."""
    terms = text.split()[:3]
    if not terms or len(text) < 2:
        return {"people": [], "accounts": [], "text": text}
    people = Prospect.objects.visible_to(user)
    accounts = Account.objects.visible_to(user)
    for term in terms:
        people = people.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term)
            | Q(email__icontains=term)
        )  # fmt: skip
        accounts = accounts.filter(name__icontains=term)
    found = list(people.select_related("account").order_by()[:SUGGESTIONS])
    return {
        "people": sorted(found, key=lambda p: (p.last_name.lower(), p.first_name.lower())),
        "accounts": sorted(accounts.order_by()[:4], key=lambda a: a.name.lower()),
        "text": text,
    }


def merge_candidates(candidates, text: str, limit: int = 8) -> list[Prospect]:
    """Who might be a duplicate: of ``candidates``, those whose name or email holds each word
    of ``text`` (the person's own name by default), or shares their email's local part."""
    found = candidates
    for term in text.split()[:3]:
        found = found.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term)
            | Q(email__icontains=term)
        )  # fmt: skip
    return list(
        found.select_related("account", "owner").order_by("last_name", "first_name")[:limit]
    )
