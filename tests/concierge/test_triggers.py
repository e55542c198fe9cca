from __future__ import annotations

import json
import logging
import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from concierge import events as concierge_events
from concierge import services
from concierge.models import FollowUp, FollowUpStatus
from prospects import events as outbox
from prospects import services as prospect_services
from prospects.models import ProspectEvent
from tests.factories import (
    ConversationFactory,
    FollowUpFactory,
    PlaybookFactory,
    PlaybookStepFactory,
    ProspectFactory,
)


def expand_all() -> int:
    return sum(
        concierge_events.event_expand(pk)
        for pk in ProspectEvent.objects.values_list("pk", flat=True)
    )


@pytest.fixture
def webinar_playbook(team):
    playbook = PlaybookFactory(
        name="Answer within a working day", trigger=ProspectEvent.Kind.NEW_ENGAGEMENT
    )
    PlaybookStepFactory(playbook=playbook, order=1, delay_days=1, kind="answer_question")
    PlaybookStepFactory(playbook=playbook, order=2, delay_days=3, kind="share_story",
                        wording="Share how {account} peers solved “{question}”.")  # fmt: skip
    return playbook


def test_an_engagement_schedules_the_playbooks_steps(rep, own_prospect, webinar_playbook,
                                                     django_capture_on_commit_callbacks):  # fmt: skip
    own_prospect.open_question = "How long does onboarding take?"
    own_prospect.save()
    with django_capture_on_commit_callbacks() as callbacks:
        prospect_services.engagement_record(
            prospect=own_prospect, asset=None, occurred_at=timezone.now(),
            why="How long does onboarding take?", source="event",
        )  # fmt: skip
    assert len(callbacks) == 1, "expansion is enqueued after commit"
    event = ProspectEvent.objects.get()
    assert event.kind == ProspectEvent.Kind.NEW_ENGAGEMENT and event.processed_at is None
    assert concierge_events.event_expand(event.pk) == 2
    followups = list(FollowUp.objects.order_by("due_at"))
    assert [t.kind for t in followups] == ["answer_question", "share_story"]
    assert all(t.assignee == rep and t.status == FollowUpStatus.SCHEDULED for t in followups)
    assert (
        f"Share how {own_prospect.account.name} peers solved “How long does onboarding take?”."
        == followups[1].help_offered
    )
    assert followups[0].due_at < followups[1].due_at


def test_expanding_the_same_event_twice_makes_each_task_once(own_prospect, webinar_playbook):
    event = outbox.record(kind=ProspectEvent.Kind.NEW_ENGAGEMENT, prospect_id=own_prospect.pk,
                                    key="engagement:1")  # fmt: skip
    concierge_events.event_expand(event.pk)
    ProspectEvent.objects.filter(pk=event.pk).update(processed_at=None)  # as if redelivered
    concierge_events.event_expand(event.pk)
    assert FollowUp.objects.count() == 2
    again = outbox.record(kind=ProspectEvent.Kind.NEW_ENGAGEMENT, prospect_id=own_prospect.pk,
                                    key="engagement:1")  # fmt: skip
    assert again.pk == event.pk


def test_do_not_contact_and_deleted_prospects_get_nothing_and_it_is_logged(
    own_prospect, webinar_playbook, caplog
):
    own_prospect.do_not_contact = True
    own_prospect.save()
    outbox.record(kind=ProspectEvent.Kind.NEW_ENGAGEMENT, prospect_id=own_prospect.pk, key="e:1")
    with caplog.at_level(logging.INFO, logger="concierge.services"):
        expand_all()
    assert not FollowUp.objects.exists()
    assert "is do-not-contact; nothing scheduled" in caplog.text
    event = ProspectEvent.objects.get()
    own_prospect.delete()
    assert not ProspectEvent.objects.filter(pk=event.pk).exists()


