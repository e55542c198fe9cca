"""Demo accounts, buying groups, engagements, conversations and opportunities."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from people.models import Team, User
from prospects.models import (
    Account,
    ContentAsset,
    Conversation,
    Engagement,
    FormSource,
    Opportunity,
    Prospect,
)
from prospects.services import prospect_touch_refresh

ASSETS = [
    (
        "Rolling out a new CRM without losing your team",
        "guide",
        "How do we roll this out without a revolt?",
    ),
    (
        "Webinar: forecasting when deals are messy",
        "webinar",
        "How do others forecast with small data?",
    ),
    (
        "How Northwind cut onboarding from 9 weeks to 3",
        "case_study",
        "How long does onboarding really take?",
    ),
    ("Security review checklist", "checklist", "What will our security team ask?"),
]

ACCOUNTS = [
    {
        "name": "Harbor Logistics", "domain": "harborlogistics.example", "industry": "Logistics",
        "size": "201-1000", "goal": "Give dispatchers one view of every shipment by Q3.",
        "position": "Piloting with one depot; spreadsheets everywhere else.",
        "blockers": "IT is stretched; the COO worries about another failed rollout.",
        "people": [
            ("Dana", "Whitfield", "Head of Operations", "champion", "eager", "building_case", "sam",
             "America/Chicago", "How do we roll this out without a revolt from dispatch?"),
            ("Marcus", "Oyelaran", "COO", "decision_maker", "hesitant", "aligning_group", "sam",
             "America/Chicago", "What happens to our numbers during the switch?"),
            ("Ines", "Carvalho", "IT Lead", "skeptic", "not_now", "exploring", "sam",
             "America/New_York", "What will this cost my team in maintenance?"),
            ("Tom", "Becker", "Dispatcher", "user", "curious", "exploring", "sam",
             "America/Chicago", ""),
            ("Priya", "Shah", "Operations Analyst", "influencer", "eager", "building_case", "sam",
             "America/Chicago", "Can we see late shipments by depot?"),
        ],
    },
    {
        "name": "Brightpath Clinics", "domain": "brightpath.example", "industry": "Healthcare",
        "size": "51-200", "goal": "Stop losing referrals between front desk and specialists.",
        "position": "Mapping their referral process; budget approved for next year.",
        "blockers": "Compliance review; front-desk staff turnover.",
        "people": [
            ("Grace", "Liu", "Practice Manager", "champion", "eager", "deciding", "priya",
             "America/New_York", "What will our compliance officer ask?"),
            ("Dr. Samuel", "Adeyemi", "Medical Director", "decision_maker", "curious", "deciding",
             "priya", "America/New_York", "Will this add clicks for clinicians?"),
            ("Rosa", "Martinez", "Front Desk Lead", "user", "hesitant", "building_case", "priya",
             "America/New_York", "Who trains new staff when people leave?"),
        ],
    },
    {
        "name": "Kessler Maschinenbau", "domain": "kessler-mb.example", "industry": "Manufacturing",
        "size": "1000+", "goal": "Forecast spare-part demand per region.",
        "position": "Early research; comparing approaches.",
        "blockers": "Data lives in three ERPs.",
        "people": [
            ("Jonas", "Kessler", "VP Service", "influencer", "curious", "exploring", "lucas",
             "Europe/Berlin", "How do others forecast with small, messy data?"),
            ("Annika", "Vogel", "Controller", "skeptic", "hesitant", "exploring", "lucas",
             "Europe/Berlin", "How long until it pays for itself?"),
            ("Lena", "Brandt", "Service Planner", "user", "curious", "exploring", "lucas",
             "Europe/Berlin", "How do others forecast with small, messy data?"),
        ],
    },
    {
        "name": "Fernwood Studio", "domain": "fernwood.example", "industry": "Design agency",
        "size": "11-50", "goal": "Win bigger clients without hiring a sales team.",
        "position": "Customer since spring.", "blockers": "",
        "people": [
            ("Maya", "Fernandez", "Founder", "decision_maker", "eager", "customer", "priya",
             "America/Los_Angeles", ""),
            ("Omar", "Haddad", "Studio Manager", "user", "curious", "customer", "priya",
             "America/Los_Angeles", "How do we onboard freelancers faster?"),
        ],
    },
]  # fmt: skip

CONVERSATIONS = [
    # (questions, frustrations, roadblocks, help, wins, quotes, before, after)
    ("How do we roll this out without a revolt from dispatch?",
     "The last tool was forced on them; nobody used it.",
     "No time to train 40 dispatchers.",
     "Shared how another logistics team rolled out depot by depot; offered our pilot checklist.",
     "A pilot plan she can show the COO.",
     "I can't survive another rollout that nobody uses.\nIf dispatch hates it, it's dead.",
     2, 4),
    ("What happens to our numbers during the switch?",
     "Feels rushed by the board.",
     "No baseline to compare against.",
     "Walked through measuring a baseline first; no pitch.",
     "",
     "I need to know we won't go blind for a quarter.",
     2, 3),
    ("What will our compliance officer ask?",
     "Vendors never answer the security questionnaire.",
     "Compliance review takes months.",
     "Sent the security checklist and offered a call with our security lead.",
     "Compliance review scheduled.",
     "You're the first vendor who sent the answers before I asked.",
     3, 5),
    ("How do others forecast with small, messy data?",
     "Every tool demo assumes clean data.",
     "Three ERPs.",
     "Shared a customer story about forecasting from partial data.",
     "",
     "Finally someone who admits the data is a mess.",
     3, 4),
]  # fmt: skip


def seed_prospects(users: dict[str, User]) -> None:
    if Account.objects.filter(domain="harborlogistics.example").exists():
        return
    now = timezone.now()
    assets = [
        ContentAsset.objects.create(title=title, kind=kind, questions_answered=question)
        for title, kind, question in ASSETS
    ]
    team = Team.objects.get(name="Concierge Team")
    if not FormSource.objects.filter(name="Website guide downloads").exists():
        source = FormSource(name="Website guide downloads", team=team)
        source.secret_issue()  # shown to no one: "New secret" on the page shows a new one
        source.save()
    for spec in ACCOUNTS:
        owner = users[spec["people"][0][6]]
        account = Account.objects.create(
            team=team, name=spec["name"], domain=spec["domain"], industry=spec["industry"],
            size=spec["size"], owner=owner, climb_goal=spec["goal"],
            climb_position=spec["position"], climb_blockers=spec["blockers"],
        )  # fmt: skip
        for n, (first, last, title, role, willing, stage, rep, tz, question) in enumerate(
            spec["people"]
        ):
            prospect = Prospect.objects.create(
                team=team, first_name=first, last_name=last, title=title, account=account,
                email=f"{first.split()[-1].lower()}.{last.lower()}@{spec['domain']}",
                owner=users[rep], buying_role=role, willingness=willing, stage=stage,
                timezone=tz, source="Website", open_question=question,
                created_at=now - timedelta(days=60 - n),
            )  # fmt: skip
            if question:
                Engagement.objects.create(
                    prospect=prospect, asset=assets[(n + len(account.name)) % len(assets)],
                    occurred_at=now - timedelta(days=40 - n), why=question, source="Website",
                )  # fmt: skip
            story = next((c for c in CONVERSATIONS if question and c[0] == question), None)
            if story:
                q, f, r, h, w, quotes, before, after = story
                Conversation.objects.create(
                    prospect=prospect, rep=users[rep], channel="call",
                    occurred_at=now - timedelta(days=30 - n), questions=q, frustrations=f,
                    roadblocks=r, help_given=h, wins=w, quotes=quotes,
                    feeling_before=before, feeling_after=after,
                )  # fmt: skip
                Conversation.objects.create(
                    prospect=prospect, rep=users[rep], channel="email",
                    occurred_at=now - timedelta(days=6 - n),  # this week, for the manager
                    help_given="Checked in on how the last suggestion went; sent what comes next.",
                    wins="They shared it with their team.", feeling_before=after - 1,
                    feeling_after=min(5, after + 1) if n % 2 == 0 else after - 1,
                )  # fmt: skip
                prospect_touch_refresh(prospect)
                prospect.save()
        if spec["people"][0][5] in ("customer", "deciding"):
            won = spec["people"][0][5] == "customer"
            Opportunity.objects.create(
                account=account, prospect=account.prospects.first(), owner=owner,
                name=f"{account.name} rollout",
                amount=Decimal("18000") if won else Decimal("42000"),
                status="won" if won else "open", opened_on=(now - timedelta(days=20)).date(),
                closed_on=(now - timedelta(days=5)).date() if won else None,
            )  # fmt: skip
