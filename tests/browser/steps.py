"""Steps the browser journeys share."""

from __future__ import annotations

from tests.factories import PASSWORD


def sign_in(page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def follow(page, link: str, *, exact: bool = False) -> None:
    """Click a link and wait until the new page has loaded.

    htmx is a deferred script, so it wires up search boxes and in-place forms only once the
    page has loaded; a test that types sooner than any person could would race it.
    """
    target = page.get_by_role("link", name=link, exact=exact).first
    if not target.is_visible() and page.locator(".nav-more > summary").count():
        page.locator(".nav-more > summary").click()  # an admin's settings are under "Admin"
    target.click()
    page.wait_for_load_state()
