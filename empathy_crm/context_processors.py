from __future__ import annotations

from empathy_crm.access import Role


def navigation(request) -> dict:
    """The role of the signed-in user, for the role-aware navigation in the base template."""
    role = getattr(getattr(request, "user", None), "role", None)
    return {
        "role": role,
        "is_rep": role is Role.REP,
        "is_manager": role is Role.MANAGER,
        "is_admin": role is Role.ADMIN,
    }
