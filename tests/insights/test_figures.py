"""The figures against hand-computed fixtures: definitions, cohorts, the small-sample rule,
intervals on the page, date-range and time-zone boundaries, the rollup against the live
computation, the rows behind each number, and the page's query count."""

from __future__ import annotations

import math
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights import metrics, selectors, services
from insights.models import Comparison, Figure, TeamInsights
from prospects.models import ContentAsset
from tests.insights.conftest import at, person


def figures(user, **params):
    scope = selectors.scope_for(user, **params)
    found = selectors.comparisons(scope)
    return selectors.figure_parts(found, scope)


def test_each_person_and_event_lands_in_its_period_and_cohort(switched, manager, rep):
    person(rep, "2026-10-20", helped="2026-10-21", opened="2026-10-25", name="Helped")
    person(
        rep,
        "2026-10-22",
        opened="2026-11-01",
        status="won",
        closed="2026-11-10",
        amount="1000",
        name="Unhelped",
    )
    # Helped only after the opportunity opened: not counted as helped before it.
    person(rep, "2026-10-23", helped="2026-11-05", opened="2026-11-01", name="Late")
    person(rep, "2026-09-20", helped="2026-09-21", name="Early")
    # Engaged before, opportunity after: counts in the period before without one.
    person(rep, "2026-09-25", opened="2026-10-25", name="Slow")
    person(rep, "2026-09-01", helped="2026-09-02", name="Older")  # before the period before

    parts = figures(manager)
    after_h, after_n = parts["after", "helped"], parts["after", "not_helped"]
    before_h, before_n = parts["before", "helped"], parts["before", "not_helped"]
    assert (after_h.people, after_h.people_with_opportunity) == (1, 1)
    assert (after_n.people, after_n.people_with_opportunity) == (2, 2)
    assert (before_h.people, before_h.people_with_opportunity) == (1, 0)
    assert (before_n.people, before_n.people_with_opportunity) == (1, 0)
    # Opportunities opened after: Helped's (helped), Unhelped's, Late's and Slow's (not).
    assert (after_h.opportunities, after_n.opportunities) == (1, 3)
    assert (after_n.won, after_n.won_amount, after_n.lost) == (1, 1000, 0)
    # First help: Helped after 1 day, Late after 13 days (after); Early after 1 day (before).
    assert dict(parts["after", "all"].help_days) == {1: 1, 13: 1}
    assert dict(before_h.help_days) == {1: 1}
    # Conversations: three with help (+2 each), all in the helped cohort.
    assert (parts["after", "all"].conversations, parts["after", "all"].shift_sum) == (2, 4)


def test_fewer_than_thirty_per_group_says_not_enough_data(client, switched, manager, rep):
    for n in range(29):
        person(rep, "2026-10-20", helped="2026-10-21", opened="2026-10-25" if n % 2 else None)
    for _n in range(30):
        person(rep, "2026-09-20")
    client.force_login(manager)
    page = client.get(reverse("insights:page")).text
    assert "Not enough data yet" in page
    assert "there are <a" in page and "30 before" in page and "29 after" in page
    assert "%" not in page.split("Not enough data yet")[1].split("</section>")[0]


@pytest.fixture
def enough(switched, rep):
    """Hand-computed: after, 40 helped people (20 with an opportunity) and 40 not helped (8);
    before, 30 helped (9) and 30 not helped (6)."""
    for n in range(40):
        person(rep, "2026-10-20", helped="2026-10-21", opened="2026-10-30" if n < 20 else None)
        person(rep, "2026-10-20", opened="2026-10-30" if n < 8 else None)
    for n in range(30):
        person(rep, "2026-09-20", helped="2026-09-21", opened="2026-10-01" if n < 9 else None)
        person(rep, "2026-09-20", opened="2026-10-01" if n < 6 else None)


