"""Demo people for ``manage.py seed_demo``: an admin, a manager and three reps in one team."""

from __future__ import annotations

from dataclasses import dataclass

from empathy_crm.access import Role
from people.models import Team, User, role_group

DEMO_PASSWORD = "helpful-demo"  # noqa: S105 - printed on purpose: demo logins only


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: Role
    timezone: str


DEMO_PEOPLE = (
    DemoPerson("admin", "Ada", "Admin", Role.ADMIN, "UTC"),
    DemoPerson("maria", "Maria", "Okafor", Role.MANAGER, "America/Chicago"),
    DemoPerson("sam", "Sam", "Rivera", Role.REP, "America/Chicago"),
    DemoPerson("priya", "Priya", "Nair", Role.REP, "America/New_York"),
    DemoPerson("lucas", "Lucas", "Meyer", Role.REP, "Europe/Berlin"),
)
DEMO_TEAM = "Concierge Team"


def seed_people() -> dict[str, User]:
    """Create or refresh the demo people; safe to run any number of times."""
    team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
    users: dict[str, User] = {}
    for person in DEMO_PEOPLE:
        user, created = User.objects.get_or_create(
            username=person.username,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": f"{person.username}@demo.empathy-crm.test",
                "timezone": person.timezone,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        if person.role is Role.ADMIN:
            user.is_staff = user.is_superuser = True
        else:
            user.team = team
        user.save()
        user.groups.set([role_group(person.role)])
        users[person.username] = user
    if team.manager_id != users["maria"].pk:
        team.manager = users["maria"]
        team.save(update_fields=["manager"])
    return users
