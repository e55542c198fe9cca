"""Reads shared by the insights views: whose figures (the scope), the figures themselves from
the rollups, with their sample sizes, intervals and comparisons, and the rows behind each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum
from django.http import Http404
from django.urls import reverse

from empathy_crm.access import Role, edits_only_own, sees_everyone
from empathy_crm.ids import parse_id
from insights import charts, metrics, services, stats
from insights.metrics import AFTER, BEFORE, HELPED, NOT_HELPED, Counts
from insights.models import (
    CoachingComment,
    Comparison,
    ComparisonItem,
    ComparisonTopic,
    Figure,
    RollupRun,
    Topic,
    TopicMention,
    WeekFigure,
)
from people.models import Team, User
from prospects.models import ContentAsset, HelpKind

ALL = "all"
COHORTS = (HELPED, NOT_HELPED, ALL)
PERIODS = (BEFORE, AFTER)


# --- Whose figures ------------------------------------------------------------------------------


@dataclass
class Scope:
    """The teams (each with its own switch date and time zone) and, optionally, the one
    person whose people the figures are about."""

    user: User
    teams: list[Team]
    rep: User | None = None
    all_teams: bool = False
    first: date | None = None  # the period after, when someone picked it
    last: date | None = None

    @property
    def title(self) -> str:
        if self.rep is not None:
            return "My insights" if self.rep == self.user else f"Insights: {self.rep}"
        if self.all_teams:
            return "Insights: all teams"
        return f"Insights: {self.teams[0]}" if self.teams else "Insights"

    def query(self, **extra) -> str:
        """The URL parameters that keep this scope and range (plus ``extra``)."""
        params = {}
        if sees_everyone(self.user) and not self.all_teams and self.teams:
            params["team"] = self.teams[0].pk
        if self.rep is not None and self.rep != self.user:
            params["rep"] = self.rep.pk
        if self.first and self.last:
            params["from"], params["to"] = self.first.isoformat(), self.last.isoformat()
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)

    def settings_of(self, team: Team):
        """The team's insights settings, read once per request."""
        cache = self.__dict__.setdefault("_settings", {})
        if team.pk not in cache:
            cache[team.pk] = services.settings_of(team)
        return cache[team.pk]

    def owner_ids(self, team: Team) -> list[int]:
        if self.rep is not None:
            return [self.rep.pk]
        return services.team_owner_ids(team.pk)


def scope_for(
    user: User,
    *,
    team: str = "",
    rep: str = "",
    first: date | None = None,
    last: date | None = None,
) -> Scope:
    """Who the figures are about, from the URL: a rep always their own people; a manager
    their team or one of its people; an admin a team, one person, or every team. Anything
    out of scope is a 404."""
    role = getattr(user, "role", None)
    if role is Role.REP:
        if not user.team_id:
            raise Http404("No team")
        return Scope(user, [user.team], rep=user, first=first, last=last)
    if sees_everyone(user):
        if team:
            teams = [_get(Team.objects.all(), team)]
        else:
            teams = list(Team.objects.order_by("name"))
            if not rep:
                return Scope(user, teams, all_teams=True, first=first, last=last)
    elif role is Role.MANAGER and user.scope_team_id:
        teams = [_get(Team.objects.all(), str(user.scope_team_id))]
    else:
        raise Http404("No team")
    person = None
    if rep:
        members = User.objects.filter(team_id__in=[t.pk for t in teams])
        person = _get(members, rep)
        teams = [t for t in teams if t.pk == person.team_id]
    return Scope(user, teams, rep=person, first=first, last=last)


