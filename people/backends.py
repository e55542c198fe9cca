"""Sign-in backend that loads a user's role (and the team they manage) with the user.

Every signed-in request loads its user; every view then asks for the role, and team views
for the managed team. Both come in the same query as the user, written once as SQL: the
ORM would rebuild this query's subqueries on every request, which cost more than the
round trips it saves.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group

from empathy_crm.access import PRECEDENCE

from .models import Team, User


@cache
def user_with_role_sql() -> str:
    """The query; its parameters are the role names twice (see ``user_with_role``), then the
    user id. Only table names from the models' own metadata are put into the text."""
    user, team, group = User._meta.db_table, Team._meta.db_table, Group._meta.db_table
    membership = User.groups.through._meta.db_table
    names = ", ".join(["%s"] * len(PRECEDENCE))
    ranks = " ".join(f"WHEN %s THEN {n}" for n in range(len(PRECEDENCE)))
    return f"""
        SELECT u.*,
            (SELECT g.name FROM {group} g JOIN {membership} m ON m.group_id = g.id
              WHERE m.user_id = u.id AND g.name IN ({names})
              ORDER BY CASE g.name {ranks} END LIMIT 1) AS group_role,
            (SELECT t.id FROM {team} t WHERE t.manager_id = u.id
              ORDER BY t.id LIMIT 1) AS managed_team_id
        FROM {user} u WHERE u.id = %s
    """  # noqa: S608 (no outside text in it)


def user_with_role(user_id) -> User | None:
    """The user, with ``group_role`` (their strongest role's name) and ``managed_team_id``."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    names = [role.value for role in PRECEDENCE]
    return next(iter(User.objects.raw(user_with_role_sql(), [*names, *names, user_id])), None)


class UserWithRoleBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_with_role(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
