from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from concierge.models import CalendarFeed, FollowUpStatus
from tests.factories import FollowUpFactory, ProspectFactory

QUEUE = reverse("concierge:queue")


@pytest.fixture
def followup(rep, own_prospect):
    return FollowUpFactory(prospect=own_prospect, kind="send_resource",
                                due_at=timezone.now() - timedelta(minutes=5), status="due")  # fmt: skip


def test_queue_shows_overdue_today_and_upcoming_with_the_question(client, rep):
    now = timezone.now()
    p = ProspectFactory(owner=rep, first_name="Grace", open_question="What will compliance ask?")
    FollowUpFactory(prospect=p, due_at=now - timedelta(days=3), help_offered="Send the checklist")
    FollowUpFactory(
        prospect=ProspectFactory(owner=rep, first_name="Tom"), due_at=now + timedelta(days=4)
    )
    FollowUpFactory(
        prospect=ProspectFactory(owner=rep, first_name="Done"), status="done", due_at=now
    )
    client.force_login(rep)
    response = client.get(QUEUE)
    assert [t.prospect.first_name for t in response.context["overdue"]] == ["Grace"]
    assert [t.prospect.first_name for t in response.context["upcoming"]] == ["Tom"]
    assert "What will compliance ask?" in response.text and "Send the checklist" in response.text
    assert "Done" not in [t.prospect.first_name for t in response.context["today"]]


def test_empty_queue_says_what_to_do(client, rep):
    client.force_login(rep)
    assert "No follow-ups waiting" in client.get(QUEUE).text


