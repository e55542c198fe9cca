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
