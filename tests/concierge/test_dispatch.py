from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.core import mail
from django.utils import timezone

from concierge import services
from concierge.models import ConciergeTask, DigestSent, Notification, TaskStatus
from tests.factories import ConciergeTaskFactory, ProspectFactory


def test_due_follow_ups_are_claimed_and_notified_once(rep, teammate):
    past = timezone.now() - timedelta(minutes=5)
    due = ConciergeTaskFactory.create_batch(3, prospect=ProspectFactory(owner=rep), due_at=past)
    later = ConciergeTaskFactory(prospect=ProspectFactory(owner=teammate),
                                 due_at=timezone.now() + timedelta(hours=2))  # fmt: skip
    assert services.due_followups_dispatch() == 3
    assert services.due_followups_dispatch() == 0
    assert set(ConciergeTask.objects.filter(status=TaskStatus.DUE)) == set(due)
    later.refresh_from_db()
    assert later.status == TaskStatus.SCHEDULED
    assert Notification.objects.filter(user=rep).count() == 3
    assert "Send a resource for" in Notification.objects.first().message


def test_one_email_per_person_per_run_and_never_twice(rep, teammate):
    past = timezone.now() - timedelta(minutes=1)
    ConciergeTaskFactory.create_batch(2, prospect=ProspectFactory(owner=rep), due_at=past)
    ConciergeTaskFactory(prospect=ProspectFactory(owner=teammate), due_at=past)
    services.due_followups_dispatch()
    assert services.notifications_email() == 2
    assert services.notifications_email() == 0
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["1 helpful follow-up due", "2 helpful follow-ups due"]
    assert "/concierge/" in mail.outbox[0].body


def test_a_snoozed_follow_up_comes_back_when_due(rep):
    task = ConciergeTaskFactory(prospect=ProspectFactory(owner=rep), due_at=timezone.now())
    services.due_followups_dispatch()
    task.refresh_from_db()
    task.snooze(until=timezone.now() + timedelta(seconds=1), by=rep)
    ConciergeTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    Notification.objects.all().delete()
    assert services.due_followups_dispatch() == 1
    assert Notification.objects.get().task == task


def test_digest_goes_out_at_eight_in_the_reps_own_time_zone_once(rep):
    rep.timezone = "America/Chicago"
    rep.save()
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    monday_eight = datetime(2026, 11, 23, 8, 5, tzinfo=chicago)
    ConciergeTaskFactory(prospect=ProspectFactory(owner=rep, first_name="Dana"),
                         due_at=monday_eight + timedelta(hours=3))  # fmt: skip
    assert services.digests_send(now=monday_eight - timedelta(hours=1)) == 0  # 07:05 there
    assert services.digests_send(now=monday_eight) == 1
    assert services.digests_send(now=monday_eight + timedelta(minutes=15)) == 0
    assert DigestSent.objects.get().local_date.isoformat() == "2026-11-23"
    assert mail.outbox[0].subject == "Your day: 1 helpful follow-up"
    assert "11:05 Send a resource for Dana" in mail.outbox[0].body
