"""Demo data that tells the story: a quarter of converting, the day the team switched to
helping, and two quarters of helping since. All dates are relative to when ``seed_demo``
runs, and the insights page computes its headline from these records like from any others.

Before the switch, reps ran qualification calls (conversations with no help given) and
helped a few people; after it, they helped most people within days. The chances below are
what the generator uses; the page computes what came out of them, with its intervals.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from concierge.models import FollowUp, FollowUpStatus, Outcome
from insights import services
from insights.models import TeamInsights
from people.models import Team, User
from prospects.models import Account, ContentAsset, Conversation, Engagement, Opportunity, Prospect

SWITCH_DAYS_AGO = 182  # two quarters of helping
BASELINE_DAYS = 91  # one quarter of converting before that

QUESTIONS = [
    "How long does onboarding really take?",
    "How long will the onboarding take?",
    "How long does onboarding take for a team like ours?",
    "What will our security team ask?",
    "What will our security review ask for?",
    "How do we roll this out without a revolt?",
    "How do we roll it out without a revolt from the floor?",
    "How do others forecast with messy data?",
    "How do other teams forecast with messy data?",
    "What does it cost to run after year one?",
    "What does it really cost after year one?",
    "Who trains new staff when people leave?",
]
FRUSTRATIONS = [
    "The last tool was forced on us.",
    "Another tool forced on us by IT.",
    "Vendors never answer the security questionnaire.",
    "Every demo assumes clean data.",
    "Every vendor demo assumes our data is clean.",
    "Nobody has time for training.",
]
ROADBLOCKS = [
    "No budget until next quarter.",
    "Budget frozen until next quarter.",
    "IT has no capacity this year.",
    "Compliance review takes months.",
    "Data lives in three systems.",
]
HELP = [
    "Shared how a team like theirs rolled out depot by depot.",
    "Sent the security checklist before they asked.",
    "Walked through measuring a baseline first; no pitch.",
    "Introduced them to a customer who solved the same problem.",
    "Answered their question straight, with the numbers.",
]
QUOTES = [
    "That is exactly what I needed.",
    "Finally someone who answers the question.",
    "I can take this to my boss today.",
]
FIRST = [
    "Alex",
    "Bea",
    "Carlos",
    "Dee",
    "Erin",
    "Femi",
    "Gus",
    "Hana",
    "Ivo",
    "Jia",
    "Kai",
    "Lars",
    "Mina",
    "Noor",
    "Olu",
    "Pia",
    "Quinn",
    "Ravi",
    "Sara",
    "Theo",
]
LAST = [
    "Ambler",
    "Brooks",
    "Castillo",
    "Dunn",
    "Eze",
    "Fischer",
    "Gallo",
    "Haas",
    "Ito",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Ortiz",
    "Park",
]
COMPANIES = [
    "Alder",
    "Birchway",
    "Cobalt",
    "Driftwood",
    "Elmstead",
    "Foxglove",
    "Granite",
    "Hollow Oak",
    "Ironbridge",
    "Juniper",
    "Keystone",
    "Larkspur",
    "Meridian",
    "Northgate",
    "Oakridge",
    "Pinecrest",
    "Quarry",
    "Redwood",
    "Saltmarsh",
    "Tidewater",
]
SOURCE = "Story"  # marks the story's people, so seeding again adds nothing


def seed_insights(users: dict[str, User]) -> None:
    team = Team.objects.get(name="Concierge Team")
    if Prospect.objects.filter(team=team, source=SOURCE).exists():
        return
    rng = random.Random(13)
    now = timezone.now()
    switch = now - timedelta(days=SWITCH_DAYS_AGO)
    reps = [users["sam"], users["priya"], users["lucas"]]
    assets = list(ContentAsset.objects.order_by("pk")) or [
        ContentAsset.objects.create(title="A guide", kind="guide")
    ]
    accounts = Account.objects.bulk_create(
        Account(
            team=team,
            name=f"{name} {kind}",
            domain=f"{name.lower().replace(' ', '')}-{kind.lower()}.example",
            owner=reps[n % len(reps)],
            industry="Services",
        )
        for n, (name, kind) in enumerate((c, k) for k in ("Group", "Partners") for c in COMPANIES)
    )
    plans = [("before", 130, 0.30), ("after", 280, 0.72)]
    people: list[tuple] = []
    for era, count, helped_share in plans:
        for n in range(count):
            if era == "before":
                engaged = switch - timedelta(days=rng.uniform(1, BASELINE_DAYS))
            else:
                engaged = switch + timedelta(days=rng.uniform(0, SWITCH_DAYS_AGO - 2))
            people.append((era, engaged, rng.random() < helped_share, n))
    prospects = Prospect.objects.bulk_create(
        Prospect(
            team=team,
            first_name=FIRST[i % len(FIRST)],
            last_name=LAST[(i // 3) % len(LAST)],
            email=f"story{i}@{accounts[i % len(accounts)].domain}",
            account=accounts[i % len(accounts)],
            owner=reps[i % len(reps)],
            source=SOURCE,
            open_question=QUESTIONS[i % len(QUESTIONS)],
            created_at=engaged,
            timezone="America/Chicago",
        )
        for i, (_era, engaged, _helped, _n) in enumerate(people)
    )
    engagements, conversations, opportunities, followups = [], [], [], []
    for prospect, (era, engaged, helped, _n) in zip(prospects, people, strict=True):
        rep = prospect.owner
        engagements.append(
            Engagement(
                prospect=prospect,
                asset=rng.choice(assets),
                occurred_at=engaged,
                why=rng.choice(QUESTIONS),
                source="Website",
            )
        )
        latest = now - timedelta(hours=2)
        if helped:
            talk_at = min(
                latest, engaged + timedelta(days=rng.uniform(0.5, 12 if era == "before" else 4))
            )
            lift = rng.choice([0, 1, 1, 2, 2]) if era == "after" else rng.choice([-1, 0, 1, 1])
            before_feeling = rng.randint(1, 3)
            conversations.append(
                Conversation(
                    prospect=prospect,
                    rep=rep,
                    occurred_at=talk_at,
                    channel="call",
                    questions=rng.choice(QUESTIONS),
                    frustrations=rng.choice(FRUSTRATIONS),
                    roadblocks=rng.choice(ROADBLOCKS),
                    help_given=rng.choice(HELP),
                    quotes=rng.choice(QUOTES),
                    feeling_before=before_feeling,
                    feeling_after=max(1, min(5, before_feeling + lift)),
                )
            )
            due = _working_time(
                min(latest - timedelta(days=1), talk_at + timedelta(days=rng.uniform(2, 8))),
                prospect.timezone,
            )
            late = rng.random() > (0.88 if era == "after" else 0.6)
            followups.append(
                FollowUp(
                    prospect=prospect,
                    assignee=rep,
                    kind=rng.choice(
                        ["send_resource", "share_story", "answer_question", "make_introduction"]
                    ),
                    due_at=due,
                    status=FollowUpStatus.DONE,
                    help_offered=rng.choice(HELP),
                    receivers_eye="They asked for exactly this.",
                    outcome=Outcome.HELP_WELCOMED,
                    completed_at=min(
                        latest,
                        due + timedelta(days=rng.uniform(1.5, 4) if late else rng.uniform(0, 0.8)),
                    ),
                    source_key="story",
                )
            )
        elif rng.random() < 0.7:
            talk_at = min(latest, engaged + timedelta(days=rng.uniform(1, 10)))
            before_feeling = rng.randint(2, 4)
            conversations.append(
                Conversation(
                    prospect=prospect,
                    rep=rep,
                    occurred_at=talk_at,
                    channel="call",
                    questions=rng.choice(QUESTIONS),
                    frustrations=rng.choice(FRUSTRATIONS),
                    roadblocks=rng.choice(ROADBLOCKS),
                    help_given="",
                    feeling_before=before_feeling,
                    feeling_after=max(1, min(5, before_feeling + rng.choice([-1, -1, 0, 0, 1]))),
                )
            )
        chance = {
            ("before", True): 0.18,
            ("before", False): 0.13,
            ("after", True): 0.56,
            ("after", False): 0.13,
        }[era, helped]
        if rng.random() < chance:
            opened = engaged + timedelta(days=rng.uniform(8, 30))
            if era == "before":
                opened = min(opened, switch - timedelta(days=1))
            opened = min(opened, latest)
            age = (now - opened).days
            won_chance = 0.55 if helped else 0.35
            status = "open"
            if age > 20 and rng.random() < 0.75:
                status = "won" if rng.random() < won_chance else "lost"
            closed = (
                (opened + timedelta(days=rng.uniform(5, max(6, min(age, 60))))).date()
                if status != "open"
                else None
            )
            if closed and closed > now.date():
                closed = now.date()
            opportunities.append(
                Opportunity(
                    account=prospect.account,
                    prospect=prospect,
                    owner=rep,
                    name=f"{prospect.account.name}: {prospect.first_name}'s team",
                    amount=Decimal(rng.choice([6000, 9000, 12000, 18000, 24000])),
                    status=status,
                    opened_on=opened.date(),
                    closed_on=closed,
                )
            )
    Engagement.objects.bulk_create(engagements)
    Conversation.objects.bulk_create(conversations)
    Opportunity.objects.bulk_create(opportunities)
    FollowUp.objects.bulk_create(followups)
    latest_talk = {c.prospect_id: c for c in sorted(conversations, key=lambda c: c.occurred_at)}
    for prospect in prospects:
        talk = latest_talk.get(prospect.pk)
        if talk:
            prospect.last_helpful_touch_at = talk.occurred_at
            prospect.last_feeling = talk.feeling_after
            prospect.feeling_trend = (
                "rising"
                if talk.feeling_after > talk.feeling_before
                else "falling"
                if talk.feeling_after < talk.feeling_before
                else "steady"
            )
    Prospect.objects.bulk_update(
        prospects, ["last_helpful_touch_at", "last_feeling", "feeling_trend"]
    )
    TeamInsights.objects.update_or_create(
        team=team,
        defaults={
            "switched_on": switch.astimezone(_tz(users["maria"])).date(),
            "timezone": users["maria"].timezone,
            "updated_by": users["maria"],
        },
    )


def _working_time(moment, tz_name: str):
    """10:30 on ``moment``'s working day (a weekend moves back to Friday), in the person's
    time zone: the story's follow-ups fell due when follow-ups do."""
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(tz_name))
    local -= timedelta(days=max(0, local.weekday() - 4))
    return local.replace(hour=10, minute=30, second=0, microsecond=0)


def _tz(user: User):
    from zoneinfo import ZoneInfo

    return ZoneInfo(user.timezone)


def refresh_insights() -> None:
    """Work the figures out now, so the demo's pages show them before beat's first run."""
    services.refresh_all()
