"""The rep's side of a climb room (signed in, scoped by the account: out of scope is a 404)
and the room itself, opened by a personal link without signing in (``room_*`` below)."""

from __future__ import annotations

from contextlib import suppress
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from empathy_crm import crypto
from empathy_crm.access import get_for
from prospects.models import Account, Prospect
from rooms import selectors, services
from rooms.forms import (
    AnswerForm,
    ApproveForm,
    AskForm,
    ColleagueForm,
    HelpedForm,
    InviteForm,
    QuestionChooseForm,
    RoomClimbForm,
    StepForm,
    StoryForm,
    group_questions,
)
from rooms.models import PlanStep, Room, RoomMember, RoomQuestion, RoomStory

SHOW_ONCE = "room_link_show_once"


def _room(request, pk: int, *, edit: bool = True) -> Room:
    rooms = Room.objects.select_related("account", "team", "created_by")
    return get_for(request.user, rooms, edit=edit, pk=pk)


def _people(request, room: Room):
    return (
        Prospect.objects.visible_to(request.user)
        .filter(account=room.account)
        .order_by("first_name", "last_name")
    )


def _forms(request, room: Room, **bound) -> dict:
    people = list(_people(request, room))
    engagements, conversations = group_questions(people)
    return {
        "climb_form": RoomClimbForm(instance=room),
        "question_form": QuestionChooseForm(engagements=engagements, conversations=conversations),
        "story_form": StoryForm(),
        "step_form": StepForm(room=room, people=people),
        "invite_form": InviteForm(people=_people(request, room)),
        "approve_form": ApproveForm(),
        **bound,
        "people": people,
    }


def _render_room(request, room: Room, status: int = 200, **bound):
    context = {**selectors.room_for_rep(room), **_forms(request, room, **bound)}
    people = context["people"]
    context["answer_forms"] = [
        (q, AnswerForm(instance=q, prefix=f"q{q.pk}")) for q in context["questions"]
    ]
    context["step_forms"] = [
        (s, StepForm(instance=s, room=room, people=people, prefix=f"s{s.pk}"))
        for s in context["steps"]
    ]
    context["suggestions"] = services.story_suggestions(room)
    context["can_edit"] = Account.objects.editable_by(request.user).filter(pk=room.account_id)
    context["can_edit"] = context["can_edit"].exists()
    waiting = request.session.pop(SHOW_ONCE, None)
    if waiting and waiting.get("room") == room.pk:
        with suppress(crypto.InvalidToken, KeyError, TypeError):
            context["new_link"] = {"name": waiting["name"],
                                   "url": crypto.decrypt(waiting["link"])}  # fmt: skip
    return render(request, "rooms/room_detail.html", context, status=status)


@login_required
@require_POST
def room_open(request, pk: int):
    account = get_for(request.user, Account.objects.all(), edit=True, pk=pk)
    room = services.room_open(account=account, by=request.user)
    return redirect(room)


@login_required
@require_GET
def room_detail(request, pk: int):
    return _render_room(request, _room(request, pk, edit=False))


@login_required
@require_POST
def room_climb(request, pk: int):
    room = _room(request, pk)
    form = RoomClimbForm(request.POST, instance=room)
    if not form.is_valid():
        return _render_room(request, room, 400, climb_form=form)
    form.save()
    messages.success(request, "Their goal and climb are updated.")
    return redirect(room)


@login_required
@require_POST
def question_add(request, pk: int):
    room = _room(request, pk)
    engagements, conversations = group_questions(_people(request, room))
    form = QuestionChooseForm(request.POST, engagements=engagements, conversations=conversations)
    if not form.is_valid():
        return _render_room(request, room, 400, question_form=form)
    data = form.cleaned_data
    services.question_choose(room=room, text=data["text"], engagement=data["engagement"],
                             conversation=data["conversation"], answer=data["answer"],
                             asset=data["asset"])  # fmt: skip
    messages.success(request, "The question is in the room.")
    return redirect(f"{room.get_absolute_url()}#questions")


@login_required
@require_POST
def question_edit(request, pk: int, question_pk: int):
    room = _room(request, pk)
    question = get_object_or_404(RoomQuestion, room=room, pk=question_pk)
    form = AnswerForm(request.POST, instance=question, prefix=f"q{question.pk}")
    if not form.is_valid():
        messages.error(request, "The answer was not saved: " + form.errors.as_text())
        return redirect(f"{room.get_absolute_url()}#questions")
    if form.cleaned_data["remove"]:
        question.delete()
    else:
        form.save()
    return redirect(f"{room.get_absolute_url()}#questions")


