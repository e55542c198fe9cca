"""Bulk data for ``manage.py bench_fill``: a year of opportunities for every rep, and the
commission plans of 50 reps with statements to compute, for ``make bench``.

Opportunities are streamed with COPY. The plans (a handful of rows) and their statements
go through ``commissions.services``, whose statement runs are what the benchmark measures;
they run their own transactions, so ``fill_commission_plans`` is called outside ``atomic``.

The 50 reps are the first teams' (whole teams while they fit, then reps named one by one),
so the benchmark's rep and manager (the first team's) see statements. Quarters count back
from the one the fill runs in (Q0):

- Q-4 to Q-2: "Bench: old plan" (4% of won amounts), retired; Q-3 and Q-2 settled, the
  baseline of the new plan's floor. A few Q-2 wins were reversed since, to be clawed back.
- Q-1: "Bench: helping pays" (every kind of rule, two versions), live; its statements are
  drafts, recomputed by the benchmark's statement run.
- "Bench: proposed plan", a draft over the same reps: the what-if compares it with the
  plans above over the last twelve months.
"""

from __future__ import annotations

import random
import zoneinfo
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Min
from django.utils import timezone

from commissions import periods, services
from commissions.models import CommissionPlan, PeriodKind, RuleKind, Statement, StatementStatus
from empathy_crm.access import Role
from people.models import Team, User
from prospects.bench import copy_rows
from prospects.models import Conversation, Engagement, Opportunity, Prospect

PLAN_TZ = "America/Chicago"
OLD_PLAN = "Bench: old plan"
HELPING_PAYS = "Bench: helping pays"
PROPOSED_PLAN = "Bench: proposed plan"
PLAN_REPS = 50


def quarters_back(today: date, count: int = 5) -> list[date]:
    """The starts of this quarter and the ``count - 1`` before it: [Q0, Q-1, …]."""
    starts = [periods.start_of(PeriodKind.QUARTER, today)]
    while len(starts) < count:
        starts.append(periods.start_of(PeriodKind.QUARTER, starts[-1] - timedelta(days=1)))
    return starts


def plan_today() -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(PLAN_TZ)).date()


# --- Opportunities -------------------------------------------------------------------------


def fill_opportunities(*, opportunities: int) -> None:
    """A year of opportunities over every prospect: opened on any day of the last 365,
    closed (won about 2 in 5, else lost) 10 to 120 days later if that has come, else open;
    about 2 in 5 opened from one of the prospect's conversations, 1 in 5 from an engagement."""
    rng = random.Random(12)
    today = plan_today()
    tz = zoneinfo.ZoneInfo(PLAN_TZ)
    prospects = list(Prospect.objects.order_by("pk").values_list("pk", "account_id", "owner_id"))
    first_talk = contiguous_first_pk(Conversation)
    first_download = contiguous_first_pk(Engagement)
    talks, downloads = Conversation.objects.count(), Engagement.objects.count()

    def rows():
        for n in range(opportunities):
            i = (n * 7919) % len(prospects)  # spread over prospects, owners and accounts
            pk, account, owner = prospects[i]
            opened = today - timedelta(days=rng.randint(0, 364))
            closes = opened + timedelta(days=rng.randint(10, 120))
            status, closed_on = "open", None
            if closes <= today:
                status, closed_on = ("won" if rng.random() < 0.4 else "lost"), closes
            changed = datetime.combine(closed_on, time(15), tzinfo=tz) if closed_on else None
            source = rng.random()
            talk = first_talk + i if first_talk and source < 0.4 and i < talks else None
            download = (
                first_download + i
                if first_download and 0.4 <= source < 0.6 and i < downloads
                else None
            )
            yield (
                account, pk, owner, f"Company deal {n}", Decimal(rng.randint(20, 400) * 250),
                status, opened, closed_on, changed, talk, download,
            )  # fmt: skip

    copy_rows(
        Opportunity,
        ["account_id", "prospect_id", "owner_id", "name", "amount", "status", "opened_on",
         "closed_on", "status_changed_at", "source_conversation_id", "source_engagement_id"],
        rows(),
    )  # fmt: skip


def contiguous_first_pk(model) -> int | None:
    """The first pk when the table's pks run without gaps (as one COPY leaves them), so the
    n-th row's pk is ``first + n``; None otherwise (then nothing is linked to it)."""
    found = model.objects.aggregate(first=Min("pk"), last=Max("pk"), n=Count("pk"))
    if found["n"] and found["last"] - found["first"] + 1 == found["n"]:
        return found["first"]
    return None


# --- Plans and statements ------------------------------------------------------------------


def plan_members(count: int) -> tuple[list[Team], list[int]]:
    """Whole teams while they fit in ``count`` reps, then reps of the next team by name."""
    reps = (
        User.objects.filter(groups__name=Role.REP, team__isnull=False, is_active=True)
        .order_by("team_id", "pk")
        .values_list("team_id", "pk")
    )
    by_team: dict[int, list[int]] = {}
    for team, rep in reps:
        by_team.setdefault(team, []).append(rep)
    teams, named, total = [], [], 0
    for team, members in by_team.items():
        if total + len(members) <= count and not named:
            teams.append(team)
            total += len(members)
        else:
            named += members[: count - total - len(named)]
        if total + len(named) >= count:
            break
    return list(Team.objects.filter(pk__in=teams)), named


