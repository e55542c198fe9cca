from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from concierge import scheduling, selectors, services
from concierge.forms import (
    DoneForm,
    PlaybookForm,
    PreviewForm,
    ReassignForm,
    SkipForm,
    SnoozeForm,
    step_formset,
    steps_check,
)
from concierge.models import CalendarFeed, FollowUp, Playbook, PlaybookStep
from concierge.selectors import OUTCOME_CHOICES
from empathy_crm.access import Role, get_for, handover_targets, role_required
from people.models import User
from prospects.forms import ConversationForm
from prospects.models import Prospect
from prospects.selectors import prospect_page


def options_html(choices) -> str:
    """<option>s rendered once per request; every row of the queue reuses them."""
    return format_html_join("", '<option value="{}">{}</option>', choices)


def row_options(user: User) -> dict:
    people = list(handover_targets(user))
    return {
        "reassign_to": people,
        "teammate_options": options_html((person.pk, str(person)) for person in people),
        "outcome_options": options_html(OUTCOME_CHOICES),
    }


@login_required
def queue(request):
    context = selectors.queue_sections(request.user, show_all=request.GET.get("all", ""))
    # Rows carry links to their actions, not the forms: a form is loaded into its row when
    # the rep opens it (followup_detail), so a long queue stays light.
    context["may_hand_over"] = handover_targets(request.user).exists()
    return render(request, "concierge/queue.html", context)


def followup_for(request, pk: int) -> FollowUp:
    return get_for(
        request.user, FollowUp.objects.select_related("prospect", "prospect__account"),
        edit=True, pk=pk,
    )  # fmt: skip


ACTIONS = ("done", "snooze", "skip", "reassign")


@login_required
def followup_detail(request, pk: int):
    """One follow-up with its action forms, ``?action=`` opened. The queue swaps it into the
    row when the rep opens an action; without JavaScript it is a page of its own."""
    followup = followup_for(request, pk)
    action = request.GET.get("action", "")
    context = {
        "followup": followup,
        "action": action if action in ACTIONS else "",
        "outcomes": OUTCOME_CHOICES,
        **row_options(request.user),
    }
    if request.htmx:
        return render(request, "concierge/queue.html#followup-row", context)
    return render(request, "concierge/followup_detail.html", context)


def respond(request, followup: FollowUp, form=None, action: str = "", message: str = ""):
    """htmx: the follow-up's row (or its closed notice) and the nav badge; else the queue."""
    if not request.htmx:
        if form is not None and form.errors:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        elif message:
            messages.success(request, message)
        return redirect("concierge:queue")
    context = {
        "followup": followup,
        "form": form,
        "action": action,
        "message": message,
        "oob_badge": True,
        # After an action, the sections' counts follow (out of band), as the badge does.
        "section_counts": selectors.section_counts(request.user) if message else None,
        "outcomes": OUTCOME_CHOICES,
        **row_options(request.user),
    }
    return render(request, "concierge/followup_response.html", context)


def attempt(form, change) -> bool:
    """Run a model method for a valid form; its ValidationError becomes form errors."""
    if not form.is_valid():
        return False
    try:
        change(form.cleaned_data)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, field_errors in errors.items():
            for error in field_errors:
                form.add_error(field if field in form.fields else None, error)
        return False
    return True


@login_required
@require_POST
def followup_done(request, pk: int):
    followup = followup_for(request, pk)
    form = DoneForm(request.POST)
    if not attempt(form, lambda data: followup.complete(by=request.user, **data)):
        return respond(request, followup, form, action="done")
    done = f"Done: {followup.get_kind_display().lower()} for {followup.prospect}."
    return respond(request, followup, message=done)


@login_required
@require_POST
def followup_snooze(request, pk: int):
    followup = followup_for(request, pk)
    form = SnoozeForm(request.POST)
    snooze = lambda data: services.followup_snooze(  # noqa: E731
        followup=followup, until=data["until"], on=data.get("date"), by=request.user
    )
    if not attempt(form, snooze):
        return respond(request, followup, form, action="snooze")
    local = followup.due_at.astimezone(scheduling.zone(request.user.timezone))
    return respond(request, followup, message=f"Snoozed to {local:%a %b %-d, %H:%M}.")


@login_required
@require_POST
def followup_skip(request, pk: int):
    followup = followup_for(request, pk)
    form = SkipForm(request.POST)
    if not attempt(form, lambda data: followup.skip(reason=data["reason"], by=request.user)):
        return respond(request, followup, form, action="skip")
    return respond(request, followup, message="Skipped. The reason is kept in its history.")


@login_required
@require_POST
def followup_reassign(request, pk: int):
    followup = followup_for(request, pk)
    form = ReassignForm(request.POST, people=handover_targets(request.user))
    if not attempt(form, lambda data: followup.reassign(to=data["to"], by=request.user)):
        return respond(request, followup, form, action="reassign")
    return respond(request, followup, message=f"Handed to {followup.assignee}.")


# --- A helpful conversation, logged on the prospect page ----------------------------------


@login_required
@require_POST
def conversation_create(request, pk: int):
    """Log a conversation from the prospect page and let it change the queue
    (``services.conversation_record``); with htmx, answer with the page's updated parts."""
    prospect = get_for(
        request.user, Prospect.objects.select_related("account", "owner"), edit=True, pk=pk
    )
    form = ConversationForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return render(
                request,
                "prospects/prospect_detail.html#conversation-form",
                {"prospect": prospect, "conversation_form": form},
            )
        context = {**prospect_page(request.user, prospect), "conversation_form": form}
        return render(request, "prospects/prospect_detail.html", context, status=400)
    services.conversation_record(
        prospect=prospect, rep=request.user, next_step=form.next_step(), **form.conversation()
    )
    if not request.htmx:
        messages.success(request, "Conversation logged.")
        return redirect(prospect)
    prospect.refresh_from_db()
    context = {
        **prospect_page(request.user, prospect),
        "conversation_form": ConversationForm(),
        "logged": True,
    }
    return render(request, "prospects/conversation_logged.html", context)


