"""Every key screen of each role, and the everyday in-place actions, run under the
Content-Security-Policy and Permissions-Policy without one violation or console error: no
inline script, event handler or style attribute, nothing htmx would inject or eval."""

from __future__ import annotations

import pytest

from empathy_maps import services as maps
from tests.browser import test_accessibility
from tests.browser.steps import follow, sign_in
from tests.factories import ProspectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

screens = test_accessibility.screens  # the same key screens as the accessibility pass

# Runs before the page's own scripts (Playwright injects it, outside the page's policy).
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} `
                           + `at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""


def error(message) -> bool:
    # Django admin's pages link no icon, so Chromium asks for /favicon.ico, which we lack.
    return message.type == "error" and not message.location["url"].endswith("/favicon.ico")


@pytest.fixture
def watched(page):
    """The page, and a list of what went wrong on it: CSP violations (from the event and
    the console) and every console error, Permissions-Policy complaints included."""
    problems: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: problems.append(m.text) if error(m) else None)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    return page, problems


def check(page, problems: list[str], where: str) -> list[str]:
    found = [f"{where}: {p}" for p in page.evaluate("window.__violations") + problems]
    problems.clear()
    return found


@pytest.mark.parametrize("role", ["rep", "teammate", "manager", "boss"])
def test_every_key_screen_runs_without_a_policy_violation(watched, screens, role, admin_user, rep):
    page, problems = watched
    page.goto("/")
    found = check(page, problems, "sign-in page")
    urls = screens[role]
    if role == "boss":  # and Django admin's own pages, with their scripts and widgets
        admin_user.is_superuser = True
        admin_user.save(update_fields=["is_superuser"])
        urls += ["/admin/", "/admin/people/user/", f"/admin/people/user/{rep.pk}/change/"]
    sign_in(page, role)
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers.get("content-security-policy", ""), url
        page.wait_for_load_state("load")
        found += check(page, problems, url)
    assert found == []


def test_in_place_actions_run_without_a_policy_violation(watched, screens, rep):
    page, problems = watched
    sign_in(page, "rep")
    follow(page, "Prospects")
    page.get_by_label("Search").fill("whit")
    page.wait_for_url("**q=whit**")  # htmx swapped the results in
    page.get_by_role("link", name="Dana Whitfield").wait_for()
    found = check(page, problems, "prospect search")

    follow(page, "Follow-ups")
    page.get_by_role("link", name="Snooze").first.click()
    page.get_by_role("button", name="Snooze").first.wait_for()  # the form opened in the row
    found += check(page, problems, "queue snooze")

    page.goto(
        maps.map_for_prospect(prospect=ProspectFactory(owner=rep), author=rep).get_absolute_url()
    )
    assert page.get_by_role("button", name="Print").is_visible(), "print.js ran"
    page.get_by_label("Add to Gains").fill("A rollout the dispatchers like")
    page.locator(".quadrant-gains").get_by_role("button", name="Add").click()
    page.locator(".quadrant-gains .entry", has_text="A rollout the dispatchers like").wait_for()
    found += check(page, problems, "empathy map entry")
    assert found == []


def test_the_watch_sees_a_violation_when_there_is_one(watched, rep):
    """Without this, an empty list could mean the listener never ran."""
    page, problems = watched
    sign_in(page, "rep")
    page.evaluate("""document.body.insertAdjacentHTML(
        "beforeend", '<p style="color: red">inline style</p>')""")
    page.wait_for_function("window.__violations.length > 0")
    assert any("style-src" in v for v in check(page, problems, "home"))


def test_every_feature_the_permissions_policy_names_is_known_and_refused(page, settings):
    """Chromium ignores a feature it does not know (interest-cohort, say) with no console
    message, so ask it which features it knows and which the page may use."""
    page.goto("/")
    known, allowed = page.evaluate(
        "[document.featurePolicy.features(), document.featurePolicy.allowedFeatures()]"
    )
    named = set(settings.PERMISSIONS_POLICY)
    assert named - set(known) == set(), "features Chromium does not know"
    assert named & set(allowed) == set(), "features the page may still use"