def test_disabled_and_other_teams_playbooks_do_not_run(own_prospect, other_team):
    PlaybookStepFactory(playbook=PlaybookFactory(enabled=False))
    PlaybookStepFactory(playbook=PlaybookFactory(team=other_team))
    outbox.record(kind=ProspectEvent.Kind.NEW_ENGAGEMENT, prospect_id=own_prospect.pk, key="e:1")
    expand_all()
    assert not FollowUp.objects.exists()


def rep_time(rep) -> str:
    """Now as the rep's browser sends it: a datetime-local value in the rep's own zone."""
    return timezone.localtime(timezone=zoneinfo.ZoneInfo(rep.timezone)).strftime("%Y-%m-%dT%H:%M")


def test_conversation_with_a_next_step_lands_in_the_queue(client, rep, own_prospect):
    rep.timezone = "Asia/Tokyo"  # ahead of the server and of the prospect (UTC)
    rep.save(update_fields=["timezone"])
    client.force_login(rep)
    day = timezone.localdate(timezone=zoneinfo.ZoneInfo(rep.timezone)) + timedelta(days=10)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    client.post(reverse("concierge:conversation_create", args=[own_prospect.pk]), {
        "channel": "call", "occurred_at": rep_time(rep),
        "questions": "Can we check back after the board meeting?", "feeling_before": 3,
        "feeling_after": 4, "next_step_on": day.isoformat(),
        "next_step_help": "Bring the rollout plan they asked for.",
    })  # fmt: skip
    followup = FollowUp.objects.get()
    assert followup.kind == "check_in" and followup.assignee == rep
    assert followup.help_offered == "Bring the rollout plan they asked for."
    local = followup.due_at.astimezone(zoneinfo.ZoneInfo(own_prospect.timezone))
    assert (local.date(), local.hour, local.minute) == (day, 9, 0), "9:00 their time that day"


def test_next_step_needs_the_help_offered_and_a_future_date(client, rep, own_prospect):
    client.force_login(rep)
    url = reverse("concierge:conversation_create", args=[own_prospect.pk])
    data = {"channel": "call", "occurred_at": rep_time(rep),
            "questions": "x", "feeling_before": 3, "feeling_after": 4,
            "next_step_kind": "send_resource"}  # fmt: skip
    assert "Say what help you will offer" in client.post(url, data).text
    data.update(next_step_help="Send the checklist", next_step_on="2020-01-01")
    assert "That date has passed" in client.post(url, data).text
    assert not FollowUp.objects.exists()


def test_a_feeling_that_dropped_triggers_its_playbook(rep, own_prospect):
    playbook = PlaybookFactory(trigger=ProspectEvent.Kind.FEELING_DROPPED)
    PlaybookStepFactory(playbook=playbook, kind="remove_roadblock", wording="Offer to remove it")
    prospect_services.conversation_log(prospect=own_prospect, rep=rep, feeling_before=4, feeling_after=2,
                                       frustrations="Legal is blocking")  # fmt: skip
    prospect_services.conversation_log(prospect=own_prospect, rep=rep, feeling_before=2, feeling_after=4,
                                       help_given="Sent the DPA")  # fmt: skip
    triggers = sorted(ProspectEvent.objects.values_list("kind", flat=True))
    assert triggers == ["conversation_logged", "conversation_logged", "feeling_dropped"]
    expand_all()
    assert list(FollowUp.objects.values_list("kind", flat=True)) == ["remove_roadblock"]