@login_required
@require_POST
def story_add(request, pk: int):
    room = _room(request, pk)
    form = StoryForm(request.POST)
    if not form.is_valid():
        return _render_room(request, room, 400, story_form=form)
    services.story_choose(room=room, asset=form.cleaned_data["asset"])
    return redirect(f"{room.get_absolute_url()}#stories")


@login_required
@require_POST
def story_remove(request, pk: int, story_pk: int):
    room = _room(request, pk)
    get_object_or_404(RoomStory, room=room, pk=story_pk).delete()
    return redirect(f"{room.get_absolute_url()}#stories")


@login_required
@require_POST
def step_add(request, pk: int):
    room = _room(request, pk)
    form = StepForm(request.POST, room=room, people=_people(request, room))
    if not form.is_valid():
        return _render_room(request, room, 400, step_form=form)
    form.instance.room = room
    step = form.save(commit=False)
    if step.status == PlanStep.Status.DONE:
        step.done_at = step.created_at
    step.save()
    return redirect(f"{room.get_absolute_url()}#plan")


@login_required
@require_POST
def step_edit(request, pk: int, step_pk: int):
    room = _room(request, pk)
    step = get_object_or_404(PlanStep, room=room, pk=step_pk)
    form = StepForm(request.POST, instance=step, room=room, people=_people(request, room),
                    prefix=f"s{step.pk}")  # fmt: skip
    if not form.is_valid():
        messages.error(request, "The step was not saved: " + form.errors.as_text())
    elif form.cleaned_data["remove"]:
        step.delete()
    else:
        form.save()
    return redirect(f"{room.get_absolute_url()}#plan")


def _show_link(request, room: Room, invitation: services.Invitation) -> None:
    request.session[SHOW_ONCE] = {
        "room": room.pk,
        "name": invitation.member.name,
        "link": crypto.encrypt(services.room_link(invitation.token)),
    }
    sent = "emailed it to them" if invitation.emailed else "not emailed it"
    messages.success(request, f"{invitation.member.name} has a personal link; we {sent}.")


@login_required
@require_POST
def member_invite(request, pk: int):
    room = _room(request, pk)
    form = InviteForm(request.POST, people=_people(request, room))
    if not form.is_valid():
        return _render_room(request, room, 400, invite_form=form)
    data = form.cleaned_data
    invitation = services.member_invite(room=room, prospect=data["prospect"], by=request.user,
                                        days=data["days"], email=data["send"])  # fmt: skip
    _show_link(request, room, invitation)
    return redirect(f"{room.get_absolute_url()}#people")


@login_required
@require_POST
def member_revoke(request, pk: int, member_pk: int):
    room = _room(request, pk)
    member = get_object_or_404(RoomMember, room=room, pk=member_pk)
    member.revoke()
    messages.success(request, f"{member.name}'s link no longer works.")
    return redirect(f"{room.get_absolute_url()}#people")


@login_required
@require_POST
def member_approve(request, pk: int, member_pk: int):
    room = _room(request, pk)
    member = get_object_or_404(RoomMember, room=room, pk=member_pk, approved=False)
    if request.POST.get("decision") == "decline":
        services.member_decline(member=member)
        messages.success(request, f"You turned down the invitation of {member.name}.")
        return redirect(f"{room.get_absolute_url()}#people")
    form = ApproveForm(request.POST)
    if not form.is_valid() or not member.is_pending:
        messages.error(request, "That invitation was already answered.")
        return redirect(f"{room.get_absolute_url()}#people")
    try:
        invitation = services.member_approve(member=member, by=request.user,
                                             days=form.cleaned_data["days"])  # fmt: skip
    except services.AlreadyAnswered:
        messages.error(request, "That invitation was already answered.")
        return redirect(f"{room.get_absolute_url()}#people")
    except services.ColleagueElsewhere:
        messages.error(request, f"{member.email} is someone your team knows at another company: "
                                "they were not let into this room.")  # fmt: skip
        return redirect(f"{room.get_absolute_url()}#people")
    _show_link(request, room, invitation)
    return redirect(f"{room.get_absolute_url()}#people")


# --- The room, by personal link -------------------------------------------------------------