def test_done_without_the_receivers_eye_is_refused_in_place(client, rep, followup):
    client.force_login(rep)
    url = reverse("concierge:followup_done", args=[followup.pk])
    response = client.post(
        url, {"outcome": "help_welcomed", "receivers_eye": " "}, HTTP_HX_REQUEST="true"
    )
    assert "if you were them, why would you want this?" in response.text
    assert f'id="followup-{followup.pk}"' in response.text and "<html" not in response.text
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.DUE
    response = client.post(url, {"outcome": "help_welcomed",
                                 "receivers_eye": "It saves me a week of guessing."}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert "Done: send a resource" in response.text
    assert 'id="followups-badge"' in response.text and 'hx-swap-oob="true"' in response.text
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.DONE and followup.outcome == "help_welcomed"
    assert [(e.from_status, e.to_status) for e in followup.events.all()] == [("due", "done")]


def test_done_needs_an_outcome_and_cannot_happen_twice(client, rep, followup):
    client.force_login(rep)
    url = reverse("concierge:followup_done", args=[followup.pk])
    assert (
        "This field is required."
        in client.post(url, {"receivers_eye": "x"}, HTTP_HX_REQUEST="true").text
    )
    client.post(url, {"outcome": "no_response", "receivers_eye": "x"})
    again = client.post(
        url, {"outcome": "no_response", "receivers_eye": "x"}, HTTP_HX_REQUEST="true"
    )
    assert "already done" in again.text


def test_removing_a_roadblock_can_be_done_without_the_answer(client, rep, own_prospect):
    followup = FollowUpFactory(prospect=own_prospect, kind="remove_roadblock")
    client.force_login(rep)
    client.post(
        reverse("concierge:followup_done", args=[followup.pk]), {"outcome": "roadblock_removed"}
    )
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.DONE


def test_snooze_to_tomorrow_next_week_or_a_date(client, rep, followup):
    client.force_login(rep)
    url = reverse("concierge:followup_snooze", args=[followup.pk])
    response = client.post(url, {"until": "tomorrow"}, HTTP_HX_REQUEST="true")
    assert "Snoozed to" in response.text
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.SNOOZED and followup.due_at > timezone.now()
    past = client.post(url, {"until": "date", "date": "2020-01-01"}, HTTP_HX_REQUEST="true")
    assert "That date is in the past." in past.text
    missing = client.post(url, {"until": "date"}, HTTP_HX_REQUEST="true")
    assert "Pick the date" in missing.text


def test_skip_needs_a_reason(client, rep, followup):
    client.force_login(rep)
    url = reverse("concierge:followup_skip", args=[followup.pk])
    assert (
        "This field is required." in client.post(url, {"reason": ""}, HTTP_HX_REQUEST="true").text
    )
    client.post(url, {"reason": "They asked for a quiet month"})
    followup.refresh_from_db()
    assert (
        followup.status == FollowUpStatus.SKIPPED
        and followup.skip_reason == "They asked for a quiet month"
    )


def test_hand_over_to_a_teammate_but_not_outside_the_team(
    client, rep, teammate, outsider, followup
):
    client.force_login(rep)
    url = reverse("concierge:followup_reassign", args=[followup.pk])
    refused = client.post(url, {"to": outsider.pk}, HTTP_HX_REQUEST="true")
    assert "Select a valid choice" in refused.text
    client.post(url, {"to": teammate.pk})
    followup.refresh_from_db()
    assert followup.assignee == teammate


# What each action does to the follow-up, and data that would do it.
ACTION_EFFECTS = {
    "followup_done": ({"outcome": "no_response", "receivers_eye": "It saves them a week."},
                  lambda followup, people: followup.status == FollowUpStatus.DONE),
    "followup_snooze": ({"until": "tomorrow"}, lambda followup, people: followup.status == FollowUpStatus.SNOOZED),
    "followup_skip": ({"reason": "They asked for a pause."},
                  lambda followup, people: followup.status == FollowUpStatus.SKIPPED),
    "followup_reassign": ({"to": "teammate"},
                      lambda followup, people: followup.assignee == people["teammate"]),
}  # fmt: skip


@pytest.mark.parametrize("action", sorted(ACTION_EFFECTS))
def test_others_cannot_touch_a_reps_follow_up_but_their_manager_can(
    client, rep, teammate, outsider, manager, followup, action
):
    people = {"teammate": teammate}
    data, took_effect = ACTION_EFFECTS[action]
    data = {k: people[v].pk if v in people else v for k, v in data.items()}
    url = reverse(f"concierge:{action}", args=[followup.pk])
    for intruder in (teammate, outsider):
        client.force_login(intruder)
        assert client.post(url, data).status_code == 404
        followup.refresh_from_db()
        assert (followup.status, followup.assignee) == (FollowUpStatus.DUE, rep), (
            "valid data, no effect"
        )
    client.force_login(manager)
    assert client.post(url, data).status_code == 302
    followup.refresh_from_db()
    assert took_effect(followup, people), f"the manager's {action} did not happen"
    assert followup.events.get().actor == manager, "the history says who did it"


def test_opening_an_action_loads_its_form_into_the_row(client, rep, followup):
    client.force_login(rep)
    queue = client.get(QUEUE).text
    url = reverse("concierge:followup_detail", args=[followup.pk])
    assert f'hx-get="{url}?action=done"' in queue
    assert 'name="receivers_eye"' not in queue  # rows stay light until an action is opened
    row = client.get(url, {"action": "done"}, HTTP_HX_REQUEST="true").text
    assert row.lstrip().startswith(f'<li class="followup" id="followup-{followup.pk}"')
    assert "<html" not in row
    assert 'name="receivers_eye" rows="2" autofocus' in row  # focus lands in the form
    assert '<details data-action="done" open>' in row


def test_without_javascript_an_action_opens_on_a_page_of_its_own(client, rep, followup):
    client.force_login(rep)
    page = client.get(reverse("concierge:followup_detail", args=[followup.pk]), {"action": "skip"})
    assert page.status_code == 200 and "<html" in page.text
    assert "Back to your follow-ups" in page.text
    assert 'name="reason" maxlength="300" autofocus' in page.text


def test_others_cannot_open_a_reps_follow_up(client, teammate, outsider, manager, followup):
    url = reverse("concierge:followup_detail", args=[followup.pk])
    for intruder in (teammate, outsider):
        client.force_login(intruder)
        assert client.get(url).status_code == 404
    client.force_login(manager)
    assert client.get(url).status_code == 200


def test_actions_only_accept_post(client, rep, followup):
    client.force_login(rep)
    assert client.get(reverse("concierge:followup_done", args=[followup.pk])).status_code == 405


def test_badge_counts_what_is_due_today(client, rep, followup):
    FollowUpFactory(prospect=followup.prospect, due_at=timezone.now() + timedelta(days=5))
    client.force_login(rep)
    assert 'aria-label="1 due today"' in client.get(reverse("home")).text


def test_queue_query_count_is_constant(
    client, rep, teammate, django_assert_num_queries, session_queries
):
    client.force_login(rep)
    FollowUpFactory(prospect=ProspectFactory(owner=rep))
    # session (unless cached), user (with role), section counts, overdue / today / coming-up
    # rows (with prospects and accounts), team member ids, "any teammate to hand over to?",
    # unread notices (the bell), badge count
    with django_assert_num_queries(9 + session_queries):
        client.get(QUEUE)
    for _ in range(15):
        FollowUpFactory(
            prospect=ProspectFactory(owner=rep), due_at=timezone.now() + timedelta(days=1)
        )
    with django_assert_num_queries(9 + session_queries):
        response = client.get(QUEUE)
    assert response.text.count("Hand over") == 16


def test_calendar_feed_lists_open_follow_ups_at_a_revocable_secret_url(client, rep, followup):
    from icalendar import Calendar

    FollowUpFactory(prospect=followup.prospect, status="done", help_offered="Already done")
    client.force_login(rep)
    page = client.get(reverse("concierge:calendar_settings"))
    token = rep.calendar_feed.token
    assert token in page.text
    client.logout()
    feed = client.get(reverse("concierge:calendar_feed", args=[token]))
    assert feed["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["summary"]) == f"Send a resource: {followup.prospect.name}"
    assert events[0].decoded("dtstart") == followup.due_at.replace(microsecond=0)
    client.force_login(rep)
    client.post(reverse("concierge:calendar_settings"))
    client.logout()
    assert client.get(reverse("concierge:calendar_feed", args=[token])).status_code == 404
    rep.calendar_feed.refresh_from_db()
    new = client.get(reverse("concierge:calendar_feed", args=[rep.calendar_feed.token]))
    assert new.status_code == 200


def test_long_sections_show_twenty_and_open_in_full(client, rep):
    past = timezone.now() - timedelta(days=2)
    for _ in range(23):
        FollowUpFactory(prospect=ProspectFactory(owner=rep), due_at=past)
    client.force_login(rep)
    response = client.get(QUEUE)
    assert len(response.context["overdue"]) == 20
    assert "Show all 23" in response.text and "(3 more)" in response.text
    assert len(client.get(QUEUE, {"all": "overdue"}).context["overdue"]) == 23


def test_a_deactivated_users_calendar_feed_stops_for_good(client, admin_user, rep, followup):
    feed = CalendarFeed.objects.create(user=rep)
    url = reverse("concierge:calendar_feed", args=[feed.token])
    assert client.get(url).status_code == 200
    admin_user.is_superuser = True  # Django admin's own permission check
    admin_user.save(update_fields=["is_superuser"])
    client.force_login(admin_user)
    change = reverse("admin:people_user_change", args=[rep.pk])
    form = client.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(groups=[g.pk for g in rep.groups.all()], is_active="", team=rep.team_id,
                date_joined_0="2026-01-01", date_joined_1="09:00", last_login_0="", last_login_1="")  # fmt: skip
    data.pop("user_permissions", None)
    assert client.post(change, data).status_code == 302
    rep.refresh_from_db()
    assert not rep.is_active and rep.links_revoked_at is not None
    assert client.get(url).status_code == 404, "a deactivated user's feed serves nothing"
    rep.is_active = True
    rep.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404, "reactivating does not bring the old link back"
    client.force_login(rep)
    client.get(reverse("concierge:calendar_settings"))
    feed.refresh_from_db()
    assert client.get(reverse("concierge:calendar_feed", args=[feed.token])).status_code == 200


def test_the_sections_counts_follow_an_action_in_place(client, rep, own_prospect):
    late = FollowUpFactory(prospect=own_prospect, due_at=timezone.now() - timedelta(days=2))
    FollowUpFactory(prospect=own_prospect, due_at=timezone.now() - timedelta(days=3))
    client.force_login(rep)
    assert 'id="count-overdue">2<' in client.get(QUEUE).text
    response = client.post(
        reverse("concierge:followup_skip", args=[late.pk]),
        {"reason": "They found it themselves"},
        HTTP_HX_REQUEST="true",
    )
    assert '<span class="muted small" id="count-overdue" hx-swap-oob="true">1</span>' in (
        response.text
    )
    refused = client.post(
        reverse("concierge:followup_done", args=[late.pk]), {}, HTTP_HX_REQUEST="true"
    )
    assert 'id="count-overdue"' not in refused.text, "nothing changed: nothing to recount"
