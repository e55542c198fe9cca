"""Writes of the insights app: the team's switch date, refreshing the rollups, coaching."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone

from empathy_crm.access import may_review
from empathy_crm.models import Notification
from empathy_crm.notifications import notify
from empathy_maps.models import Entry, Quadrant
from insights import metrics, topics
from insights.models import (
    CoachingComment,
    CoachingField,
    Comparison,
    ComparisonItem,
    ComparisonTopic,
    Figure,
    RollupRun,
    TeamInsights,
    Topic,
    TopicMention,
    TopicWeek,
    WeekFigure,
)
from people.models import Team, User
from prospects.models import Conversation, Engagement, Prospect

log = logging.getLogger(__name__)

#: Without a switch date, the last this many days are compared with as many before them.
DEFAULT_DAYS = 90
#: The trend charts and topic counts keep this many weeks.
WEEKS_KEPT = 53
#: A range someone picked is kept fresh while it was looked at within this time.
KEEP_VIEWED = timedelta(days=7)
EARLIEST = date(2000, 1, 1)
LONGEST = 3 * 366  # days in the period after


def settings_of(team: Team) -> TeamInsights:
    """The team's insights settings, read only: until someone saves them, the defaults (no
    switch date, days in its manager's time zone), not stored."""
    found = TeamInsights.objects.filter(team=team).first()
    if found:
        return found
    return TeamInsights(team=team, timezone=team.manager.timezone if team.manager_id else "UTC")


def settings_for(team: Team) -> TeamInsights:
    """The team's insights settings, stored on first use (for writers)."""
    found = settings_of(team)
    if found.pk is None:
        found = TeamInsights.objects.get_or_create(
            team=team, defaults={"timezone": found.timezone}
        )[0]
    return found


def today_in(tz: str) -> date:
    return timezone.now().astimezone(ZoneInfo(tz)).date()


def default_range(team_settings: TeamInsights) -> tuple[date, date]:
    """The switch date up to today, or without one the last ``DEFAULT_DAYS`` days."""
    today = today_in(team_settings.timezone)
    first = team_settings.switched_on or today - timedelta(days=DEFAULT_DAYS - 1)
    return min(first, today), today


def check_range(first: date, last: date, tz: str) -> None:
    """A range the pages may compute: in order, not in the future, not absurdly long."""
    if last < first:
        raise ValidationError("The period after must end on or after its first day.")
    if first < EARLIEST:
        raise ValidationError(f"Pick a day after {EARLIEST:%-d %B %Y}.")
    if last > today_in(tz):
        raise ValidationError("The period cannot end in the future.")
    if (last - first).days + 1 > LONGEST:
        raise ValidationError("Pick a period after of at most three years.")


def switch_date_set(*, team: Team, switched_on: date | None, tz: str, by: User) -> TeamInsights:
    """Record the day the team switched to helping (and the time zone of its days), then
    work out its figures from that day, so the page shows them at once."""
    if switched_on and switched_on > today_in(tz):
        raise ValidationError({"switched_on": "The switch cannot be in the future."})
    if switched_on and switched_on < EARLIEST:
        raise ValidationError({"switched_on": f"Pick a day after {EARLIEST:%-d %B %Y}."})
    with transaction.atomic(durable=True):
        team_settings = settings_for(team)
        team_settings.switched_on = switched_on
        team_settings.timezone = tz
        team_settings.updated_by = by
        team_settings.updated_at = timezone.now()
        team_settings.save()
        Comparison.objects.filter(team=team, is_default=True).delete()
    comparison_for(team=team, team_settings=team_settings, default=True)
    weeks_refresh(teams=[team])
    return team_settings


# --- Rollups -----------------------------------------------------------------------------------


def comparison_for(
    *,
    team: Team,
    team_settings: TeamInsights,
    first: date | None = None,
    last: date | None = None,
    default: bool = False,
) -> Comparison:
    """The team's comparison of ``first``–``last`` (default: its default range), computed now
    if it never was; marked as viewed."""
    if default or first is None or last is None:
        first, last = default_range(team_settings)
    comparison, _ = Comparison.objects.get_or_create(
        team=team,
        after_from=first,
        after_to=last,
        tz=team_settings.timezone,
        defaults={"is_default": default},
    )
    if default and not comparison.is_default:
        comparison.is_default = True
        comparison.save(update_fields=["is_default"])
    if comparison.refreshed_at is None:
        comparison_refresh(comparison=comparison)
    return comparison


