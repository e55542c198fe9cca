from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from prospects import services
from prospects.models import Conversation, FeelingTrend, ProspectEvent
from tests.factories import ConversationFactory, EngagementFactory, ProspectFactory


def form_data(**overrides) -> dict:
    data = {
        "channel": "video",
        "occurred_at": (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "questions": "How do we roll this out without a revolt?",
        "frustrations": "The last tool was forced on them.",
        "roadblocks": "No time to train dispatch.",
        "help_given": "Shared a depot-by-depot rollout plan.",
        "wins": "A pilot plan to show the COO.",
        "quotes": "I can't survive another failed rollout.\nIf dispatch hates it, it's dead.",
        "feeling_before": "2",
        "feeling_after": "4",
    }
    return {**data, **overrides}


def test_logging_in_place_updates_timeline_chart_and_facts(client, rep, own_prospect):
    client.force_login(rep)
    response = client.post(
        reverse("concierge:conversation_create", args=[own_prospect.pk]),
        form_data(),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html
    assert 'id="log-conversation"' in html and "Logged." in html
    assert 'id="timeline" aria-labelledby="timeline-heading" hx-swap-oob="true"' in html
    assert 'id="journey" aria-labelledby="journey-heading" hx-swap-oob="true"' in html
    assert "I can&#x27;t survive another failed rollout." in html
    assert "Frustrated → Hopeful" in html
    assert html.count('class="journey-point') == 2
    conversation = Conversation.objects.get()
    assert conversation.rep == rep and conversation.channel == "video"


def test_logging_without_javascript_redirects_back_to_the_page(client, rep, own_prospect):
    client.force_login(rep)
    response = client.post(
        reverse("concierge:conversation_create", args=[own_prospect.pk]), form_data(), follow=True
    )
    assert response.redirect_chain[-1][0] == own_prospect.get_absolute_url()
    assert "Conversation logged." in response.text
    assert "A pilot plan to show the COO." in response.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"feeling_before": ""}, "This field is required."),
        ({"feeling_after": "9"}, "Select a valid choice."),
        ({"occurred_at": "2999-01-01T10:00"}, "can&#x27;t be in the future"),
        (
            {"questions": "", "frustrations": "", "roadblocks": "", "help_given": "", "wins": ""},
            "Write down at least what they asked",
        ),
    ],
)
def test_invalid_conversation_shows_errors_and_saves_nothing(
    client, rep, own_prospect, overrides, message
):
    client.force_login(rep)
    url = reverse("concierge:conversation_create", args=[own_prospect.pk])
    htmx = client.post(url, form_data(**overrides), HTTP_HX_REQUEST="true")
    assert message in htmx.text
    assert "If dispatch hates it" in htmx.text  # what the rep typed is kept
    plain = client.post(url, form_data(**overrides))
    assert plain.status_code == 400 and message in plain.text
    assert not Conversation.objects.exists()


def test_conversation_log_keeps_the_list_filters_true(rep, own_prospect):
    earlier = timezone.now() - timedelta(days=3)
    services.conversation_log(
        prospect=own_prospect, rep=rep, feeling_before=4, feeling_after=2, occurred_at=earlier,
        questions="What does it cost?",
    )  # fmt: skip
    own_prospect.refresh_from_db()
    assert own_prospect.last_helpful_touch_at == earlier
    assert own_prospect.feeling_trend == FeelingTrend.FALLING
    assert own_prospect.last_feeling == 2
    assert own_prospect.open_question == "What does it cost?"

    older = timezone.now() - timedelta(days=10)
    services.conversation_log(
        prospect=own_prospect, rep=rep, feeling_before=1, feeling_after=5, occurred_at=older,
        help_given="Backfilled note",
    )  # fmt: skip
    own_prospect.refresh_from_db()
    assert own_prospect.last_helpful_touch_at == earlier, "an older note must not look newer"
    assert own_prospect.feeling_trend == FeelingTrend.FALLING

    services.conversation_log(
        prospect=own_prospect, rep=rep, feeling_before=2, feeling_after=5, question_answered=True,
        help_given="Sent the pricing sheet.",
    )  # fmt: skip
    own_prospect.refresh_from_db()
    assert own_prospect.open_question == ""
    assert own_prospect.feeling_trend == FeelingTrend.RISING


