"""Reads of a climb room: the room as its people see it, as its rep sees it, and the
activity on the account page. Each a fixed number of queries, however much is in the room."""

from __future__ import annotations

from django.db.models import Prefetch

from rooms.models import PlanStep, Room, RoomEvent, RoomMember, RoomQuestion, RoomStory

#: Activity lines shown on the account page and the rep's room page.
RECENT = 12


def room_frame(member: RoomMember) -> dict:
    """What every page of the room shows: who it is for, whose team, its colour."""
    room = member.room
    brand = getattr(room.team, "brand", None) if room.team_id else None
    return {
        "member": member,
        "room": room,
        "account": room.account,
        "team_name": room.team.name if room.team_id else str(room.created_by),
        "colour": brand.colour if brand else "teal",
        "rep": room.rep,
    }


def room_for_member(member: RoomMember) -> dict:
    """The room as one of its people sees it (five queries with the link's own)."""
    room = member.room
    steps = list(PlanStep.objects.filter(room=room).select_related("owner_prospect", "owner_rep"))
    done = sum(step.status == PlanStep.Status.DONE for step in steps)
    return {
        **room_frame(member),
        "questions": list(RoomQuestion.objects.filter(room=room).select_related("asset")),
        "stories": list(RoomStory.objects.filter(room=room).select_related("asset")),
        "steps": steps,
        "done": done,
        "people": list(
            RoomMember.objects.filter(
                room=room,
                approved=True,
                revoked_at__isnull=True,
                prospect__deleted_at__isnull=True,
            )
            .select_related("prospect")
            .order_by("prospect__first_name")
        ),
    }


def events_recent(room: Room, limit: int = RECENT) -> list[RoomEvent]:
    return list(
        RoomEvent.objects.filter(room=room)
        .select_related("member__prospect")
        .order_by("-created_at", "-pk")[:limit]
    )


def room_for_rep(room: Room) -> dict:
    """The rep's page of a room: everything in it, its people and links, its activity."""
    return {
        "room": room,
        "account": room.account,
        "questions": list(
            RoomQuestion.objects.filter(room=room)
            .select_related(
                "asset", "asked_by__prospect", "engagement__prospect", "conversation__prospect"
            )
            .prefetch_related(
                Prefetch(
                    "events",
                    RoomEvent.objects.filter(
                        kind__in=[RoomEvent.Kind.HELPED_YES, RoomEvent.Kind.HELPED_NO]
                    ).select_related("member__prospect"),
                    to_attr="helped",
                )
            )
        ),
        "stories": list(RoomStory.objects.filter(room=room).select_related("asset")),
        "steps": list(
            PlanStep.objects.filter(room=room).select_related("owner_prospect", "owner_rep")
        ),
        "members": list(
            RoomMember.objects.filter(room=room)
            .select_related("prospect", "invited_by__prospect")
            .order_by("-created_at", "-pk")
        ),
        "events": events_recent(room),
    }


def account_room(account_id: int) -> dict:
    """The account page's panel: its room, if one was opened, and what happened there last."""
    room = Room.objects.filter(account_id=account_id).first()
    return {"room": room, "events": events_recent(room) if room else []}
