from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from empathy_crm.access import Role
from empathy_crm.models import Notification


def navigation(request) -> dict:
    """The role of the signed-in user, for the role-aware navigation in the base template,
    and how many unread notices wait in their inbox (the bell)."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None)
    return {
        "role": role,
        # Lazy: counted once, and only on pages that show the navigation.
        "unread_notices": SimpleLazyObject(lambda: unread_count(user)) if role else 0,
        "is_rep": role is Role.REP,
        "is_manager": role is Role.MANAGER,
        "is_admin": role is Role.ADMIN,
    }


def unread_count(user) -> int:
    return Notification.objects.unread().filter(user=user).count()