def every_rule(quarters: list[date], *, previous: CommissionPlan, conversation: str,
               floor_from: date, floor_to: date) -> list[tuple[str, str, dict]]:  # fmt: skip
    """One rule of every kind (``conversation``: the amount per helpful conversation)."""
    q0, q1 = quarters[0], quarters[1]
    return [
        (RuleKind.PER_CONVERSATION, "Helpful conversations", {"amount": conversation}),
        (RuleKind.PER_FOLLOWUP, "Follow-ups done on time", {"amount": "6.00"}),
        (RuleKind.PER_SOURCED_OPPORTUNITY, "Opportunities from helping", {"amount": "150.00"}),
        (RuleKind.WON_PERCENT, "Won deals",
         {"quota": "150000.00", "tiers": [{"up_to": "100", "rate": "2"},
                                          {"up_to": "150", "rate": "4"},
                                          {"up_to": None, "rate": "6"}]}),
        (RuleKind.SPIF, "Introductions bonus",
         {"amount": "25.00", "help_kind": "make_introduction", "starts": q1.isoformat(),
          "ends": (q1 + timedelta(days=45)).isoformat()}),
        (RuleKind.FLOOR, "Floor: your old average",
         {"baseline_from": floor_from.isoformat(), "baseline_to": floor_to.isoformat()}),
        (RuleKind.HOLD_HARMLESS, "No worse off than before",
         {"previous_plan": previous.pk, "until": (q0 + timedelta(days=89)).isoformat()}),
        (RuleKind.CAP, "Cap", {"amount": "30000.00"}),
        (RuleKind.CLAWBACK, "Reversed wins", {"days": "90"}),
    ]  # fmt: skip


def fill_commission_plans(*, reps: int = PLAN_REPS) -> None:
    """The plans of ``reps`` reps, settled statements under the old one, this plan's drafts
    for last quarter, and a proposed draft plan. Runs services: call it outside ``atomic``."""
    admin = User.objects.get(username="bench_admin")
    quarters = quarters_back(plan_today())  # [Q0, Q-1, Q-2, Q-3, Q-4]
    q0, q1, q2, q3, q4 = quarters
    teams, named = plan_members(reps)
    common = {"by": admin, "period": PeriodKind.QUARTER, "currency": "USD",
              "timezone_name": PLAN_TZ, "teams": teams, "reps": named}  # fmt: skip

    old = services.plan_create(
        name=OLD_PLAN, effective_from=q4, **common,
        rules_in=[(RuleKind.WON_PERCENT, "Won deals", {"rate": "4"})],
    )  # fmt: skip
    services.plan_go_live(plan=old, by=admin)
    for start in (q3, q2):
        services.statements_run(plan=old, start=start, by=admin)
    now = timezone.now()
    Statement.objects.filter(plan=old).update(
        status=StatementStatus.LOCKED, approved_by=admin, approved_at=now, locked_by=admin,
        locked_at=now,
    )  # fmt: skip
    reverse_some_wins(services.members(old), q2, periods.end_of(PeriodKind.QUARTER, q2))
    services.plan_retire(plan=old, last_day=q1 - timedelta(days=1), by=admin)

    helping = services.plan_create(
        name=HELPING_PAYS, effective_from=q1, **common,
        rules_in=every_rule(quarters, previous=old, conversation="12.00", floor_from=q3,
                            floor_to=q2),
    )  # fmt: skip
    services.version_add(
        plan=helping, effective_from=q1 + timedelta(days=45), by=admin,
        note="More for each helpful conversation.",
        rules_in=every_rule(quarters, previous=old, conversation="15.00", floor_from=q3,
                            floor_to=q2),
    )  # fmt: skip
    services.plan_go_live(plan=helping, by=admin)
    services.statements_run(plan=helping, start=q1, by=admin)

    services.plan_create(
        name=PROPOSED_PLAN, effective_from=q0, **common,
        rules_in=every_rule(quarters, previous=helping, conversation="20.00", floor_from=q3,
                            floor_to=q2),
    )  # fmt: skip


def reverse_some_wins(reps: list[int], start: date, end: date) -> None:
    """One in 20 of these reps' wins of the period lost again three weeks after it closed
    (within the clawback's 90 days)."""
    tz = zoneinfo.ZoneInfo(PLAN_TZ)
    won = list(
        Opportunity.objects.filter(
            owner_id__in=reps, status=Opportunity.Status.WON, closed_on__gte=start,
            closed_on__lt=end,
        ).order_by("pk")[::20]
    )  # fmt: skip
    for opportunity in won:
        opportunity.status = Opportunity.Status.LOST
        opportunity.status_changed_at = datetime.combine(
            opportunity.closed_on + timedelta(days=21), time(15), tzinfo=tz
        )
    Opportunity.objects.bulk_update(won, ["status", "status_changed_at"])
