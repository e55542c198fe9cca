from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request

import pytest

from tests.browser.steps import follow, sign_in
from tests.factories import ConversationFactory, ProspectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_finds_a_prospect_and_logs_a_conversation_in_place(page, rep, screenshot):
    dana = ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield",
                           open_question="How do we roll this out without a revolt?")  # fmt: skip
    ProspectFactory(owner=rep, first_name="Tom", last_name="Becker")
    ConversationFactory(prospect=dana, feeling_before=2, feeling_after=3)
    sign_in(page, "rep")
    follow(page, "Prospects")
    page.get_by_label("Search").fill("whit")
    page.wait_for_url("**q=whit**")  # htmx swapped the results and pushed the URL
    page.get_by_role("link", name="Dana Whitfield").wait_for()
    assert page.get_by_role("link", name="Tom Becker").count() == 0
    follow(page, "Dana Whitfield")
    assert page.locator("circle.journey-point").count() == 2
    question = page.get_by_label("What are they trying to get answered?")
    assert not question.is_visible(), "the form opens on demand; the timeline stays in view"

    page.evaluate("window.__stillTheSamePage = true")
    page.keyboard.press("c")  # opens the form, the cursor in its first field
    page.get_by_text("The full guide").click()
    question.fill("Who trains new dispatchers?")
    page.get_by_label("How did we help, or make their day easier?").fill(
        "Sent our onboarding checklist and offered a call with a customer who did it."
    )
    page.get_by_label("In their own words").fill("That's exactly what I needed.")
    page.locator("#log-conversation .feeling-scale").nth(0).get_by_text("Frustrated").click()
    page.locator("#log-conversation .feeling-scale").nth(1).get_by_text("Confident").click()
    page.get_by_role("button", name="Log conversation").click()

    page.get_by_text("Logged. It's on the timeline.").wait_for()
    assert page.evaluate("window.__stillTheSamePage") is True, "the page reloaded"
    timeline = page.locator("#timeline")
    assert "That's exactly what I needed." in timeline.inner_text()
    assert "Frustrated → Confident" in timeline.inner_text()
    assert page.locator("circle.journey-point").count() == 4
    assert page.get_by_label("What are they trying to get answered?").input_value() == ""
    screenshot(page, "prospect-page")


def test_on_a_phone_a_rep_logs_a_quick_conversation_under_about_them(page, rep, screenshot):
    dana = ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield",
                           email="dana.whitfield@harborlogistics.example")  # fmt: skip
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "rep")
    page.goto(dana.get_absolute_url())
    about = page.locator("#facts").bounding_box()
    timeline = page.locator("#timeline").bounding_box()
    assert about["y"] < timeline["y"], "who they are comes before the history"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing runs off the screen"
    page.get_by_text("Log a helpful conversation").click()
    page.locator("#log-conversation .feeling-scale").nth(0).get_by_text("Frustrated").click()
    page.locator("#log-conversation .feeling-scale").nth(1).get_by_text("Hopeful").click()
    page.get_by_label("How did we help, or make their day easier?").fill(
        "Answered the pricing question"
    )
    page.get_by_role("button", name="Log conversation").click()
    page.get_by_text("Logged. It's on the timeline.").wait_for()
    assert "Answered the pricing question" in page.locator("#timeline").inner_text()
    screenshot(page, "prospect-page-phone")


def test_form_source_posts_an_engagement_that_reaches_the_reps_list(
    page, admin_user, rep, team, live_server, chromium, screenshot
):
    sign_in(page, "boss")
    follow(page, "Form sources")
    page.get_by_label("Name").fill("Webinar tool")
    page.get_by_label("Team").select_option(label=team.name)
    page.get_by_role("button", name="Add source").click()
    secret = page.locator("code.secret").first.inner_text()
    source_id = team.form_sources.get(name="Webinar tool").pk
    assert f"X-Empathy-Source: {source_id}" in page.locator(".secret-once").inner_text()
    page.reload()
    assert page.locator("code.secret").count() == 0, "shown once"

    body = json.dumps({
        "email": "grace.liu@brightpath.example", "first_name": "Grace", "last_name": "Liu",
        "company": "Brightpath Clinics", "question": "What will our compliance officer ask?",
        "asset": {"title": "Security review checklist", "kind": "checklist"},
    }).encode()  # fmt: skip
    timestamp = str(int(time.time()))
    signed = f"{timestamp}.".encode() + body
    signature = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"{live_server.url}/api/inbound/engagements/", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-Empathy-Source": str(source_id),
                 "X-Empathy-Timestamp": timestamp, "X-Empathy-Signature": signature},
    )  # fmt: skip
    with urllib.request.urlopen(request) as response:
        assert response.status == 201

    rep_page = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(rep_page, "rep")
    follow(rep_page, "Prospects")
    row = rep_page.get_by_role("row", name="Grace Liu")
    row.wait_for()
    assert "What will our compliance officer ask?" in row.inner_text()
    screenshot(rep_page, "prospect-list")
    rep_page.context.close()


def test_slash_jumps_to_find_a_person_from_any_page(page, rep, teammate):
    ProspectFactory(owner=teammate, first_name="Grace", last_name="Liu")
    ProspectFactory(owner=rep, first_name="Tom", last_name="Becker")
    sign_in(page, "rep")
    follow(page, "Follow-ups")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "quick-find"
    page.keyboard.type("liu")
    page.keyboard.press("Enter")
    page.wait_for_url("**/prospects/?q=liu**")
    page.get_by_role("link", name="Grace Liu").wait_for()  # a teammate's person, found too
    assert page.get_by_role("link", name="Tom Becker").count() == 0
    page.keyboard.press("/")  # on the list, "/" goes to the list's own search
    assert page.get_by_label("Search").evaluate("el => el === document.activeElement")
