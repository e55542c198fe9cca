"""The issue's scenario, end to end through the pages: the rep opens a room, invites two
people, one asks a question from the room (an engagement and a follow-up, the rep told),
marks a step of theirs done; the rep revokes the other's link."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from concierge import events as concierge_events
from concierge.models import FollowUp
from empathy_crm.models import Notification
from prospects.models import Engagement, ProspectEvent
from rooms.models import PlanStep, Room, RoomEvent, RoomMember
from tests.factories import PlaybookFactory, PlaybookStepFactory
from tests.rooms.conftest import LINK, token_in


@pytest.fixture
def answer_playbook():
    playbook = PlaybookFactory(name="Answer within a working day", trigger="new_engagement")
    PlaybookStepFactory(playbook=playbook, kind="answer_question")
    return playbook


def test_a_rep_opens_a_room_its_people_ask_and_climb_the_rep_revokes(
    client, rep, account, grace, rosa, answer_playbook, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(rep)
    page = client.get(account.get_absolute_url())
    assert "Open a climb room" in page.text
    response = client.post(reverse("rooms:room_open", args=[account.pk]))
    room = Room.objects.get(account=account)
    assert response["Location"] == room.get_absolute_url()
    assert room.goal == "Stop losing referrals." and room.team_id == rep.team_id

    client.post(reverse("rooms:step_add", args=[room.pk]),
                {"title": "Security review", "owner": f"p{grace.pk}", "status": "planned",
                 "target_date": "2026-12-01"})  # fmt: skip
    step = PlanStep.objects.get(room=room)
    assert step.owner_prospect == grace

    # Grace by email, Rosa by a link the rep copies.
    client.post(reverse("rooms:member_invite", args=[room.pk]),
                {"prospect": grace.pk, "days": 30, "send": "on"})  # fmt: skip
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["grace@brightpath.example"]
    graces = token_in(mail.outbox[0].body)
    shown = client.post(reverse("rooms:member_invite", args=[room.pk]),
                        {"prospect": rosa.pk, "days": 7}, follow=True)  # fmt: skip
    rosas = token_in(shown.text)
    assert len(mail.outbox) == 1, "Rosa's link was only shown, to copy"
    assert rosas not in client.get(room.get_absolute_url()).text, "a link is shown once"
    assert not RoomMember.objects.filter(token_hash__in=[graces, rosas]).exists(), "kept hashed"

    # Grace, without signing in.
    client.logout()
    buyer = client.get(reverse("room:view", args=[graces]))
    assert buyer.status_code == 200
    assert "What" in buyer.text and "Nothing else is recorded" in buyer.text
    assert buyer["X-Robots-Tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in buyer.text
    response = client.post(reverse("room:ask", args=[graces]),
                           {"text": "Who trains new front-desk staff?"})  # fmt: skip
    assert response.status_code == 302
    engagement = Engagement.objects.get(prospect=grace)
    assert engagement.why == "Who trains new front-desk staff?"
    event = ProspectEvent.objects.get(kind="new_engagement", prospect=grace)
    assert concierge_events.event_expand(event.pk) == 1
    followup = FollowUp.objects.get(prospect=grace)
    assert followup.assignee == rep and followup.kind == "answer_question"
    client.post(reverse("room:step_done", args=[graces, step.pk]))
    step.refresh_from_db()
    assert step.status == "done"

    # The rep sees it on the account page and in the inbox; then revokes Rosa's link.
    client.force_login(rep)
    page = client.get(account.get_absolute_url()).text
    assert "Grace asked “Who trains new front-desk staff?”" in page
    assert "Grace marked “Security review” done" in page
    inbox = list(Notification.objects.filter(user=rep).values_list("message", flat=True))
    assert any("Grace asked “Who trains new front-desk staff?”" in m for m in inbox)
    rosa_member = RoomMember.objects.get(prospect=rosa)
    client.post(reverse("rooms:member_revoke", args=[room.pk, rosa_member.pk]))
    client.logout()
    gone = client.get(reverse("room:view", args=[rosas]))
    assert gone.status_code == 410 and "no longer works" in gone.text
    assert client.get(reverse("room:view", args=[graces])).status_code == 200
    assert set(RoomEvent.objects.values_list("kind", flat=True)) == {"asked", "marked_done"}


def test_the_demo_has_brightpaths_room_with_three_people_two_stories_and_a_half_done_plan(
    client, db
):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    room = Room.objects.get(account__name="Brightpath Clinics")
    working = [m for m in room.members.all() if m.link_works]
    assert sorted(m.prospect.first_name for m in working) == ["Dr. Samuel", "Grace", "Rosa"]
    assert room.stories.count() == 2
    assert sorted(room.steps.values_list("status", flat=True)) == ["done", "done", "planned",
                                                                    "planned"]  # fmt: skip
    asked = room.questions.get(asked_by__isnull=False)
    assert asked.text == "Who trains new staff when people leave?" and asked.engagement_id
    first, last = LINK.findall(out.getvalue())
    page = client.get(f"/room/{first}/")
    assert page.status_code == 410, "the first run's link stopped when the second made one"
    page = client.get(f"/room/{last}/")
    assert page.status_code == 200 and "Grace Liu" in page.text
    assert "Rosa asked “Who trains new staff when people leave?”" in [
        e.sentence for e in RoomEvent.objects.filter(room=room)
    ]
