"""A manager opens insights, sees the headline, drills into the opportunities behind it and
coaches on a conversation; the rep finds the coaching in their inbox and replies."""

from __future__ import annotations

from datetime import date

import pytest

from insights.models import CoachingComment, TeamInsights
from tests.browser.steps import follow, sign_in
from tests.insights.conftest import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_sees_the_uplift_checks_the_rows_and_coaches(
    page, chromium, live_server, team, manager, rep, screenshot
):
    TeamInsights.objects.create(team=team, switched_on=date(2026, 10, 19), timezone="UTC")
    for n in range(30):
        person(
            rep,
            "2026-10-20",
            helped="2026-10-21",
            opened="2026-10-30" if n < 15 else None,
            name=f"Helped{n}",
        )
        person(rep, "2026-10-20", opened="2026-10-30" if n < 4 else None, name=f"Waiting{n}")
        person(rep, "2026-09-20", helped="2026-09-21", opened="2026-10-01" if n < 5 else None)
        person(rep, "2026-09-20", opened="2026-10-01" if n < 3 else None)

    sign_in(page, "manager")
    follow(page, "Insights", exact=True)
    headline = page.locator(".insights-headline")
    # 19 of 60 after (32 per 100), 8 of 60 before (13 per 100): +138%.
    assert "+138%" in headline.inner_text()
    assert "opportunities per 100 engaged people since you switched" in headline.inner_text()
    assert "Association, not proof" in headline.inner_text()
    screenshot(page, "insights")

    opened = page.locator("table").first.locator("tr", has_text="Opportunities opened")
    assert opened.locator("td").nth(1).locator("a.figure-link").inner_text() == "19"
    opened.locator("td").nth(1).locator("a.figure-link").click()
    page.wait_for_load_state()
    page.get_by_role("heading", name="Opportunities opened").wait_for()
    assert page.locator(".rows-table tbody tr").count() == 19
    assert page.locator(".rows-table tbody tr", has_text="Helped0").count() == 1

    follow(page, "Back to insights")
    shift = page.locator("table").first.locator("tr", has_text="Average feeling shift")
    shift.locator("td").nth(1).locator("a.figure-link").click()
    page.wait_for_load_state()
    page.locator(".rows-table tbody tr", has_text="Helped3").get_by_role(
        "link", name="Open"
    ).click()
    page.wait_for_load_state()
    page.get_by_label("About").select_option("help_given")
    page.get_by_label("Your coaching").fill("You asked before you offered. Keep doing that.")
    page.get_by_role("button", name="Send coaching").click()
    page.get_by_text("Sent to").wait_for()
    assert CoachingComment.objects.get().field == "help_given"

    desk = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(desk, "rep")
    desk.locator(".inbox-bell").click()
    desk.wait_for_load_state()
    desk.get_by_role("button", name="coached you on the help given").click()
    desk.wait_for_load_state()
    desk.get_by_text("You asked before you offered. Keep doing that.").wait_for()
    desk.get_by_placeholder("Reply").fill("Thanks! I will.")
    desk.get_by_role("button", name="Reply").click()
    desk.get_by_text("Reply sent.").wait_for()
    assert CoachingComment.objects.filter(author=rep, text="Thanks! I will.").exists()
    desk.context.close()