def _private(response):
    """A room is nobody's search result and nobody's cache, and its link (in the address) is
    never sent to another site as a referrer."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = (
        "same-origin"  # never "no-referrer": forms would post Origin: null
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def room_member_required(view):
    """Let in the one person a link names, in its one room; a polite page otherwise."""

    @wraps(view)
    def wrapped(request, token: str, *args, **kwargs):
        try:
            member = services.member_for_token(token)
        except services.LinkGone:
            return _private(render(request, "rooms/link_gone.html", {"gone": True}, status=410))
        if member is None:
            return _private(render(request, "rooms/link_gone.html", {"gone": False}, status=404))
        request.member = member
        try:
            return _private(view(request, token, *args, **kwargs))
        except Http404:
            return _private(render(request, "rooms/link_gone.html", {"gone": False}, status=404))

    return wrapped


def _room_page(request, token: str, status: int = 200, **forms):
    context = selectors.room_for_member(request.member)
    context.update({"token": token, "ask_form": AskForm(), "colleague_form": ColleagueForm()})
    context.update(forms)
    return render(request, "rooms/room.html", context, status=status)


@require_GET
@room_member_required
def room_view(request, token: str):
    return _room_page(request, token)


@require_GET
@room_member_required
def room_question(request, token: str, pk: int):
    question = get_object_or_404(
        RoomQuestion.objects.select_related("asset"), room=request.member.room, pk=pk
    )
    services.opened(member=request.member, question=question)
    helped = services.helped_by(request.member).get(question.pk)
    context = {**selectors.room_frame(request.member), "token": token, "question": question,
               "helped": helped}  # fmt: skip
    return render(request, "rooms/room_question.html", context)


@require_GET
@room_member_required
def room_step(request, token: str, pk: int):
    step = get_object_or_404(
        PlanStep.objects.select_related("owner_prospect", "owner_rep"),
        room=request.member.room, pk=pk,
    )  # fmt: skip
    services.opened(member=request.member, step=step)
    context = {**selectors.room_frame(request.member), "token": token, "step": step,
               "mine": step.owner_prospect_id == request.member.prospect_id}  # fmt: skip
    return render(request, "rooms/room_step.html", context)


@require_POST
@room_member_required
def room_helped(request, token: str, pk: int):
    question = get_object_or_404(RoomQuestion, room=request.member.room, pk=pk)
    form = HelpedForm(request.POST)
    if not form.is_valid():
        return _room_page(request, token, 400)
    services.answer_helped(member=request.member, question=question,
                           helped=form.cleaned_data["helped"] == "yes")  # fmt: skip
    messages.success(request, "Thank you: your answer is with the team.")
    return redirect(reverse("room:question", args=[token, question.pk]))


@require_POST
@room_member_required
def room_step_done(request, token: str, pk: int):
    step = get_object_or_404(
        PlanStep, room=request.member.room, pk=pk, owner_prospect=request.member.prospect_id
    )
    services.step_done(member=request.member, step=step)
    messages.success(request, f"“{step.title}” is done.")
    return redirect(reverse("room:view", args=[token]) + "#plan")


@require_POST
@room_member_required
def room_ask(request, token: str):
    form = AskForm(request.POST)
    if not form.is_valid():
        return _room_page(request, token, 400, ask_form=form)
    try:
        services.question_ask(member=request.member, text=form.cleaned_data["text"])
    except services.Throttled:
        form.add_error("text", "That is a lot of questions at once: please try again in an hour.")
        return _room_page(request, token, 429, ask_form=form)
    rep = request.member.room.rep
    messages.success(request, f"Your question is with {rep.first_name or rep}, who will follow up.")
    return redirect(reverse("room:view", args=[token]) + "#questions")


@require_POST
@room_member_required
def room_invite(request, token: str):
    form = ColleagueForm(request.POST)
    if not form.is_valid():
        return _room_page(request, token, 400, colleague_form=form)
    try:
        colleague = services.colleague_invite(member=request.member, **form.cleaned_data)
    except services.Throttled:
        form.add_error(None, "That is a lot of invitations at once: please try again tomorrow.")
        return _room_page(request, token, 429, colleague_form=form)
    rep = request.member.room.rep
    messages.success(request, f"{rep.first_name or rep} will send {colleague.name} a link of "
                     "their own once they have checked it.")  # fmt: skip
    return redirect(reverse("room:view", args=[token]) + "#invite")
