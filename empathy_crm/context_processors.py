from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from empathy_crm.access import Role


def navigation(request) -> dict:
    """The role of the signed-in user, for the role-aware navigation in the base template."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None)
    return {
        "role": role,
        # Lazy: counted once, and only on pages that show the navigation.
        "followups_due": SimpleLazyObject(lambda: followups_due_count(user)) if role else 0,
        "is_rep": role is Role.REP,
        "is_manager": role is Role.MANAGER,
        "is_admin": role is Role.ADMIN,
    }


def followups_due_count(user) -> int:
    """Open follow-ups due by the end of the user's day (the badge in the navigation)."""
    from django.utils import timezone

    from concierge import scheduling
    from concierge.models import ConciergeTask

    _, end = scheduling.local_day_bounds(timezone.now(), scheduling.zone(user.timezone))
    return ConciergeTask.objects.open().filter(assignee=user, due_at__lt=end).count()
