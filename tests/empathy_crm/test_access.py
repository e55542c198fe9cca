from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from empathy_crm.access import Role, get_for, role_of
from people.models import Team, role_group
from tests.factories import UserFactory


def test_each_demo_role_is_recognised(rep, manager, admin_user):
    assert role_of(rep) is Role.REP
    assert role_of(manager) is Role.MANAGER
    assert role_of(admin_user) is Role.ADMIN


def test_superuser_counts_as_admin_without_the_group(db):
    assert role_of(UserFactory(is_superuser=True)) is Role.ADMIN


def test_anonymous_inactive_and_unassigned_users_have_no_role(db):
    assert role_of(AnonymousUser()) is None
    assert role_of(UserFactory(role=Role.REP, is_active=False)) is None
    assert role_of(UserFactory()) is None


def test_strongest_role_wins(db):
    assert role_of(UserFactory(role=Role.REP)) is Role.REP
    user = UserFactory(role=Role.REP)
    user.groups.add(role_group(Role.MANAGER))
    assert role_of(user) is Role.MANAGER


def test_rep_and_manager_see_only_their_own_team(team, other_team, rep, manager, admin_user):
    assert list(Team.objects.visible_to(rep)) == [team]
    assert list(Team.objects.visible_to(manager)) == [team]
    assert set(Team.objects.visible_to(admin_user)) == {team, other_team}


def test_manager_scope_is_the_team_they_manage_even_if_listed_elsewhere(team, other_team, manager):
    manager.team = other_team
    manager.save()
    manager.refresh_from_db()
    assert list(Team.objects.visible_to(manager)) == [team]


def test_only_admins_and_the_teams_manager_may_edit_it(team, rep, manager, admin_user):
    assert not Team.objects.editable_by(rep).exists()
    assert list(Team.objects.editable_by(manager)) == [team]
    assert list(Team.objects.editable_by(admin_user)) == [team]


def test_get_for_raises_404_outside_scope(team, other_team, rep, manager):
    assert get_for(rep, Team.objects.all(), pk=team.pk) == team
    with pytest.raises(Http404):
        get_for(rep, Team.objects.all(), pk=other_team.pk)
    with pytest.raises(Http404):
        get_for(rep, Team.objects.all(), edit=True, pk=team.pk)
    assert get_for(manager, Team.objects.all(), edit=True, pk=team.pk) == team


def test_may_edit_matches_the_editable_queryset(rep, teammate, manager, admin_user):
    from empathy_crm.access import may_edit

    assert may_edit(rep, rep.pk) and not may_edit(rep, teammate.pk)
    assert may_edit(manager, teammate.pk) and may_edit(admin_user, teammate.pk)
    assert not may_edit(UserFactory(), rep.pk)
