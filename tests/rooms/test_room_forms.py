"""What the room's people can do: ask, say whether an answer helped, mark their step done,
invite a colleague; with limits, and whatever they type (fuzzed), never a 500 and never
half a write."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from empathy_crm.models import Notification
from prospects.models import Engagement, Prospect, ProspectEvent
from rooms import services
from rooms.models import PlanStep, RoomEvent, RoomMember, RoomQuestion
from tests.factories import ContentAssetFactory

texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=1200)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def written():
    return (
        Engagement.objects.count(),
        RoomQuestion.objects.count(),
        RoomEvent.objects.count(),
        RoomMember.objects.count(),
        Notification.objects.count(),
        ProspectEvent.objects.count(),
        list(PlanStep.objects.values_list("status", flat=True)),
    )


@FUZZ
@given(text=texts)
def test_any_question_is_asked_whole_or_refused_cleanly(furnished, graces_link, text):
    cache.clear()
    before = written()
    response = Client(raise_request_exception=False).post(
        reverse("room:ask", args=[graces_link.token]), {"text": text}
    )
    after = written()
    if response.status_code == 302:
        grew = [after[n] - before[n] for n in (0, 1, 2, 4, 5)]
        assert grew == [1, 1, 1, 1, 1] and after[3] == before[3]
        assert RoomQuestion.objects.order_by("-pk").first().text == text.strip()
    else:
        assert response.status_code == 400, response.status_code
        assert after == before


@FUZZ
@given(first=texts, last=texts, email=texts | st.emails(), title=texts)
def test_any_colleague_invitation_is_whole_or_refused_cleanly(furnished, graces_link, first,
                                                              last, email, title):  # fmt: skip
    cache.clear()
    before = written()
    data = {"first_name": first, "last_name": last, "email": email, "title": title}
    response = Client(raise_request_exception=False).post(
        reverse("room:invite", args=[graces_link.token]), data
    )
    after = written()
    if response.status_code == 302:
        assert (after[3], after[2]) == (before[3] + 1, before[2] + 1)
    else:
        assert response.status_code == 400, response.status_code
        assert after == before


@FUZZ
@given(helped=texts | st.sampled_from(["yes", "no"]), step=st.integers(-5, 10**12))
def test_any_helped_or_done_post_is_whole_or_refused(furnished, graces_link, helped, step):
    client = Client(raise_request_exception=False)
    question = furnished["question"]
    response = client.post(reverse("room:helped", args=[graces_link.token, question.pk]),
                           {"helped": helped})  # fmt: skip
    assert response.status_code in (302, 400)
    if step >= 0:
        response = client.post(reverse("room:step_done", args=[graces_link.token, step]))
        assert response.status_code in (302, 404)


def test_did_this_help_keeps_one_answer_per_person_and_tells_the_rep(client, rep, furnished,
                                                                     graces_link):  # fmt: skip
    question = furnished["question"]
    url = reverse("room:helped", args=[graces_link.token, question.pk])
    client.post(url, {"helped": "no"})
    client.post(url, {"helped": "no"})
    assert list(RoomEvent.objects.values_list("kind", flat=True)) == ["helped_no"]
    client.post(url, {"helped": "yes"})
    assert list(RoomEvent.objects.values_list("kind", flat=True)) == ["helped_yes"]
    page = client.get(reverse("room:question", args=[graces_link.token, question.pk])).text
    assert "You said: <strong>yes</strong>" in page
    messages = Notification.objects.filter(user=rep).values_list("message", flat=True)
    assert any("Grace said the answer to “What will compliance ask?” helped" in m
               for m in messages)  # fmt: skip
    client.force_login(rep)
    assert "Grace: it helped" in client.get(furnished["question"].room.get_absolute_url()).text


def test_opening_an_answer_or_a_step_is_recorded_once(client, furnished, graces_link):
    for _ in range(3):
        client.get(reverse("room:question", args=[graces_link.token, furnished["question"].pk]))
        client.get(reverse("room:step", args=[graces_link.token, furnished["step"].pk]))
    sentences = sorted(e.sentence for e in RoomEvent.objects.all())
    assert sentences == ["Grace opened the answer to “What will compliance ask?”",
                         "Grace opened “Security review”"]  # fmt: skip


def test_viewing_the_room_itself_records_nothing(client, furnished, graces_link):
    for _ in range(3):
        client.get(reverse("room:view", args=[graces_link.token]))
    assert not RoomEvent.objects.exists()


def test_questions_are_limited_per_person(client, furnished, graces_link):
    url = reverse("room:ask", args=[graces_link.token])
    limit = services.ASK_LIMIT[0]
    for n in range(limit):
        assert client.post(url, {"text": f"Question {n}?"}).status_code == 302
    refused = client.post(url, {"text": "One more?"})
    assert refused.status_code == 429 and "try again in an hour" in refused.text
    assert RoomQuestion.objects.filter(asked_by__isnull=False).count() == limit


def test_invitations_are_limited_per_person(client, furnished, graces_link):
    url = reverse("room:invite", args=[graces_link.token])
    limit = services.INVITE_LIMIT[0]
    for n in range(limit + 1):
        response = client.post(url, {"first_name": f"P{n}", "email": f"p{n}@brightpath.example"})
    assert response.status_code == 429
    assert RoomMember.objects.filter(approved=False).count() == limit


def test_an_approved_colleague_joins_the_buying_group_with_a_link_of_their_own(
    client, rep, room, account, furnished, graces_link, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.post(reverse("room:invite", args=[graces_link.token]),
                {"first_name": "Samuel", "last_name": "Adeyemi", "title": "Medical Director",
                 "email": "Samuel@Brightpath.example"})  # fmt: skip
    pending = RoomMember.objects.get(approved=False)
    assert "Grace asked to invite Samuel Adeyemi" in [e.sentence for e in RoomEvent.objects.all()]
    client.force_login(rep)
    assert "asks to join" in client.get(room.get_absolute_url()).text
    client.post(reverse("rooms:member_approve", args=[room.pk, pending.pk]), {"days": 30})
    samuel = Prospect.objects.get(email="samuel@brightpath.example")
    assert samuel.account == account and samuel.team_id == rep.team_id and samuel.owner == rep
    assert ProspectEvent.objects.filter(kind="new_group_member", prospect=samuel).exists()
    assert mail.outbox[-1].to == ["samuel@brightpath.example"]
    pending.refresh_from_db()
    assert pending.link_works and pending.prospect == samuel
    again = client.post(reverse("rooms:member_approve", args=[room.pk, pending.pk]), {"days": 30})
    assert again.status_code == 404, "answered once"


def test_a_colleague_turned_down_gets_nothing(client, rep, room, furnished, graces_link):
    colleague = services.colleague_invite(member=graces_link.member, first_name="Eve",
                                          last_name="", email="eve@example.com")  # fmt: skip
    client.force_login(rep)
    client.post(reverse("rooms:member_approve", args=[room.pk, colleague.pk]),
                {"decision": "decline"})  # fmt: skip
    colleague.refresh_from_db()
    assert colleague.revoked_at and not colleague.approved and colleague.prospect is None
    assert not Prospect.objects.filter(email="eve@example.com").exists()


TYPED = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_what_people_type_is_escaped_everywhere(client, rep, room, account, furnished,
                                                graces_link):  # fmt: skip
    client.post(reverse("room:ask", args=[graces_link.token]), {"text": TYPED})
    client.post(reverse("room:invite", args=[graces_link.token]),
                {"first_name": TYPED[:100], "email": "x@example.com"})  # fmt: skip
    pages = [client.get(reverse("room:view", args=[graces_link.token])).text]
    question = RoomQuestion.objects.get(text=TYPED)
    pages.append(client.get(reverse("room:question", args=[graces_link.token, question.pk])).text)
    client.force_login(rep)
    pages += [client.get(url).text for url in (room.get_absolute_url(),
                                               account.get_absolute_url(), "/inbox/")]  # fmt: skip
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[0]


def test_story_suggestions_follow_their_questions_and_industry(client, rep, room, furnished):
    ContentAssetFactory(title="How a clinic passed its compliance audit", kind="case_study")
    ContentAssetFactory(title="Healthcare groups that cut no-shows", kind="case_study")
    ContentAssetFactory(title="A logistics rollout", kind="case_study")
    ContentAssetFactory(title="A compliance checklist", kind="checklist")
    titles = [a.title for a in services.story_suggestions(room)]
    assert titles == ["Healthcare groups that cut no-shows",
                      "How a clinic passed its compliance audit"]  # fmt: skip


@pytest.mark.parametrize("people", [1, 8])
def test_the_room_costs_the_same_queries_however_full(client, room, rep, furnished, graces_link,
                                                      people, django_assert_num_queries):  # fmt: skip
    from tests.factories import ProspectFactory

    for n in range(people):
        person = ProspectFactory(owner=rep, account=room.account)
        services.member_invite(room=room, prospect=person, by=rep, email=False)
        services.question_choose(room=room, text=f"Question {n}", asset=ContentAssetFactory())
        services.story_choose(room=room, asset=ContentAssetFactory(kind="case_study"))
        PlanStep.objects.create(room=room, title=f"Step {n}", owner_prospect=person)
    # the link and its room, questions, stories, steps, people
    with django_assert_num_queries(5):
        assert client.get(reverse("room:view", args=[graces_link.token])).status_code == 200


@pytest.mark.parametrize("events", [1, 30])
def test_the_account_page_costs_the_same_queries_with_room_activity(
    client, rep, account, furnished, graces_link, events
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AccountFactory

    for n in range(events):
        if n < services.ASK_LIMIT[0]:
            services.question_ask(member=graces_link.member, text=f"Q{n}?")
        step = PlanStep.objects.create(room=account.room, title=f"Step {n}")
        client.get(reverse("room:step", args=[graces_link.token, step.pk]))
    roomless = AccountFactory(owner=rep)
    client.force_login(rep)
    client.get(account.get_absolute_url())
    with CaptureQueriesContext(connection) as without_room:
        client.get(roomless.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        page = client.get(account.get_absolute_url())
    assert f"Grace opened “Step {events - 1}”" in page.text
    # the account page's own, then the room (none: one query) and its last events
    assert len(queries) == len(without_room) + 1
