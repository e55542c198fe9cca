"""One inbox for everything the app tells a person: a bell with the unread count in the
header, a list page, and reading a notice (or all of them) by POST."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from concierge import services as concierge
from empathy_crm.models import Notification
from empathy_crm.notifications import notify
from empathy_maps import services as maps
from tests.factories import FollowUpFactory, ProspectFactory

INBOX = reverse("inbox")


def bell(page: str) -> str:
    return page.split('class="inbox-bell"')[1].split("</a>")[0]


def test_a_follow_up_that_falls_due_lands_in_the_inbox_not_on_the_queue(client, rep):
    followup = FollowUpFactory(prospect=ProspectFactory(owner=rep, first_name="Grace",
                                                        last_name="Liu"),
                               due_at=timezone.now() - timedelta(minutes=1))  # fmt: skip
    concierge.due_followups_dispatch()
    client.force_login(rep)
    queue = client.get(reverse("concierge:queue")).text
    assert "became due since you last looked" not in queue, "the queue shows follow-ups only"
    assert 'aria-label="Inbox, 1 unread"' in bell(queue)
    inbox = client.get(INBOX).text
    assert "Send a resource for Grace Liu" in inbox and "Follow-up due" in inbox
    client.get(INBOX)
    notice = Notification.objects.get()
    assert notice.read_at is None, "reading the page changes nothing"
    response = client.post(reverse("notice_open", args=[notice.pk]))
    assert response["Location"] == reverse("concierge:followup_detail", args=[followup.pk])
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'aria-label="Inbox, 0 unread"' in bell(client.get(INBOX).text)


def test_map_reviews_and_submissions_are_notices_of_their_own_kind(
    client, rep, manager, own_prospect
):
    emap = maps.map_for_prospect(prospect=own_prospect, author=rep)
    maps.entry_add(empathy_map=emap, quadrant="says", text="We need it before Q3", by=rep)
    maps.map_submit(empathy_map=emap, by=rep)
    client.force_login(manager)
    inbox = client.get(INBOX).text
    assert "Map to review" in inbox
    notice = Notification.objects.get(user=manager)
    assert client.post(reverse("notice_open", args=[notice.pk]))["Location"] == reverse(
        "empathy_maps:review", args=[emap.pk]
    )
    emap.refresh_from_db()
    maps.map_review(empathy_map=emap, reviewer=manager, approve=False, comment="Feelings?")
    assert Notification.objects.get(user=rep).kind == Notification.Kind.MAP_RETURNED


def test_mark_all_read_and_one_read(client, rep):
    for n in range(3):
        notify(user_id=rep.pk, kind=Notification.Kind.OTHER, message=f"Notice {n}")
    client.force_login(rep)
    first = Notification.objects.order_by("pk").first()
    client.post(reverse("notices_read"), {"id": first.pk})
    assert Notification.objects.unread().count() == 2
    response = client.post(reverse("notices_read"), follow=True)
    assert "2 notices marked read." in response.text
    assert not Notification.objects.unread().exists()
    assert client.get(reverse("notices_read")).status_code == 405, "reading changes by POST only"


def test_nobody_reads_or_opens_another_persons_notices(client, rep, teammate):
    notify(user_id=teammate.pk, kind=Notification.Kind.OTHER, message="For the teammate only")
    notice = Notification.objects.get()
    client.force_login(rep)
    assert "For the teammate only" not in client.get(INBOX).text
    assert client.post(reverse("notice_open", args=[notice.pk])).status_code == 404
    client.post(reverse("notices_read"), {"id": notice.pk})
    client.post(reverse("notices_read"))
    notice.refresh_from_db()
    assert notice.read_at is None


def test_a_notice_is_made_once_per_thing_it_is_about(rep):
    for _ in range(2):
        notify(user_id=rep.pk, kind=Notification.Kind.OTHER, message="Once", key="thing:1")
    assert Notification.objects.count() == 1


def test_a_notice_never_sends_anyone_off_the_site(client, rep):
    notify(user_id=rep.pk, kind=Notification.Kind.OTHER, message="Odd", url="https://evil.example/")
    client.force_login(rep)
    notice = Notification.objects.get()
    assert client.post(reverse("notice_open", args=[notice.pk]))["Location"] == INBOX