def test_a_conversation_cancels_or_moves_pending_check_ins(rep, own_prospect):
    cancel_step = PlaybookStepFactory(kind="check_in", on_conversation="cancel")
    move_step = PlaybookStepFactory(kind="check_in", on_conversation="reschedule", delay_days=2)
    keep_step = PlaybookStepFactory(kind="check_in", on_conversation="keep")
    soon = timezone.now() + timedelta(hours=1)
    cancelled = FollowUpFactory(prospect=own_prospect, kind="check_in", step=cancel_step, due_at=soon,
                                      created_at=timezone.now() - timedelta(days=1))  # fmt: skip
    moved = FollowUpFactory(prospect=own_prospect, kind="check_in", step=move_step, due_at=soon,
                                  created_at=timezone.now() - timedelta(days=1))  # fmt: skip
    kept = FollowUpFactory(prospect=own_prospect, kind="check_in", step=keep_step, due_at=soon,
                                 created_at=timezone.now() - timedelta(days=1))  # fmt: skip
    services.conversation_record(prospect=own_prospect, rep=rep, feeling_before=3, feeling_after=4,
                                 help_given="Answered it")  # fmt: skip
    for followup in (cancelled, moved, kept):
        followup.refresh_from_db()
    assert cancelled.status == "cancelled"
    assert cancelled.events.get().note == "a conversation happened first"
    assert moved.status == "scheduled" and moved.due_at > soon + timedelta(days=1)
    assert kept.status == "scheduled" and kept.due_at == soon


def test_a_new_member_of_a_buying_group_is_a_trigger(client, rep, own_prospect):
    client.force_login(rep)
    client.post(reverse("prospects:prospect_create"), {
        "first_name": "Ines", "email": "ines@example.org", "company": own_prospect.account.name,
        "buying_role": "skeptic", "willingness": "hesitant", "stage": "exploring", "timezone": "UTC",
    })  # fmt: skip
    event = ProspectEvent.objects.get(kind=ProspectEvent.Kind.NEW_GROUP_MEMBER)
    assert event.prospect.email == "ines@example.org"


def test_an_inbound_form_post_starts_the_playbook(team, rep, webinar_playbook):
    from django.test import Client

    from tests.factories import FormSourceFactory
    from tests.prospects.test_inbound_api import signed

    source = FormSourceFactory(team=team)
    body = json.dumps({"email": "new@person.example", "question": "What does it cost?"}).encode()
    Client().post("/api/inbound/engagements/", body, content_type="application/json",
                  **signed(source, body))  # fmt: skip
    assert expand_all() == 2
    assert set(FollowUp.objects.values_list("prospect__email", flat=True)) == {"new@person.example"}


def test_no_touch_scan_records_quiet_people_once(rep, own_prospect, teammates_prospect):
    PlaybookFactory(trigger=ProspectEvent.Kind.NO_TOUCH, no_touch_days=14)
    old = timezone.now() - timedelta(days=20)
    type(own_prospect).objects.filter(pk=own_prospect.pk).update(last_helpful_touch_at=old)
    type(own_prospect).objects.filter(pk=teammates_prospect.pk).update(
        last_helpful_touch_at=timezone.now() - timedelta(days=2)
    )
    assert concierge_events.no_touch_scan() == 1
    concierge_events.no_touch_scan()
    assert ProspectEvent.objects.filter(kind=ProspectEvent.Kind.NO_TOUCH).count() == 1
    assert ProspectEvent.objects.get().prospect == own_prospect


def test_the_sweep_expands_triggers_whose_message_was_lost(own_prospect, webinar_playbook):
    event = outbox.record(
        kind=ProspectEvent.Kind.NEW_ENGAGEMENT, prospect_id=own_prospect.pk, key="e:9"
    )
    assert concierge_events.events_sweep() == 0, "too fresh: its own message may still arrive"
    ProspectEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )
    assert concierge_events.events_sweep() == 2
    assert concierge_events.events_sweep() == 0


def test_seed_like_conversations_do_not_need_playbooks(rep, own_prospect):
    ConversationFactory(prospect=own_prospect)
    assert not FollowUp.objects.exists()


# --- Many triggers at once ----------------------------------------------------------------


def engagement_events(prospects, run: str = "burst") -> list[int]:
    return [
        outbox.record(kind=ProspectEvent.Kind.NEW_ENGAGEMENT, prospect_id=p.pk,
                                key=f"{run}:{p.pk}").pk
        for p in prospects
    ]  # fmt: skip


