"""Climb rooms for ``make bench``: rooms with activity on a share of the accounts (bulk
inserts, ``fill_rooms``), and the room the pages are measured with (``bench_room``)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone

from people.models import User
from prospects.models import Account, ContentAsset, Prospect
from rooms import services
from rooms.models import PlanStep, Room, RoomEvent, RoomMember


def fill_rooms(*, rooms: int = 2000, events: int = 20) -> None:
    """A room on each of the first ``rooms`` accounts with people, one link each, and
    ``events`` things that happened in each."""
    now = timezone.now()
    accounts = list(
        Account.objects.filter(owner__isnull=False)
        .order_by("pk")
        .values_list("pk", "team_id", "owner_id")[:rooms]
    )
    made = Room.objects.bulk_create(
        Room(account_id=pk, team_id=team, created_by_id=owner, goal="One view of every customer")
        for pk, team, owner in accounts
    )
    person_of = dict(
        Prospect.objects.filter(account_id__in=[pk for pk, *_ in accounts])
        .order_by("account_id", "pk")
        .distinct("account_id")
        .values_list("account_id", "pk")
    )
    members = RoomMember.objects.bulk_create(
        RoomMember(
            room=room,
            prospect_id=person_of[room.account_id],
            expires_at=now + timedelta(days=30),
            token_hash=hashlib.sha256(f"bench-{room.pk}".encode()).hexdigest(),
        )
        for room in made
        if room.account_id in person_of
    )
    RoomEvent.objects.bulk_create(
        (
            RoomEvent(
                room_id=member.room_id,
                member=member,
                kind=RoomEvent.Kind.OPENED_STEP,
                subject=f"Step {n}",
                created_at=now - timedelta(hours=n),
            )
            for member in members
            for n in range(events)
        ),
        batch_size=5000,
    )


def bench_room(rep: User, *, besides_account: int) -> dict:
    """The measured room: one of ``rep``'s accounts (not the one "account page (rep)" shows),
    furnished once; a new link for its first person on every run."""
    account = (
        Account.objects.filter(owner=rep, prospects__isnull=False)
        .exclude(pk=besides_account)
        .order_by("pk")
        .first()
    )
    people = list(Prospect.objects.filter(account=account).order_by("pk")[:4])
    room = Room.objects.filter(account=account).first()
    if room is None or not room.questions.exists():
        room = room or services.room_open(account=account, by=rep)
        stories = [ContentAsset.objects.create(title=f"Bench story {n}", kind="case_study")
                   for n in range(3)]  # fmt: skip
        for n in range(8):
            services.question_choose(room=room, text=f"Bench question {n}?",
                                     answer="An answer, with a resource.")  # fmt: skip
            PlanStep.objects.create(room=room, title=f"Bench step {n}", owner_rep=rep,
                                    status="done" if n % 2 else "planned")  # fmt: skip
        for story in stories:
            services.story_choose(room=room, asset=story)
        for person in people[1:]:
            services.member_invite(room=room, prospect=person, by=rep, email=False)
    link = services.member_invite(room=room, prospect=people[0], by=rep, email=False)
    for step in room.steps.all()[:6]:
        services.opened(member=link.member, step=step)
    return {"room_token": link.token, "room_account": account.pk}
