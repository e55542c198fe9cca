from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.core import mail
from django.utils import timezone

from concierge import services
from concierge.models import DigestSent, FollowUp, FollowUpStatus
from empathy_crm import notifications
from empathy_crm.models import Notification
from tests.factories import FollowUpFactory, ProspectFactory


def test_due_follow_ups_are_claimed_and_notified_once(rep, teammate):
    past = timezone.now() - timedelta(minutes=5)
    due = FollowUpFactory.create_batch(3, prospect=ProspectFactory(owner=rep), due_at=past)
    later = FollowUpFactory(prospect=ProspectFactory(owner=teammate),
                                 due_at=timezone.now() + timedelta(hours=2))  # fmt: skip
    assert services.due_followups_dispatch() == 3
    assert services.due_followups_dispatch() == 0
    assert set(FollowUp.objects.filter(status=FollowUpStatus.DUE)) == set(due)
    later.refresh_from_db()
    assert later.status == FollowUpStatus.SCHEDULED
    assert Notification.objects.filter(user=rep).count() == 3
    assert "Send a resource for" in Notification.objects.first().message


def test_one_email_per_person_per_run_and_never_twice(rep, teammate):
    past = timezone.now() - timedelta(minutes=1)
    FollowUpFactory.create_batch(2, prospect=ProspectFactory(owner=rep), due_at=past)
    FollowUpFactory(prospect=ProspectFactory(owner=teammate), due_at=past)
    services.due_followups_dispatch()
    assert notifications.notices_email() == 2
    assert notifications.notices_email() == 0
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["1 helpful follow-up due", "2 helpful follow-ups due"]
    assert "/concierge/" in mail.outbox[0].body


def test_a_snoozed_follow_up_comes_back_when_due(rep):
    followup = FollowUpFactory(prospect=ProspectFactory(owner=rep), due_at=timezone.now())
    services.due_followups_dispatch()
    followup.refresh_from_db()
    followup.snooze(until=timezone.now() + timedelta(seconds=1), by=rep)
    FollowUp.objects.filter(pk=followup.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    Notification.objects.all().delete()
    assert services.due_followups_dispatch() == 1
    assert Notification.objects.get().key == f"followup:{followup.pk}"


def test_digest_goes_out_at_eight_in_the_reps_own_time_zone_once(rep):
    rep.timezone = "America/Chicago"
    rep.save()
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    monday_eight = datetime(2026, 11, 23, 8, 5, tzinfo=chicago)
    FollowUpFactory(prospect=ProspectFactory(owner=rep, first_name="Dana"),
                         due_at=monday_eight + timedelta(hours=3))  # fmt: skip
    assert services.digests_send(now=monday_eight - timedelta(hours=1)) == 0  # 07:05 there
    assert services.digests_send(now=monday_eight) == 1
    assert services.digests_send(now=monday_eight + timedelta(minutes=15)) == 0
    assert DigestSent.objects.get().local_date.isoformat() == "2026-11-23"
    assert mail.outbox[0].subject == "Your day: 1 helpful follow-up"
    assert "11:05 Send a resource for Dana" in mail.outbox[0].body
