"""Refreshing the rollups twice, or twice at once, never doubles a figure; the topic
mentions read every record once, including records committed late (a lower id, or the same
timestamp, as one already read)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from insights import services
from insights.models import ComparisonItem, Figure, TopicMention, TopicWeek, WeekFigure
from prospects.models import ContentAsset, Conversation
from tests.factories import ProspectFactory
from tests.insights.conftest import person


def talk(prospect, *, pk=None, created_at=None, text="How long does onboarding take?"):
    return Conversation.objects.create(
        pk=pk,
        prospect=prospect,
        rep=prospect.owner,
        occurred_at=timezone.now() - timedelta(days=1),
        created_at=created_at or timezone.now(),
        questions=text,
        help_given="Sent the checklist.",
        feeling_before=2,
        feeling_after=4,
    )


def mentions_of(conversation) -> int:
    return TopicMention.objects.filter(conversation=conversation).count()


def test_a_conversation_committed_late_with_a_lower_id_is_still_read(rep):
    prospect = ProspectFactory(owner=rep)
    later = talk(prospect, pk=1000)
    services.mentions_refresh()
    assert mentions_of(later) == 1
    # Took id 500 earlier, committed only now (same timestamp as the one read).
    late = talk(prospect, pk=500, created_at=later.created_at)
    services.mentions_refresh()
    services.mentions_refresh()
    assert (mentions_of(late), mentions_of(later)) == (1, 1)


def test_refreshing_again_counts_nothing_twice(switched, rep):
    guide = ContentAsset.objects.create(title="Guide", kind="guide")
    person(rep, "2026-10-20", helped="2026-10-21", opened="2026-10-25", asset=guide)
    services.refresh_all()
    counts = (
        Figure.objects.count(),
        ComparisonItem.objects.count(),
        WeekFigure.objects.count(),
        TopicWeek.objects.count(),
        TopicMention.objects.count(),
    )
    services.refresh_all()
    assert counts == (
        Figure.objects.count(),
        ComparisonItem.objects.count(),
        WeekFigure.objects.count(),
        TopicWeek.objects.count(),
        TopicMention.objects.count(),
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_the_same_team_at_once_never_double_a_figure(switched, rep):
    guide = ContentAsset.objects.create(title="Guide", kind="guide")
    for _n in range(3):
        person(rep, "2026-10-20", helped="2026-10-21", opened="2026-10-25", asset=guide)
    services.mentions_refresh()
    services.team_refresh(team=rep.team)
    expected = (
        sorted((f.owner_id or 0, f.period, f.cohort, f.people) for f in Figure.objects.all()),
        WeekFigure.objects.count(),
        ComparisonItem.objects.count(),
        TopicWeek.objects.count(),
    )
    errors = []

    def work():
        try:
            services.mentions_refresh()
            services.team_refresh(team=rep.team)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert (
        sorted((f.owner_id or 0, f.period, f.cohort, f.people) for f in Figure.objects.all()),
        WeekFigure.objects.count(),
        ComparisonItem.objects.count(),
        TopicWeek.objects.count(),
    ) == expected
    assert TopicMention.objects.filter(source="conversation").count() == 3