def test_the_events_a_conversation_starts_commit_or_roll_back_with_it(rep, own_prospect):
    """The outbox is written in the conversation's own transaction: a conversation that is
    not saved leaves no event behind, and one that is saved always has its events."""
    with pytest.raises(RuntimeError), transaction.atomic():
        services.conversation_log(
            prospect=own_prospect, rep=rep, feeling_before=4, feeling_after=2, wins="x"
        )
        raise RuntimeError("something after it failed")
    assert not Conversation.objects.exists() and not ProspectEvent.objects.exists()
    talk = services.conversation_log(
        prospect=own_prospect, rep=rep, feeling_before=4, feeling_after=2, wins="x"
    )
    assert set(ProspectEvent.objects.values_list("kind", "key")) == {
        ("conversation_logged", f"conversation:{talk.pk}"),
        ("feeling_dropped", f"feeling:{talk.pk}"),
    }


def test_prospect_page_shows_why_they_came_group_and_journey(client, rep, own_prospect):
    EngagementFactory(prospect=own_prospect, why="How long does onboarding take?")
    own_prospect.open_question = ""
    own_prospect.save()
    ProspectFactory(
        owner=rep, account=own_prospect.account, first_name="Ines", buying_role="skeptic"
    )
    ConversationFactory(prospect=own_prospect, feeling_before=1, feeling_after=3)
    client.force_login(rep)
    page = client.get(own_prospect.get_absolute_url()).text
    assert "How long does onboarding take?" in page
    assert "Ines" in page and "Skeptic" in page
    assert "from Distressed to Unsure" in page


def test_prospect_page_query_count_is_constant(
    client, rep, own_prospect, django_assert_max_num_queries
):
    client.force_login(rep)
    ConversationFactory(prospect=own_prospect)
    with django_assert_max_num_queries(20) as small:
        client.get(own_prospect.get_absolute_url())
    ConversationFactory.create_batch(15, prospect=own_prospect)
    EngagementFactory.create_batch(5, prospect=own_prospect)
    ProspectFactory.create_batch(5, owner=rep, account=own_prospect.account)
    with django_assert_max_num_queries(20) as large:
        client.get(own_prospect.get_absolute_url())
    assert len(large.captured_queries) == len(small.captured_queries)


def test_quick_edit_in_place(client, rep, own_prospect):
    client.force_login(rep)
    url = reverse("prospects:prospect_update", args=[own_prospect.pk])
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert "<html" not in form.text and 'name="stage"' in form.text
    data = {"stage": "deciding", "willingness": "eager", "buying_role": "champion",
            "timezone": "Europe/Berlin", "title": "COO"}  # fmt: skip
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert "Deciding" in response.text and 'id="facts"' in response.text
    own_prospect.refresh_from_db()
    assert (own_prospect.stage, own_prospect.timezone) == ("deciding", "Europe/Berlin")


def test_quick_edit_rejects_an_unknown_timezone(client, rep, own_prospect):
    client.force_login(rep)
    url = reverse("prospects:prospect_update", args=[own_prospect.pk])
    data = {"stage": "deciding", "willingness": "eager", "buying_role": "champion",
            "timezone": "Mars/Olympus"}  # fmt: skip
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert "is not a time zone we know" in response.text
    own_prospect.refresh_from_db()
    assert own_prospect.stage == "exploring"


def test_add_prospect_form_rejects_a_duplicate_email(client, rep, own_prospect):
    client.force_login(rep)
    data = {"first_name": "Dup", "email": own_prospect.email.upper(), "buying_role": "unknown",
            "willingness": "curious", "stage": "exploring", "timezone": "UTC"}  # fmt: skip
    response = client.post(reverse("prospects:prospect_create"), data)
    assert "Your team already has a prospect with this email." in response.text
    data["email"] = "new.person@example.org"
    response = client.post(reverse("prospects:prospect_create"), data)
    assert response.status_code == 302
    assert rep.prospects.filter(email="new.person@example.org").exists()


def test_opportunity_needs_a_close_date_when_won(client, rep, own_prospect):
    client.force_login(rep)
    url = reverse("prospects:opportunity_create", args=[own_prospect.pk])
    data = {"name": "Rollout", "amount": "12000", "status": "won", "opened_on": "2026-10-01"}
    assert "Say when it was won or lost." in client.post(url, data).text
    data["amount"] = "-5"
    assert "Ensure this value is greater than or equal to 0" in client.post(url, data).text
    data.update(amount="12000", closed_on="2026-11-01")
    assert client.post(url, data).status_code == 302
    opportunity = own_prospect.opportunities.get()
    assert opportunity.account == own_prospect.account and opportunity.owner == rep


def test_logging_a_conversation_only_accepts_post(client, rep, own_prospect):
    client.force_login(rep)
    url = reverse("concierge:conversation_create", args=[own_prospect.pk])
    assert client.get(url).status_code == 405


