"""A plan that pays for helping, from the admin's draft to the rep's question about a line.

The period is computed by the statement-run task run in place (Celery's eager mode), so the
journey keeps the suite's fixed clock; tests/commissions/test_runs_worker.py proves a real
worker computes a requested run.
"""

from __future__ import annotations

from datetime import date

import pytest

from commissions import services
from commissions.models import Dispute, Statement
from empathy_crm.celery import app
from tests.browser.steps import follow, sign_in
from tests.commissions.conftest import at, conversation, won

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def runs_in_place():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def old_plan(team, rep, teammate, admin_user):
    """What the team was paid under until September: 10% of won amounts."""
    plan = services.plan_create(
        by=admin_user,
        name="Old plan",
        period="month",
        currency="EUR",
        timezone_name="UTC",
        effective_from=date(2026, 1, 1),
        teams=[team],
        rules_in=[("won_percent", "", {"rate": "10"})],
    )
    services.plan_go_live(plan=plan, by=admin_user)
    services.plan_retire(plan=plan, last_day=date(2026, 9, 30), by=admin_user)
    return plan


def at_width(page, width: int, screenshot, name: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    screenshot(page, f"{name}-{width}")


def test_admin_builds_and_runs_a_plan_the_manager_approves_the_rep_questions_a_line(
    page,
    chromium,
    live_server,
    team,
    rep,
    teammate,
    manager,
    admin_user,
    old_plan,
    runs_in_place,
    screenshot,
):
    dana = conversation(rep, when=at(2026, 10, 6, 10)).prospect
    dana.first_name, dana.last_name = "Dana", "Whitfield"
    dana.save(update_fields=["first_name", "last_name"])
    conversation(rep, dana, when=at(2026, 10, 9, 10))
    won(rep, "2000.00", date(2026, 9, 15))  # the old plan paid 200.00 for September
    conversation(teammate, when=at(2026, 9, 10, 10))

    # The admin drafts "Helping pays" and adds its rules, each with its own form.
    sign_in(page, admin_user.username)
    follow(page, "Commissions")
    follow(page, "New plan")
    page.get_by_label("Name").fill("Helping pays")
    page.get_by_label("Pays from").fill("2026-10-01")
    page.get_by_label(team.name).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Create the draft").click()
    page.get_by_text("Plan created as a draft").wait_for()

    def add_rule(kind: str, fill: dict[str, str], choose: dict[str, str] | None = None) -> None:
        page.get_by_label("Add a rule").select_option(label=kind)
        page.get_by_role("button", name="Add…").click()
        form = page.locator("#rule-form")
        form.wait_for()
        for label, value in fill.items():
            form.get_by_label(label, exact=True).fill(value)
        for label, value in (choose or {}).items():
            form.get_by_label(label, exact=True).select_option(label=value)
        with page.expect_navigation():
            form.get_by_role("button", name="Save the rule").click()
        page.get_by_text(f"Rule saved: {kind}").wait_for()

    add_rule("Per helpful conversation", {"Amount per helpful conversation": "25.00"})
    add_rule("Guaranteed floor", {"Guaranteed amount a period": "150.00"})
    add_rule(
        "Hold-harmless transition",
        {"Until (last day)": "2026-12-31"},
        {"Previous plan": "Old plan"},
    )
    page.locator("#preview table").wait_for()  # the preview on last period, loaded in place
    at_width(page, 1366, screenshot, "commission-plan")
    at_width(page, 390, screenshot, "commission-plan")
    page.set_viewport_size({"width": 1366, "height": 900})

    # What if it had paid in September? Teammate earned 0 then and 150 now (the floor);
    # the rep 200 (10% of 2,000) and now 150 (the floor over 0 conversations… plus the
    # hold-harmless makes up the rest, so nobody earns less).
    page.get_by_label("From", exact=True).fill("2026-09")
    page.get_by_label("To", exact=True).fill("2026-09")
    with page.expect_navigation():
        page.get_by_role("button", name="Compare").click()
    page.locator("table tbody tr").first.wait_for()
    assert page.locator("tr", has_text=str(rep)).locator("td").nth(0).inner_text() == "€200.00"
    at_width(page, 1366, screenshot, "commission-what-if")
    page.go_back()

    with page.expect_navigation():
        page.get_by_role("button", name="Make it live").click()
    page.get_by_text("is live").wait_for()
    page.get_by_label("Compute").select_option(label="October 2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Run").click()
    page.locator("#runs", has_text="2 statements").wait_for()

    # The manager approves the rep's October.
    boss = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(boss, manager.username)
    follow(boss, "Statements")
    row = boss.locator("tbody tr", has_text=str(rep))
    assert "€150.00" in row.inner_text()  # 2 × 25.00 = 50.00, topped up to 150.00
    at_width(boss, 1366, screenshot, "commission-statements")
    at_width(boss, 390, screenshot, "commission-statements")
    with boss.expect_navigation():
        row.get_by_role("button", name="Approve").click()
    boss.get_by_text("Approved:").wait_for()
    assert Statement.objects.get(rep=rep).status == "approved"

    # The rep opens their earnings, drills into a line, and questions it.
    page.context.close()
    page = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(page, rep.username)
    follow(page, "My earnings")
    page.get_by_text("Topped up to €150.00, the guaranteed floor").first.wait_for()
    group = page.locator(".statement-group", has_text="Per helpful conversation")
    group.get_by_role("link", name="Show lines").click()
    line = group.get_by_role("link", name="Helped Dana Whitfield on Oct 6")
    line.wait_for()
    at_width(page, 1366, screenshot, "my-earnings")
    at_width(page, 390, screenshot, "my-earnings")
    page.set_viewport_size({"width": 1366, "height": 900})
    with page.expect_navigation():
        line.click()
    assert page.url.endswith(
        "#conversation-" + str(dana.conversations.order_by("occurred_at")[0].pk)
    )
    page.go_back()
    page.wait_for_load_state()
    group = page.locator(".statement-group", has_text="Per helpful conversation")
    if not group.locator("table").count():
        group.get_by_role("link", name="Show lines").click()
    row = group.locator("tr", has_text="Helped Dana Whitfield on Oct 9")
    row.get_by_text("Question this").click()
    row.get_by_label("What is wrong with this line?").fill("We spoke twice that day")
    with page.expect_navigation():
        row.get_by_role("button", name="Send to my manager").click()
    page.get_by_text("Your question is with your manager").wait_for()
    assert Dispute.objects.get().text == "We spoke twice that day"
    boss.reload()
    assert boss.locator(".inbox-bell .count-badge").inner_text().strip() != "0"
    boss.context.close()
