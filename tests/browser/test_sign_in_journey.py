from __future__ import annotations

import pytest

from tests.browser.steps import follow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_signs_in_sees_their_day_and_signs_out(page, rep, screenshot):
    page.goto("/")
    assert page.get_by_role("heading", name="Sign in").is_visible()
    screenshot(page, "sign-in")

    sign_in(page, "rep")
    page.get_by_role("heading", name="Today's helpful follow-ups").wait_for()
    assert page.get_by_text("Nothing due today").is_visible()
    assert page.get_by_role("link", name="My team").is_visible()
    assert page.get_by_role("link", name="Django admin").count() == 0
    screenshot(page, "rep-home")

    page.locator(".account-menu > summary").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_wrong_password_keeps_the_rep_on_the_sign_in_form(page, rep):
    page.goto("/")
    page.get_by_label("Username").fill("rep")
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Please enter a correct username and password").wait_for()
    assert page.get_by_label("Username").input_value() == "rep", "what was typed is kept"


def test_admin_sees_the_administration_home(page, admin_user, team, screenshot):
    sign_in(page, "boss")
    page.get_by_role("heading", name="Administration").wait_for()
    follow(page, "Teams")
    page.get_by_role("link", name=team.name).wait_for()
    screenshot(page, "admin-teams")


def test_the_navigation_fits_a_phone(page, rep):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "rep")
    assert not page.get_by_role("navigation", name="Main").is_visible(), "folded behind Menu"
    page.get_by_role("button", name="Menu").click()
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    assert links.count() >= 5
    for n in range(links.count()):
        box = links.nth(n).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, links.nth(n).inner_text()
        assert links.nth(n).is_visible()


def test_on_a_phone_the_prospect_filters_fold_away_until_asked_for(page, rep):
    from tests.factories import ProspectFactory

    ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "rep")
    page.goto("/prospects/")
    assert page.get_by_label("Search").is_visible()
    assert page.get_by_role("link", name="Dana Whitfield").is_visible()
    assert page.get_by_role("columnheader", name="Open question").is_visible()
    assert not page.get_by_role("columnheader", name="Owner").is_visible(), "no sideways scroll"
    page.wait_for_function("!document.querySelector('details.filters-panel').open")
    assert not page.get_by_label("Stage").is_visible()
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Stage").select_option(label="Exploring")
    page.wait_for_url("**stage=exploring**")
    page.reload()
    assert page.get_by_label("Stage").is_visible(), "with a filter on, the panel stays open"


def test_on_a_wide_screen_the_prospect_filters_are_always_there(page, rep):
    sign_in(page, "rep")
    page.goto("/prospects/")
    assert page.get_by_label("Stage").is_visible()
    assert not page.get_by_text("Filters", exact=True).is_visible()


def test_a_reps_pages_fit_a_phone_screen(page, rep, teammate, manager):
    from tests.factories import AccountFactory, FollowUpFactory, ProspectFactory

    account = AccountFactory(name="Harbor Logistics and Regional Cold-Chain Distribution")
    dana = ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield", account=account,
                           email="dana.whitfield@harborlogisticscoldchaindistribution.example",
                           open_question="How do we roll this out without a revolt?")  # fmt: skip
    FollowUpFactory(prospect=dana)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "rep")
    for url in ("/", "/concierge/", "/prospects/", dana.get_absolute_url(),
                account.get_absolute_url(), "/empathy-maps/"):  # fmt: skip
        page.goto(url)
        assert page.evaluate(BEYOND_THE_SCREEN) == [], url


def test_manager_and_admin_pages_fit_a_phone_screen(page, rep, manager, admin_user, team):
    from tests.factories import FormSourceFactory

    FormSourceFactory(team=team, name="Webinar tool with a rather long name for a source")
    page.set_viewport_size({"width": 390, "height": 844})
    for who, urls in (("manager", ["/", "/empathy-maps/reviews/", f"/teams/{team.pk}/"]),
                      ("boss", ["/", "/teams/", "/prospects/form-sources/",
                                "/concierge/playbooks/", "/prospects/import/"])):  # fmt: skip
        sign_in(page, who)
        for url in urls:
            page.goto(url)
            assert page.evaluate(BEYOND_THE_SCREEN) == [], f"{who}: {url}"
        page.locator(".account-menu > summary").click()
        page.get_by_role("button", name="Log out").click()
        page.get_by_role("heading", name="Sign in").wait_for()


# Elements whose box ends past the right edge of the screen (tables scroll in their own box).
BEYOND_THE_SCREEN = """() => [...document.body.querySelectorAll("*")]
  .filter(el => !el.closest(".table-wrap"))
  .filter(el => { const box = el.getBoundingClientRect();
                  return box.width > 0 && box.right > window.innerWidth + 1; })
  .map(el => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 40)}`)"""