def add(client, **data):
    base = {"first_name": "Ines", "email": "ines@harbor.example", "buying_role": "unknown",
            "willingness": "curious", "stage": "exploring", "timezone": "UTC"}  # fmt: skip
    return client.post(reverse("prospects:prospect_create"), {**base, **data})


def test_adding_someone_to_an_account_by_its_name_in_any_case(client, rep, own_prospect):
    client.force_login(rep)
    assert add(client, company=own_prospect.account.name.upper()).status_code == 302
    assert rep.prospects.get(email="ines@harbor.example").account == own_prospect.account


def test_a_new_company_becomes_a_new_account_and_none_means_none(client, rep):
    from prospects.models import Account

    client.force_login(rep)
    add(client, company="Fernwood Studio", email="omar@fernwood.example")
    account = rep.prospects.get(email="omar@fernwood.example").account
    assert (account.name, account.domain, account.owner) == ("Fernwood Studio",
                                                             "fernwood.example", rep)  # fmt: skip
    add(client, company="", email="maya@gmail.com")
    assert rep.prospects.get(email="maya@gmail.com").account is None
    assert Account.objects.count() == 1


def test_the_add_form_suggests_only_accounts_the_user_may_see(client, rep, own_prospect,
                                                             outside_prospect):  # fmt: skip
    client.force_login(rep)
    page = client.get(reverse("prospects:prospect_create")).text
    assert 'list="account-options"' in page and '<select name="account"' not in page
    url = reverse("prospects:account_options")
    mine, theirs = own_prospect.account.name, outside_prospect.account.name
    shown = client.get(url, {"company": mine[:-1]}, HTTP_HX_REQUEST="true").text
    assert f'<option value="{mine}">' in shown
    assert theirs not in client.get(url, {"company": theirs[:-1]}).text
    assert client.get(url, {"company": "a"}).text.strip() == "", "two letters at least"


def test_a_person_another_team_knows_is_added_as_this_teams_own_record(
    client, rep, outside_prospect
):
    """Whether another team knows someone is not this team's to learn: no error, a record
    of our own, in an account of our own, and theirs untouched."""
    outside_prospect.account.name = "Northwind"
    outside_prospect.account.climb_goal = "Their private goal"
    outside_prospect.account.save()
    client.force_login(rep)
    data = {"first_name": "Olga", "email": outside_prospect.email.upper(), "company": "Northwind",
            "buying_role": "unknown", "willingness": "curious", "stage": "exploring",
            "timezone": "UTC"}  # fmt: skip
    response = client.post(reverse("prospects:prospect_create"), data)
    assert response.status_code == 302
    ours = rep.prospects.get(email=outside_prospect.email.lower())
    assert ours.pk != outside_prospect.pk and ours.team_id == rep.team_id
    assert ours.account.name == "Northwind" and ours.account != outside_prospect.account
    assert ours.account.climb_goal == "", "their climb stays theirs"
    page = client.get(ours.account.get_absolute_url()).text
    assert "Their private goal" not in page and outside_prospect.last_name not in page
    outside_prospect.refresh_from_db()
    assert (outside_prospect.first_name, outside_prospect.owner.team_id) == (
        "Olga",
        outside_prospect.team_id,
    )


def test_an_opportunity_won_lost_or_reopened_says_when(client, rep, teammate, own_prospect, clock):
    from prospects.models import Opportunity

    client.force_login(rep)
    clock.move_to("2026-11-10T09:00:00+00:00", tick=False)
    client.post(reverse("prospects:opportunity_create", args=[own_prospect.pk]), {
        "name": "Rollout", "amount": "12000", "status": "won", "opened_on": "2026-11-01",
        "closed_on": "2026-11-10"})  # fmt: skip
    deal = Opportunity.objects.get()
    assert deal.status_changed_at.isoformat() == "2026-11-10T09:00:00+00:00"
    clock.move_to("2026-12-01T09:00:00+00:00", tick=False)
    url = reverse("prospects:opportunity_update", args=[deal.pk])
    data = {"name": "Rollout", "amount": "11000", "status": "won", "opened_on": "2026-11-01",
            "closed_on": "2026-11-10"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    deal.refresh_from_db()
    assert deal.amount == 11000 and deal.status_changed_at.day == 10, "same status: same moment"
    client.post(url, {**data, "status": "lost", "closed_on": "2026-12-01"})
    deal.refresh_from_db()
    assert (deal.status, deal.status_changed_at.month) == ("lost", 12), "a reversed win says when"
    client.force_login(teammate)
    assert client.post(url, {**data, "amount": "1"}).status_code == 404, "only its owner edits it"
