"""Demo playbooks that show the concierge idea, and a queue with something in it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from concierge import scheduling
from concierge.models import (
    FollowUp,
    FollowUpStatus,
    Outcome,
    Playbook,
    PlaybookStep,
)
from people.models import User
from prospects.models import Prospect, ProspectEvent

PLAYBOOKS = [
    ("Answer their question within a working day", ProspectEvent.Kind.NEW_ENGAGEMENT, [
        (0, 4, "answer_question", "Hi {first_name}, you asked “{question}”. Here is a straight "
         "answer, and what others in your spot found useful. No strings attached.", "keep"),
    ]),
    ("A customer story three days after a guide", ProspectEvent.Kind.NEW_ENGAGEMENT, [
        (3, 0, "share_story", "{first_name}, here is how a team like {account} worked through "
         "“{question}”. Happy to connect you with them if that helps.", "cancel"),
    ]),
    ("When a feeling drops, offer to remove the roadblock", ProspectEvent.Kind.FEELING_DROPPED, [
        (0, 6, "check_in", "{first_name}, our last talk sounded hard. Is there one roadblock I can "
         "take off your plate this week?", "cancel"),
    ]),
    ("Two quiet weeks: a gentle check-in", ProspectEvent.Kind.NO_TOUCH, [
        (0, 0, "check_in", "Hi {first_name}, no agenda: how is “{question}” going? Anything I "
         "can send that would make your week easier?", "cancel"),
    ]),
]  # fmt: skip

QUEUE = [
    # (prospect email prefix, kind, help, working days from today: negative = overdue)
    ("dana.whitfield", "send_resource", "Send the depot-by-depot pilot checklist.", -1),
    ("marcus.oyelaran", "answer_question", "Walk him through measuring a baseline first.", 0),
    ("grace.liu", "make_introduction", "Introduce her to the compliance lead at Northwind.", 0),
    ("jonas.kessler", "share_story", "Share the spare-parts forecasting story.", 2),
    ("rosa.martinez", "remove_roadblock", "Draft the training plan for new front-desk staff.", 3),
]

DONE = [
    # (prospect email prefix, kind, help, their reason to want it, days ago it was due, days late)
    ("priya.shah", "send_resource", "Sent the cost-of-delay worksheet.",
     "She has to show the numbers to her COO on Friday; this does half the work.", 4, 0),
    ("grace.liu", "answer_question", "Answered what the auditor will ask about access logs.",
     "Her audit is next month and nobody on her side knows the answer.", 3, 2),
    ("annika.vogel", "check_in", "Checked whether the budget template helped.",
     "She asked us to come back after month-end close.", 2, 0),
]  # fmt: skip


def working_days_ago(prospect: Prospect, days: int, now: datetime) -> datetime:
    """Mid-morning ``days`` working days before today, in the prospect's own working hours
    (so an overdue demo follow-up looks like one a rep really let slip)."""
    tz = scheduling.zone(prospect.timezone)
    hours = scheduling.WorkingHours.from_settings()
    day = now.astimezone(tz).date()
    while days:
        day -= timedelta(days=1)
        days -= day.weekday() in hours.days
    start, end = (datetime.combine(day, moment, tzinfo=tz) for moment in (hours.start, hours.end))
    return start + min(timedelta(hours=1, minutes=30), (end - start) / 2)


def seed_concierge(users: dict[str, User]) -> None:
    if Playbook.objects.exists():
        return
    for name, trigger, steps in PLAYBOOKS:
        playbook = Playbook.objects.create(name=name, trigger=trigger)
        for order, (days, hours, kind, wording, on_conversation) in enumerate(steps, start=1):
            PlaybookStep.objects.create(
                playbook=playbook, order=order, delay_days=days, delay_hours=hours, kind=kind,
                wording=wording, on_conversation=on_conversation,
            )  # fmt: skip
    now = timezone.now()
    for prefix, kind, help_offered, days in QUEUE:
        prospect = Prospect.objects.filter(email__startswith=prefix + "@").first()
        if prospect is None:
            continue
        if days < 0:
            due = working_days_ago(prospect, -days, now)
        else:
            due = scheduling.due_at_for(prospect, days=days, now=now)
        FollowUp.objects.create(
            prospect=prospect, assignee=prospect.owner, kind=kind, help_offered=help_offered,
            due_at=due, status=FollowUpStatus.DUE if due <= now else FollowUpStatus.SCHEDULED,
            source_key="demo",
        )  # fmt: skip
    for prefix, kind, help_offered, receivers_eye, due_days_ago, late in DONE:
        prospect = Prospect.objects.filter(email__startswith=prefix + "@").first()
        if prospect is None:
            continue
        due = working_days_ago(prospect, due_days_ago, now)
        FollowUp.objects.create(
            prospect=prospect, assignee=prospect.owner, kind=kind, help_offered=help_offered,
            receivers_eye=receivers_eye, outcome=Outcome.HELP_WELCOMED, due_at=due, status=FollowUpStatus.DONE,
            completed_at=due + timedelta(days=late, hours=1), source_key="demo",
        )  # fmt: skip
