from __future__ import annotations

import pytest

from empathy_maps.models import EmpathyMap
from tests.browser.steps import follow, sign_in
from tests.factories import ConversationFactory, ProspectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_map_from_quotes_returned_revised_and_approved(
    page, chromium, live_server, rep, manager, screenshot
):
    dana = ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield")
    ConversationFactory(prospect=dana, quotes="I can't survive another failed rollout.")
    ConversationFactory(prospect=dana, quotes="If dispatch hates it, it's dead.")

    sign_in(page, "rep")
    page.goto(dana.get_absolute_url())
    with page.expect_navigation():
        page.get_by_role("button", name="Empathy map", exact=True).click()
    evidence = page.locator("section.evidence li")
    for quote in ("I can't survive another failed rollout.", "If dispatch hates it, it's dead."):
        evidence.filter(has_text=quote).get_by_role("button", name="Map as Says").click()
        page.locator(".quadrant-says .entry", has_text=quote).wait_for()
    page.get_by_label("Add to Feels").fill("Afraid the rollout fails again")
    page.locator(".quadrant-feels").get_by_role("button", name="Add").click()
    page.locator(".quadrant-feels .entry", has_text="Afraid the rollout fails again").wait_for()
    assert page.locator(".quadrant-says .badge-success").count() == 2, "quotes carry their evidence"
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Version 1 submitted for review").wait_for()

    boss = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(boss, "manager")
    week = boss.locator(".team-week tbody tr", has_text=str(rep))
    assert week.locator("td").nth(0).inner_text() == "2", "the rep's two conversations this week"
    screenshot(boss, "manager-home")
    follow(boss, "Open the review queue")
    follow(boss, "Dana Whitfield")
    boss.get_by_label("Comment on “Afraid the rollout fails again”").fill(
        "Afraid of what, for whom?"
    )
    boss.get_by_label("Comment on the whole map").fill("Good quotes. Go deeper on feelings.")
    boss.get_by_role("button", name="Return for more depth").click()
    boss.get_by_text("is returned for more depth").wait_for()

    page.reload()
    page.get_by_text("Afraid of what, for whom?").wait_for()
    page.get_by_text("Good quotes. Go deeper on feelings.").wait_for()
    page.get_by_label("Add to Feels").fill("Worried the COO blames her")
    page.locator(".quadrant-feels").get_by_role("button", name="Add").click()
    page.locator(".quadrant-feels .entry", has_text="Worried the COO blames her").wait_for()
    screenshot(page, "empathy-map")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Version 2 submitted for review").wait_for()

    follow(boss, "Empathy maps", exact=True)
    follow(boss, "Review queue")
    follow(boss, "Dana Whitfield")
    boss.get_by_role("button", name="Approve").click()
    boss.get_by_text("is approved").wait_for()
    boss.context.close()

    follow(page, "History")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert "Approved" in rows.nth(0).inner_text() and "Returned" in rows.nth(1).inner_text()
    assert EmpathyMap.objects.get().status == "approved"
