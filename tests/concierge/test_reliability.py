"""The database is the schedule: losing the broker or a worker delays follow-ups, it never
loses or duplicates them. Real Redis (in CI), real worker processes, real kills."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from concierge.models import FollowUp, FollowUpStatus
from concierge.tasks import dispatch_due, events_sweep
from empathy_crm.models import NoticeEmail, Notification
from prospects import services as prospect_services
from prospects.models import ProspectEvent
from tests.factories import PlaybookFactory, PlaybookStepFactory, ProspectFactory, make_rep
from tests.services import (
    broker_unreachable,
    celery_worker,
    kill_hard,
    purge_queue,
    require_broker,
    smtp_sink,
    wait_for,
    wait_for_tasks,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clean_queue():
    require_broker()
    purge_queue()


def due_tasks(rep, count: int) -> None:
    prospects = [ProspectFactory(owner=rep) for _ in range(25)]
    past = timezone.now() - timedelta(minutes=1)
    FollowUp.objects.bulk_create(
        [FollowUp(prospect=prospects[n % 25], assignee=rep, kind="check_in", due_at=past)
         for n in range(count)],
        batch_size=5000,
    )  # fmt: skip


def assert_each_notified_once(count: int) -> None:
    assert FollowUp.objects.filter(status=FollowUpStatus.DUE).count() == count
    assert Notification.objects.count() == count
    twice = Notification.objects.values("key").annotate(n=Count("pk")).filter(n__gt=1)
    assert not twice.exists()


def test_follow_ups_made_while_the_broker_is_down_are_delivered_once_it_is_back(rep, caplog):
    playbook = PlaybookFactory(trigger=ProspectEvent.Kind.NEW_ENGAGEMENT)
    PlaybookStepFactory(playbook=playbook, kind="answer_question", wording="Answer {first_name}")
    prospects = [ProspectFactory(owner=rep) for _ in range(10)]
    with broker_unreachable():
        for prospect in prospects:
            prospect_services.engagement_record(
                prospect=prospect,
                asset=None,
                occurred_at=timezone.now(),
                why="Cost?",
                source="event",
            )
    assert "the sweep will expand it" in caplog.text
    assert ProspectEvent.objects.filter(processed_at__isnull=True).count() == 10
    assert not FollowUp.objects.exists(), "nothing could be expanded yet"

    ProspectEvent.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    with celery_worker(name="recovery", concurrency=2):
        events_sweep.delay()  # what beat sends every minute
        wait_for(lambda: not ProspectEvent.objects.filter(processed_at__isnull=True).exists(),
                 what="the sweep to expand the stranded triggers")  # fmt: skip
        assert FollowUp.objects.count() == 10
        FollowUp.objects.update(due_at=timezone.now() - timedelta(seconds=1))
        runs = dispatch_due.delay(), dispatch_due.delay()
        wait_for_tasks("recovery", *runs)  # both runs done: a late duplicate would show
    assert_each_notified_once(10)


def test_a_worker_killed_during_dispatch_loses_and_duplicates_nothing(rep):
    total = 20_000
    due_tasks(rep, total)
    with celery_worker(name="doomed") as worker:
        dispatch_due.delay()
        wait_for(lambda: Notification.objects.exists(), timeout=60, what="dispatch to start")
        kill_hard(worker)
    delivered = Notification.objects.count()
    assert 0 < delivered < total, f"the kill should land mid-dispatch ({delivered} of {total})"
    assert FollowUp.objects.filter(status=FollowUpStatus.DUE).count() == delivered

    with celery_worker(name="restarted"):
        dispatch_due.delay()  # beat's next minute
        wait_for(lambda: Notification.objects.count() == total, timeout=90, what="the rest")
    assert_each_notified_once(total)


def test_two_dispatch_runs_at_once_notify_each_follow_up_once(rep):
    total = 6_000
    due_tasks(rep, total)
    with celery_worker(name="pair", concurrency=2):
        runs = dispatch_due.delay(), dispatch_due.delay()
        wait_for_tasks("pair", *runs, timeout=90)
    assert_each_notified_once(total)


def test_a_worker_killed_while_mailing_loses_no_notice_and_the_repeat_keeps_its_message_id(team):
    reps = [make_rep(team, username=f"mailed{n}") for n in range(3)]
    past = timezone.now() - timedelta(minutes=1)
    for n, rep in enumerate(reps):
        for m in range(4):
            prospect = ProspectFactory(owner=rep, first_name="Person", last_name=f"R{n}N{m}")
            FollowUp.objects.create(prospect=prospect, assignee=rep, kind="check_in", due_at=past)
    with smtp_sink(hold_first=True) as sink:
        with celery_worker(name="mailer", env=sink.worker_env) as worker:
            dispatch_due.delay()
            assert sink.first_arrived.wait(60), "the first mail never reached the SMTP server"
            kill_hard(worker)  # mid-send: the server has the data, the sender had no answer
        interrupted = sink.attempts[0]
        assert not sink.accepted
        sink.release()  # the server refuses the held mail: only a repeat can deliver it
        NoticeEmail.objects.filter(sent_at__isnull=True).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )  # the dead sender's lease runs out
        notices = list(Notification.objects.values_list("message", flat=True))
        assert len(notices) == 12

        def all_delivered() -> bool:
            delivered = "\n".join(d.body for d in sink.accepted)
            return all(f"- {notice}\n" in delivered for notice in notices)

        with celery_worker(name="mailer-again", env=sink.worker_env):
            dispatch_due.delay()  # beat's next minute
            wait_for(all_delivered, timeout=60, what="every notice to reach the SMTP server")
            wait_for(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists(),
                     what="the mails to be confirmed")  # fmt: skip
    repeats = [d for d in sink.accepted if d.message_id == interrupted.message_id]
    assert len(repeats) == 1, "the interrupted mail goes out again under its Message-ID"
    assert repeats[0].body == interrupted.body and repeats[0].to == interrupted.to
    assert sorted(d.to[0] for d in sink.accepted) == sorted(rep.email for rep in reps)
