from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from concierge.selectors import due_count


def followups(request) -> dict:
    """Open follow-ups due by the end of the user's day: the count beside "Follow-ups" in the
    navigation (lazy: counted once, and only on pages that show it)."""
    user = getattr(request, "user", None)
    if getattr(user, "role", None) is None:
        return {"followups_due": 0}
    return {"followups_due": SimpleLazyObject(lambda: due_count(user))}
