from __future__ import annotations

import factory

from empathy_crm.access import Role
from people.models import Team, User, role_group

PASSWORD = "a-long-test-password"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        """``UserFactory(role=Role.REP)`` puts the user in that role's group."""
        if create and extracted:
            obj.groups.add(role_group(Role(extracted)))


def make_rep(team: Team | None = None, **kwargs) -> User:
    return UserFactory(role=Role.REP, team=team, **kwargs)


def make_manager(team: Team, **kwargs) -> User:
    manager = UserFactory(role=Role.MANAGER, team=team, **kwargs)
    team.manager = manager
    team.save(update_fields=["manager"])
    return manager


def make_admin(**kwargs) -> User:
    return UserFactory(role=Role.ADMIN, **kwargs)
