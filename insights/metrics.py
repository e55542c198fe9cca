"""The figures, computed live from the records: what the rollups store and the rows behind
every number.

Definitions (the page's "how we compute this" says the same in words). Days end at midnight
in the team's time zone. A period is a range of days.

- A person's **first engagement** is their earliest engagement or conversation; their
  **first help** their earliest conversation with help given.
- **Engaged people** of a period: people whose first engagement falls in it. Such a person
  **has an opportunity** when one was opened for them by the period's last day, and was
  **helped** when their first help came by the period's last day and no later than the day
  their first opportunity was opened (help that came after the opportunity is not counted).
- Everything else is an event on a day, and belongs to the **helped** cohort when the person
  it concerns had been helped on or before that day: an opportunity opened (its win rate and
  amount go with it), a follow-up done (by its due day), a conversation.
- Each record counts for its owner as access sees it (a prospect's owner, an opportunity's
  owner, a follow-up's assignee), so a team's figures are the sum of its owners'.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Least

from concierge.models import FollowUp, FollowUpStatus
from prospects.models import Conversation, Engagement, Opportunity, Prospect

HELPED, NOT_HELPED = "helped", "not_helped"
BEFORE, AFTER = "before", "after"
CHUNK = 5000


@dataclass(frozen=True)
class Window:
    """Days ``first`` to ``last`` (both included), in ``tz``."""

    first: date
    last: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=self.tz)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def day(self, moment: datetime | None) -> date | None:
        return moment.astimezone(self.tz).date() if moment else None


def windows(after_first: date, after_last: date, tz: ZoneInfo) -> dict[str, Window]:
    """The period after (as given) and the equally long period right before it."""
    length = (after_last - after_first).days + 1
    return {
        BEFORE: Window(after_first - timedelta(days=length), after_first - timedelta(days=1), tz),
        AFTER: Window(after_first, after_last, tz),
    }


@dataclass
class Counts:
    """The additive parts of every figure."""

    people: int = 0
    people_with_opportunity: int = 0
    opportunities: int = 0
    won: int = 0
    lost: int = 0
    won_amount: Decimal = Decimal("0")
    first_helps: int = 0
    help_days: Counter = field(default_factory=Counter)
    followups_done: int = 0
    followups_on_time: int = 0
    conversations: int = 0
    shift_sum: int = 0
    shift_squares: int = 0

    def add(self, other: Counts) -> Counts:
        for name in _ADDED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.help_days.update(other.help_days)
        return self

    def as_fields(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["help_days"] = {str(days): n for days, n in sorted(self.help_days.items())}
        return values

    @classmethod
    def from_row(cls, row) -> Counts:
        counts = cls(**{name: getattr(row, name) for name in _ADDED})
        counts.help_days = Counter({int(days): n for days, n in row.help_days.items()})
        return counts


_ADDED = tuple(f.name for f in fields(Counts) if f.name != "help_days")


# --- When each person was first engaged, first helped, first had an opportunity -----------


def first_help_of(ref: str = "pk") -> Subquery:
    return Subquery(
        Conversation.objects.filter(prospect_id=OuterRef(ref))
        .exclude(help_given="")
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )


def first_engagement_of(ref: str = "pk"):
    engaged = Subquery(
        Engagement.objects.filter(prospect_id=OuterRef(ref))
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    talked = Subquery(
        Conversation.objects.filter(prospect_id=OuterRef(ref))
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    # Least of NULLs differs by database; each side falls back on the other.
    return Least(Coalesce(engaged, talked), Coalesce(talked, engaged))


def first_opportunity_of(ref: str = "pk") -> Subquery:
    return Subquery(
        Opportunity.objects.filter(prospect_id=OuterRef(ref))
        .order_by("opened_on")
        .values("opened_on")[:1]
    )


def _helped_by(first_help: datetime | None, day: date, tz: ZoneInfo) -> bool:
    """Whether help had come on or before ``day``."""
    return first_help is not None and first_help.astimezone(tz).date() <= day


# --- The rows behind each figure --------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    pk: int
    owner_id: int | None
    cohort: str
    fields: dict


def people_rows(owner_ids, window: Window) -> list[Row]:
    """Engaged people of the window, each with ``has_opportunity``."""
    rows = (
        Prospect.objects.filter(owner_id__in=owner_ids)
        .annotate(
            first_touch=first_engagement_of(),
            first_help=first_help_of(),
            first_opportunity=first_opportunity_of(),
        )
        .filter(first_touch__gte=window.start, first_touch__lt=window.end)
        .order_by()
        .values_list("pk", "owner_id", "first_help", "first_opportunity")
    )
    result = []
    for pk, owner_id, first_help, first_opp in rows:
        has_opp = first_opp is not None and first_opp <= window.last
        limit = min(window.last, first_opp) if first_opp else window.last
        helped = _helped_by(first_help, limit, window.tz)
        result.append(
            Row(pk, owner_id, HELPED if helped else NOT_HELPED, {"has_opportunity": has_opp})
        )
    return result


def first_help_rows(owner_ids, window: Window) -> list[Row]:
    """People first helped in the window, with the whole days since their first engagement."""
    rows = (
        Prospect.objects.filter(owner_id__in=owner_ids)
        .annotate(first_help=first_help_of(), first_touch=first_engagement_of())
        .filter(first_help__gte=window.start, first_help__lt=window.end)
        .order_by()
        .values_list("pk", "owner_id", "first_help", "first_touch")
    )
    return [
        Row(pk, owner_id, HELPED, {"days": (window.day(help_at) - window.day(touch_at)).days})
        for pk, owner_id, help_at, touch_at in rows
    ]


def opportunity_rows(owner_ids, window: Window, *, closed: bool = False) -> list[Row]:
    """Opportunities opened in the window (``closed``: won or lost in it)."""
    if closed:
        scope = Q(
            closed_on__gte=window.first,
            closed_on__lte=window.last,
            status__in=[Opportunity.Status.WON, Opportunity.Status.LOST],
        )
    else:
        scope = Q(opened_on__gte=window.first, opened_on__lte=window.last)
    rows = (
        Opportunity.objects.filter(scope, owner_id__in=owner_ids)
        .annotate(first_help=first_help_of("prospect_id"))
        .order_by()
        .values_list("pk", "owner_id", "first_help", "opened_on", "status", "amount", "prospect_id")
    )
    return [
        Row(
            pk,
            owner_id,
            HELPED if _helped_by(first_help, opened_on, window.tz) else NOT_HELPED,
            {
                "status": status,
                "amount": amount,
                "prospect_id": prospect_id,
                "opened_on": opened_on,
            },
        )
        for pk, owner_id, first_help, opened_on, status, amount, prospect_id in rows
    ]


def followup_rows(owner_ids, window: Window) -> list[Row]:
    """Follow-ups done that were due in the window; on time: done within a day of due."""
    rows = (
        FollowUp.objects.filter(
            status=FollowUpStatus.DONE,
            assignee_id__in=owner_ids,
            due_at__gte=window.start,
            due_at__lt=window.end,
        )
        .annotate(first_help=first_help_of("prospect_id"))
        .order_by()
        .values_list("pk", "assignee_id", "first_help", "due_at", "completed_at")
    )
    return [
        Row(
            pk,
            owner_id,
            HELPED if _helped_by(first_help, window.day(due_at), window.tz) else NOT_HELPED,
            {
                "on_time": completed_at is not None and completed_at < due_at + timedelta(days=1),
                "due_at": due_at,
            },
        )
        for pk, owner_id, first_help, due_at, completed_at in rows
    ]


def conversation_rows(owner_ids, window: Window) -> list[Row]:
    """Conversations in the window, with their feeling shift (after − before)."""
    rows = (
        Conversation.objects.filter(
            prospect__owner_id__in=owner_ids,
            occurred_at__gte=window.start,
            occurred_at__lt=window.end,
        )
        .annotate(first_help=first_help_of("prospect_id"))
        .order_by()
        .values_list(
            "pk",
            "prospect__owner_id",
            "first_help",
            "occurred_at",
            "feeling_before",
            "feeling_after",
        )
    )
    return [
        Row(
            pk,
            owner_id,
            HELPED if _helped_by(first_help, window.day(at), window.tz) else NOT_HELPED,
            {"shift": after - before, "occurred_at": at},
        )
        for pk, owner_id, first_help, at, before, after in rows
    ]


# --- Adding them up ---------------------------------------------------------------------------

Key = tuple  # (owner_id, period, cohort)


def compute(owner_ids, periods: dict[str, Window]) -> dict[Key, Counts]:
    """Every figure's parts, per owner, period and cohort."""
    result: dict[Key, Counts] = defaultdict(Counts)
    for period, window in periods.items():
        for row in people_rows(owner_ids, window):
            counts = result[row.owner_id, period, row.cohort]
            counts.people += 1
            counts.people_with_opportunity += row.fields["has_opportunity"]
        for row in opportunity_rows(owner_ids, window):
            result[row.owner_id, period, row.cohort].opportunities += 1
        for row in opportunity_rows(owner_ids, window, closed=True):
            counts = result[row.owner_id, period, row.cohort]
            if row.fields["status"] == Opportunity.Status.WON:
                counts.won += 1
                counts.won_amount += row.fields["amount"]
            else:
                counts.lost += 1
        for row in first_help_rows(owner_ids, window):
            counts = result[row.owner_id, period, row.cohort]
            counts.first_helps += 1
            counts.help_days[row.fields["days"]] += 1
        for row in followup_rows(owner_ids, window):
            counts = result[row.owner_id, period, row.cohort]
            counts.followups_done += 1
            counts.followups_on_time += row.fields["on_time"]
        for row in conversation_rows(owner_ids, window):
            counts = result[row.owner_id, period, row.cohort]
            counts.conversations += 1
            counts.shift_sum += row.fields["shift"]
            counts.shift_squares += row.fields["shift"] ** 2
    return dict(result)


