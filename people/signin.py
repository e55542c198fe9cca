"""Sign-in locks: django-axes, with a second, higher limit per client address."""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class AxesHandler(AxesDatabaseHandler):
    """Locks a username on one address after ``AXES_FAILURE_LIMIT`` failures (axes' own
    count, ``AXES_LOCKOUT_PARAMETERS``), and a whole address after
    ``AXES_ADDRESS_FAILURE_LIMIT`` failures across any usernames, so one address cannot try a
    password against every username.

    Axes compares one count with one limit. With ``"ip_address"`` as a second lockout
    parameter set, five failures by different people behind one office address would lock
    them all out, and any successful sign-in from the address would wipe its count (a
    success resets every parameter set), so an attacker signing in to their own account now
    and then could go on forever. So the address's count is kept here: its recent failures
    on every username, scaled so that it reaches ``AXES_FAILURE_LIMIT`` exactly when it
    reaches the address limit. A success resets only its own username's failures.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        per_username = super().get_failures(request, credentials)
        per_address = (
            AccessAttempt.objects.filter(
                ip_address=request.axes_ip_address,
                attempt_time__gte=get_cool_off_threshold(request),
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        scaled = per_address * settings.AXES_FAILURE_LIMIT // settings.AXES_ADDRESS_FAILURE_LIMIT
        return max(per_username, scaled)
