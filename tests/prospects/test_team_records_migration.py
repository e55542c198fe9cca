"""Migration 0006 gives existing accounts and prospects a team, splitting an account that
people of several teams had joined."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("prospects", "0005_owner_name_order"), ("people", "0002_roles")]
AFTER = [("prospects", "0008_team_record_keys")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_shared_account_is_split_and_each_team_keeps_its_people():
    old = migrate(BEFORE)
    Team, User = old.get_model("people", "Team"), old.get_model("people", "User")
    Account, Prospect = (
        old.get_model("prospects", "Account"),
        old.get_model("prospects", "Prospect"),
    )
    Opportunity = old.get_model("prospects", "Opportunity")
    north, south = Team.objects.create(name="North"), Team.objects.create(name="South")
    ana = User.objects.create(username="ana", team=north)
    bo = User.objects.create(username="bo", team=south)
    boss = User.objects.create(username="boss")  # manages South, member of no team
    south.manager = boss
    south.save()
    shared = Account.objects.create(name="Acme", domain="acme.example", owner=ana,
                                    climb_goal="North's plans")  # fmt: skip
    theirs = Prospect.objects.create(
        email="x@acme.example", first_name="X", owner=bo, account=shared
    )
    Prospect.objects.create(email="y@acme.example", first_name="Y", owner=boss, account=shared)
    ours = Prospect.objects.create(
        email="z@acme.example", first_name="Z", owner=ana, account=shared
    )
    Opportunity.objects.create(account=shared, prospect=theirs, owner=bo, name="South's deal",
                               amount=10, opened_on="2026-11-01")  # fmt: skip

    new = migrate(AFTER)
    Account, Prospect = (
        new.get_model("prospects", "Account"),
        new.get_model("prospects", "Prospect"),
    )
    shared = Account.objects.get(pk=shared.pk)
    assert (shared.team_id, shared.climb_goal) == (north.pk, "North's plans")
    assert Prospect.objects.get(pk=ours.pk).account_id == shared.pk
    copy = Account.objects.get(team_id=south.pk)
    assert (copy.name, copy.domain, copy.climb_goal) == ("Acme", "acme.example", "")
    assert set(Prospect.objects.filter(team_id=south.pk).values_list("account_id", flat=True)) == {
        copy.pk
    }
    assert Prospect.objects.filter(team_id=south.pk).count() == 2, (
        "the manager's person is South's too"
    )
    assert new.get_model("prospects", "Opportunity").objects.get().account_id == copy.pk
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to today
