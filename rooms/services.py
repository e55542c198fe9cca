"""What changes a climb room: the rep's side (open it, choose questions and stories, plan,
invite, revoke, approve) and the room's people's side (ask, mark done, say whether an answer
helped, invite a colleague). Every event the team sees is a ``RoomEvent`` written here, in the
transaction of what happened, and told to the room's rep in their inbox."""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from empathy_crm import throttle
from empathy_crm.models import Notification
from empathy_crm.notifications import notify
from people.models import User
from prospects.models import Account, ContentAsset, Conversation, Engagement, Prospect
from prospects.services import (
    engagement_events_record,
    group_member_event_record,
    prospect_created_record,
)
from rooms.models import (
    LINK_DAYS,
    PlanStep,
    Room,
    RoomEvent,
    RoomMember,
    RoomQuestion,
    RoomStory,
    token_hash,
)

log = logging.getLogger(__name__)

#: Questions one person may ask from a room in an hour, and colleagues they may invite a day.
ASK_LIMIT = (5, 3600)
INVITE_LIMIT = (5, 86400)
#: What an engagement asked from a room says it came from.
ROOM_SOURCE = "Climb room"


class Throttled(Exception):
    """Too many questions or invitations from one person; try again later."""


# --- The rep's side ----------------------------------------------------------------------


def room_open(*, account: Account, by: User) -> Room:
    """The account's room, opened now if it was not, with the account's climb as a start."""
    with transaction.atomic(durable=True):
        room, _ = Room.objects.get_or_create(
            account=account,
            defaults={
                "team_id": account.team_id,
                "goal": account.climb_goal,
                "climb": account.climb_position,
                "created_by": by,
            },
        )
    return room


def question_choose(
    *,
    room: Room,
    text: str,
    engagement: Engagement | None = None,
    conversation: Conversation | None = None,
    answer: str = "",
    asset: ContentAsset | None = None,
) -> RoomQuestion:
    return RoomQuestion.objects.create(
        room=room, text=text.strip(), engagement=engagement, conversation=conversation,
        answer=answer.strip(), asset=asset,
    )  # fmt: skip


WORD = re.compile(r"[a-z]{4,}")
FILLER = frozenset({
    "about", "after", "again", "also", "been", "before", "being", "could", "does", "doing",
    "from", "have", "here", "into", "just", "like", "make", "more", "most", "much", "need",
    "only", "other", "over", "should", "some", "such", "than", "that", "their", "them",
    "then", "there", "these", "they", "this", "those", "through", "what", "when", "where",
    "which", "while", "will", "with", "would", "your", "ours",
})  # fmt: skip


def words(text: str) -> set[str]:
    return {w.rstrip("s") for w in WORD.findall(text.lower()) if w not in FILLER}


def story_suggestions(room: Room, *, limit: int = 5) -> list[ContentAsset]:
    """Customer stories not chosen yet, best first: the more words they share with the group's
    questions and industry, the better; stories sharing none are not suggested."""
    wanted = words(" ".join(room.questions.values_list("text", flat=True)))
    industry = words(room.account.industry)
    chosen = room.stories.values_list("asset_id", flat=True)
    scored = []
    stories = ContentAsset.objects.filter(kind=ContentAsset.Kind.CASE_STUDY).exclude(pk__in=chosen)
    for asset in stories.order_by("pk")[:500]:
        said = words(f"{asset.title} {asset.questions_answered}")
        score = len(said & wanted) + 2 * len(said & industry)
        if score:
            scored.append((-score, asset.pk, asset))
    return [asset for *_, asset in sorted(scored)[:limit]]


def story_choose(*, room: Room, asset: ContentAsset) -> RoomStory:
    return RoomStory.objects.get_or_create(room=room, asset=asset)[0]


def room_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("room:view", args=[token])


@dataclass
class Invitation:
    member: RoomMember
    token: str
    emailed: bool


