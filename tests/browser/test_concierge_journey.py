from __future__ import annotations

import pytest

from concierge.models import FollowUp
from tests.browser.steps import follow, sign_in
from tests.factories import ProspectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_schedules_a_next_step_and_completes_it_in_the_queue(page, rep, screenshot):
    dana = ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield",
                           open_question="How do we roll this out without a revolt?")  # fmt: skip
    sign_in(page, "rep")
    page.goto(dana.get_absolute_url())
    page.get_by_text("Log a helpful conversation").click()
    page.get_by_text("The full guide").click()
    page.get_by_label("What are they trying to get answered?").fill("Who trains new dispatchers?")
    page.get_by_label("How did we help, or make their day easier?").fill("Talked through a pilot.")
    page.locator("#log-conversation .feeling-scale").nth(0).get_by_text("Unsure").click()
    page.locator("#log-conversation .feeling-scale").nth(1).get_by_text("Hopeful").click()
    page.get_by_label("Next helpful step").select_option(label="Send a resource")
    page.get_by_label("The help you will offer").fill("Send the dispatcher training checklist.")
    page.get_by_role("button", name="Log conversation").click()
    page.get_by_text("Logged. It's on the timeline.").wait_for()
    assert FollowUp.objects.filter(prospect=dana, kind="send_resource").exists()

    follow(page, "Follow-ups")
    row = page.locator("li.followup", has_text="Dana Whitfield")
    row.wait_for()
    assert "Send the dispatcher training checklist." in row.inner_text()
    assert "Who trains new dispatchers?" in row.inner_text()
    page.evaluate("window.__stillTheSamePage = true")

    row.get_by_text("Done…").click()
    row.get_by_label("Outcome").select_option(label="The help was welcome")
    row.get_by_role("button", name="Mark done").click()
    row = page.locator("li.followup", has_text="Dana Whitfield")
    row.get_by_text("if you were them, why would you want this?").wait_for()
    screenshot(page, "queue")
    assert FollowUp.objects.get(prospect=dana).status != "done"

    row.get_by_label("If I were them, why would I want this?").fill(
        "New dispatchers start Monday; this saves me writing the plan myself."
    )
    row.get_by_label("Outcome").select_option(label="The help was welcome")
    row.get_by_role("button", name="Mark done").click()
    page.get_by_text("Done: send a resource for Dana Whitfield.").wait_for()
    assert page.evaluate("window.__stillTheSamePage") is True, "the queue reloaded"
    assert FollowUp.objects.get(prospect=dana).status == "done"


def test_rep_works_the_queue_from_the_keyboard(page, rep):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import FollowUpFactory

    now = timezone.now()
    for n, name in enumerate(["Ada", "Ben", "Cleo"]):
        FollowUpFactory(prospect=ProspectFactory(owner=rep, first_name=name),
                             kind="send_resource", due_at=now - timedelta(hours=3 - n))  # fmt: skip
    sign_in(page, "rep")
    follow(page, "Follow-ups")
    page.get_by_text("Keyboard:").wait_for()  # shown once the keyboard script runs

    def focused() -> str:
        return page.evaluate("document.activeElement.closest('li.followup')?.innerText || ''")

    page.keyboard.press("j")
    assert "Ada" in focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert "Ben" in focused()

    page.keyboard.press("d")  # the done form opens in Ben's row, focus in its first field
    page.locator("li.followup textarea:focus").wait_for()
    page.keyboard.type("It saves me writing the plan.")
    assert page.evaluate("document.activeElement.name") == "receivers_eye"
    page.keyboard.press("Escape")  # back to the row, form closed
    assert "Ben" in focused()
    assert page.evaluate("document.activeElement.tagName") == "LI"

    page.keyboard.press("x")  # skip, with the reason typed and Enter to send
    page.locator("li.followup input[name=reason]:focus").wait_for()
    page.keyboard.type("They asked us to wait for their budget.")
    page.keyboard.press("Enter")
    page.get_by_text("Skipped. The reason is kept in its history.").wait_for()
    ben = FollowUp.objects.get(prospect__first_name="Ben")
    assert (ben.status, ben.skip_reason) == ("skipped", "They asked us to wait for their budget.")

    page.wait_for_function("!document.querySelector('.htmx-settling, .htmx-request')")
    page.keyboard.press("j")  # the next follow-up takes its place
    assert "Cleo" in focused()
