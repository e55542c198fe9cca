"""One header for every role: one row on a laptop, a menu and the search on a phone, and
"Find a person" suggesting people as you type."""

from __future__ import annotations

import pytest

from tests.browser.steps import sign_in
from tests.factories import ProspectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admins_header_is_one_row_at_1366(page, admin_user, screenshot):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, admin_user.username)
    screenshot(page, "header-admin-1366")
    brand = page.locator(".brand").bounding_box()
    nav = page.locator("#main-nav").bounding_box()
    search = page.locator("#quick-find").bounding_box()
    assert abs(nav["y"] - brand["y"]) < 20 and abs(search["y"] - brand["y"]) < 20
    assert page.locator(".site-header").bounding_box()["height"] < 80
    page.locator("#main-nav").get_by_text("Admin", exact=True).click()
    page.get_by_role("link", name="Playbooks").wait_for()
    screenshot(page, "header-admin-1366")


def test_a_reps_header_is_one_row_at_1366_with_follow_ups_due(page, rep, screenshot):
    from tests.factories import FollowUpFactory

    for _ in range(12):  # a two-digit badge on "Follow-ups"
        FollowUpFactory(prospect=ProspectFactory(owner=rep))
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, rep.username)
    links = page.locator("#main-nav > a")
    tops = {round(links.nth(n).bounding_box()["y"]) for n in range(links.count())}
    assert len(tops) == 1, "every link on one row"
    assert page.locator(".site-header").bounding_box()["height"] < 80
    screenshot(page, "header-rep-1366")


def test_on_a_phone_the_menu_folds_and_the_search_suggests_as_you_type(page, rep, screenshot):
    dana = ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, rep.username)
    assert not page.locator("#main-nav").is_visible(), "the navigation folds on a phone"
    page.get_by_role("button", name="Menu").click()
    page.locator("#main-nav").get_by_role("link", name="Prospects").wait_for()
    page.get_by_role("button", name="Menu").click()
    box = page.get_by_label("Find a person")
    assert box.is_visible()
    box.fill("whitf")
    page.locator("#quick-find-results").get_by_text("Dana Whitfield").wait_for()
    screenshot(page, "header-phone-suggestions")
    box.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(dana.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
