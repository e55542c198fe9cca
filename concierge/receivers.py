"""Turn prospect events into concierge triggers. Only rows and on-commit work here; the
playbooks are expanded by a Celery task (see services.trigger_record)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count
from django.dispatch import receiver

from concierge import services
from concierge.models import Trigger
from prospects import signals
from prospects.models import Prospect


def _new_group_member(prospect: Prospect) -> None:
    if not prospect.account_id:
        return
    others = Prospect.objects.filter(account_id=prospect.account_id).exclude(pk=prospect.pk)
    if others.exists():
        services.trigger_record(
            trigger=Trigger.NEW_GROUP_MEMBER,
            prospect_id=prospect.pk,
            source_key=f"member:{prospect.pk}",
        )


@receiver(signals.engagement_recorded, dispatch_uid="concierge.engagement")
def engagement_recorded(sender, engagement, prospect_created: bool, **kwargs) -> None:
    services.trigger_record(
        trigger=Trigger.NEW_ENGAGEMENT,
        prospect_id=engagement.prospect_id,
        source_key=f"engagement:{engagement.pk}",
    )
    if prospect_created:
        _new_group_member(engagement.prospect)


@receiver(signals.prospect_added, dispatch_uid="concierge.prospect_added")
def prospect_added(sender, prospect, **kwargs) -> None:
    _new_group_member(prospect)


@receiver(signals.prospects_imported, dispatch_uid="concierge.prospects_imported")
def prospects_imported(sender, prospects: list[Prospect], **kwargs) -> None:
    """An import's people who joined a buying group that already had members before it (an
    import that brings a whole new account's group brings no "new member" to anyone)."""
    joined = Counter(p.account_id for p in prospects if p.account_id)
    accounts = list(joined)
    grown: set[int] = set()
    for n in range(0, len(accounts), 10_000):
        sizes = (
            Prospect.objects.filter(account_id__in=accounts[n : n + 10_000])
            .values("account_id").annotate(members=Count("pk"))
            .values_list("account_id", "members")
        )  # fmt: skip
        grown |= {account for account, members in sizes if members > joined[account]}
    services.triggers_record_many(
        trigger=Trigger.NEW_GROUP_MEMBER,
        events=[(p.pk, f"member:{p.pk}") for p in prospects if p.account_id in grown],
    )


@receiver(signals.conversation_logged, dispatch_uid="concierge.conversation")
def conversation_logged(sender, conversation, next_step: dict | None, **kwargs) -> None:
    prospect = conversation.prospect
    services.checkins_adjust_after_conversation(prospect, conversation.created_at)
    key = f"conversation:{conversation.pk}"
    services.trigger_record(
        trigger=Trigger.CONVERSATION_LOGGED, prospect_id=prospect.pk, source_key=key
    )
    if conversation.feeling_after < conversation.feeling_before:
        services.trigger_record(
            trigger=Trigger.FEELING_DROPPED,
            prospect_id=prospect.pk,
            source_key=f"feeling:{conversation.pk}",
        )
    if next_step:
        services.next_step_schedule(
            prospect=prospect, rep=conversation.rep, source_key=key, **next_step
        )
