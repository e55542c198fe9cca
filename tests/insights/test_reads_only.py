"""A page read never writes: the rollups are beat's (``insights.refresh``); a page whose
rollup is not made yet shows the figures worked out live, says so, and stores nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights import services
from insights.models import Comparison, Figure, TeamInsights
from tests.insights.conftest import person

WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


@pytest.mark.parametrize("role", ["manager", "rep", "admin_user"])
def test_reading_any_insights_page_writes_nothing(client, request, role, team, rep, manager):
    person(rep, "2026-10-20", helped="2026-10-21", opened="2026-10-25")
    client.force_login(request.getfixturevalue(role))
    client.get(reverse("insights:coaching"))  # the session and sign-in are not the page's
    urls = [
        (reverse("insights:page"), {}),
        (reverse("insights:page"), {"from": "2026-10-01", "to": "2026-10-31"}),
        (reverse("insights:rows", args=["people"]), {"period": "after"}),
        (
            reverse("insights:rows", args=["opportunities"]),
            {"from": "2026-10-01", "to": "2026-10-31"},
        ),
        (reverse("insights:topic_list"), {}),
        (reverse("insights:export", args=["figures"]), {}),
    ]
    for url, params in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        assert writes(queries) == [], url
    assert not Comparison.objects.exists() and not Figure.objects.exists()
    assert not TeamInsights.objects.exists()


def test_before_the_first_refresh_the_page_shows_live_figures_and_says_so(
    client, switched, manager, rep
):
    person(rep, "2026-10-20", helped="2026-10-21", opened="2026-10-25")
    client.force_login(manager)
    page = client.get(reverse("insights:page"))
    assert page.context["metrics"][0].after_all.n == 1
    assert "worked out just now" in page.text
    services.refresh_all()
    page = client.get(reverse("insights:page"))
    assert page.context["metrics"][0].after_all.n == 1
    assert "Figures as of" in page.text and "worked out just now" not in page.text