def test_a_batch_of_triggers_is_expanded_in_constant_queries(rep, webinar_playbook,
                                                             django_assert_num_queries):  # fmt: skip
    small = engagement_events(ProspectFactory.create_batch(2, owner=rep), "small")
    large = engagement_events(ProspectFactory.create_batch(25, owner=rep), "large")
    # claim, prospects, playbooks, their steps, follow-ups made, busy days, insert, mark
    # done; and the savepoint around them (the test's own transaction turns BEGIN into one)
    with django_assert_num_queries(10):
        assert concierge_events.events_expand(small) == 4
    with django_assert_num_queries(10):
        assert concierge_events.events_expand(large) == 50
    assert FollowUp.objects.count() == 54


def test_a_batch_keeps_one_open_touch_a_day_per_prospect(own_prospect, team):
    playbook = PlaybookFactory(trigger=ProspectEvent.Kind.NEW_ENGAGEMENT)
    PlaybookStepFactory(playbook=playbook, order=1, delay_days=1, kind="answer_question")
    FollowUpFactory(prospect=own_prospect, due_at=timezone.now() + timedelta(days=1))
    events = [
        outbox.record(kind=ProspectEvent.Kind.NEW_ENGAGEMENT, prospect_id=own_prospect.pk,
                                key=f"form:{n}").pk
        for n in range(3)
    ]  # fmt: skip
    assert concierge_events.events_expand(events) == 3
    tz = zoneinfo.ZoneInfo(own_prospect.timezone)
    days = [
        followup.due_at.astimezone(tz).date()
        for followup in FollowUp.objects.open().filter(prospect=own_prospect)
    ]
    assert len(days) == 4 and len(set(days)) == 4, days


def test_one_bad_prospect_does_not_stop_the_rest_of_a_batch(rep, webinar_playbook, caplog):
    fine, blocked, gone = ProspectFactory.create_batch(3, owner=rep)
    blocked.do_not_contact = True
    blocked.save()
    events = engagement_events([fine, blocked, gone])
    gone.delete()  # its trigger goes with it
    with caplog.at_level(logging.INFO, logger="concierge.services"):
        assert concierge_events.events_expand(events) == 2
    assert set(FollowUp.objects.values_list("prospect_id", flat=True)) == {fine.pk}
    assert "is do-not-contact; nothing scheduled" in caplog.text
    assert not ProspectEvent.objects.filter(processed_at__isnull=True).exists()


def test_a_workers_message_also_expands_the_triggers_waiting_behind_it(rep, webinar_playbook):
    from concierge.tasks import prospect_events_expand

    first, *rest = engagement_events(ProspectFactory.create_batch(5, owner=rep))
    prospect_events_expand.run(first)
    assert FollowUp.objects.count() == 10
    assert not ProspectEvent.objects.filter(processed_at__isnull=True).exists()
    prospect_events_expand.run(rest[0])  # its own message arrives later: nothing is made twice
    assert FollowUp.objects.count() == 10


def test_recording_a_trigger_twice_keeps_one_row_and_queues_it_until_expanded(
    own_prospect, django_capture_on_commit_callbacks
):
    record = {"kind": ProspectEvent.Kind.NEW_ENGAGEMENT, "prospect_id": own_prospect.pk,
              "key": "engagement:7"}  # fmt: skip
    with django_capture_on_commit_callbacks() as queued:
        first = outbox.record(**record)
        again = outbox.record(**record)
    assert first.pk == again.pk and ProspectEvent.objects.count() == 1
    assert len(queued) == 1, "waiting: one message per transaction asks a worker to expand it"
    ProspectEvent.objects.filter(pk=first.pk).update(processed_at=timezone.now())
    with django_capture_on_commit_callbacks() as queued:
        outbox.record(**record)
    assert queued == [], "already expanded: nothing to ask"
