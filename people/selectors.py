"""Reads about people that span apps: how each person on a team has been helping over the
last few days (the manager's home), and a rep's own (the rep's home).

Three queries whatever the team's size: the people, their conversations, their follow-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from concierge.models import OPEN_STATUSES, ConciergeTask, TaskStatus
from people.models import User
from prospects.models import Conversation

DAYS = 7


@dataclass(frozen=True)
class Week:
    person: User | None  # None for the team's total
    conversations: int = 0
    feeling_shift: float | None = None  # average (after − before) over those conversations
    done: int = 0
    done_on_time: int = 0  # completed no later than a day after they were due
    overdue: int = 0  # open and past due now

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.done_on_time / self.done) if self.done else None


def team_week(manager: User, *, days: int = DAYS) -> list[Week]:
    """The manager's team, without the manager, by name."""
    people = (
        User.objects.filter(pk__in=manager.scope_member_ids, is_active=True)
        .exclude(pk=manager.pk)
        .order_by("first_name", "last_name", "username")
    )
    return weeks_for(list(people), days=days)


def weeks_for(people: list[User], *, days: int = DAYS) -> list[Week]:
    """Each person's last ``days`` days, in the order given (two queries)."""
    now = timezone.now()
    since = now - timedelta(days=days)
    ids = [person.pk for person in people]
    talks = {
        row["rep_id"]: row
        for row in Conversation.objects.filter(rep_id__in=ids, occurred_at__gte=since)
        .order_by()
        .values("rep_id")
        .annotate(n=Count("pk"), shift=Avg(F("feeling_after") - F("feeling_before")))
    }
    done = Q(status=TaskStatus.DONE, completed_at__gte=since)
    overdue = Q(status__in=OPEN_STATUSES, due_at__lt=now)
    tasks = {
        row["assignee_id"]: row
        for row in ConciergeTask.objects.filter(done | overdue, assignee_id__in=ids)
        .order_by()
        .values("assignee_id")
        .annotate(
            done=Count("pk", filter=done),
            on_time=Count("pk", filter=done & Q(completed_at__lt=F("due_at") + timedelta(days=1))),
            overdue=Count("pk", filter=overdue),
        )
    }
    weeks = []
    for person in people:
        talk, task = talks.get(person.pk, {}), tasks.get(person.pk, {})
        weeks.append(
            Week(
                person=person,
                conversations=talk.get("n", 0),
                feeling_shift=talk.get("shift"),
                done=task.get("done", 0),
                done_on_time=task.get("on_time", 0),
                overdue=task.get("overdue", 0),
            )
        )
    return weeks


def team_total(weeks: list[Week]) -> Week:
    """The whole team's week; the feeling shift is averaged over all its conversations."""
    talks = sum(week.conversations for week in weeks)
    shifts = sum(week.feeling_shift * week.conversations for week in weeks if week.conversations)
    return Week(
        person=None,
        conversations=talks,
        feeling_shift=shifts / talks if talks else None,
        done=sum(week.done for week in weeks),
        done_on_time=sum(week.done_on_time for week in weeks),
        overdue=sum(week.overdue for week in weeks),
    )
