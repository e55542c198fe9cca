"""Bulk data for ``manage.py bench_fill``: teams of reps with their managers."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from empathy_crm.access import Role
from people.models import Team, User, role_group

BENCH_PASSWORD = "bench-password"  # noqa: S105 - local benchmark database only


def fill_people(*, teams: int, reps_per_team: int) -> None:
    password = make_password(BENCH_PASSWORD)
    team_rows = Team.objects.bulk_create(Team(name=f"Bench team {n:03d}") for n in range(teams))
    managers = User.objects.bulk_create(
        User(
            username=f"bench_manager_{n:03d}",
            first_name="Manager",
            last_name=f"{n:03d}",
            email=f"bench_manager_{n:03d}@bench.test",
            password=password,
            team=team,
        )
        for n, team in enumerate(team_rows)
    )
    for team, manager in zip(team_rows, managers, strict=True):
        team.manager = manager
    Team.objects.bulk_update(team_rows, ["manager"])
    reps = User.objects.bulk_create(
        User(
            username=f"bench_rep_{t:03d}_{r:03d}",
            first_name=f"Rep{r}",
            last_name=f"Team{t}",
            email=f"bench_rep_{t:03d}_{r:03d}@bench.test",
            password=password,
            team=team,
            timezone="America/Chicago",
        )
        for t, team in enumerate(team_rows)
        for r in range(reps_per_team)
    )
    admin = User.objects.create(
        username="bench_admin", password=password, is_staff=True, is_superuser=True
    )
    membership = User.groups.through
    rows = [membership(user=m, group=role_group(Role.MANAGER)) for m in managers]
    rows += [membership(user=r, group=role_group(Role.REP)) for r in reps]
    rows.append(membership(user=admin, group=role_group(Role.ADMIN)))
    membership.objects.bulk_create(rows, batch_size=5000)
