"""Each person's inbox: one place every app tells a person something (``notify``), read in
the app (the bell in the header, ``/inbox/``) and, for the kinds ``Notification.
EMAILED_KINDS``, emailed at least once (``notices_email``, run by the minute's dispatch)."""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from empathy_crm.models import NoticeEmail, Notification

log = logging.getLogger(__name__)


def notify(*, user_id: int, kind: str, message: str, url: str = "", key: str = "") -> None:
    """Put a notice in a person's inbox (once per ``key``, when one is given)."""
    Notification.objects.bulk_create(
        [Notification(user_id=user_id, kind=kind, message=message[:300], url=url, key=key)],
        ignore_conflicts=bool(key),
    )


def notices_read(*, user, notice_id: int | None = None) -> int:
    """Mark one of ``user``'s notices read, or (no id) all of them. Returns how many."""
    unread = Notification.objects.unread().filter(user=user)
    if notice_id is not None:
        unread = unread.filter(pk=notice_id)
    return unread.update(read_at=timezone.now())


# --- Email, at least once -----------------------------------------------------------------

#: A mail lists this many of the notices it carries, then says how many more there are.
NOTICES_LISTED = 50
#: Mails claimed together; a run claims again until nothing is pending.
NOTICE_EMAIL_CHUNK = 200
#: How long a run may hold a mail before another run may send it: longer than a task may
#: live (Celery's hard time limit), so a running sender never loses its mail to a second one.
NOTICE_EMAIL_LEASE = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
PENDING_NOTICES = Q(
    kind__in=Notification.EMAILED_KINDS, email__isnull=True, emailed_at__isnull=True
)


def notices_email(*, now: datetime | None = None, chunk: int = NOTICE_EMAIL_CHUNK) -> int:
    """Email each person the notices waiting for them, at least once.

    One mail per person carries every notice waiting for them (it lists the first
    ``NOTICES_LISTED``). Mails are claimed under a lease, sent, then confirmed; a mail whose
    sender died is sent again, unchanged, once its lease has run out. The run claims again
    until nothing is left, over one SMTP connection. Returns the number of mails sent.
    """
    connection = get_connection()
    opened = False
    sent = 0
    try:
        while emails := notice_emails_claim(now=now or timezone.now(), limit=chunk):
            if not opened:
                connection.open()
                opened = True
            for email in emails:
                sent += notice_email_send(email=email, connection=connection)
    finally:
        if opened:
            connection.close()
    return sent


def notice_emails_claim(*, now: datetime, limit: int) -> list[NoticeEmail]:
    """Lease up to ``limit`` mails: first those whose sender's lease ran out, then new ones.

    A new mail takes every pending notice of one person. Rows are claimed with
    SELECT … FOR UPDATE SKIP LOCKED, so runs at once claim different mails.
    """
    lease_until = now + NOTICE_EMAIL_LEASE
    with transaction.atomic():
        expired = list(
            NoticeEmail.objects.filter(sent_at__isnull=True, lease_until__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("lease_until")
            .values_list("pk", flat=True)[:limit]
        )
        NoticeEmail.objects.filter(pk__in=expired).update(
            lease_until=lease_until, attempts=F("attempts") + 1
        )
    new = _notice_emails_create(now=now, lease_until=lease_until, people=limit - len(expired))
    return list(
        NoticeEmail.objects.filter(pk__in=[*expired, *new]).select_related("user").order_by("pk")
    )


def _notice_emails_create(*, now: datetime, lease_until: datetime, people: int) -> list[int]:
    """Make a mail for each of up to ``people`` persons with pending notices, carrying them all."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    while people > 0:
        with transaction.atomic():
            user_ids = list(
                Notification.objects.filter(PENDING_NOTICES)
                .order_by()
                .values_list("user_id", flat=True)
                .distinct()[:people]
            )
            carried: dict[int, list[int]] = defaultdict(list)
            for pk, user_id in (
                Notification.objects.filter(PENDING_NOTICES, user_id__in=user_ids)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by()
                .values_list("pk", "user_id")
            ):
                carried[user_id].append(pk)
            if not carried:
                return []  # nothing pending, or another run holds it
            addresses = dict(
                get_user_model().objects.filter(pk__in=carried).values_list("pk", "email")
            )
            # Someone without an address has nothing to send to: their notices are settled.
            unmailable = [
                pk for user_id, pks in carried.items() if not addresses[user_id] for pk in pks
            ]
            for part in _slices(unmailable):
                Notification.objects.filter(pk__in=part).update(emailed_at=now)
            emails = NoticeEmail.objects.bulk_create(
                NoticeEmail(
                    user_id=user_id,
                    message_id=NoticeEmail.message_id_for(user_id, pks, domain),
                    notice_count=len(pks),
                    created_at=now,
                    lease_until=lease_until,
                )
                for user_id, pks in carried.items()
                if addresses[user_id]
            )
            for email in emails:
                for part in _slices(carried[email.user_id]):
                    Notification.objects.filter(pk__in=part).update(email=email)
        if emails:
            return [email.pk for email in emails]
    return []


def _slices(pks: list[int], size: int = 10_000):
    """Id lists small enough for one query's parameters, however many notices wait."""
    for start in range(0, len(pks), size):
        yield pks[start : start + size]


def notice_email_send(*, email: NoticeEmail, connection: BaseEmailBackend) -> int:
    """Send one claimed mail, then confirm it and the notices it carries. Returns 1 if sent."""
    messages = email.notices.order_by("created_at", "pk").values_list("message", flat=True)
    listed = list(messages[:NOTICES_LISTED])
    count = email.notice_count
    message = EmailMessage(
        subject=f"{count} helpful follow-up{'s' if count != 1 else ''} due",
        body=render_to_string(
            "inbox/email/notices.txt",
            {
                "user": email.user,
                "listed": listed,
                "more": count - len(listed),
                "site": settings.SITE_URL,
            },
        ),
        to=[email.user.email],
        headers={"Message-ID": email.message_id},
        connection=connection,
    )
    try:
        if not connection.send_messages([message]):
            return 0
    except smtplib.SMTPRecipientsRefused:
        log.warning("Mail %s refused for %s; retried after its lease", email.pk, email.user_id)
        return 0
    at = timezone.now()
    with transaction.atomic():
        NoticeEmail.objects.filter(pk=email.pk, sent_at__isnull=True).update(sent_at=at)
        email.notices.filter(emailed_at__isnull=True).update(emailed_at=at)
    return 1
