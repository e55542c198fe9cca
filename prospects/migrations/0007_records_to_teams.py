"""Accounts and prospects belong to a team.

Before, an account was matched across teams (a second team's new prospect joined the first
team's account and saw its climb) and an email was unique across the whole app (adding a
person another team already had said so). Now each team keeps its own record of a person and
its own account of a company.

Existing rows: a prospect belongs to its owner's team (the team they manage, for a manager).
An account belongs to its owner's team, else to the team most of its people belong to; the
people of any other team in it move to a copy of the account for their team (name, domain,
industry and size, but not the climb, which was the first team's words), with their
opportunities.
"""

from collections import Counter, defaultdict

from django.db import migrations


def records_to_teams(apps, schema_editor):
    Team = apps.get_model("people", "Team")
    User = apps.get_model("people", "User")
    Account = apps.get_model("prospects", "Account")
    Prospect = apps.get_model("prospects", "Prospect")
    Opportunity = apps.get_model("prospects", "Opportunity")

    team_of = dict(User.objects.exclude(team=None).values_list("pk", "team_id"))
    team_of.update(Team.objects.exclude(manager=None).values_list("manager_id", "pk"))
    by_team = defaultdict(list)
    for pk, owner_id in Prospect.objects.exclude(owner=None).values_list("pk", "owner_id"):
        if team_of.get(owner_id):
            by_team[team_of[owner_id]].append(pk)
    for team_id, pks in by_team.items():
        for n in range(0, len(pks), 5000):
            Prospect.objects.filter(pk__in=pks[n : n + 5000]).update(team_id=team_id)

    teams_in = defaultdict(Counter)
    for account_id, team_id in Prospect.objects.exclude(account=None).values_list(
        "account_id", "team_id"
    ):
        teams_in[account_id][team_id] += 1
    owned = dict(Account.objects.exclude(owner=None).values_list("pk", "owner_id"))
    home = {}
    for account_id in set(teams_in) | set(owned):
        home[account_id] = team_of.get(owned.get(account_id))
        if home[account_id] is None and teams_in[account_id]:
            home[account_id] = teams_in[account_id].most_common(1)[0][0]
    by_home = defaultdict(list)
    for account_id, team_id in home.items():
        if team_id:
            by_home[team_id].append(account_id)
    for team_id, pks in by_home.items():
        for n in range(0, len(pks), 5000):
            Account.objects.filter(pk__in=pks[n : n + 5000]).update(team_id=team_id)

    for account_id, counts in teams_in.items():
        others = [team_id for team_id in counts if team_id != home[account_id]]
        if not others:
            continue
        account = Account.objects.get(pk=account_id)
        for team_id in others:
            copy = Account.objects.create(
                team_id=team_id, name=account.name, domain=account.domain,
                industry=account.industry, size=account.size, created_at=account.created_at,
            )  # fmt: skip
            people = Prospect.objects.filter(account_id=account_id, team_id=team_id)
            Opportunity.objects.filter(account_id=account_id, prospect__in=people).update(
                account_id=copy.pk
            )
            people.update(account_id=copy.pk)


class Migration(migrations.Migration):
    dependencies = [("prospects", "0006_records_belong_to_a_team")]

    operations = [migrations.RunPython(records_to_teams, migrations.RunPython.noop, elidable=True)]
