"""Reads of the home pages that join several apps (home is the layer that reads them all)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Count

from concierge.selectors import Week
from empathy_maps.models import EmpathyMap
from people.models import User


@dataclass(frozen=True)
class Glance:
    """One rep at a glance on the manager's "Your team" card: what needs them (or you)."""

    week: Week

    @property
    def needs_coaching(self) -> bool:
        """Work waiting for the manager's eye: a map to review, conversations where no help
        was written down, or people who felt worse after talking to them."""
        shift = self.week.feeling_shift
        return bool(
            self.week.maps_waiting or self.week.without_help or (shift is not None and shift < 0)
        )

    @property
    def feeling_dropped(self) -> bool:
        return self.week.feeling_shift is not None and self.week.feeling_shift < 0

    @property
    def all_clear(self) -> bool:
        return not (self.needs_coaching or self.week.overdue)


def with_maps_waiting(manager: User, weeks: list[Week]) -> list[Week]:
    """``weeks`` with how many of each rep's empathy maps wait for ``manager``'s review
    (one query, however big the team)."""
    waiting = dict(
        EmpathyMap.objects.awaiting_review_by(manager)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    return [replace(week, maps_waiting=waiting.get(week.person.pk, 0)) for week in weeks]


def team_glance(weeks: list[Week]) -> list[Glance]:
    """The reps, those who need something first (most waiting first), then the rest."""
    glances = [Glance(week) for week in weeks]

    def urgency(glance: Glance) -> tuple:
        w = glance.week
        return (glance.all_clear, -(w.maps_waiting + w.without_help + w.overdue))

    return sorted(glances, key=urgency)
