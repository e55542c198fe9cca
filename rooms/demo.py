"""The demo's climb room: Brightpath Clinics, with three people, two stories, a plan half
done and a question Rosa asked from the room."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from people.models import User
from prospects.models import Account, ContentAsset, Prospect
from rooms import services
from rooms.models import PlanStep, Room, TeamBrand

STORIES = [
    ("How Northwind cut onboarding from 9 weeks to 3", "How long does onboarding really take?"),
    ("How Lakeside Health kept referrals flowing through front-desk turnover",
     "Who trains new staff when people leave?\nWhat will our compliance officer ask?"),
]  # fmt: skip
PLAN = [
    # (title, owner: a prospect's email prefix or the rep, days from today, done)
    ("Map today's referral steps with the front desk", "grace.liu", -20, True),
    ("Send the security answers to the compliance officer", "rep", -10, True),
    ("Compliance review", "grace.liu", 7, False),
    ("Try the referral inbox with two specialists", "samuel.adeyemi", 21, False),
]


def seed_rooms(users: dict[str, User]) -> str:
    """Open the room once; give Grace a fresh link on every run. Returns her link."""
    account = Account.objects.get(domain="brightpath.example")
    people = {p.email.split("@")[0]: p for p in Prospect.objects.filter(account=account)}
    grace = people["grace.liu"]
    room = Room.objects.filter(account=account).first()
    if room is None:
        room = _furnish(account, people, users["priya"])
    return services.room_link(services.member_invite(
        room=room, prospect=grace, by=room.created_by, email=False
    ).token)  # fmt: skip


def _furnish(account: Account, people: dict[str, Prospect], rep: User) -> Room:
    TeamBrand.objects.get_or_create(team_id=account.team_id, defaults={"colour": "indigo"})
    room = services.room_open(account=account, by=rep)
    checklist = ContentAsset.objects.filter(title="Security review checklist").first()
    grace, samuel, rosa = people["grace.liu"], people["samuel.adeyemi"], people["rosa.martinez"]
    services.question_choose(
        room=room, text="What will our compliance officer ask?", asset=checklist,
        conversation=grace.conversations.exclude(questions="").first(),
        answer="Access logs, where data lives, and who can see a patient's referral. The "
        "checklist has our answers to each; our security lead joins the review if you like.",
    )  # fmt: skip
    services.question_choose(
        room=room, text="Will this add clicks for clinicians?",
        engagement=samuel.engagements.first(),
        answer="No new screens for clinicians: referrals arrive in the inbox they already use.",
    )  # fmt: skip
    for title, questions in STORIES:
        asset = ContentAsset.objects.filter(title=title).first() or ContentAsset.objects.create(
            title=title, kind=ContentAsset.Kind.CASE_STUDY, questions_answered=questions
        )
        services.story_choose(room=room, asset=asset)
    today = timezone.localdate()
    steps = {}
    for title, owner, days, done in PLAN:
        steps[title] = PlanStep.objects.create(
            room=room, title=title, target_date=today + timedelta(days=days),
            owner_rep=rep if owner == "rep" else None,
            owner_prospect=None if owner == "rep" else people[owner],
            status=PlanStep.Status.DONE if done else PlanStep.Status.PLANNED,
            done_at=timezone.now() + timedelta(days=days) if done else None,
        )  # fmt: skip
    members = {
        p.pk: services.member_invite(room=room, prospect=p, by=rep, email=False).member
        for p in (grace, samuel, rosa)
    }
    services.opened(member=members[grace.pk], step=steps["Compliance review"])
    services.opened(member=members[grace.pk], question=room.questions.first())
    services.answer_helped(member=members[grace.pk], question=room.questions.first(), helped=True)
    services.question_ask(member=members[rosa.pk], text="Who trains new staff when people leave?")
    return room