def before_opportunities(owner_ids, window: Window) -> dict[tuple, set[int]]:
    """For the window's opportunities opened for a person: which content assets that person
    engaged with, and which kinds of help they were given (follow-ups done), on or before the
    day it was opened. {(owner_id, "asset"|"help", key): {opportunity ids}}; key "" holds
    every such opportunity (the denominator)."""
    opportunities = [r for r in opportunity_rows(owner_ids, window) if r.fields["prospect_id"]]
    by_prospect = defaultdict(list)
    result: dict[tuple, set[int]] = defaultdict(set)
    for row in opportunities:
        by_prospect[row.fields["prospect_id"]].append(row)
        for kind in ("asset", "help"):
            result[row.owner_id, kind, ""].add(row.pk)
    prospect_ids = list(by_prospect)
    for start in range(0, len(prospect_ids), CHUNK):
        part = prospect_ids[start : start + CHUNK]
        engaged = (
            Engagement.objects.filter(prospect_id__in=part, asset__isnull=False)
            .order_by()
            .values_list("prospect_id", "asset_id", "occurred_at")
        )
        helped = (
            FollowUp.objects.filter(prospect_id__in=part, status=FollowUpStatus.DONE)
            .order_by()
            .values_list("prospect_id", "kind", "completed_at")
        )
        for kind, rows in (("asset", engaged), ("help", helped)):
            for prospect_id, key, at in rows:
                for row in by_prospect[prospect_id]:
                    if at and window.day(at) <= row.fields["opened_on"]:
                        result[row.owner_id, kind, str(key)].add(row.pk)
    return dict(result)


