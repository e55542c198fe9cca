"""Reads about follow-ups shared by views: a rep's queue and today's follow-ups, the count in
the navigation, and how each person on a team has been helping over the last few days (the
managers' and reps' home pages: three queries whatever the team's size)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Avg, Count, Exists, F, OuterRef, Q
from django.utils import timezone

from concierge import scheduling
from concierge.models import OPEN_STATUSES, FollowUp, FollowUpStatus, Outcome
from people.models import User
from prospects.models import Conversation, Prospect

OUTCOME_CHOICES = [("", "How did it go?"), *Outcome.choices]


SECTION_ROWS = 20
SECTION_TEXT = {
    "overdue": ("Overdue", "Nothing overdue. Every promise kept so far."),
    "today": ("Today", "Nothing else for today."),
    "upcoming": ("Coming up", "Nothing planned for the next two weeks."),
}


# What a queue row shows (the template's followup-main); the action forms load on demand.
ROW_FIELDS = (
    "kind", "due_at", "status", "help_offered", "assignee_id",
    "prospect__first_name", "prospect__last_name", "prospect__open_question",
    "prospect__owner_id", "prospect__account__name",
)  # fmt: skip


def section_windows(user: User) -> dict[str, Q]:
    """Overdue, today and the next two weeks, in the user's own day."""
    start, end = scheduling.local_day_bounds(timezone.now(), scheduling.zone(user.timezone))
    return {
        "overdue": Q(due_at__lt=start),
        "today": Q(due_at__gte=start, due_at__lt=end),
        "upcoming": Q(due_at__gte=end, due_at__lt=end + timedelta(days=14)),
    }


def section_counts(user: User) -> dict[str, int]:
    """How many open follow-ups each section of the queue holds (one query)."""
    mine = FollowUp.objects.open().filter(assignee=user)
    return mine.aggregate(
        **{key: Count("pk", filter=window) for key, window in section_windows(user).items()}
    )


def queue_sections(user: User, *, show_all: str = "") -> dict:
    """The user's open follow-ups: overdue, today and the next two weeks (their own day).

    Each section shows its first rows (oldest first) and how many more there are; one
    section at a time can be opened in full with ?all=<section>.
    """
    mine = FollowUp.objects.open().filter(assignee=user)
    windows = section_windows(user)
    counts = mine.aggregate(**{key: Count("pk", filter=window) for key, window in windows.items()})
    context: dict = {"sections": [], "outcomes": OUTCOME_CHOICES}
    for key, window in windows.items():
        title, empty = SECTION_TEXT[key]
        limit = None if show_all == key else SECTION_ROWS
        rows = list(
            mine.filter(window)
            .select_related("prospect", "prospect__account")
            .only(*ROW_FIELDS)
            .order_by("due_at", "pk")[:limit]
        )
        context[key] = rows
        context["sections"].append(
            {
                "key": key,
                "title": title,
                "followups": rows,
                "empty": empty,
                "count": counts[key],
                "more": counts[key] - len(rows),
            }
        )
    return context


def due_today(user: User, limit: int = 6) -> list[FollowUp]:
    """The first follow-ups due by the end of the user's day (their home page)."""
    _, end = scheduling.local_day_bounds(timezone.now(), scheduling.zone(user.timezone))
    return list(
        FollowUp.objects.open().filter(assignee=user, due_at__lt=end)
        .select_related("prospect").order_by("due_at", "pk")[:limit]
    )  # fmt: skip


def due_count(user: User) -> int:
    """Open follow-ups due by the end of the user's day (the badge in the navigation)."""
    _, end = scheduling.local_day_bounds(timezone.now(), scheduling.zone(user.timezone))
    return FollowUp.objects.open().filter(assignee=user, due_at__lt=end).count()


DAYS = 7


@dataclass(frozen=True)
class Week:
    person: User | None  # None for the team's total
    conversations: int = 0
    feeling_shift: float | None = None  # average (after − before) over those conversations
    done: int = 0
    done_on_time: int = 0  # completed no later than a day after they were due
    overdue: int = 0  # open and past due now
    without_help: int = 0  # conversations with no help written down
    maps_waiting: int = 0  # their empathy maps submitted and not reviewed yet (home only)

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
        .annotate(
            n=Count("pk"),
            shift=Avg(F("feeling_after") - F("feeling_before")),
            without_help=Count("pk", filter=Q(help_given="")),
        )
    }
    done = Q(status=FollowUpStatus.DONE, completed_at__gte=since)
    # Not a deleted person's (checked per candidate row by primary key: as a join, PostgreSQL
    # hashed the whole prospect table for every manager's home page).
    deleted = Prospect.all_objects.filter(pk=OuterRef("prospect_id"), deleted_at__isnull=False)
    overdue = Q(status__in=OPEN_STATUSES, due_at__lt=now) & ~Q(Exists(deleted))
    followups = {
        row["assignee_id"]: row
        for row in FollowUp.objects.filter(done | overdue, assignee_id__in=ids)
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
        talk, followup = talks.get(person.pk, {}), followups.get(person.pk, {})
        weeks.append(
            Week(
                person=person,
                conversations=talk.get("n", 0),
                feeling_shift=talk.get("shift"),
                done=followup.get("done", 0),
                done_on_time=followup.get("on_time", 0),
                overdue=followup.get("overdue", 0),
                without_help=talk.get("without_help", 0),
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
        without_help=sum(week.without_help for week in weeks),
        maps_waiting=sum(week.maps_waiting for week in weeks),
    )