# --- Calendar feed ------------------------------------------------------------------------


@login_required
def calendar_settings(request):
    feed, _ = CalendarFeed.objects.get_or_create(user=request.user)
    if request.method == "POST":
        feed.rotate()
        messages.success(request, "New link made. The old one stopped working.")
        return redirect("concierge:calendar_settings")
    if not request.user.link_works(feed.created_at):
        feed.rotate()  # revoked while their account was deactivated: a fresh link
    url = request.build_absolute_uri(reverse("concierge:calendar_feed", args=[feed.token]))
    return render(request, "concierge/calendar.html", {"feed_url": url})


def calendar_feed(request, token: str):
    """The rep's open follow-ups as iCalendar, for any calendar app. The secret token in the
    URL is the only credential; an unknown or revoked token, or one of a deactivated user
    (deactivating revokes it for good), is a 404."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    if not feed.user.link_works(feed.created_at):
        raise Http404
    horizon = timezone.now() + timedelta(days=60)
    followups = (
        FollowUp.objects.open()
        .filter(assignee=feed.user, due_at__lt=horizon)
        .select_related("prospect")
        .order_by("due_at")[:500]
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Empathy CRM//Helpful follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Follow-ups · {feed.user}")
    for followup in followups:
        event = Event()
        event.add("uid", f"concierge-followup-{followup.pk}@empathy-crm")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", followup.due_at)
        event.add("duration", timedelta(minutes=15))
        event.add("summary", f"{followup.get_kind_display()}: {followup.prospect.name}")
        description = [followup.help_offered]
        if followup.prospect.open_question:
            description.append(f"Their question: {followup.prospect.open_question}")
        description.append(f"{settings.SITE_URL}{followup.prospect.get_absolute_url()}")
        event.add("description", "\n\n".join(part for part in description if part))
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="follow-ups.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Playbooks (admins) -------------------------------------------------------------------


@role_required(Role.ADMIN)
def playbook_list(request):
    playbooks = Playbook.objects.select_related("team").annotate(step_count=Count("steps"))
    return render(request, "concierge/playbook_list.html", {"playbooks": playbooks})


@role_required(Role.ADMIN)
def playbook_edit(request, pk: int | None = None):
    playbook = get_object_or_404(Playbook, pk=pk) if pk else Playbook()
    adding = "add_step" in request.POST
    form = PlaybookForm(request.POST or None, instance=playbook)
    formset = step_formset(request.POST or None, instance=playbook)
    if request.method == "POST" and form.is_valid() and formset.is_valid() and not adding:
        steps_check(form, formset)
        if not form.errors:
            playbook = services.playbook_save(form=form, formset=formset)
            messages.success(request, f"Saved “{playbook}”.")
            return redirect("concierge:playbook_edit", pk=playbook.pk)
    if adding:  # one more blank step, keeping what was typed so far
        data = request.POST.copy()
        total = f"{formset.prefix}-TOTAL_FORMS"
        data[total] = str(int(data.get(total) or 0) + 1)
        formset = step_formset(data, instance=playbook)
    preview = preview_rows(request, playbook) if playbook.pk else None
    context = {"playbook": playbook, "form": form, "formset": formset, **(preview or {})}
    return render(request, "concierge/playbook_edit.html", context)


def preview_rows(request, playbook: Playbook) -> dict:
    form = PreviewForm(request.GET or None)
    rows, prospect = [], None
    if request.GET and form.is_valid():
        prospect = (
            Prospect.objects.visible_to(request.user)
            .select_related("owner", "account")
            .filter(email__lower=form.cleaned_data["email"].lower())
            .first()
        )
        if prospect is None:
            form.add_error("email", "No prospect with that email.")
        else:
            rows = services.step_preview(list(playbook.steps.all()), prospect)
    return {"preview_form": form, "preview": rows, "preview_prospect": prospect}


@role_required(Role.ADMIN)
@require_POST
def playbook_step_move(request, pk: int, step_pk: int, direction: str):
    if direction not in ("up", "down"):
        raise Http404
    playbook = get_object_or_404(Playbook, pk=pk)
    steps = list(playbook.steps.all())
    index = next((i for i, s in enumerate(steps) if s.pk == step_pk), None)
    if index is None:
        raise Http404
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(steps):
        steps[index], steps[other] = steps[other], steps[index]
        for order, step in enumerate(steps, start=1):
            step.order = order
        PlaybookStep.objects.bulk_update(steps, ["order"])
    return redirect("concierge:playbook_edit", pk=playbook.pk)


@role_required(Role.ADMIN)
@require_POST
def playbook_toggle(request, pk: int):
    playbook = get_object_or_404(Playbook.objects.annotate(step_count=Count("steps")), pk=pk)
    if not playbook.enabled and not playbook.step_count:
        messages.error(request, f"“{playbook}” has no steps yet; add one before you enable it.")
    else:
        playbook.enabled = not playbook.enabled
        playbook.save(update_fields=["enabled"])
        state = "enabled" if playbook.enabled else "paused"
        messages.success(request, f"“{playbook}” is {state}.")
    return redirect("concierge:playbook_list")