def records_since(owner_ids) -> datetime | None:
    """The scope's earliest engagement or conversation: where its records start."""
    engaged = Engagement.objects.filter(prospect__owner_id__in=owner_ids).aggregate(
        at=Min("occurred_at")
    )["at"]
    talked = Conversation.objects.filter(prospect__owner_id__in=owner_ids).aggregate(
        at=Min("occurred_at")
    )["at"]
    return min((at for at in (engaged, talked) if at), default=None)


@dataclass
class WeekCounts:
    new_people: int = 0
    first_helps: int = 0
    opportunities_helped: int = 0
    opportunities_other: int = 0
    won: int = 0
    lost: int = 0
    conversations: int = 0
    shift_sum: int = 0
    followups_done: int = 0
    followups_on_time: int = 0

    def add(self, other: WeekCounts) -> WeekCounts:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def topic_weeks(first: date, last: date) -> dict[str, date]:
    """The Mondays that bound a topic's counts: the weeks of the period after (``start`` to
    ``end``, the whole weeks its days fall in), and for the trend the last four *whole*
    weeks of it (a week still going on is left out: it would look like a fall) against the
    four before them."""
    end = monday(last) + timedelta(weeks=1)
    complete = monday(last + timedelta(days=1))  # the Monday after the last whole week
    return {
        "start": monday(first),
        "end": end,
        "recent": complete - timedelta(weeks=4),
        "earlier": complete - timedelta(weeks=8),
        "complete": complete,
    }


