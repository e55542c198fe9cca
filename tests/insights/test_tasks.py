"""Beat's refresh: the topics, then a task per team (each inside a task's time limit)."""

from __future__ import annotations

from insights import tasks
from insights.models import Comparison, RollupRun, WeekFigure
from tests.insights.conftest import person


def test_beat_refreshes_topics_then_each_team_in_its_own_task(
    switched, rep, other_team, django_capture_on_commit_callbacks
):
    person(rep, "2026-11-01", helped="2026-11-02")
    with django_capture_on_commit_callbacks() as enqueued:
        tasks.refresh.run()
    assert RollupRun.objects.get(name="topics").watermark["conversation"]["read"]
    assert len(enqueued) == 2, "a task per team, sent after commit"
    for team_id in (rep.team_id, other_team.pk):  # what those messages carry, run as a worker
        tasks.team_refresh.run(team_id)
    comparison = Comparison.objects.get(team=rep.team, is_default=True)
    assert comparison.refreshed_at and comparison.figures.exists()
    assert WeekFigure.objects.filter(team=rep.team, owner=None).exists()
