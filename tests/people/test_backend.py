"""Signed-in requests load the user, their role and the team they manage in one query."""

from __future__ import annotations

from django.urls import reverse

from empathy_crm.access import Role
from people.backends import UserWithRoleBackend
from people.models import role_group


def test_role_and_managed_team_come_with_the_user(manager, team, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserWithRoleBackend().get_user(manager.pk)
        assert user.role is Role.MANAGER
        assert user.scope_team_id == team.pk


def test_strongest_role_wins(rep, django_assert_num_queries):
    rep.groups.add(role_group(Role.ADMIN))
    with django_assert_num_queries(1):
        assert UserWithRoleBackend().get_user(rep.pk).role is Role.ADMIN


def test_a_deactivated_user_is_signed_out(client, rep):
    client.force_login(rep)
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_new_role_applies_on_the_next_request(client, rep):
    client.force_login(rep)
    assert client.get(reverse("people:team_list")).status_code == 403
    rep.groups.add(role_group(Role.ADMIN))
    assert client.get(reverse("people:team_list")).status_code == 200


def test_a_session_naming_no_real_user_signs_no_one_in(db):
    assert UserWithRoleBackend().get_user("not-a-number") is None
    assert UserWithRoleBackend().get_user(987654) is None
