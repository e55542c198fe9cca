from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_rep


@pytest.mark.parametrize(
    ("who", "status"),
    [("rep", 403), ("manager", 403), ("admin_user", 200)],
)
def test_only_admins_list_all_teams(client, request, who, status, team, other_team):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("people:team_list"))
    assert response.status_code == status
    if status == 200:
        assert team.name in response.text and other_team.name in response.text
    else:
        assert "not part of your role" in response.text


@pytest.mark.parametrize("who", ["rep", "manager", "admin_user"])
def test_own_team_page_lists_members(
    client, request, who, team, rep, teammate, manager, teammates_prospect
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("people:team_detail", args=[team.pk]))
    assert response.status_code == 200
    for member in (rep, teammate, manager):
        assert str(member) in response.text
    # each name opens the prospects that person owns, which the viewer may see
    link = f'{reverse("prospects:prospect_list")}?owner={teammate.pk}"'
    assert link in response.text
    teammates_list = client.get(reverse("prospects:prospect_list"), {"owner": teammate.pk})
    assert str(teammates_prospect) in teammates_list.text


@pytest.mark.parametrize(("who", "status"), [("rep", 404), ("manager", 404), ("admin_user", 200)])
def test_other_teams_page_is_a_404_for_outsiders(
    client, request, who, status, other_team, outsider
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("people:team_detail", args=[other_team.pk]))
    assert response.status_code == status
    if status == 404:
        assert str(outsider) not in response.text
        assert "could not find that page" in response.text


def test_anonymous_visitors_are_sent_to_sign_in(client, team):
    for url in (
        reverse("people:team_list"),
        reverse("people:my_team"),
        reverse("people:team_detail", args=[team.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_my_team_takes_a_rep_to_their_team(client, rep, team):
    client.force_login(rep)
    response = client.get(reverse("people:my_team"))
    assert response["Location"] == reverse("people:team_detail", args=[team.pk])


def test_my_team_explains_what_to_do_without_a_team(client, db):
    client.force_login(make_rep(None))
    response = client.get(reverse("people:my_team"))
    assert response.status_code == 200
    assert "not in a team yet" in response.text


def test_htmx_request_gets_only_the_member_list(client, rep, team):
    client.force_login(rep)
    response = client.get(reverse("people:team_detail", args=[team.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="member-list"' in response.text
    assert "<html" not in response.text


def test_team_page_query_count_does_not_grow_with_members(
    client, rep, team, django_assert_num_queries, session_queries
):
    client.force_login(rep)
    url = reverse("people:team_detail", args=[team.pk])
    # session (unless cached), user with role, team + manager, members, members' groups,
    # follow-ups due (navigation badge), unread notices (the bell)
    with django_assert_num_queries(6 + session_queries):
        client.get(url)
    for _ in range(10):
        make_rep(team)
    with django_assert_num_queries(6 + session_queries):
        client.get(url)


def test_team_list_query_count_does_not_grow_with_teams(
    client, admin_user, team, django_assert_num_queries, session_queries
):
    client.force_login(admin_user)
    url = reverse("people:team_list")
    # session (unless cached), user with role, teams with managers and member counts,
    # follow-ups due (navigation badge), unread notices (the bell)
    with django_assert_num_queries(4 + session_queries):
        client.get(url)
    for n in range(5):
        make_rep(team.__class__.objects.create(name=f"More {n}"))
    with django_assert_num_queries(4 + session_queries):
        response = client.get(url)
    assert "More 4" in response.text


def test_a_rep_who_owns_prospects_cannot_be_moved_to_another_team(
    client, admin_user, rep, other_team
):
    from tests.factories import ProspectFactory

    ProspectFactory(owner=rep)
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    client.force_login(admin_user)
    change = reverse("admin:people_user_change", args=[rep.pk])
    data = {"username": rep.username, "team": other_team.pk, "timezone": "UTC", "is_active": "on",
            "groups": [g.pk for g in rep.groups.all()], "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00"}  # fmt: skip
    response = client.post(change, data)
    assert "still owns 1 prospect of Helpers: hand them to a teammate first." in response.text
    rep.refresh_from_db()
    assert rep.team.name == "Helpers"
    rep.prospects.update(owner=None)
    assert client.post(change, data).status_code == 302
    rep.refresh_from_db()
    assert rep.team == other_team
