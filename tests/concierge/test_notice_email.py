"""Emailing due follow-ups: one mail per person with everything waiting for them, at least once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from concierge import services
from concierge.models import FollowUp
from empathy_crm import notifications
from empathy_crm.models import NoticeEmail, Notification
from tests.factories import ProspectFactory, make_rep

# A fixed moment for the leases; due times only need to be in the past.
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class SenderDied(BaseException):
    """What a SIGKILL looks like from inside the sending code: nothing after it runs."""


class DyingBackend(LocmemBackend):
    """Takes the message (as an SMTP server that got the DATA), then the sender dies."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise SenderDied


class CountingBackend(LocmemBackend):
    connections = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        CountingBackend.connections += 1


def notices_due(rep, count: int) -> None:
    prospect = ProspectFactory(owner=rep)
    past = timezone.now() - timedelta(minutes=1)
    FollowUp.objects.bulk_create(
        FollowUp(prospect=prospect, assignee=rep, kind="check_in", due_at=past)
        for _ in range(count)
    )
    services.due_followups_dispatch()


def pending() -> int:
    return Notification.objects.filter(emailed_at__isnull=True).count()


def test_one_mail_carries_all_of_a_persons_notices_and_lists_the_first_fifty(rep, teammate):
    notices_due(rep, 60)
    notices_due(teammate, 1)
    assert notifications.notices_email() == 2
    mine = next(m for m in mail.outbox if m.to == [rep.email])
    assert mine.subject == "60 helpful follow-ups due"
    assert mine.body.count("- Check in for ") == 50
    assert "…and 10 more." in mine.body
    assert pending() == 0
    assert notifications.notices_email() == 0


def test_one_run_leaves_nothing_pending_however_many_are_due(team):
    reps = [make_rep(team, username=f"busy{n}") for n in range(3)]
    for rep in reps:
        notices_due(rep, 400)  # 1,200 in all, more than one claim takes
    assert notifications.notices_email(chunk=2) == 3
    assert pending() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in reps)


def test_a_run_sends_over_one_connection(settings, team):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.connections = 0
    for n in range(3):
        notices_due(make_rep(team, username=f"rep{n}"), 2)
    assert notifications.notices_email(chunk=1) == 3
    assert CountingBackend.connections == 1


def test_a_mail_whose_sender_died_goes_out_again_after_its_lease_under_the_same_message_id(
    settings, rep
):
    notices_due(rep, 3)
    settings.EMAIL_BACKEND = f"{__name__}.DyingBackend"
    with pytest.raises(SenderDied):
        notifications.notices_email(now=T0)
    first = mail.outbox[0].message()["Message-ID"]
    assert pending() == 3, "a mail that may not have gone out must not count as sent"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert notifications.notices_email(now=T0 + timedelta(minutes=1)) == 0, "still leased"
    later = T0 + notifications.NOTICE_EMAIL_LEASE + timedelta(seconds=1)
    assert notifications.notices_email(now=later) == 1
    assert mail.outbox[0].message()["Message-ID"] == first
    assert mail.outbox[0].subject == "3 helpful follow-ups due"
    assert pending() == 0
    assert NoticeEmail.objects.get().attempts == 2


def test_notices_that_fall_due_after_a_mail_was_made_go_in_a_mail_of_their_own(settings, rep):
    notices_due(rep, 2)
    settings.EMAIL_BACKEND = f"{__name__}.DyingBackend"
    with pytest.raises(SenderDied):
        notifications.notices_email(now=T0)
    notices_due(rep, 1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    later = T0 + notifications.NOTICE_EMAIL_LEASE + timedelta(seconds=1)
    assert notifications.notices_email(now=later) == 2
    assert sorted(m.subject for m in mail.outbox) == [
        "1 helpful follow-up due",
        "2 helpful follow-ups due",
    ]


def test_the_message_id_follows_from_the_person_and_the_notices_carried():
    same = NoticeEmail.message_id_for(7, [3, 1, 2], "crm.example.com")
    assert same == NoticeEmail.message_id_for(7, [1, 2, 3], "crm.example.com")
    assert same != NoticeEmail.message_id_for(7, [1, 2], "crm.example.com")
    assert same != NoticeEmail.message_id_for(8, [1, 2, 3], "crm.example.com")
    assert same.startswith("<notices.7.") and same.endswith("@crm.example.com>")


def test_notices_of_someone_without_an_address_are_settled_without_a_mail(team, rep):
    nobody = make_rep(team, username="no-address", email="")
    notices_due(nobody, 2)
    notices_due(rep, 1)
    assert notifications.notices_email(chunk=1) == 1
    assert [m.to for m in mail.outbox] == [[rep.email]]
    assert pending() == 0