def team_owner_ids(team_id: int) -> list[int]:
    return list(User.objects.filter(team_id=team_id).values_list("pk", flat=True))


def comparison_rows(
    comparison: Comparison,
) -> tuple[list[Figure], list[ComparisonItem], list[ComparisonTopic], date | None]:
    """The comparison's figures and items, computed from the records (nothing stored): what
    ``comparison_refresh`` writes, and what a page shows live before the first refresh."""
    owners = team_owner_ids(comparison.team_id)
    tz = ZoneInfo(comparison.tz)
    periods = metrics.windows(comparison.after_from, comparison.after_to, tz)
    parts = metrics.compute(owners, periods)
    before = metrics.before_opportunities(owners, periods[metrics.AFTER])
    since = metrics.records_since(owners)
    team_totals: dict[tuple, metrics.Counts] = defaultdict(metrics.Counts)
    for (_owner, period, cohort), counts in parts.items():
        team_totals[period, cohort].add(counts)
    item_totals: dict[tuple, int] = defaultdict(int)
    for (_owner, kind, key), ids in before.items():
        item_totals[kind, key] += len(ids)
    figures = [
        Figure(comparison=comparison, owner_id=owner, period=period, cohort=cohort, **c.as_fields())
        for (owner, period, cohort), c in parts.items()
    ] + [
        Figure(comparison=comparison, owner_id=None, period=period, cohort=cohort, **c.as_fields())
        for (period, cohort), c in team_totals.items()
    ]
    items = [
        ComparisonItem(
            comparison=comparison, owner_id=owner, kind=kind, key=key, opportunities=len(ids)
        )
        for (owner, kind, key), ids in before.items()
    ] + [
        ComparisonItem(comparison=comparison, owner_id=None, kind=kind, key=key, opportunities=n)
        for (kind, key), n in item_totals.items()
    ]
    mentioned = metrics.topic_mentions(owners, comparison.after_from, comparison.after_to, tz)
    topic_totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_owner, topic), counts in mentioned.items():
        topic_totals[topic] = [a + b for a, b in zip(topic_totals[topic], counts, strict=True)]
    topic_rows = [
        ComparisonTopic(
            comparison=comparison, owner_id=owner, topic_id=topic, mentions=n, recent=r, earlier=e
        )
        for (owner, topic), (n, r, e) in mentioned.items()
    ] + [
        ComparisonTopic(
            comparison=comparison, owner_id=None, topic_id=topic, mentions=n, recent=r, earlier=e
        )
        for topic, (n, r, e) in topic_totals.items()
    ]
    return figures, items, topic_rows, since.astimezone(tz).date() if since else None


def comparison_refresh(*, comparison: Comparison) -> None:
    """Compute the comparison's figures again from the records, per owner and for the team."""
    figures, items, topic_rows, since = comparison_rows(comparison)
    with transaction.atomic(durable=True):
        # One refresh of a comparison at a time: a second worker waits here, then replaces
        # the first one's rows instead of adding its own beside them.
        if not Comparison.objects.select_for_update().filter(pk=comparison.pk).exists():
            return  # replaced meanwhile (the day turned, the switch date moved)
        comparison.figures.all().delete()
        comparison.items.all().delete()
        comparison.topics.all().delete()
        Figure.objects.bulk_create(figures)
        ComparisonItem.objects.bulk_create(items)
        ComparisonTopic.objects.bulk_create(topic_rows, batch_size=5000)
        comparison.records_since = since
        comparison.refreshed_at = timezone.now()
        comparison.save(update_fields=["records_since", "refreshed_at"])


def _lock(team: Team) -> None:
    """Hold the team's row until the transaction ends: one worker at a time replaces its
    rollup rows (a second waits, then deletes what the first wrote before writing)."""
    list(Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True))


def weeks_window(tz: str) -> metrics.Window:
    """The last ``WEEKS_KEPT`` weeks, this one included, Monday to Sunday."""
    this_monday = metrics.monday(today_in(tz))
    first = this_monday - timedelta(weeks=WEEKS_KEPT - 1)
    return metrics.Window(first, this_monday + timedelta(days=6), ZoneInfo(tz))


