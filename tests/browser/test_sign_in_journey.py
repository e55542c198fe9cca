from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


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

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_wrong_password_keeps_the_rep_on_the_sign_in_form(page, rep):
    page.goto("/")
    page.get_by_label("Username").fill("rep")
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Please enter a correct username and password").is_visible()


def test_admin_sees_the_administration_home(page, admin_user, team, screenshot):
    sign_in(page, "boss")
    page.get_by_role("heading", name="Administration").wait_for()
    page.get_by_role("link", name="Teams").first.click()
    page.get_by_role("link", name=team.name).wait_for()
    screenshot(page, "admin-teams")
