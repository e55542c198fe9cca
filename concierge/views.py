from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from concierge import scheduling, services
from concierge.forms import (
    DoneForm,
    PlaybookForm,
    PreviewForm,
    ReassignForm,
    SkipForm,
    SnoozeForm,
    StepFormSet,
    steps_check,
)
from concierge.models import (
    CalendarFeed,
    ConciergeTask,
    Notification,
    Outcome,
    Playbook,
    PlaybookStep,
)
from empathy_crm.access import Role, get_for, role_required
from people.models import User
from prospects.models import Prospect

OUTCOME_CHOICES = [("", "How did it go?"), *Outcome.choices]


SECTION_ROWS = 20
SECTION_TEXT = {
    "overdue": ("Overdue", "Nothing overdue. Every promise kept so far."),
    "today": ("Today", "Nothing else for today."),
    "upcoming": ("Coming up", "Nothing planned for the next two weeks."),
}


# What a queue row shows (the template's task-main); the action forms load on demand.
ROW_FIELDS = (
    "kind", "due_at", "status", "help_offered", "assignee_id",
    "prospect__first_name", "prospect__last_name", "prospect__open_question",
    "prospect__owner_id", "prospect__account__name",
)  # fmt: skip


def queue_sections(user: User, *, show_all: str = "") -> dict:
    """The user's open follow-ups: overdue, today and the next two weeks (their own day).

    Each section shows its first rows (oldest first) and how many more there are; one
    section at a time can be opened in full with ?all=<section>.
    """
    tz = scheduling.zone(user.timezone)
    start, end = scheduling.local_day_bounds(timezone.now(), tz)
    mine = ConciergeTask.objects.open().filter(assignee=user)
    windows = {
        "overdue": Q(due_at__lt=start),
        "today": Q(due_at__gte=start, due_at__lt=end),
        "upcoming": Q(due_at__gte=end, due_at__lt=end + timedelta(days=14)),
    }
    counts = mine.aggregate(**{key: Count("pk", filter=window) for key, window in windows.items()})
    context: dict = {"sections": [], "outcomes": OUTCOME_CHOICES}
    for key, window in windows.items():
        title, empty = SECTION_TEXT[key]
        limit = None if show_all == key else SECTION_ROWS
        rows = list(
            mine.filter(window)
            .select_related("prospect", "prospect__account")
            .only(*ROW_FIELDS)
            .order_by("due_at", "pk")[:limit]
        )
        context[key] = rows
        context["sections"].append(
            {
                "key": key,
                "title": title,
                "tasks": rows,
                "empty": empty,
                "count": counts[key],
                "more": counts[key] - len(rows),
            }
        )
    return context


def due_today(user: User, limit: int = 6) -> list[ConciergeTask]:
    """The first follow-ups due by the end of the user's day (their home page)."""
    _, end = scheduling.local_day_bounds(timezone.now(), scheduling.zone(user.timezone))
    return list(
        ConciergeTask.objects.open().filter(assignee=user, due_at__lt=end)
        .select_related("prospect").order_by("due_at", "pk")[:limit]
    )  # fmt: skip


def teammates(user: User):
    return User.objects.filter(pk__in=user.scope_member_ids, is_active=True).exclude(pk=user.pk)


def options_html(choices) -> str:
    """<option>s rendered once per request; every row of the queue reuses them."""
    return format_html_join("", '<option value="{}">{}</option>', choices)


def row_options(user: User) -> dict:
    people = list(teammates(user))
    return {
        "reassign_to": people,
        "teammate_options": options_html((person.pk, str(person)) for person in people),
        "outcome_options": options_html(OUTCOME_CHOICES),
    }


@login_required
def queue(request):
    context = queue_sections(request.user, show_all=request.GET.get("all", ""))
    # Rows carry links to their actions, not the forms: a form is loaded into its row when
    # the rep opens it (task_detail), so a long queue stays light.
    context["may_hand_over"] = teammates(request.user).exists()
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
    context["news"] = list(unread.order_by("-created_at")[:5])
    if context["news"]:
        context["news_count"] = unread.update(read_at=timezone.now())
    return render(request, "concierge/queue.html", context)


def task_for(request, pk: int) -> ConciergeTask:
    return get_for(
        request.user, ConciergeTask.objects.select_related("prospect", "prospect__account"),
        edit=True, pk=pk,
    )  # fmt: skip


