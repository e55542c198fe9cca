"""What may this user see and edit? One answer for every view and queryset.

PRODUCT.md: a rep edits the records they own and may view their team's; a manager views
and edits their team's; an admin sees everything. Anything outside a user's scope is a 404,
never a leak; a whole screen a role does not have is a 403.

Models whose rows belong to a rep use ``ScopedQuerySet`` (``owner_field`` names the path to
the owning user); views fetch single rows with ``get_for(user, queryset, edit=..., pk=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404


class Role(StrEnum):
    """The three roles; each is a Django group of the same name (migration people/0002)."""

    REP = "Rep"
    MANAGER = "Manager"
    ADMIN = "Admin"


PRECEDENCE = (Role.ADMIN, Role.MANAGER, Role.REP)


def role_of(user) -> Role | None:
    """The user's strongest role, or None for anonymous, inactive or unassigned users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    if hasattr(user, "group_role"):  # loaded with the user (people.backends.with_role)
        names = {user.group_role}
    else:
        names = {group.name for group in user.groups.all()}
    return next((role for role in PRECEDENCE if role in names), None)


class ScopedQuerySet(models.QuerySet):
    owner_field = "owner"

    def visible_to(self, user) -> ScopedQuerySet:
        role = getattr(user, "role", None)
        if role is Role.ADMIN:
            return self.all()
        if role in (Role.MANAGER, Role.REP):
            # The team's member ids as a literal list, not a join or subquery: the planner
            # then estimates well and uses the (owner, …) indexes of the scoped table.
            return self.filter(**{f"{self.owner_field}__in": user.scope_member_ids})
        return self.none()

    def editable_by(self, user) -> ScopedQuerySet:
        role = getattr(user, "role", None)
        if role is Role.REP:
            return self.filter(**{self.owner_field: user})
        return self.visible_to(user)


class PersonalQuerySet(ScopedQuerySet):
    """Rows that are one person's own business (a rep's pay): a rep sees only their own, a
    manager their team's, an admin everyone's."""

    def visible_to(self, user) -> ScopedQuerySet:
        if edits_only_own(user):
            return self.filter(**{self.owner_field: user})
        return super().visible_to(user)


def sees_everyone(user) -> bool:
    """Admins see (and may edit) every team's records."""
    return getattr(user, "role", None) is Role.ADMIN


def works_in_a_team(user) -> bool:
    """Reps and managers: they see their team's records."""
    return getattr(user, "role", None) in (Role.MANAGER, Role.REP)


def edits_only_own(user) -> bool:
    """Reps edit the records they own; managers and admins every record they may see."""
    return getattr(user, "role", None) is Role.REP


def reps_of(users: models.QuerySet) -> models.QuerySet:
    """Those of ``users`` in the Rep role."""
    return users.filter(groups__name=Role.REP)


def records_team_id(user) -> int | None:
    """The team whose records ``user`` keeps: the one they manage, else their own."""
    return user.scope_team_id


# --- Who may choose whom ------------------------------------------------------------------


def owners_to_filter_by(user) -> models.QuerySet:
    """Whom the prospect list's owner filter offers: the team; for admins, the managers (the
    full list of reps stays reachable with ?owner=<id>, e.g. from a team page)."""
    people = get_user_model().objects.filter(is_active=True)
    if sees_everyone(user):
        return people.filter(managed_team__isnull=False)
    if user.scope_team_id:
        return people.filter(team_id=user.scope_team_id)
    return people.filter(pk=user.pk)


def default_owner_filter(user) -> str:
    """A rep's list shows their own people first; a manager's and an admin's everyone's."""
    return "me" if edits_only_own(user) else "all"


def assignable_owners(user) -> models.QuerySet:
    """Whom ``user`` may make the owner of a prospect (a CSV import's owner column): an admin
    anyone active, a manager their team, a rep only themselves."""
    people = get_user_model().objects.filter(is_active=True)
    if sees_everyone(user):
        return people
    if getattr(user, "role", None) is Role.MANAGER and user.scope_team_id:
        return people.filter(team_id=user.scope_team_id)
    return people.filter(pk=user.pk)


def handover_targets(user) -> models.QuerySet:
    """Whom ``user`` may hand a follow-up to: the active people of their team but themselves."""
    return (
        get_user_model()
        .objects.filter(pk__in=user.scope_member_ids, is_active=True)
        .exclude(pk=user.pk)
    )


def may_review(user, *, owner_id: int, owner_team_id: int | None) -> bool:
    """Who approves or returns someone's work (an empathy map): an admin, or the manager of
    the author's team; never the author."""
    if owner_id == user.pk:
        return False
    if sees_everyone(user):
        return True
    return getattr(user, "role", None) is Role.MANAGER and owner_team_id == user.scope_team_id


def may_edit(user, owner_id: int | None) -> bool:
    """For a row already known to be visible to ``user``: may they change it?

    The same rule as ``ScopedQuerySet.editable_by``, without another query.
    """
    role = getattr(user, "role", None)
    if role is Role.REP:
        return owner_id == user.pk
    return role in (Role.MANAGER, Role.ADMIN)


def get_for(user, queryset: models.QuerySet, *, edit: bool = False, **lookup):
    """Fetch one row the user may see (or edit, with ``edit=True``); 404 otherwise."""
    scoped = queryset.editable_by(user) if edit else queryset.visible_to(user)
    return get_object_or_404(scoped, **lookup)


def role_required(*roles: Role) -> Callable:
    """Allow a view to signed-in users holding one of ``roles``; others get a 403 page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