def weeks_refresh(*, teams) -> None:
    """Each team's weeks (and each owner's), computed again from the records."""
    for team in teams:
        team_settings = settings_for(team)
        window = weeks_window(team_settings.timezone)
        owners = team_owner_ids(team.pk)
        parts = metrics.weeks(owners, window)
        totals: dict[date, metrics.WeekCounts] = defaultdict(metrics.WeekCounts)
        for (_owner, week), counts in parts.items():
            totals[week].add(counts)
        now = timezone.now()
        with transaction.atomic(durable=True):
            _lock(team)
            WeekFigure.objects.filter(team=team).delete()
            WeekFigure.objects.bulk_create(
                [
                    WeekFigure(
                        team=team, owner_id=owner, week=week, refreshed_at=now, **vars(counts)
                    )
                    for (owner, week), counts in parts.items()
                ]
                + [
                    WeekFigure(
                        team=team, owner_id=None, week=week, refreshed_at=now, **vars(counts)
                    )
                    for week, counts in totals.items()
                ]
            )


# --- Topics ------------------------------------------------------------------------------------

CONVERSATION_NEEDS = (
    ("questions", "question"),
    ("frustrations", "frustration"),
    ("roadblocks", "roadblock"),
)


def entry_need(quadrant: str, text: str) -> str | None:
    """What a map entry says people need: a pain is a frustration; something they say or
    think that asks is a question."""
    if quadrant == Quadrant.PAINS:
        return "frustration"
    if quadrant in (Quadrant.SAYS, Quadrant.THINKS) and "?" in text:
        return "question"
    return None


class _Mentions:
    """Collects mentions, making topics as new ones appear."""

    def __init__(self):
        known = {
            ((t.team_id, t.need), t.key): t.pk
            for t in Topic.objects.only("pk", "team_id", "need", "key")
        }
        self.grouper = topics.Grouper(known)
        self.rows: list[TopicMention] = []
        self.teams: dict[int, int | None] = {}

    def add(self, need: str, text: str, *, prospect_id: int, **where) -> None:
        if prospect_id not in self.teams:
            self.teams[prospect_id] = (
                Prospect.objects.filter(pk=prospect_id).values_list("team_id", flat=True).first()
            )
        group = (self.teams[prospect_id], need)
        for phrase in topics.phrases(text):
            sig = topics.signature(phrase)[:300]
            if not sig:
                continue
            found = self.grouper.find(group, sig)
            if found is None:
                topic, _ = Topic.objects.get_or_create(
                    team_id=group[0], need=need, key=sig, defaults={"label": phrase}
                )
                found = (group, topic.key)
                self.grouper.add(group, topic.key, topic.pk)
            self.rows.append(
                TopicMention(
                    topic_id=self.grouper.ids[found], text=phrase, prospect_id=prospect_id, **where
                )
            )

    def know_teams(self, prospect_ids) -> None:
        """Read the teams of many people at once (a batch of records about to be added)."""
        missing = [pk for pk in set(prospect_ids) if pk not in self.teams]
        self.teams.update(Prospect.objects.filter(pk__in=missing).values_list("pk", "team_id"))

    def flush(self) -> int:
        TopicMention.objects.bulk_create(self.rows, batch_size=5000)
        written, self.rows = len(self.rows), []
        return written


#: A record is read again for this long after it was created, in case its transaction
#: committed late (ids are handed out before commit, so a later id can be read first); the
#: ids read in that time are kept, so nothing is counted twice.
REREAD = timedelta(hours=1)


def _batches(queryset, batch: int):
    """Rows of ``queryset`` (values, ordered by pk) in lists of ``batch``, by pk ranges."""
    last = 0
    while rows := list(queryset.filter(pk__gt=last)[:batch]):
        yield rows
        last = rows[-1]["pk"]


class _Unread:
    """The rows of a never-edited model (conversations, engagements) not read yet: those
    created since the mark (less ``REREAD``) whose ids are not among the ids already read."""

    def __init__(self, model, mark, started):
        self.model, self.started = model, started
        mark = mark if isinstance(mark, dict) else {"after_id": mark or 0}
        self.since = mark.get("since")
        self.after_id = mark.get("after_id", 0)
        self.read = set(mark.get("read", []))

    def rows(self, *names: str, batch: int):
        found = self.model.objects.filter(pk__gt=self.after_id)
        if self.since:
            found = found.filter(created_at__gte=self.since)
        for rows in _batches(found.order_by("pk").values("pk", *names), batch):
            fresh = [row for row in rows if row["pk"] not in self.read]
            self.read.update(row["pk"] for row in fresh)
            yield fresh

    def mark(self) -> dict:
        since = self.started - REREAD
        kept = self.model.objects.filter(pk__in=self.read, created_at__gte=since)
        return {"since": since.isoformat(), "read": sorted(kept.values_list("pk", flat=True))}