def topic_mentions(owner_ids, first: date, last: date, tz: ZoneInfo) -> dict[tuple, tuple]:
    """Each owner's people's mentions per topic in the weeks of the period ``first`` to
    ``last``, and in the two spans of its trend: {(owner_id, topic_id): (n, recent, earlier)}
    for the topics mentioned in the period."""
    from insights.models import TopicMention

    weeks = topic_weeks(first, last)

    def at(monday: date) -> datetime:
        return Window(monday, monday, tz).start

    def between(start: date, end: date) -> Q:
        return Q(occurred_at__gte=at(start), occurred_at__lt=at(end))

    counted = (
        TopicMention.objects.filter(
            between(min(weeks["start"], weeks["earlier"]), weeks["end"]),
            prospect__owner_id__in=owner_ids,
        )
        .values_list("prospect__owner_id", "topic_id")
        .annotate(
            n=Count("pk", filter=between(weeks["start"], weeks["end"])),
            recent=Count("pk", filter=between(weeks["recent"], weeks["complete"])),
            earlier=Count("pk", filter=between(weeks["earlier"], weeks["recent"])),
        )
        .filter(n__gt=0)
        .order_by()
    )
    return {(owner, topic): (n, recent, earlier) for owner, topic, n, recent, earlier in counted}


def weeks(owner_ids, window: Window) -> dict[tuple, WeekCounts]:
    """Each owner's weeks (Monday to Sunday) of the window: {(owner_id, monday): counts}.
    The window should start on a Monday and end on a Sunday."""
    result: dict[tuple, WeekCounts] = defaultdict(WeekCounts)
    tz = window.tz
    people = (
        Prospect.objects.filter(owner_id__in=owner_ids)
        .annotate(first_touch=first_engagement_of(), first_help=first_help_of())
        .filter(
            Q(first_touch__gte=window.start, first_touch__lt=window.end)
            | Q(first_help__gte=window.start, first_help__lt=window.end)
        )
        .order_by()
        .values_list("owner_id", "first_touch", "first_help")
    )
    for owner_id, touch, help_at in people:
        if touch and window.start <= touch < window.end:
            result[owner_id, monday(window.day(touch))].new_people += 1
        if help_at and window.start <= help_at < window.end:
            result[owner_id, monday(window.day(help_at))].first_helps += 1
    for row in opportunity_rows(owner_ids, window):
        counts = result[row.owner_id, monday(row.fields["opened_on"])]
        if row.cohort == HELPED:
            counts.opportunities_helped += 1
        else:
            counts.opportunities_other += 1
    closed = (
        Opportunity.objects.filter(
            owner_id__in=owner_ids,
            closed_on__gte=window.first,
            closed_on__lte=window.last,
            status__in=[Opportunity.Status.WON, Opportunity.Status.LOST],
        )
        .order_by()
        .values_list("owner_id", "closed_on", "status")
    )
    for owner_id, closed_on, status in closed:
        counts = result[owner_id, monday(closed_on)]
        if status == Opportunity.Status.WON:
            counts.won += 1
        else:
            counts.lost += 1
    talks = (
        Conversation.objects.filter(
            prospect__owner_id__in=owner_ids,
            occurred_at__gte=window.start,
            occurred_at__lt=window.end,
        )
        .order_by()
        .values_list("prospect__owner_id", "occurred_at", "feeling_before", "feeling_after")
    )
    for owner_id, at, before, after in talks:
        counts = result[owner_id, monday(window.day(at))]
        counts.conversations += 1
        counts.shift_sum += after - before
    done = (
        FollowUp.objects.filter(
            status=FollowUpStatus.DONE,
            assignee_id__in=owner_ids,
            due_at__gte=window.start,
            due_at__lt=window.end,
        )
        .order_by()
        .values_list("assignee_id", "due_at", "completed_at")
    )
    for owner_id, due_at, completed_at in done:
        counts = result[owner_id, monday(due_at.astimezone(tz).date())]
        counts.followups_done += 1
        counts.followups_on_time += bool(completed_at and completed_at < due_at + timedelta(days=1))
    return dict(result)
