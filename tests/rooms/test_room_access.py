"""A personal link lets one person into one room, and nothing else: every room URL tried
with another room's link, an expired link, a revoked one and made-up ones; the rep's pages
tried by another team."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from rooms import services
from rooms.models import PlanStep, RoomEvent, RoomMember, RoomQuestion
from tests.factories import AccountFactory, ProspectFactory


@pytest.fixture
def other_room(outsider):
    """Another team's room, with a question, a step of its own person's, and their link."""
    account = AccountFactory(name="Elsewhere Inc", owner=outsider)
    person = ProspectFactory(owner=outsider, account=account, first_name="Olga")
    room = services.room_open(account=account, by=outsider)
    question = services.question_choose(room=room, text="Olga's secret question", answer="Hush")
    step = PlanStep.objects.create(room=room, title="Olga's step", owner_prospect=person)
    link = services.member_invite(room=room, prospect=person, by=outsider, email=False)
    return {"room": room, "question": question, "step": step, "token": link.token}


def room_urls(token: str, question_pk: int, step_pk: int):
    """Every URL of a room, as (method, url, data)."""
    return [
        ("get", reverse("room:view", args=[token]), None),
        ("get", reverse("room:question", args=[token, question_pk]), None),
        ("post", reverse("room:helped", args=[token, question_pk]), {"helped": "yes"}),
        ("get", reverse("room:step", args=[token, step_pk]), None),
        ("post", reverse("room:step_done", args=[token, step_pk]), None),
        ("post", reverse("room:ask", args=[token]), {"text": "Hijacked?"}),
        ("post", reverse("room:invite", args=[token]),
         {"first_name": "Eve", "email": "eve@example.com"}),
    ]  # fmt: skip


def state():
    return (
        list(RoomEvent.objects.values_list("pk", flat=True)),
        list(RoomQuestion.objects.values_list("pk", flat=True)),
        list(PlanStep.objects.values_list("pk", "status")),
        RoomMember.objects.count(),
    )


def test_another_rooms_link_reaches_nothing_of_this_room(client, furnished, other_room):
    """Olga's link with this room's question and step: 404 each time, nothing changes (her
    link's own pages, without ids, are her room's)."""
    before = state()
    for method, url, data in room_urls(
        other_room["token"], furnished["question"].pk, furnished["step"].pk
    ):
        if (
            not url.rstrip("/").split("/")[-1].isdigit()
            and "/done" not in url
            and "/helped" not in url
        ):
            continue
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 404, url
        assert "What will compliance ask?" not in response.text
        assert "Security review" not in response.text
    assert state() == before


def test_a_persons_link_shows_their_room_and_never_another(client, furnished, graces_link,
                                                           other_room):  # fmt: skip
    page = client.get(reverse("room:view", args=[graces_link.token]))
    assert "What will compliance ask?" in page.text
    assert "Olga" not in page.text and "Elsewhere" not in page.text


def test_a_step_of_someone_else_cannot_be_marked_done(client, furnished, graces_link):
    url = reverse("room:step_done", args=[graces_link.token, furnished["rep_step"].pk])
    assert client.post(url).status_code == 404
    furnished["rep_step"].refresh_from_db()
    assert furnished["rep_step"].status == "planned"


@pytest.mark.parametrize("how", ["expired", "revoked", "replaced", "moved"])
def test_an_expired_revoked_or_replaced_link_is_a_polite_page(client, furnished, graces_link,
                                                              grace, rep, room, how):  # fmt: skip
    member = graces_link.member
    if how == "expired":
        RoomMember.objects.filter(pk=member.pk).update(expires_at=member.created_at)
    elif how == "revoked":
        member.revoke()
    elif how == "moved":  # Grace now works at another company: this group's room is closed to her
        grace.account = AccountFactory(name="Globex", owner=rep)
        grace.save(update_fields=["account"])
    else:
        services.member_invite(room=room, prospect=grace, by=rep, email=False)
    before = state()
    for method, url, data in room_urls(
        graces_link.token, furnished["question"].pk, furnished["step"].pk
    ):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 410, url
        assert "This link no longer works" in response.text
        assert "What will compliance ask?" not in response.text
        assert response["X-Robots-Tag"].startswith("noindex")
    assert state() == before


def test_an_expired_link_stops_at_the_moment_it_expires(client, furnished, graces_link, clock):
    url = reverse("room:view", args=[graces_link.token])
    clock.move_to(graces_link.member.expires_at - timedelta(minutes=1))
    assert client.get(url).status_code == 200
    clock.move_to(graces_link.member.expires_at + timedelta(seconds=1))
    assert client.get(url).status_code == 410


@pytest.mark.parametrize(
    "token",
    ["nope", "x" * 43, "A" * 101, "%00", "..", "-_-" * 20, "ü" * 43],
)
def test_made_up_links_are_a_polite_404(client, furnished, token):
    response = client.get(f"/room/{token}/")
    assert response.status_code in (404, 400)
    assert "What will compliance ask?" not in response.text


def test_a_colleague_known_at_another_company_is_not_let_in(client, rep, furnished, graces_link,
                                                            room):  # fmt: skip
    ProspectFactory(owner=rep, account=AccountFactory(name="Globex", owner=rep),
                    email="sam@globex.example")  # fmt: skip
    colleague = services.colleague_invite(member=graces_link.member, first_name="Sam",
                                          last_name="Adeyemi", email="sam@globex.example")  # fmt: skip
    client.force_login(rep)
    url = reverse("rooms:member_approve", args=[room.pk, colleague.pk])
    page = client.post(url, {"days": 30}, follow=True).text
    assert "someone your team knows at another company" in page
    colleague.refresh_from_db()
    assert colleague.is_pending and colleague.token_hash is None


def test_an_invitation_answered_meanwhile_is_not_answered_twice(rep, furnished, graces_link):
    colleague = services.colleague_invite(member=graces_link.member, first_name="Sam",
                                          last_name="Adeyemi", email="sam@brightpath.example")  # fmt: skip
    services.member_approve(member=colleague, by=rep)  # the first tab
    with pytest.raises(services.AlreadyAnswered):  # the second, with the page it had
        services.member_approve(member=colleague, by=rep)
    assert RoomMember.objects.filter(email="sam@brightpath.example", approved=True).count() == 1


def test_a_colleague_waiting_for_approval_has_no_way_in(client, furnished, graces_link):
    colleague = services.colleague_invite(member=graces_link.member, first_name="Sam",
                                          last_name="Adeyemi", email="sam@brightpath.example")  # fmt: skip
    assert colleague.token_hash is None and not colleague.approved


@pytest.mark.parametrize("who", ["outsider", "other_manager"])
def test_the_reps_room_pages_are_404_for_another_team(client, request, furnished, room, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(room.get_absolute_url()).status_code == 404
    member = RoomMember.objects.get(room=room)
    for name, args in [("rooms:room_climb", [room.pk]),
                       ("rooms:member_revoke", [room.pk, member.pk]),
                       ("rooms:room_open", [room.account_id])]:  # fmt: skip
        assert client.post(reverse(name, args=args), {"goal": "x"}).status_code == 404
    member.refresh_from_db()
    assert member.revoked_at is None


def test_a_teammate_sees_the_room_but_changes_nothing(client, teammate, furnished, room):
    client.force_login(teammate)
    page = client.get(room.get_absolute_url())
    assert page.status_code == 200 and "What will compliance ask?" in page.text
    assert "Make their link" not in page.text
    response = client.post(reverse("rooms:room_climb", args=[room.pk]), {"goal": "Mine now"})
    assert response.status_code == 404
    room.refresh_from_db()
    assert room.goal != "Mine now"


def test_every_form_of_the_room_needs_its_csrf_token(furnished, graces_link):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    before = state()
    for method, url, data in room_urls(
        graces_link.token, furnished["question"].pk, furnished["step"].pk
    ):
        if method == "post":
            assert strict.post(url, data or {}).status_code == 403, url
    assert state() == before
    page = strict.get(reverse("room:view", args=[graces_link.token])).text
    assert page.count('name="csrfmiddlewaretoken"') == page.count("<form")


def test_a_deleted_persons_link_stops_and_an_undo_brings_it_back(client, rep, furnished,
                                                                 graces_link, grace, rosa, room):  # fmt: skip
    from prospects.services import prospect_delete, prospect_restore

    rosas = services.member_invite(room=room, prospect=rosa, by=rep, email=False)
    assert "Rosa" in client.get(reverse("room:view", args=[graces_link.token])).text
    prospect_delete(prospect=rosa, by=rep)
    assert client.get(reverse("room:view", args=[rosas.token])).status_code == 404
    page = client.get(reverse("room:view", args=[graces_link.token])).text
    assert "Rosa" not in page, "a deleted person is not named in the room"
    prospect_restore(prospect=rosa, by=rep)
    assert client.get(reverse("room:view", args=[rosas.token])).status_code == 200