def mentions_refresh(*, batch: int = 5000) -> int:
    """Read what people said since the last run into topic mentions: conversations and
    engagements, never edited, once each (``_Unread``); map entries, which are edited, in
    full again. One run at a time (the run's row is locked), so two never add the same
    mentions. Returns the mentions written."""
    RollupRun.objects.get_or_create(name="topics", defaults={"finished_at": timezone.now()})
    written = 0
    with transaction.atomic(durable=True):
        run = RollupRun.objects.select_for_update().get(name="topics")
        started = timezone.now()
        mark = dict(run.watermark)
        collect = _Mentions()
        talks = _Unread(Conversation, mark.get("conversation"), started)
        names = ("prospect_id", "occurred_at", "questions", "frustrations", "roadblocks")
        for rows in talks.rows(*names, batch=batch):
            collect.know_teams(row["prospect_id"] for row in rows)
            for row in rows:
                for name, need in CONVERSATION_NEEDS:
                    collect.add(
                        need,
                        row[name],
                        prospect_id=row["prospect_id"],
                        source="conversation",
                        conversation_id=row["pk"],
                        occurred_at=row["occurred_at"],
                    )
            written += collect.flush()
        engaged = _Unread(Engagement, mark.get("engagement"), started)
        for rows in engaged.rows("prospect_id", "occurred_at", "why", batch=batch):
            collect.know_teams(row["prospect_id"] for row in rows)
            for row in rows:
                collect.add(
                    "question",
                    row["why"],
                    prospect_id=row["prospect_id"],
                    source="engagement",
                    engagement_id=row["pk"],
                    occurred_at=row["occurred_at"],
                )
            written += collect.flush()
        TopicMention.objects.filter(source="entry").delete()
        entries = (
            Entry.objects.filter(
                map__prospect__isnull=False,
                quadrant__in=[Quadrant.PAINS, Quadrant.SAYS, Quadrant.THINKS],
            )
            .order_by("pk")
            .values("pk", "quadrant", "text", "created_at", "map__prospect_id")
        )
        for rows in _batches(entries, batch):
            collect.know_teams(row["map__prospect_id"] for row in rows)
            for row in rows:
                need = entry_need(row["quadrant"], row["text"])
                if need:
                    collect.add(
                        need,
                        row["text"],
                        prospect_id=row["map__prospect_id"],
                        source="entry",
                        entry_id=row["pk"],
                        occurred_at=row["created_at"],
                    )
            written += collect.flush()
        run.watermark = {"conversation": talks.mark(), "engagement": engaged.mark()}
        run.finished_at = timezone.now()
        run.save(update_fields=["watermark", "finished_at"])
    return written


def topic_weeks_refresh(*, teams) -> None:
    """Each team's mentions per topic and week, counted again from the mentions."""
    for team in teams:
        window = weeks_window(settings_for(team).timezone)
        counted = (
            TopicMention.objects.filter(
                topic__team_id=team.pk, occurred_at__gte=window.start, occurred_at__lt=window.end
            )
            .annotate(week=TruncWeek("occurred_at", tzinfo=window.tz))
            .values("topic_id", "week")
            .annotate(n=Count("pk"))
            .order_by()
        )
        rows = [
            TopicWeek(team=team, topic_id=r["topic_id"], week=_as_date(r["week"]), mentions=r["n"])
            for r in counted
        ]
        with transaction.atomic(durable=True):
            _lock(team)
            TopicWeek.objects.filter(team=team).delete()
            TopicWeek.objects.bulk_create(rows, batch_size=5000)


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


