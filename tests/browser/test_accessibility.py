"""Every key screen, as each role sees it, passes axe-core's checks (WCAG 2.1 A/AA and
axe's best practices): labels, contrast, landmarks, heading order, names of controls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from api.models import ApiToken, WebhookEndpoint
from commissions import services as pay
from empathy_maps import services as maps
from empathy_maps.models import EmpathyMap, Persona
from insights.models import CoachingComment
from tests.browser.steps import sign_in
from tests.factories import (
    ConversationFactory,
    FollowUpFactory,
    FormSourceFactory,
    PlaybookFactory,
    PlaybookStepFactory,
    ProspectFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def screens(rep, teammate, manager, admin_user, team):
    dana = ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield",
                           open_question="How do we roll this out without a revolt?")  # fmt: skip
    talk = ConversationFactory(prospect=dana, rep=rep, quotes="If dispatch hates it, it's dead.")
    ProspectFactory(owner=rep, account=dana.account, first_name="Marcus",  # faded: not climbing
                    willingness="not_now")  # fmt: skip
    followup = FollowUpFactory(prospect=dana, kind="send_resource",
                                due_at=timezone.now() - timedelta(hours=1))  # fmt: skip
    board = maps.map_for_prospect(prospect=dana, author=rep)
    maps.entry_add(empathy_map=board, quadrant="says", text="If dispatch hates it, it's dead.",
                   by=rep, conversation=talk)  # fmt: skip
    maps.entry_add(empathy_map=board, quadrant="feels", text="Afraid of another failure", by=rep)
    maps.map_submit(empathy_map=board, by=rep)
    persona = Persona.objects.create(name="Operations leads", owner=manager)
    EmpathyMap.objects.create(persona=persona, owner=manager)
    persona.members.add(dana)
    playbook = PlaybookFactory(name="Answer within a working day")
    PlaybookStepFactory(playbook=playbook)
    FormSourceFactory(team=team)
    ApiToken.issue(user=rep, name="Zapier")
    hook = WebhookEndpoint(url="https://hooks.example.com/crm", topics=["prospect.created"])
    hook.secret_issue()
    hook.save()
    plan, statement = pay_for_helping(team, rep, manager, admin_user, dana)
    coached = CoachingComment.objects.create(
        conversation=talk,
        author=manager,
        field="quotes",
        text="Great quote: ask what dead means to them.",
    )
    CoachingComment.objects.create(
        conversation=talk, author=rep, reply_to=coached, text="I will next time."
    )
    coaching = ["/insights/", "/insights/coaching/", f"/insights/conversations/{talk.pk}/"]
    return {
        "rep": [
            "/", "/concierge/", f"/concierge/follow-ups/{followup.pk}/?action=done", "/prospects/",
            dana.get_absolute_url(), f"{dana.get_absolute_url()}edit/",
            dana.account.get_absolute_url(), "/prospects/accounts/", "/prospects/import/",
            "/empathy-maps/", board.get_absolute_url(), f"{board.get_absolute_url()}history/",
            "/concierge/calendar/", "/teams/mine/", "/accounts/password_change/", *coaching,
            "/accounts/api-tokens/",
            "/commissions/earnings/?period=2026-10-01&group=all",
        ],
        # a newcomer with nothing yet: the empty states
        "teammate": ["/", "/concierge/", "/prospects/", "/empathy-maps/", "/prospects/accounts/?q=zz"],
        "manager": [
            "/", "/empathy-maps/reviews/", f"{board.get_absolute_url()}review/",
            "/empathy-maps/personas/", f"/empathy-maps/personas/{persona.pk}/", "/prospects/",
            "/commissions/statements/", f"{statement.get_absolute_url()}?group=all",
            *coaching, "/insights/topics/", "/insights/rows/conversations/?period=after",
        ],
        "boss": [
            "/", "/teams/", f"/teams/{team.pk}/", "/concierge/playbooks/",
            f"/concierge/playbooks/{playbook.pk}/", "/concierge/playbooks/new/",
            "/prospects/form-sources/", "/insights/", "/commissions/plans/", plan.get_absolute_url(),
            "/commissions/plans/new/", f"/commissions/plans/{plan.pk}/what-if/?first=2026-10&last=2026-10",
            "/commissions/payroll/", "/commissions/audit/", "/webhooks/", f"/webhooks/{hook.pk}/",
        ],
    }  # fmt: skip


def pay_for_helping(team, rep, manager, admin_user, dana):
    """A live plan, the rep's October statement with a question about a line."""
    plan = pay.plan_create(
        by=admin_user, name="Helping pays", period="month", currency="EUR",
        timezone_name="UTC", effective_from=date(2026, 1, 1), teams=[team],
        rules_in=[("per_conversation", "", {"amount": "10.00"}), ("floor", "", {"amount": "100"})],
    )  # fmt: skip
    pay.plan_go_live(plan=plan, by=admin_user)
    ConversationFactory(prospect=dana, rep=rep, help_given="Sent the rollout plan",
                        occurred_at=datetime(2026, 10, 5, 10, tzinfo=UTC))  # fmt: skip
    pay.statements_run(plan=plan, start=date(2026, 10, 1))
    statement = rep.statements.get()
    line = statement.lines.first()
    pay.dispute_raise(statement=statement, key=line.key, text="Twice that day", by=rep)
    return plan, statement


def test_sign_in_page_is_accessible(page, axe):
    page.goto("/")
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("role", ["rep", "teammate", "manager", "boss"])
def test_every_key_screen_is_accessible(page, axe, screens, role, scheme):
    """In the system's light and dark modes alike (contrast is checked in both)."""
    page.emulate_media(color_scheme=scheme)
    sign_in(page, role)
    found = {}
    for url in screens[role]:
        response = page.goto(url)
        assert response.status == 200, url
        results = axe.run(page)
        if results.violations_count:
            found[url] = results.generate_report()
    assert not found, "\n\n".join(f"{url}\n{report}" for url, report in found.items())
