"""Follow-ups and playbooks in Django admin: an admin's change to a follow-up lands in its
history with the admin as actor; what the app keeps as history or schedule is read-only."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from concierge.models import CalendarFeed, FollowUp, FollowUpEvent, Playbook
from tests.admin_checks import (
    assert_every_page_loads,
    assert_not_deleted_here,
    assert_read_only,
    selects_of_every_row,
    url,
)
from tests.factories import (
    DigestSentFactory,
    FollowUpFactory,
    PlaybookFactory,
    PlaybookStepFactory,
    ProspectFactory,
)


@pytest.fixture
def followup(own_prospect):
    return FollowUpFactory(prospect=own_prospect, help_offered="Send the rollout checklist.")


@pytest.fixture
def rows(rep, teammate, followup):
    followup.snooze(until=datetime(2026, 11, 19, 9, tzinfo=ZoneInfo("UTC")), by=rep)
    step = PlaybookStepFactory()
    return [
        step.playbook,
        step,
        followup,
        followup.events.get(),
        CalendarFeed.objects.create(user=rep),
        DigestSentFactory(user=rep),
    ]


def test_every_list_search_filter_and_record_page_loads(client, superuser, rows):
    client.force_login(superuser)
    assert_every_page_loads(client, "concierge", rows)


def test_no_form_lists_every_row_of_a_table(superuser, rows):
    assert selects_of_every_row("concierge", superuser, rows) == []


@pytest.mark.parametrize("model", ["playbookstep", "followupevent", "calendarfeed", "digestsent"])
def test_histories_and_schedules_are_read_only(client, superuser, rows, model):
    client.force_login(superuser)
    assert_read_only(client, next(row for row in rows if row._meta.model_name == model))


@pytest.mark.parametrize("model", ["playbook", "followup"])
def test_playbooks_and_follow_ups_are_not_deleted_here(client, superuser, rows, model):
    client.force_login(superuser)
    assert_not_deleted_here(client, next(row for row in rows if row._meta.model_name == model))


def test_a_calendar_feeds_secret_token_is_not_shown(client, superuser, rep):
    feed = CalendarFeed.objects.create(user=rep)
    client.force_login(superuser)
    assert feed.token not in client.get(url(CalendarFeed, "change", feed.pk)).text


def test_someone_without_staff_status_is_sent_to_the_admin_sign_in(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:concierge_followup_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "model, make, queries",
    [
        # Each: the user (with role), the count (count_queries), the page's rows with what
        # they show of related rows (one join each)
        ("followup", lambda rep: FollowUpFactory(prospect=ProspectFactory(owner=rep)), 2),
        ("followupevent",
         lambda rep: FollowUpFactory(prospect=ProspectFactory(owner=rep)).cancel(note="", by=rep),
         2),
        ("digestsent", lambda rep: DigestSentFactory(user=rep), 2),
    ],
)  # fmt: skip
def test_a_big_list_costs_the_same_queries_however_many_rows(
    client,
    superuser,
    rep,
    django_assert_num_queries,
    session_queries,
    count_queries,
    model,
    make,
    queries,
):
    client.force_login(superuser)
    changelist = reverse(f"admin:concierge_{model}_changelist")
    make(rep)
    with django_assert_num_queries(queries + count_queries + session_queries):
        assert client.get(changelist).status_code == 200
    for _ in range(12):
        make(rep)
    with django_assert_num_queries(queries + count_queries + session_queries):
        assert client.get(changelist).status_code == 200


# --- An admin's change to a follow-up is in its history ---------------------------------------


def edit(client, followup: FollowUp, **changes):
    data = {"assignee": followup.assignee_id, "kind": followup.kind,
            "help_offered": followup.help_offered, "move_to": "",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}  # fmt: skip
    return client.post(url(FollowUp, "change", followup.pk), {**data, **changes})


def test_an_admins_edit_of_a_follow_up_is_in_its_history_with_the_admin_as_actor(
    client, superuser, followup, rep, teammate
):
    client.force_login(superuser)
    response = edit(client, followup, assignee=teammate.pk, kind="share_story",
                    help_offered="Share how Northwind rolled it out.",
                    move_to="2026-11-23")  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    followup.refresh_from_db()
    assert (followup.assignee, followup.kind, followup.status) == (teammate, "share_story",
                                                                   "snoozed")  # fmt: skip
    # Monday 23 November, when the person's working hours (9-17, UTC) begin
    assert followup.due_at == datetime(2026, 11, 23, 9, tzinfo=ZoneInfo("UTC"))
    history = list(followup.events.values_list("actor__username", "to_status", "note"))
    assert history == [
        ("root", "scheduled", f"handed from {rep} to {teammate}"),
        ("root", "scheduled", "changed kind, the help we offer"),
        ("root", "snoozed", "until 2026-11-23 09:00 UTC"),
    ]
    page = client.get(url(FollowUp, "change", followup.pk)).text
    assert "handed from" in page and "changed kind, the help we offer" in page


def test_a_follow_up_is_not_handed_to_someone_of_another_team(client, superuser, followup,
                                                              outsider):  # fmt: skip
    client.force_login(superuser)
    response = edit(client, followup, assignee=outsider.pk)
    assert "does not work in Helpers, whose person this is" in response.text
    followup.refresh_from_db()
    assert followup.assignee.username == "rep" and not followup.events.exists()


def test_a_follow_up_is_not_moved_to_a_day_gone_by(client, superuser, followup):
    client.force_login(superuser)
    gone = edit(client, followup, move_to="2026-11-17")
    assert "That date is in the past." in gone.text
    # Wednesday 18 November, 10:30: today's working hours began at 9:00
    begun = edit(client, followup, move_to="2026-11-18")
    assert "Their working hours that day have begun" in begun.text
    assert not followup.events.exists()


def test_a_closed_follow_up_is_read_only(client, superuser, followup, rep):
    followup.skip(reason="They asked for a pause", by=rep)
    client.force_login(superuser)
    page = client.get(url(FollowUp, "change", followup.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert "They asked for a pause" in page.text
    assert edit(client, followup, help_offered="Changed").status_code == 403
    followup.refresh_from_db()
    assert followup.help_offered == "Send the rollout checklist."


def test_cancelling_follow_ups_here_keeps_it_in_their_history(client, superuser, followup, rep):
    done = FollowUpFactory(prospect=followup.prospect)
    done.skip(reason="Not now", by=rep)
    client.force_login(superuser)
    response = client.post(url(FollowUp, "changelist"), {
        "action": "cancel", "_selected_action": [followup.pk, done.pk],
    })  # fmt: skip
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == "cancelled"
    event = followup.events.get()
    assert (event.actor.username, event.note) == ("root", "cancelled in Django admin")
    assert FollowUp.objects.get(pk=done.pk).status == "skipped"
    assert FollowUpEvent.objects.filter(followup=done).count() == 1


def test_follow_ups_are_made_by_conversations_and_playbooks_not_here(client, superuser):
    client.force_login(superuser)
    assert client.get(url(FollowUp, "add")).status_code == 403


# --- Playbooks ---------------------------------------------------------------------------------


def playbook_data(**fields) -> dict:
    step = {"steps-0-order": "1", "steps-0-delay_days": "1", "steps-0-delay_hours": "0",
            "steps-0-kind": "answer_question", "steps-0-wording": "Hi {first_name}",
            "steps-0-addresses": "", "steps-0-on_conversation": "keep"}  # fmt: skip
    return {"name": "Welcome", "trigger": "new_engagement", "team": "", "no_touch_days": "14",
            "steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", **step, **fields}  # fmt: skip


def test_an_enabled_playbook_needs_a_step(client, superuser):
    client.force_login(superuser)
    empty = playbook_data(**{"enabled": "on", "steps-TOTAL_FORMS": "0"})
    refused = client.post(url(Playbook, "add"), empty)
    assert "Add at least one step before you enable it" in refused.text
    assert not Playbook.objects.exists()
    paused = client.post(url(Playbook, "add"), {**empty, "enabled": ""})
    assert paused.status_code == 302
    added = client.post(url(Playbook, "add"), playbook_data(name="With a step", enabled="on"))
    assert added.status_code == 302
    assert Playbook.objects.get(name="With a step").steps.count() == 1


def test_a_playbooks_last_step_is_not_removed_while_it_is_enabled(client, superuser):
    step = PlaybookStepFactory(playbook=PlaybookFactory(enabled=True))
    client.force_login(superuser)
    data = playbook_data(**{
        "name": step.playbook.name, "enabled": "on", "steps-INITIAL_FORMS": "1",
        "steps-0-id": step.pk, "steps-0-playbook": step.playbook_id, "steps-0-DELETE": "on",
    })  # fmt: skip
    response = client.post(url(Playbook, "change", step.playbook_id), data)
    assert "Add at least one step before you enable it" in response.text
    assert step.playbook.steps.count() == 1