def team_refresh(*, team: Team) -> None:
    """One team's rollups: its topic weeks, its weeks, its default comparison (made anew
    when the day has turned) and every other range looked at within ``KEEP_VIEWED``."""
    started = timezone.now()
    topic_weeks_refresh(teams=[team])
    weeks_refresh(teams=[team])
    team_settings = settings_for(team)
    first, last = default_range(team_settings)
    # Yesterday's default ("up to yesterday") makes way for today's, made here if new.
    Comparison.objects.filter(team=team, is_default=True).exclude(
        after_from=first, after_to=last, tz=team_settings.timezone
    ).delete()
    comparison_for(team=team, team_settings=team_settings, default=True)
    stale = started - KEEP_VIEWED
    Comparison.objects.filter(team=team, viewed_at__lt=stale, is_default=False).delete()
    fresh = Comparison.objects.filter(Q(is_default=True) | Q(viewed_at__gte=stale), team=team)
    for comparison in fresh.filter(refreshed_at__lt=started).order_by("pk"):
        comparison_refresh(comparison=comparison)


def refresh_all() -> None:
    """Everything beat refreshes, in one process (the demo, the bench and tests): topics,
    then every team. Beat itself runs the topics, then a task per team (``insights.tasks``),
    so no task outlives its time limit however many teams there are."""
    mentions_refresh()
    for team in Team.objects.order_by("pk"):
        team_refresh(team=team)
    RollupRun.objects.update_or_create(name="all", defaults={"finished_at": timezone.now()})


# --- Coaching ----------------------------------------------------------------------------------


def may_coach(user: User, conversation: Conversation) -> bool:
    """Who starts a coaching thread on a conversation: the manager of the rep who logged it,
    or an admin; never the rep."""
    rep = conversation.rep
    return may_review(user, owner_id=rep.pk, owner_team_id=rep.team_id)


def may_reply(user: User, comment: CoachingComment) -> bool:
    """The rep whose conversation it is, and whoever may coach them."""
    conversation = comment.conversation
    return user.pk == conversation.rep_id or may_coach(user, conversation)


def coaching_comment_add(
    *, conversation: Conversation, author: User, text: str, field: str = ""
) -> CoachingComment:
    """A manager's comment on a rep's conversation, as a whole or on one field; the rep is
    told in their inbox and by email."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write what you would like them to try or keep doing."})
    if field not in CoachingField.values:
        raise ValidationError({"field": "Pick a part of the conversation."})
    if not may_coach(author, conversation):
        raise ValidationError("Only the rep's manager or an admin coaches on this conversation.")
    with transaction.atomic(durable=True):
        comment = CoachingComment.objects.create(
            conversation=conversation, author=author, text=text, field=field
        )
        about = f" on {CoachingField(field).label.lower()}" if field else ""
        _tell(
            conversation.rep,
            kind=Notification.Kind.COACHING_COMMENT,
            comment=comment,
            message=f"{author} coached you{about} in your conversation with "
            f"{conversation.prospect}: “{text[:120]}”",
        )
    return comment


def coaching_reply_add(*, comment: CoachingComment, author: User, text: str) -> CoachingComment:
    """A reply in a coaching thread, by the rep or a coach; the others in it are told."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write your reply."})
    thread = comment.reply_to or comment
    if not may_reply(author, thread):
        raise ValidationError("Only the rep and their coach reply here.")
    with transaction.atomic(durable=True):
        reply = CoachingComment.objects.create(
            conversation=thread.conversation,
            author=author,
            text=text,
            field=thread.field,
            reply_to=thread,
        )
        people = {thread.author_id, thread.conversation.rep_id}
        people |= set(thread.replies.values_list("author_id", flat=True))
        people.discard(author.pk)
        for person in User.objects.filter(pk__in=people, is_active=True):
            _tell(
                person,
                kind=Notification.Kind.COACHING_REPLY,
                comment=reply,
                message=f"{author} replied about the conversation with "
                f"{thread.conversation.prospect}: “{text[:120]}”",
            )
    return reply


def _tell(user: User, *, kind: str, comment: CoachingComment, message: str) -> None:
    """In the inbox now; by email after commit (as for map reviews)."""
    url = reverse("insights:conversation", args=[comment.conversation_id]) + f"#c{comment.pk}"
    notify(user_id=user.pk, kind=kind, message=message, url=url, key=f"coaching:{comment.pk}")
    if user.email:
        body = (
            f"Hello {user.first_name or user.username},\n\n{message}\n\n{settings.SITE_URL}{url}\n"
        )
        transaction.on_commit(
            lambda: send_mail(
                subject=message[:120],
                message=body,
                from_email=None,
                recipient_list=[user.email],
                fail_silently=True,
            )
        )
