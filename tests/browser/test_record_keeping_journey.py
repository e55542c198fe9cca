"""Correcting the records in a real browser, at a laptop's and a phone's width: merge a
duplicate, delete with an undo, pick a time zone; the rep's own zone from their browser;
a manager's team at a glance; a persona's counts."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from empathy_maps import services as maps
from empathy_maps.models import MapStatus
from people.models import User
from prospects.models import Prospect
from tests.browser.steps import sign_in
from tests.factories import ConversationFactory, FollowUpFactory, ProspectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.mark.parametrize("width", WIDTHS)
def test_a_rep_merges_a_duplicate_then_deletes_and_undoes(page, rep, screenshot, width):
    page.set_viewport_size(WIDTHS[width])
    kept = ProspectFactory(owner=rep, first_name="Grace", last_name="Liu",
                           email="grace.liu@brightpath.example")  # fmt: skip
    other = ProspectFactory(owner=rep, first_name="Grace", last_name="Liu",
                            email="gliu@brightpath-clinics.example")  # fmt: skip
    ConversationFactory.create_batch(2, prospect=other)
    sign_in(page, rep.username)
    page.goto(kept.get_absolute_url())
    page.get_by_role("link", name="Merge a duplicate").click()
    page.get_by_text(other.email).wait_for()
    screenshot(page, f"merge-find-{width}")
    page.get_by_role("link", name="See what moves").click()
    page.get_by_text("2 conversations").wait_for()
    screenshot(page, f"merge-preview-{width}")
    page.get_by_role("button", name="Merge Grace Liu into Grace Liu").click()
    page.get_by_text("still finds Grace Liu").wait_for()
    assert page.url.endswith(kept.get_absolute_url())
    page.locator("#record-heading").scroll_into_view_if_needed()
    whole_page(page, screenshot(page, f"merge-done-{width}"))
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]

    page.get_by_role("link", name="Delete", exact=True).click()
    screenshot(page, f"delete-confirm-{width}")
    page.get_by_role("button", name="Delete Grace Liu").click()
    banner = page.locator(".undo-banner")
    banner.get_by_text("Deleted Grace Liu").wait_for()
    whole_page(page, screenshot(page, f"delete-undo-banner-{width}"))
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    banner.get_by_role("button", name="Undo").click()
    page.get_by_text("Grace Liu is back.").wait_for()
    assert Prospect.objects.filter(pk=kept.pk).exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_time_zone_is_picked_by_typing_and_a_reps_own_comes_from_the_browser(
    chromium, live_server, rep, screenshot, width
):
    context = chromium.new_context(
        base_url=live_server.url, viewport=WIDTHS[width], timezone_id="America/Chicago"
    )
    page = context.new_page()
    try:
        sign_in(page, rep.username)
        deadline = time.monotonic() + 10  # the page posts it once it has loaded
        while User.objects.get(pk=rep.pk).timezone == "UTC" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert User.objects.get(pk=rep.pk).timezone == "America/Chicago"
        page.goto(reverse("prospects:prospect_create"))
        zone = page.get_by_label("Time zone")
        assert zone.get_attribute("list") == "time-zones"
        assert page.locator("#time-zones option[value='Europe/Berlin']").count() == 1
        page.get_by_label("First name").fill("Lena")
        page.get_by_label("Email").fill("lena@kanzlei.de")
        zone.fill("Mars/Olympus")
        page.get_by_role("button", name="Add prospect").click()
        page.get_by_text("is not a time zone we know").wait_for()
        screenshot(page, f"time-zone-refused-{width}")
        page.get_by_label("Time zone").fill("")
        page.get_by_role("button", name="Add prospect").click()
        page.get_by_text("Lena is in your list").wait_for()
        assert Prospect.objects.get(email="lena@kanzlei.de").timezone == "Europe/Berlin"
        page.get_by_text("Europe/Berlin").first.wait_for()
        screenshot(page, f"time-zone-suggested-{width}")
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_manager_sees_the_team_at_a_glance(page, rep, teammate, manager, screenshot, width):
    dana = ProspectFactory(owner=rep)
    maps.map_submit(empathy_map=_map_with_entry(dana, rep, "Worried the rollout will fail"), by=rep)
    ConversationFactory(prospect=dana, help_given="")
    FollowUpFactory(prospect=dana, due_at="2026-11-16T10:00:00Z", status="due")
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, manager.username)
    card = page.locator("section", has=page.locator("#team-heading"))
    card.get_by_text("1 empathy map waiting for your review").wait_for()
    card.scroll_into_view_if_needed()
    whole_page(page, screenshot(page, f"manager-your-team-{width}"))
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    card.get_by_role("link", name="1 empathy map waiting for your review").click()
    page.get_by_role("link", name=dana.name).wait_for()
    assert dana.empathy_maps.get().status == MapStatus.SUBMITTED


@pytest.mark.parametrize("width", WIDTHS)
def test_a_persona_says_how_many_share_each_entry(page, rep, screenshot, width):
    from empathy_maps.models import Persona

    people = [ProspectFactory(owner=rep) for _ in range(3)]
    for person, said in zip(people, ["Worried the rollout will fail", "worried the rollout "
                                     "could fail", "Wants a calmer Monday"], strict=True):  # fmt: skip
        _map_with_entry(person, rep, said)
    persona = maps.persona_create(name="Practice managers", description="", owner=rep)
    persona.members.add(*people)
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, rep.username)
    page.goto(reverse("empathy_maps:persona_detail", args=[persona.pk]))
    page.get_by_text("2 of 3 people").wait_for()
    assert page.get_by_text("1 of 3 people").count() == 1
    whole_page(page, screenshot(page, f"persona-counts-{width}"))
    assert Persona.objects.get(pk=persona.pk).insight["members"] == 3


def whole_page(page, path) -> None:
    """Beside the top of the page, the whole of it, to see the card lower down."""
    page.screenshot(path=str(path.with_name(path.stem + "-full.png")), full_page=True)


def _map_with_entry(prospect, author, text):
    empathy_map = maps.map_for_prospect(prospect=prospect, author=author)
    maps.entry_add(empathy_map=empathy_map, quadrant="feels", text=text, by=author)
    return empathy_map