ACTIONS = ("done", "snooze", "skip", "reassign")


@login_required
def task_detail(request, pk: int):
    """One follow-up with its action forms, ``?action=`` opened. The queue swaps it into the
    row when the rep opens an action; without JavaScript it is a page of its own."""
    task = task_for(request, pk)
    action = request.GET.get("action", "")
    context = {
        "task": task,
        "action": action if action in ACTIONS else "",
        "outcomes": OUTCOME_CHOICES,
        **row_options(request.user),
    }
    if request.htmx:
        return render(request, "concierge/queue.html#task-row", context)
    return render(request, "concierge/task_detail.html", context)


def respond(request, task: ConciergeTask, form=None, action: str = "", message: str = ""):
    """htmx: the task's row (or its closed notice) plus the nav badge; else back to the queue."""
    if not request.htmx:
        if form is not None and form.errors:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        elif message:
            messages.success(request, message)
        return redirect("concierge:queue")
    context = {
        "task": task,
        "form": form,
        "action": action,
        "message": message,
        "oob_badge": True,
        "outcomes": OUTCOME_CHOICES,
        **row_options(request.user),
    }
    return render(request, "concierge/task_response.html", context)


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
def task_done(request, pk: int):
    task = task_for(request, pk)
    form = DoneForm(request.POST)
    if not attempt(form, lambda data: task.complete(by=request.user, **data)):
        return respond(request, task, form, action="done")
    return respond(
        request, task, message=f"Done: {task.get_kind_display().lower()} for {task.prospect}."
    )


def snooze_until(task: ConciergeTask, data: dict):
    tz = scheduling.zone(task.prospect.timezone)
    hours = scheduling.WorkingHours.from_settings()
    if data["until"] == "date":
        try:
            return scheduling.on_date(task.prospect, data["date"])
        except ValidationError as exc:
            raise ValidationError({"date": exc.messages}) from None
    days = 1 if data["until"] == "tomorrow" else 5
    start = scheduling.local_day_bounds(timezone.now(), tz)[0]
    return scheduling.add_working_time(start, tz, hours, days=days)


@login_required
@require_POST
def task_snooze(request, pk: int):
    task = task_for(request, pk)
    form = SnoozeForm(request.POST)
    if not attempt(form, lambda data: task.snooze(until=snooze_until(task, data), by=request.user)):
        return respond(request, task, form, action="snooze")
    local = task.due_at.astimezone(scheduling.zone(request.user.timezone))
    return respond(request, task, message=f"Snoozed to {local:%a %b %-d, %H:%M}.")


@login_required
@require_POST
def task_skip(request, pk: int):
    task = task_for(request, pk)
    form = SkipForm(request.POST)
    if not attempt(form, lambda data: task.skip(reason=data["reason"], by=request.user)):
        return respond(request, task, form, action="skip")
    return respond(request, task, message="Skipped. The reason is kept in its history.")


@login_required
@require_POST
def task_reassign(request, pk: int):
    task = task_for(request, pk)
    form = ReassignForm(request.POST, people=teammates(request.user))
    if not attempt(form, lambda data: task.reassign(to=data["to"], by=request.user)):
        return respond(request, task, form, action="reassign")
    return respond(request, task, message=f"Handed to {task.assignee}.")


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
    tasks = (
        ConciergeTask.objects.open()
        .filter(assignee=feed.user, due_at__lt=horizon)
        .select_related("prospect")
        .order_by("due_at")[:500]
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Empathy CRM//Helpful follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Follow-ups · {feed.user}")
    for task in tasks:
        event = Event()
        event.add("uid", f"concierge-task-{task.pk}@empathy-crm")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", task.due_at)
        event.add("duration", timedelta(minutes=15))
        event.add("summary", f"{task.get_kind_display()}: {task.prospect.name}")
        description = [task.help_offered]
        if task.prospect.open_question:
            description.append(f"Their question: {task.prospect.open_question}")
        description.append(f"{settings.SITE_URL}{task.prospect.get_absolute_url()}")
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
    form = PlaybookForm(request.POST or None, instance=playbook)
    formset = StepFormSet(request.POST or None, instance=playbook)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        steps_check(form, formset)
        if not form.errors:
            with transaction.atomic():
                playbook = form.save()
                formset.instance = playbook
                formset.save()
            messages.success(request, f"Saved “{playbook}”.")
            return redirect("concierge:playbook_edit", pk=playbook.pk)
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
