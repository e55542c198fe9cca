"""Every figure's number is the number of rows its link opens: the headline's cohorts, each
row of the figures table (n and the k of a rate), and the per-rep table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from concierge.models import FollowUpStatus
from insights import services
from tests.factories import FollowUpFactory
from tests.insights.conftest import at, person


@pytest.fixture
def records(switched, rep, teammate):
    for n in range(6):
        owner = rep if n % 2 else teammate
        person(
            owner,
            "2026-10-20",
            helped="2026-10-21" if n % 3 else None,
            opened="2026-10-25" if n < 4 else None,
            status=("won", "lost", "open", "won")[n % 4] if n < 4 else "open",
            closed="2026-11-01" if n < 4 and n % 4 != 2 else None,
        )
        prospect = person(owner, "2026-09-25", helped="2026-09-26", opened="2026-10-01")
        due = at("2026-10-27") + timedelta(days=n)
        FollowUpFactory(
            prospect=prospect,
            assignee=owner,
            due_at=due,
            status=FollowUpStatus.DONE,
            completed_at=due + timedelta(hours=2 if n % 2 else 30),
        )
    services.refresh_all()


def count_behind(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["count"]


def test_each_figure_and_each_rate_part_opens_as_many_rows(client, records, manager):
    client.force_login(manager)
    page = client.get(reverse("insights:page")).context
    checked = 0
    for metric in page["metrics"]:
        for cell in metric.cells.values():
            if metric.kind == "rate":
                k, n = (int(x) for x in cell.n_label.split(" of "))
                assert count_behind(client, cell.k_url) == k, (metric.key, cell.k_url)
            else:
                n = cell.n
            assert count_behind(client, cell.url) == n, (metric.key, cell.url)
            checked += 1
    assert checked == 8 * 6
    headline = page["headline"]
    assert count_behind(client, headline.before_url) == headline.before_n
    assert count_behind(client, headline.after_url) == headline.after_n


def test_each_number_of_the_per_rep_table_opens_as_many_rows(client, records, manager):
    client.force_login(manager)
    rows = client.get(reverse("insights:page")).context["per_owner"]
    assert rows
    for row in rows:
        assert count_behind(client, row["people_url"]) == row["people"]
        assert count_behind(client, row["opportunities_url"]) == row["opportunities"]
        assert count_behind(client, row["conversations_url"]) == row["conversations"]
        assert count_behind(client, row["first_help_url"]) == row["first_helps"]
        k, _n = (int(x) for x in row["rate_n"].split(" of "))
        assert count_behind(client, row["with_url"]) == k
        done = int(row["on_time_n"].split(" of ")[1])
        assert count_behind(client, row["followups_url"]) == done