def test_headline_shows_the_uplift_its_interval_and_the_difference_in_differences(
    client, enough, manager
):
    client.force_login(manager)
    page = client.get(reverse("insights:page")).text
    # 28/80 = 35 per 100 after, 15/60 = 25 before: +40%; Katz: exp(±1.96·√(1/28−1/80+1/15−1/60)).
    spread = 1.959964 * math.sqrt(1 / 28 - 1 / 80 + 1 / 15 - 1 / 60)
    low, high = 1.4 * math.exp(-spread) - 1, 1.4 * math.exp(spread) - 1
    assert "+40%" in page and "since you switched" in page
    assert f"95% interval {100 * low:+.0f}% to {100 * high:+.0f}%" in page
    assert ">35</a> vs <a" in page and ">25</a> per 100" in page
    assert "n = 80 and 60 people" in page
    # (20/40 − 9/30) − (8/40 − 6/30) = +20 points.
    assert "changed +20 points more" in page
    assert "Association, not proof" in page


def test_every_figure_opens_exactly_the_rows_it_counts(client, enough, manager):
    client.force_login(manager)
    parts = figures(manager)
    url = reverse("insights:rows", args=["with_opportunity"])
    page = client.get(url, {"period": "after", "cohort": "helped"})
    assert page.status_code == 200
    assert page.context["count"] == parts["after", "helped"].people_with_opportunity == 20
    assert client.get(url, {"period": "before"}).context["count"] == 15
    csv = client.get(url, {"period": "before", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert len(csv.content.decode().strip().splitlines()) == 1 + 15


def test_rollup_equals_the_live_computation(enough, manager, rep, teammate):
    person(
        teammate,
        "2026-11-02",
        helped="2026-11-03",
        opened="2026-11-04",
        status="lost",
        closed="2026-11-09",
    )
    team_settings = services.settings_for(manager.managed_team)
    comparison = services.comparison_for(
        team=manager.managed_team, team_settings=team_settings, default=True
    )
    periods = metrics.windows(comparison.after_from, comparison.after_to, ZoneInfo("UTC"))
    owners = services.team_owner_ids(manager.managed_team.pk)
    live_by_owner = metrics.compute(owners, periods)
    team_live: dict = {}
    for (_owner, period, cohort), counts in live_by_owner.items():
        team_live.setdefault((period, cohort), metrics.Counts()).add(counts)
    stored = {
        (f.period, f.cohort): metrics.Counts.from_row(f)
        for f in Figure.objects.filter(comparison=comparison, owner=None)
    }
    assert stored == team_live
    # The team's figures, live without grouping by owner, are the sum of its owners'.
    for owner in owners:
        alone = metrics.compute([owner], periods)
        for (o, period, cohort), counts in alone.items():
            assert live_by_owner[o, period, cohort] == counts
            row = Figure.objects.get(
                comparison=comparison, owner_id=o, period=period, cohort=cohort
            )
            assert metrics.Counts.from_row(row) == counts
    # New records show after the next refresh, and rollup and live agree again.
    person(rep, "2026-11-10", helped="2026-11-11", opened="2026-11-12")
    services.refresh_all()
    comparison = Comparison.objects.get(team=manager.managed_team, is_default=True)
    fresh = metrics.Counts.from_row(
        Figure.objects.get(comparison=comparison, owner=None, period="after", cohort="helped")
    )
    assert fresh.people == team_live["after", "helped"].people + 1  # the new person
    weeks_live = metrics.weeks(owners, services.weeks_window("UTC"))
    stored_weeks = selectors.WeekFigure.objects.filter(team=manager.managed_team, owner=None)
    total_live = sum(c.new_people for c in weeks_live.values())
    assert sum(w.new_people for w in stored_weeks) == total_live


def test_date_range_boundaries_are_whole_days_inclusive(client, switched, manager, rep):
    person(rep, at("2026-10-01", 0), name="FirstDay")  # 00:00 on the first day: in
    person(rep, at("2026-10-31", 23).replace(minute=59), name="LastDay")  # 23:59 last day: in
    person(rep, at("2026-11-01", 0), name="DayAfter")  # 00:00 the day after: out
    person(rep, at("2026-09-30", 23).replace(minute=59), name="DayBefore")  # the period before
    parts = figures(manager, first=date(2026, 10, 1), last=date(2026, 10, 31))
    assert parts["after", "all"].people == 2
    assert parts["before", "all"].people == 1  # before: 31 days, 31 Aug – 30 Sep
    page = client.get(
        reverse("insights:rows", args=["people"]),
        {"from": "2026-10-01", "to": "2026-10-31", "period": "after"},
    )
    assert page.status_code == 302  # not signed in
    client.force_login(manager)
    page = client.get(
        reverse("insights:rows", args=["people"]),
        {"from": "2026-10-01", "to": "2026-10-31", "period": "after"},
    ).text
    assert "FirstDay" in page and "LastDay" in page and "DayAfter" not in page


def test_days_end_at_midnight_in_the_teams_time_zone(switched, manager, rep):
    # 02:00 UTC on 1 November is 22:00 on 31 October in New York (daylight time ends later).
    person(rep, at("2026-11-01", 2), name="NightOwl")
    october = {"first": date(2026, 10, 1), "last": date(2026, 10, 31)}
    assert figures(manager, **october)["after", "all"].people == 0  # UTC: it is November
    TeamInsights.objects.filter(pk=switched.pk).update(timezone="America/New_York")
    assert figures(manager, **october)["after", "all"].people == 1  # New York: still October


def test_a_range_in_the_future_or_backwards_is_refused_and_the_default_shown(
    client, switched, manager
):
    client.force_login(manager)
    for params in (
        {"from": "2026-11-10", "to": "2026-12-31"},
        {"from": "2026-11-10", "to": "2026-11-01"},
        {"from": "nonsense", "to": "x"},
    ):
        response = client.get(reverse("insights:page"), params)
        assert response.status_code == 200
        assert response.context["first"] == date(2026, 10, 19)


def test_the_page_spends_the_same_queries_however_much_data(
    client, switched, manager, rep, teammate, session_queries
):
    guide = ContentAsset.objects.create(title="Onboarding guide", kind="guide")
    for n in range(3):
        person(
            rep, "2026-10-20", helped="2026-10-21", opened="2026-10-25" if n else None, asset=guide
        )
    services.refresh_all()
    client.force_login(manager)
    client.get(reverse("insights:page"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("insights:page")).status_code == 200
    for n in range(40):
        person(
            teammate if n % 2 else rep,
            "2026-09-20",
            helped="2026-09-22",
            opened="2026-10-01" if n % 3 else None,
            status="won" if n % 3 == 1 else "open",
            closed="2026-10-05" if n % 3 == 1 else None,
        )
    services.refresh_all()
    with CaptureQueriesContext(connection) as grown:
        assert client.get(reverse("insights:page")).status_code == 200
    # 1 the user with their role; (the session: none with Redis); 2 the team; 3 its
    # settings (read once for the request); 4 its latest default comparison; 5 the team's
    # figures; 6 its ten most mentioned topics; 7 their labels; 8 the team's people; 9
    # their own figures; 10 the team's member ids (access's scope of coaching); 11 coaching
    # threads per person; 12 the weeks; 13 what came before opportunities; 14 the assets'
    # titles; 15 when topics were read; 16 follow-ups due (the navigation badge); 17 unread
    # notices (the bell).
    assert len(grown) == len(small) == 17 + session_queries


def test_the_pickers_swap_the_page_body_in_place_and_keep_state_in_the_url(
    client, switched, manager
):
    client.force_login(manager)
    response = client.get(
        reverse("insights:page"),
        {"from": "2026-10-01", "to": "2026-10-31"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="insights-body",
    )
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="insights-body"' in response.text
    assert 'value="2026-10-01"' in response.text  # the picker shows the range it was given
    assert "/insights/rows/people/?from=2026-10-01&amp;to=2026-10-31&amp;period=after" in (
        response.text
    )