def member_invite(
    *, room: Room, prospect: Prospect, by: User, days: int = LINK_DAYS, email: bool = True
) -> Invitation:
    """A personal link for ``prospect``; a link they had before stops working. Emailed
    (through Django's email backend) when ``email``; the link is returned to show once."""
    with transaction.atomic(durable=True):
        RoomMember.objects.filter(room=room, prospect=prospect, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        member = RoomMember(room=room, prospect=prospect, approved=True)
        token = member.link_issue(days=days)
        member.save()
    emailed = email and invitation_send(member=member, token=token, by=by)
    return Invitation(member, token, emailed)


def invitation_send(*, member: RoomMember, token: str, by: User) -> bool:
    """Email a person their link. False (logged) when the mail could not be handed over."""
    if member.prospect.do_not_contact or not member.prospect.email:
        return False
    room = member.room
    context = {"member": member, "room": room, "by": by, "link": room_link(token),
               "expires_at": member.expires_at}  # fmt: skip
    try:
        send_mail(
            subject=f"Your climb room with {room.team or by}: {room.account}",
            message=render_to_string("rooms/email/invitation.txt", context),
            from_email=None,
            recipient_list=[member.prospect.email],
        )
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("Room invitation %s not sent: %s", member.pk, exc)
        return False
    return True


class AlreadyAnswered(Exception):
    """The invitation was approved or turned down meanwhile (another tab, a double click)."""


class ColleagueElsewhere(Exception):
    """The address belongs to someone the team knows at another company: they are not let
    into this group's room."""


def member_approve(*, member: RoomMember, by: User, days: int = LINK_DAYS) -> Invitation:
    """Let a colleague in: they join the buying group (the team's record of them, found by
    email or made now) and get their own link, by email."""
    room = member.room
    with transaction.atomic(durable=True):
        member = RoomMember.objects.select_for_update().get(pk=member.pk)
        if not member.is_pending:
            raise AlreadyAnswered
        team_people = Prospect.objects.of_team(room.team_id)
        prospect = team_people.filter(email__lower=member.email.lower()).first()
        if prospect is not None and prospect.account_id not in (None, room.account_id):
            raise ColleagueElsewhere
        if prospect is None:
            prospect = Prospect.objects.create(
                team_id=room.team_id, account=room.account, owner=room.rep,
                first_name=member.first_name, last_name=member.last_name, email=member.email,
                title=member.title, source=ROOM_SOURCE,
            )  # fmt: skip
            prospect_created_record(prospect)
            group_member_event_record(prospect)
        elif prospect.account_id is None:
            prospect.account = room.account
            prospect.save(update_fields=["account", "updated_at"])
            group_member_event_record(prospect)
        RoomMember.objects.filter(room=room, prospect=prospect, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        member.prospect = prospect
        member.approved = True
        token = member.link_issue(days=days)
        member.save()
    emailed = invitation_send(member=member, token=token, by=by)
    return Invitation(member, token, emailed)


def member_decline(*, member: RoomMember) -> None:
    """Turn a colleague's invitation down: it is closed, and nobody is added."""
    if member.is_pending:
        member.revoke()


# --- The room's people --------------------------------------------------------------------


class LinkGone(Exception):
    """A link that once worked: expired or revoked (the page says so, politely)."""


def member_for_token(token: str) -> RoomMember | None:
    """The person a link lets in, with their room; None for a link we never made. Raises
    ``LinkGone`` for one expired or revoked."""
    if not token or len(token) > 100:
        return None
    member = (
        RoomMember.objects.select_related(
            "prospect", "room__account__owner", "room__team__brand", "room__created_by"
        )
        .filter(token_hash=token_hash(token))
        .first()
    )
    if member is None or not member.approved or member.prospect_id is None:
        return None
    if member.prospect.deleted_at is not None:  # deleted (an undo may bring the link back)
        return None
    if not member.link_works or member.prospect.account_id != member.room.account_id:
        raise LinkGone  # expired, revoked, or they left the group's company
    return member


def _event(member: RoomMember, kind: str, subject: str, **about) -> RoomEvent:
    """Record what the team sees and tell the room's rep (once per event)."""
    room = member.room
    event = RoomEvent.objects.create(room=room, member=member, kind=kind, subject=subject[:300],
                                     **about)  # fmt: skip
    notify(
        user_id=room.account.owner_id or room.created_by_id,
        kind=Notification.Kind.OTHER,
        message=f"{event.sentence} ({room.account.name} climb room)",
        url=reverse("rooms:room_detail", args=[room.pk]),
        key=f"room-event:{event.pk}",
    )
    return event


def opened(*, member: RoomMember, question: RoomQuestion | None = None,
           step: PlanStep | None = None) -> None:  # fmt: skip
    """A person opened an answer or a step: recorded the first time only."""
    if question is not None:
        kind, about, subject = RoomEvent.Kind.OPENED_ANSWER, {"question": question}, question.text
    else:
        kind, about, subject = RoomEvent.Kind.OPENED_STEP, {"step": step}, step.title
    with transaction.atomic(durable=True):
        if not RoomEvent.objects.filter(member=member, kind=kind, **about).exists():
            _event(member, kind, subject, **about)


def question_ask(*, member: RoomMember, text: str) -> RoomQuestion:
    """A question asked from the room: an engagement with its why (which starts the matching
    playbooks, so the rep gets a follow-up), the room's new question, and the rep told."""
    if not throttle.allow("room-ask", str(member.pk), limit=ASK_LIMIT[0], seconds=ASK_LIMIT[1]):
        raise Throttled
    text = text.strip()
    with transaction.atomic(durable=True):
        engagement = Engagement.objects.create(
            prospect=member.prospect, why=text, source=ROOM_SOURCE
        )
        Prospect.objects.filter(pk=member.prospect_id).update(
            open_question=text, updated_at=timezone.now()
        )
        engagement_events_record(engagement, joined=False)
        question = RoomQuestion.objects.create(
            room=member.room, text=text, engagement=engagement, asked_by=member
        )
        _event(member, RoomEvent.Kind.ASKED, text, question=question)
    return question


def answer_helped(*, member: RoomMember, question: RoomQuestion, helped: bool) -> RoomEvent:
    """Whether an answer helped this person: one answer each, which they may change."""
    kind = RoomEvent.Kind.HELPED_YES if helped else RoomEvent.Kind.HELPED_NO
    with transaction.atomic(durable=True):
        earlier = RoomEvent.objects.filter(
            member=member,
            question=question,
            kind__in=[RoomEvent.Kind.HELPED_YES, RoomEvent.Kind.HELPED_NO],
        ).first()
        if earlier and earlier.kind == kind:
            return earlier
        if earlier:
            earlier.delete()
        return _event(member, kind, question.text, question=question)


def helped_by(member: RoomMember) -> dict[int, bool]:
    """What this person said of each answer: question id → helped."""
    rows = RoomEvent.objects.filter(
        member=member, kind__in=[RoomEvent.Kind.HELPED_YES, RoomEvent.Kind.HELPED_NO]
    ).values_list("question_id", "kind")
    return {pk: kind == RoomEvent.Kind.HELPED_YES for pk, kind in rows}


def step_done(*, member: RoomMember, step: PlanStep) -> None:
    """A person marks one of their own steps done."""
    with transaction.atomic(durable=True):
        step = PlanStep.objects.select_for_update().get(pk=step.pk)
        if step.mark_done():
            _event(member, RoomEvent.Kind.MARKED_DONE, step.title, step=step)


def colleague_invite(
    *, member: RoomMember, first_name: str, last_name: str, email: str, title: str = ""
) -> RoomMember:
    """A person asks to bring a colleague in; the rep approves (or not) before any link."""
    if not throttle.allow("room-invite", str(member.pk), limit=INVITE_LIMIT[0],
                          seconds=INVITE_LIMIT[1]):  # fmt: skip
        raise Throttled
    with transaction.atomic(durable=True):
        colleague = RoomMember.objects.create(
            room=member.room, approved=False, invited_by=member, first_name=first_name.strip(),
            last_name=last_name.strip(), email=email.strip().lower(), title=title.strip(),
        )  # fmt: skip
        _event(member, RoomEvent.Kind.INVITED, colleague.name)
    return colleague


def members_active(room: Room):
    """The people whose links work now."""
    return room.members.filter(
        Q(expires_at__gt=timezone.now()), approved=True, revoked_at__isnull=True
    )