def _get(queryset, pk: str):
    found_pk = parse_id(pk)
    if found_pk is None:
        raise Http404("Not found")
    found = queryset.filter(pk=found_pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def coached_conversations(user: User):
    """The conversations whose coaching ``user`` may see: those in their scope (access's
    rule for every record, so another team's person is a 404 even when one of our reps
    talked to them), and for a rep only their own."""
    from prospects.models import Conversation

    found = Conversation.objects.visible_to(user).select_related("rep", "prospect")
    return found.filter(rep=user) if edits_only_own(user) else found


def comparisons(scope: Scope) -> list[Comparison]:
    """The comparison of each team in scope: the range picked, or each team's default, as
    beat last refreshed it. One never refreshed (a range nobody stored, a team before its
    first refresh) is worked out live and not stored (``live`` is then true): a page read
    never writes."""
    if scope.all_teams and not (scope.first and scope.last):
        found = _latest_defaults(scope.teams)
        have = {c.team_id for c in found}
        for team in scope.teams:
            if team.pk not in have:
                first, last = services.default_range(scope.settings_of(team))
                found.append(_live(team, first, last, scope.settings_of(team).timezone))
        return found
    found = []
    for team in scope.teams:
        team_settings = scope.settings_of(team)
        if scope.first and scope.last:
            first, last = scope.first, scope.last
            comparison = Comparison.objects.filter(
                team=team,
                after_from=first,
                after_to=last,
                tz=team_settings.timezone,
                refreshed_at__isnull=False,
            ).first()
        else:
            first, last = services.default_range(team_settings)
            comparison = _latest_default(team, team_settings)
        found.append(comparison or _live(team, first, last, team_settings.timezone))
    return found


def _live(team: Team, first: date, last: date, tz: str) -> Comparison:
    """A comparison worked out now from the records, held in memory only."""
    comparison = Comparison(team=team, after_from=first, after_to=last, tz=tz)
    comparison.live = True
    (
        comparison.live_figures,
        comparison.live_items,
        comparison.live_topics,
        comparison.records_since,
    ) = services.comparison_rows(comparison)
    return comparison


def _stored(found: list[Comparison]) -> list[Comparison]:
    return [c for c in found if not getattr(c, "live", False)]


def _live_rows(found: list[Comparison], name: str, owner) -> list:
    """The in-memory rows (``live_figures``, ``live_items``, ``live_topics``) of live
    comparisons, of ``owner`` (None: the team's; "any": every owner's, not the team's)."""
    rows = [row for c in found if getattr(c, "live", False) for row in getattr(c, name)]
    if owner == "any":
        return [r for r in rows if r.owner_id is not None]
    return [r for r in rows if r.owner_id == (owner.pk if owner else None)]


def _latest_default(team: Team, team_settings) -> Comparison | None:
    first, _ = services.default_range(team_settings)
    return (
        Comparison.objects.filter(
            team=team,
            is_default=True,
            after_from=first,
            tz=team_settings.timezone,
            refreshed_at__isnull=False,
        )
        .order_by("-after_to")
        .first()
    )


def _latest_defaults(teams: list[Team]) -> list[Comparison]:
    """Every team's latest default comparison in one query (the all-teams page)."""
    return (
        list(
            Comparison.objects.filter(team__in=teams, is_default=True, refreshed_at__isnull=False)
            .order_by("team_id", "-after_to")
            .distinct("team_id")
        )
        if _distinct_on()
        else [
            c
            for c in (
                Comparison.objects.filter(team=t, is_default=True, refreshed_at__isnull=False)
                .order_by("-after_to")
                .first()
                for t in teams
            )
            if c
        ]
    )


def _distinct_on() -> bool:
    from django.db import connection

    return connection.features.can_distinct_on_fields


# --- The figures ------------------------------------------------------------------------------


def figure_rows(found: list[Comparison], scope: Scope) -> list[tuple[int, str, str, Counts]]:
    """The scope's rollup rows: (team, period, cohort, counts), the team's or the person's."""
    stored = _stored(found)
    rows = Figure.objects.filter(comparison__in=stored) if stored else Figure.objects.none()
    rows = rows.filter(owner=scope.rep) if scope.rep is not None else rows.filter(owner=None)
    teams = {c.pk: c.team_id for c in stored}
    result = [(teams[r.comparison_id], r.period, r.cohort, Counts.from_row(r)) for r in rows]
    return result + [
        (r.comparison.team_id, r.period, r.cohort, Counts.from_row(r))  # held in memory
        for r in _live_rows(found, "live_figures", scope.rep)
    ]


def figure_parts(found: list[Comparison], scope: Scope, rows=None) -> dict[tuple[str, str], Counts]:
    """{(period, cohort): Counts} for the scope, "all" cohorts added up, from the rollup."""
    parts: dict[tuple[str, str], Counts] = defaultdict(Counts)
    for _team, period, cohort, counts in figure_rows(found, scope) if rows is None else rows:
        parts[period, cohort].add(counts)
        parts[period, ALL].add(counts)
    return parts


@dataclass
class Cell:
    value: str
    n: int
    n_label: str
    interval: str = ""
    url: str = ""
    k_url: str = ""
    small: bool = False
    raw: float | None = None


@dataclass
class Metric:
    key: str
    label: str
    kind: str  # rate, count, amount, median, mean
    rows: str  # which rows open behind it
    n_label: str
    note: str = ""
    cells: dict = field(default_factory=dict)
    change: str = ""
    change_interval: str = ""
    did: str = ""
    did_interval: str = ""
    change_small: bool = False
    did_small: bool = False

    # The cells by name, for templates.
    before_all = property(lambda self: self.cells[BEFORE, ALL])
    after_all = property(lambda self: self.cells[AFTER, ALL])
    before_helped = property(lambda self: self.cells[BEFORE, HELPED])
    before_not = property(lambda self: self.cells[BEFORE, NOT_HELPED])
    after_helped = property(lambda self: self.cells[AFTER, HELPED])
    after_not = property(lambda self: self.cells[AFTER, NOT_HELPED])


METRICS = [
    ("people", "People newly engaged", "count", "people", "people"),
    ("opportunity_rate", "Opportunities per 100 engaged people", "rate", "people", "people"),
    ("opportunities", "Opportunities opened", "count", "opportunities", "opportunities"),
    ("win_rate", "Win rate", "rate", "closed", "closed"),
    ("won_amount", "Won amount", "amount", "won", "won"),
    (
        "help_days",
        "Median days from first engagement to first help",
        "median",
        "first_help",
        "people",
    ),
    ("on_time", "Follow-ups done on time", "rate", "followups", "follow-ups"),
    (
        "feeling_shift",
        "Average feeling shift in conversations",
        "mean",
        "conversations",
        "conversations",
    ),
]
#: The rows behind the k of a rate "k of n" (its n opens the metric's rows).
K_ROWS = {"opportunity_rate": "with_opportunity", "win_rate": "won", "on_time": "on_time"}
ROWS = {
    "on_time",
    "people",
    "with_opportunity",
    "opportunities",
    "closed",
    "won",
    "first_help",
    "followups",
    "conversations",
}


def _rate_parts(key: str, c: Counts) -> tuple[int, int]:
    return {
        "opportunity_rate": (c.people_with_opportunity, c.people),
        "win_rate": (c.won, c.won + c.lost),
        "on_time": (c.followups_on_time, c.followups_done),
    }[key]


def _size(key: str, c: Counts) -> int:
    return {
        "people": c.people,
        "opportunity_rate": c.people,
        "opportunities": c.opportunities,
        "win_rate": c.won + c.lost,
        "won_amount": c.won,
        "help_days": c.first_helps,
        "on_time": c.followups_done,
        "feeling_shift": c.conversations,
    }[key]


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def points(x: float) -> str:
    return f"{100 * x:+.0f} points"


def _cell(key: str, kind: str, c: Counts, url: str, k_url: str) -> Cell:
    n = _size(key, c)
    cell = Cell(value="—", n=n, n_label="", url=url)
    if kind == "rate":
        k, n = _rate_parts(key, c)
        interval = stats.wilson(k, n)
        if interval:
            cell.value = f"{100 * k / n:.0f}" if key == "opportunity_rate" else pct(k / n)
            cell.raw = k / n
            cell.interval = f"{100 * interval.low:.0f}–{100 * interval.high:.0f}"
            cell.interval += "" if key == "opportunity_rate" else "%"
        cell.k_url = k_url
        cell.n_label = f"{k} of {n}"
    elif kind == "count":
        cell.value, cell.raw = f"{n:,}", n
    elif kind == "amount":
        cell.value, cell.raw = f"{c.won_amount:,.0f}", float(c.won_amount)
    elif kind == "median":
        found = stats.median_from_counts(c.help_days)
        if found:
            median, interval = found
            cell.value, cell.raw = _days(median), median
            cell.interval = f"{interval.low:g}–{interval.high:g}" if interval else ""
    elif kind == "mean":
        found = stats.mean_interval(c.shift_sum, c.shift_squares, c.conversations)
        if found:
            mean, interval = found
            cell.value, cell.raw = f"{mean:+.2f}", mean
            cell.interval = f"{interval.low:+.2f} to {interval.high:+.2f}"
    cell.small = n < stats.ENOUGH
    if not cell.n_label:
        cell.n_label = f"n = {n:,}"
    return cell


def build_metrics(parts: dict, url_for) -> list[Metric]:
    """Every figure with its n, interval, rows, the change after vs before and the
    difference-in-differences against people not helped."""
    result = []
    for key, label, kind, rows, n_label in METRICS:
        metric = Metric(key, label, kind, rows, n_label)
        for period in PERIODS:
            for cohort in COHORTS:
                c = parts.get((period, cohort), Counts())
                k_rows = K_ROWS.get(key, rows)
                metric.cells[period, cohort] = _cell(
                    key, kind, c, url_for(rows, period, cohort), url_for(k_rows, period, cohort)
                )
        _compare(metric, parts)
        result.append(metric)
    return result


def _compare(metric: Metric, parts: dict) -> None:
    get = lambda p, c: parts.get((p, c), Counts())  # noqa: E731
    key, kind = metric.key, metric.kind
    before, after = get(BEFORE, ALL), get(AFTER, ALL)
    sizes = (_size(key, before), _size(key, after))
    metric.change_small = not stats.enough(*sizes)
    four = [
        get(AFTER, HELPED),
        get(BEFORE, HELPED),
        get(AFTER, NOT_HELPED),
        get(BEFORE, NOT_HELPED),
    ]
    metric.did_small = not stats.enough(*(_size(key, c) for c in four))
    if not metric.change_small:
        if kind == "rate":
            (k1, n1), (k0, n0) = _rate_parts(key, after), _rate_parts(key, before)
            diff, interval = stats.difference(k1, n1, k0, n0)
            metric.change = points(diff)
            metric.change_interval = f"{100 * interval.low:+.0f} to {100 * interval.high:+.0f}"
        elif kind in ("count", "amount"):
            a = after.won_amount if kind == "amount" else sizes[1]
            b = before.won_amount if kind == "amount" else sizes[0]
            metric.change = f"{100 * (Decimal(a) / Decimal(b) - 1):+.0f}%" if b else ""
        elif kind == "median":
            m1 = stats.median_from_counts(after.help_days)[0]
            m0 = stats.median_from_counts(before.help_days)[0]
            metric.change = _days(m1 - m0, sign=True)
        elif kind == "mean":
            found = stats.mean_difference(
                (after.shift_sum, after.shift_squares, after.conversations),
                (before.shift_sum, before.shift_squares, before.conversations),
            )
            if found:
                diff, interval = found
                metric.change = f"{diff:+.2f}"
                metric.change_interval = f"{interval.low:+.2f} to {interval.high:+.2f}"
    if not metric.did_small:
        if kind == "rate":
            terms = [
                (sign, *_rate_parts(key, c)) for sign, c in zip((1, -1, -1, 1), four, strict=True)
            ]
            diff, interval = stats.mover(terms)
            metric.did = points(diff)
            metric.did_interval = f"{100 * interval.low:+.0f} to {100 * interval.high:+.0f}"
        elif kind == "mean":
            means = [
                stats.mean_interval(c.shift_sum, c.shift_squares, c.conversations) for c in four
            ]
            diff = means[0][0] - means[1][0] - means[2][0] + means[3][0]
            spread = sum(((m[1].high - m[0]) / stats.Z) ** 2 for m in means) ** 0.5 * stats.Z
            metric.did = f"{diff:+.2f}"
            metric.did_interval = f"{diff - spread:+.2f} to {diff + spread:+.2f}"


@dataclass
class Headline:
    small: bool
    before_rate: str = ""
    after_rate: str = ""
    before_n: int = 0
    after_n: int = 0
    change: str = ""
    interval: str = ""
    difference: str = ""
    difference_interval: str = ""
    did: str = ""
    did_interval: str = ""
    did_small: bool = True
    before_url: str = ""
    after_url: str = ""


def headline(parts: dict, metric: Metric) -> Headline:
    """ "+212% opportunities per 100 engaged people since you switched (48 vs 15; 95%
    interval …)": the relative change with its Katz interval, or the difference in points
    when a rate is zero (no finite ratio)."""
    before, after = parts.get((BEFORE, ALL), Counts()), parts.get((AFTER, ALL), Counts())
    k0, n0 = before.people_with_opportunity, before.people
    k1, n1 = after.people_with_opportunity, after.people
    result = Headline(
        small=not stats.enough(n0, n1),
        before_n=n0,
        after_n=n1,
        did_small=metric.did_small,
        did=metric.did,
        did_interval=metric.did_interval,
        before_url=metric.cells[BEFORE, ALL].url,
        after_url=metric.cells[AFTER, ALL].url,
    )
    if n0:
        result.before_rate = f"{100 * k0 / n0:.0f}"
    if n1:
        result.after_rate = f"{100 * k1 / n1:.0f}"
    if result.small:
        return result
    found = stats.ratio(k1, n1, k0, n0)
    if found:
        value, interval = found
        result.change = f"{100 * (value - 1):+.0f}%"
        result.interval = f"{100 * (interval.low - 1):+.0f}% to {100 * (interval.high - 1):+.0f}%"
    diff, interval = stats.difference(k1, n1, k0, n0)
    result.difference = points(diff)
    result.difference_interval = f"{100 * interval.low:+.0f} to {100 * interval.high:+.0f}"
    return result


# --- Per rep, per team ---------------------------------------------------------------------------


def per_owner(
    found: list[Comparison], scope: Scope, first: date, last: date, url_for
) -> list[dict]:
    """The period after, per person of the team: their people's figures and the coaching
    their conversations got (comments and replies by their coaches, in the period)."""
    if scope.rep is not None or scope.all_teams or not scope.teams:
        return []
    team = scope.teams[0]
    people = list(
        User.objects.filter(team=team, is_active=True).order_by("first_name", "last_name")
    )
    sums: dict[int, Counts] = defaultdict(Counts)
    stored = _stored(found)
    rows = list(
        Figure.objects.filter(comparison__in=stored, period=AFTER, owner__isnull=False)
        if stored
        else []
    )
    rows += [r for r in _live_rows(found, "live_figures", "any") if r.period == AFTER]
    for row in rows:
        sums[row.owner_id].add(Counts.from_row(row))
    # The coaching threads on each person's conversations that the viewer may see: the
    # rows the coaching inbox lists for that person.
    coached = dict(
        CoachingComment.objects.visible_to(scope.user)
        .filter(reply_to=None, conversation__rep__team=team)
        .values_list("conversation__rep_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = []
    for person in people:
        c = sums.get(person.pk, Counts())
        if person.pk == team.manager_id and not c.people and not c.conversations:
            continue
        median = stats.median_from_counts(c.help_days)
        shift = stats.mean_interval(c.shift_sum, c.shift_squares, c.conversations)
        rows.append(
            {
                "person": person,
                "people": c.people,
                "rate": f"{100 * c.people_with_opportunity / c.people:.0f}" if c.people else "—",
                "rate_n": f"{c.people_with_opportunity} of {c.people}",
                "rate_small": c.people < stats.ENOUGH,
                "opportunities": c.opportunities,
                "conversations": c.conversations,
                "shift": f"{shift[0]:+.2f}" if shift else "—",
                "on_time": pct(c.followups_on_time / c.followups_done) if c.followups_done else "—",
                "on_time_n": f"{c.followups_on_time} of {c.followups_done}",
                "median": f"{median[0]:g}" if median else "—",
                "first_helps": c.first_helps,
                "coaching": coached.get(person.pk, 0),
                "people_url": url_for("people", AFTER, ALL, rep=person.pk),
                "with_url": url_for("with_opportunity", AFTER, ALL, rep=person.pk),
                "opportunities_url": url_for("opportunities", AFTER, ALL, rep=person.pk),
                "conversations_url": url_for("conversations", AFTER, ALL, rep=person.pk),
                "followups_url": url_for("followups", AFTER, ALL, rep=person.pk),
                "first_help_url": url_for("first_help", AFTER, ALL, rep=person.pk),
                "coaching_url": reverse("insights:coaching") + "?" + urlencode({"rep": person.pk}),
            }
        )
    return rows


def per_team(found: list[Comparison], scope: Scope, rows) -> list[dict]:
    """Admins, all teams: each team's headline rate, before and after, with its n."""
    if not scope.all_teams:
        return []
    names = {t.pk: t for t in scope.teams}
    by_team: dict[int, dict] = defaultdict(lambda: {BEFORE: Counts(), AFTER: Counts()})
    ranges = {c.team_id: c for c in found}
    for team_id, period, _cohort, counts in rows:
        by_team[team_id][period].add(counts)
    rows = []
    for team_id, periods in sorted(by_team.items(), key=lambda item: names[item[0]].name):
        b, a = periods[BEFORE], periods[AFTER]
        rows.append(
            {
                "team": names[team_id],
                "comparison": ranges[team_id],
                "before": f"{100 * b.people_with_opportunity / b.people:.0f}" if b.people else "—",
                "before_n": b.people,
                "after": f"{100 * a.people_with_opportunity / a.people:.0f}" if a.people else "—",
                "after_n": a.people,
                "small": not stats.enough(a.people, b.people),
                "url": reverse("insights:page") + "?" + urlencode({"team": team_id}),
            }
        )
    return rows


# --- Weeks, topics, what comes before opportunities -----------------------------------------------


def week_series(scope: Scope, found: list[Comparison]) -> dict:
    """The weeks of the range (at most the last year), summed over the scope."""
    if not found:
        return {"weeks": []}
    first = min(c.after_from - (c.after_to - c.after_from) - timedelta(days=1) for c in found)
    last = max(c.after_to for c in found)
    rows = WeekFigure.objects.filter(
        team__in=scope.teams, week__gte=metrics.monday(first), week__lte=last
    )
    rows = rows.filter(owner=scope.rep) if scope.rep is not None else rows.filter(owner=None)
    totals = (
        rows.values("week")
        .annotate(
            new_people=Sum("new_people"),
            first_helps=Sum("first_helps"),
            helped=Sum("opportunities_helped"),
            other=Sum("opportunities_other"),
            conversations=Sum("conversations"),
            shift_sum=Sum("shift_sum"),
            done=Sum("followups_done"),
            on_time=Sum("followups_on_time"),
        )
        .order_by("week")
    )
    by_week = {row["week"]: row for row in totals}
    weeks = []
    monday = max(
        metrics.monday(first), metrics.monday(last) - timedelta(weeks=services.WEEKS_KEPT - 1)
    )
    while monday <= last:
        weeks.append(by_week.get(monday) or {"week": monday})
        monday += timedelta(weeks=1)
    switch = found[0].after_from if len(found) == 1 else None
    return {"weeks": weeks, "charts": charts.week_charts(weeks, switch)}


TOPIC_WEEKS = 8


def topic_counts(scope: Scope, found: list[Comparison], limit: int | None = None) -> list[dict]:
    """Every topic mentioned in the weeks of the period after, most mentioned first (the
    first ``limit``), with its trend (``metrics.topic_weeks``): rollup rows, worked out
    with each comparison."""
    stored = _stored(found)
    rows = []
    if stored:
        counted = ComparisonTopic.objects.filter(comparison__in=stored)
        counted = (
            counted.filter(owner=scope.rep) if scope.rep is not None else counted.filter(owner=None)
        )
        counted = counted.order_by("-mentions", "topic_id")
        rows = list(counted[:limit] if limit else counted)
    rows += _live_rows(found, "live_topics", scope.rep)
    rows.sort(key=lambda r: (-r.mentions, r.topic_id))
    return [
        {
            "topic_id": r.topic_id,
            "n": r.mentions,
            "recent": r.recent,
            "earlier": r.earlier,
            "trend": trend(r.recent, r.earlier),
        }
        for r in rows[:limit]
    ]


def period_of(scope: Scope) -> tuple[date, date, ZoneInfo]:
    """The period after the scope shows (its first and last day, in the first team's time
    zone), without working out any figure."""
    ranges = []
    for team in scope.teams:
        team_settings = scope.settings_of(team)
        tz = ZoneInfo(team_settings.timezone)
        ranges.append(
            (scope.first, scope.last)
            if scope.first and scope.last
            else services.default_range(team_settings)
        )
        if not scope.all_teams:
            break
    return min(r[0] for r in ranges), max(r[1] for r in ranges), tz


def topic_mentions(scope: Scope, topic: Topic):
    """The mentions a topic's count on the pages is made of: in the weeks of the period
    after, of the people in scope."""
    first, last, tz = period_of(scope)
    weeks = metrics.topic_weeks(first, last)
    mentions = TopicMention.objects.visible_to(scope.user).filter(
        topic=topic,
        occurred_at__gte=metrics.Window(weeks["start"], weeks["start"], tz).start,
        occurred_at__lt=metrics.Window(weeks["end"], weeks["end"], tz).start,
    )
    if scope.rep is not None:
        mentions = mentions.filter(prospect__owner=scope.rep)
    return mentions


def trend(recent: int, earlier: int) -> dict:
    """Rising when the recent four whole weeks' share of the eight is above one half beyond doubt
    (its Wilson interval lies above ½), falling when below; otherwise steady, and with fewer
    than ten mentions, too few to tell."""
    total = recent + earlier
    if total < 10:
        return {"key": "few", "label": "too few to tell", "symbol": "·"}
    interval = stats.wilson(recent, total)
    if interval.low > 0.5:
        return {"key": "up", "label": "rising", "symbol": "↑"}
    if interval.high < 0.5:
        return {"key": "down", "label": "falling", "symbol": "↓"}
    return {"key": "steady", "label": "steady", "symbol": "→"}


def topics_with_labels(rows: list[dict]) -> list[dict]:
    topics = Topic.objects.filter(pk__in=[r["topic_id"] for r in rows]).select_related("team")
    names = {t.pk: t for t in topics}
    return [{**row, "topic": names[row["topic_id"]]} for row in rows if row["topic_id"] in names]


def came_before(found: list[Comparison], scope: Scope, url_for) -> dict[str, list[dict]]:
    """Content assets and kinds of help that came before the period's opportunities."""
    stored = _stored(found)
    rows = ComparisonItem.objects.filter(comparison__in=stored)
    rows = rows.filter(owner=scope.rep) if scope.rep is not None else rows.filter(owner=None)
    totals = defaultdict(int)
    if stored:
        for kind, key, n in (
            rows.values_list("kind", "key").annotate(n=Sum("opportunities")).order_by()
        ):
            totals[kind, key] += n
    for item in _live_rows(found, "live_items", scope.rep):
        totals[item.kind, item.key] += item.opportunities
    result = {}
    assets = {
        str(a.pk): a.title
        for a in ContentAsset.objects.filter(
            pk__in=[int(k) for (kind, k) in totals if kind == "asset" and parse_id(k) is not None]
        )
    }
    for kind in ("asset", "help"):
        n = totals.get((kind, ""), 0)
        items = []
        for (item_kind, key), k in totals.items():
            if item_kind != kind or not key:
                continue
            label = assets.get(key, "A removed asset") if kind == "asset" else HelpKind(key).label
            interval = stats.wilson(k, n)
            items.append(
                {
                    "label": label,
                    "k": k,
                    "n": n,
                    "share": pct(k / n) if n else "—",
                    "interval": f"{100 * interval.low:.0f}–{100 * interval.high:.0f}%"
                    if interval
                    else "",
                    "small": n < stats.ENOUGH,
                    "url": url_for("opportunities", AFTER, ALL, before=f"{kind}:{key}"),
                }
            )
        items.sort(key=lambda item: (-item["k"], item["label"]))
        result[kind] = {
            "items": items,
            "n": n,
            "url": url_for("opportunities", AFTER, ALL, before=f"{kind}:"),
        }
    return result


def freshness(found: list[Comparison]) -> dict:
    refreshed = [c.refreshed_at for c in found if c.refreshed_at]
    run = RollupRun.objects.filter(name="topics").values_list("finished_at", flat=True).first()
    return {
        "figures": min(refreshed) if refreshed and len(refreshed) == len(found) else None,
        "live": any(getattr(c, "live", False) for c in found),
        "topics": run,
    }


# --- The pages -------------------------------------------------------------------------------


def url_maker(scope: Scope):
    """Links to the rows behind a figure, keeping the scope and range (hundreds per page:
    each URL's path is reversed once)."""
    paths: dict[str, str] = {}

    def url_for(which: str, period: str, cohort: str, **extra) -> str:
        if which not in paths:
            paths[which] = reverse("insights:rows", args=[which])
        query = scope.query(period=period, cohort=cohort if cohort != ALL else "", **extra)
        return f"{paths[which]}?{query}"

    return url_for


def insights_page(scope: Scope) -> dict:
    """Everything the insights page shows (a dozen queries, whatever the data's size)."""
    found = comparisons(scope)
    url_for = url_maker(scope)
    team_rows = figure_rows(found, scope)
    parts = figure_parts(found, scope, team_rows)
    rows = build_metrics(parts, url_for)
    first = min((c.after_from for c in found), default=None)
    last = max((c.after_to for c in found), default=None)
    length = (last - first).days + 1 if first and last else 0
    team_settings = scope.settings_of(scope.teams[0]) if len(scope.teams) == 1 else None
    since = min((c.records_since for c in found if c.records_since), default=None)
    before_first = first - timedelta(days=length) if first else None
    topics = topics_with_labels(topic_counts(scope, found, limit=10))
    return {
        "scope": scope,
        "comparisons": found,
        "first": first,
        "last": last,
        "length": length,
        "before_first": before_first,
        "before_last": first - timedelta(days=1) if first else None,
        "same_range": len({(c.after_from, c.after_to) for c in found}) <= 1,
        "team_settings": team_settings,
        "switched": bool(team_settings and team_settings.switched_on == first and not scope.first),
        "covered_days": (first - since).days
        if since and before_first and since > before_first
        else None,
        "metrics": rows,
        "headline": headline(parts, rows[1]),
        "per_owner": per_owner(found, scope, first, last, url_for) if first else [],
        "per_team": per_team(found, scope, team_rows),
        "weeks": week_series(scope, found),
        "topics": topics,
        "came_before": came_before(found, scope, url_for),
        "freshness": freshness(found),
        "enough": stats.ENOUGH,
        "query": scope.query(),
    }


ROW_KINDS = {
    "people": "prospect",
    "with_opportunity": "prospect",
    "first_help": "prospect",
    "opportunities": "opportunity",
    "closed": "opportunity",
    "won": "opportunity",
    "followups": "followup",
    "on_time": "followup",
    "conversations": "conversation",
}
ROW_TITLES = {
    "people": "People newly engaged",
    "with_opportunity": "Engaged people with an opportunity",
    "first_help": "People first helped",
    "opportunities": "Opportunities opened",
    "closed": "Opportunities won or lost",
    "won": "Opportunities won",
    "followups": "Follow-ups done",
    "on_time": "Follow-ups done on time",
    "conversations": "Conversations",
}


def rows_for(
    scope: Scope, found: list[Comparison], which: str, period: str, cohort: str, before: str = ""
) -> list[metrics.Row]:
    """The rows behind one figure: the same definitions, computed live, in scope."""
    result = []
    for comparison in found:
        team = next(t for t in scope.teams if t.pk == comparison.team_id)
        owners = scope.owner_ids(team)
        windows = metrics.windows(
            comparison.after_from, comparison.after_to, ZoneInfo(comparison.tz)
        )
        window = windows[period]
        if which in ("people", "with_opportunity"):
            rows = metrics.people_rows(owners, window)
            if which == "with_opportunity":
                rows = [r for r in rows if r.fields["has_opportunity"]]
        elif which == "first_help":
            rows = metrics.first_help_rows(owners, window)
        elif which == "opportunities":
            rows = metrics.opportunity_rows(owners, window)
        elif which in ("closed", "won"):
            rows = metrics.opportunity_rows(owners, window, closed=True)
            if which == "won":
                rows = [r for r in rows if r.fields["status"] == "won"]
        elif which in ("followups", "on_time"):
            rows = metrics.followup_rows(owners, window)
            if which == "on_time":
                rows = [r for r in rows if r.fields["on_time"]]
        else:
            rows = metrics.conversation_rows(owners, window)
        if cohort in (HELPED, NOT_HELPED):
            rows = [r for r in rows if r.cohort == cohort]
        if before and which == "opportunities":
            kind, _, key = before.partition(":")
            preceded = metrics.before_opportunities(owners, window)
            ids = set().union(
                *(ids for (o, k, item), ids in preceded.items() if k == kind and item == key)
            )
            rows = [r for r in rows if r.pk in ids]
        result.extend(rows)
    return sorted(result, key=lambda row: row.pk)


def load_rows(which: str, rows: list[metrics.Row]) -> list:
    """The records of ``rows``, in their order, with what the list shows."""
    from concierge.models import FollowUp
    from empathy_crm.paginator import in_order
    from prospects.models import Conversation, Opportunity, Prospect

    kind = ROW_KINDS[which]
    ids = [r.pk for r in rows]
    queryset = {
        "prospect": Prospect.objects.select_related("owner", "account"),
        "opportunity": Opportunity.objects.select_related("owner", "prospect", "account"),
        "followup": FollowUp.objects.select_related("assignee", "prospect"),
        "conversation": Conversation.objects.select_related("rep", "prospect"),
    }[kind]
    records = in_order(queryset.filter(pk__in=ids), ids)
    by_pk = {r.pk: r for r in rows}
    for record in records:
        record.insight = by_pk[record.pk]
    return records


def _days(n, *, sign: bool = False) -> str:
    """'1 day', '2.5 days', '+1 day': the unit agrees with the number."""
    return (
        f"{n:+g} {'day' if abs(n) == 1 else 'days'}"
        if sign
        else f"{n:g} {'day' if n == 1 else 'days'}"
    )
