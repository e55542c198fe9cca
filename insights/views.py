"""The insights pages: the team's (a manager's, an admin's) and a rep's own, the rows behind
every figure, what people need, and coaching on conversations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from empathy_crm.access import Role, edits_only_own, role_required
from insights import exports, selectors, services
from insights.forms import CommentForm, RangeForm, ReplyForm, SwitchForm
from insights.models import CoachingComment, CoachingField, Topic
from prospects.models import Conversation

PAGE_SIZE = 25


def scope_from(request) -> tuple[selectors.Scope, RangeForm]:
    """The scope and range the URL asks for; a range that cannot be used is said on the
    page, and the default shown instead."""
    form = RangeForm(request.GET)
    first = last = None
    if form.is_valid() and form.cleaned_data["first"]:
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
    scope = selectors.scope_for(
        request.user,
        team=request.GET.get("team", ""),
        rep=request.GET.get("rep", ""),
        first=first,
        last=last,
    )
    if first and scope.teams:
        try:
            services.check_range(first, last, scope.settings_of(scope.teams[0]).timezone)
        except ValidationError as error:
            form.add_error(None, error)
            scope.first = scope.last = None
    return scope, form


@login_required
def page(request):
    """A manager's team insights, an admin's (a team or all), a rep's own."""
    scope, form = scope_from(request)
    context = selectors.insights_page(scope)
    team_settings = context["team_settings"]
    switch_form = None
    if team_settings and not edits_only_own(request.user) and scope.rep is None:
        switch_form = SwitchForm(
            initial={"switched_on": team_settings.switched_on, "timezone": team_settings.timezone}
        )
    teams = []
    if request.user.role is Role.ADMIN:  # the team picker (all teams: those in scope already)
        teams = scope.teams if scope.all_teams else list(selectors.Team.objects.order_by("name"))
    context.update(form=form, switch_form=switch_form, teams=teams)
    template = "insights/page.html"
    if request.htmx and request.htmx.target == "insights-body":
        template += "#insights-body"
    return render(request, template, context)


@role_required(Role.MANAGER, Role.ADMIN)
@require_POST
def switch(request):
    """Set the team's switch date (an admin names the team)."""
    team = (
        selectors._get(selectors.Team.objects.all(), request.POST.get("team", ""))
        if request.user.role is Role.ADMIN
        else selectors._get(selectors.Team.objects.all(), str(request.user.scope_team_id))
    )
    form = SwitchForm(request.POST)
    if form.is_valid():
        try:
            services.switch_date_set(
                team=team,
                switched_on=form.cleaned_data["switched_on"],
                tz=form.cleaned_data["timezone"],
                by=request.user,
            )
            messages.success(request, "Saved. The figures now compare from that day.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(
            request,
            "That is not a day we can use: "
            + " ".join(e for errors in form.errors.values() for e in errors),
        )
    query = f"?team={team.pk}" if request.user.role is Role.ADMIN else ""
    return redirect(reverse("insights:page") + query)


@login_required
def rows(request, which: str):
    """The rows behind one figure, paged (or all of them as CSV)."""
    if which not in selectors.ROW_KINDS:
        raise Http404("No such rows")
    scope, _ = scope_from(request)
    period = request.GET.get("period", "after")
    cohort = request.GET.get("cohort", "all") or "all"
    if period not in selectors.PERIODS or cohort not in selectors.COHORTS:
        raise Http404("No such figure")
    found = selectors.comparisons(scope)
    found_rows = selectors.rows_for(
        scope, found, which, period, cohort, request.GET.get("before", "")
    )
    if request.GET.get("format") == "csv":
        return exports.rows_csv(which, selectors.load_rows(which, found_rows))
    page_ = Paginator(found_rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "scope": scope,
        "which": which,
        "kind": selectors.ROW_KINDS[which],
        "title": selectors.ROW_TITLES[which],
        "period": period,
        "cohort": cohort,
        "page": page_,
        "records": selectors.load_rows(which, list(page_.object_list)),
        "comparisons": found,
        "count": len(found_rows),
        "query": _query_without(request, "page"),
        "back": scope.query(),
    }
    return render(request, "insights/rows.html", context)


def _query_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
def export(request, table: str):
    """Every table of the insights page as CSV, for the same scope and range."""
    if table not in exports.TABLES:
        raise Http404("No such table")
    scope, _ = scope_from(request)
    return exports.table_csv(table, selectors.insights_page(scope), scope)


@login_required
def topic_list(request):
    """Every topic of the period, most mentioned first, paged (no cap)."""
    scope, _ = scope_from(request)
    found = selectors.comparisons(scope)
    counted = selectors.topic_counts(scope, found)
    if request.GET.get("format") == "csv":
        return exports.topics_csv(selectors.topics_with_labels(counted))
    page_ = Paginator(counted, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "scope": scope,
        "page": page_,
        "topics": selectors.topics_with_labels(list(page_)),
        "query": _query_without(request, "page"),
        "back": scope.query(),
        "comparisons": found,
    }
    return render(request, "insights/topic_list.html", context)


@login_required
def topic_detail(request, pk: int):
    """The people and quotes behind a topic: its mentions by the people in scope."""
    scope, _ = scope_from(request)
    topic = get_object_or_404(Topic, pk=pk, team__in=scope.teams)
    mentions = selectors.topic_mentions(scope, topic)
    mentions = mentions.select_related("prospect", "conversation").order_by("-occurred_at", "-pk")
    page_ = Paginator(mentions, PAGE_SIZE).get_page(request.GET.get("page"))
    people = mentions.values("prospect_id").distinct().count()
    context = {
        "scope": scope,
        "topic": topic,
        "page": page_,
        "people": people,
        "query": _query_without(request, "page"),
        "back": scope.query(),
    }
    return render(request, "insights/topic_detail.html", context)


# --- Coaching ----------------------------------------------------------------------------------


@login_required
def coaching(request):
    """A rep's coaching inbox (threads on their conversations); a manager's team's, by rep."""
    threads = (
        CoachingComment.objects.visible_to(request.user)
        .filter(reply_to=None)
        .select_related("author", "conversation__rep", "conversation__prospect")
        .prefetch_related("replies__author")
        .order_by("-created_at", "-pk")
    )
    rep = request.GET.get("rep", "")
    if rep and not edits_only_own(request.user):
        rep_id = selectors.parse_id(rep)
        if rep_id is None:
            raise Http404("No such person")
        threads = threads.filter(conversation__rep_id=rep_id)
    page_ = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "insights/coaching.html",
        {"page": page_, "query": _query_without(request, "page"), "reply_form": ReplyForm()},
    )


def conversation_for(request, pk: int) -> Conversation:
    """A conversation whose coaching the user may see (a 404 otherwise)."""
    return get_object_or_404(selectors.coached_conversations(request.user), pk=pk)


def conversation_context(request, conversation: Conversation, **extra) -> dict:
    threads = list(
        conversation.coaching.filter(reply_to=None)
        .select_related("author")
        .prefetch_related("replies__author")
    )
    fields = [
        {
            "key": key,
            "label": label,
            "value": (
                f"{conversation.get_feeling_before_display()} → "
                f"{conversation.get_feeling_after_display()}"
                if key == "feelings"
                else getattr(conversation, key)
            ),
            "threads": [t for t in threads if t.field == key],
        }
        for key, label in CoachingField.choices
        if key
    ]
    return {
        "conversation": conversation,
        "fields": fields,
        "whole": [t for t in threads if not t.field],
        "may_coach": services.may_coach(request.user, conversation),
        "comment_form": CommentForm(),
        "reply_form": ReplyForm(),
        **extra,
    }


@login_required
def conversation(request, pk: int):
    conversation = conversation_for(request, pk)
    return render(
        request, "insights/conversation.html", conversation_context(request, conversation)
    )


@login_required
@require_POST
def comment_add(request, pk: int):
    """A coach's comment on the conversation (as a whole or one field)."""
    conversation = conversation_for(request, pk)
    if not services.may_coach(request.user, conversation):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.coaching_comment_add(
                conversation=conversation,
                author=request.user,
                text=form.cleaned_data["text"],
                field=form.cleaned_data["field"] or "",
            )
            messages.success(request, f"Sent to {conversation.rep}.")
            return redirect(reverse("insights:conversation", args=[pk]) + f"#c{comment.pk}")
        except ValidationError as error:
            form.add_error(None, error)
    context = conversation_context(request, conversation, comment_form=form)
    return render(request, "insights/conversation.html", context, status=400)


@login_required
@require_POST
def reply_add(request, pk: int):
    """A reply in a coaching thread, by the rep or their coach."""
    comment = get_object_or_404(
        CoachingComment.objects.visible_to(request.user).select_related(
            "conversation__rep", "conversation__prospect", "reply_to"
        ),
        pk=pk,
    )
    if not services.may_reply(request.user, comment.reply_to or comment):
        raise PermissionDenied
    form = ReplyForm(request.POST)
    if form.is_valid():
        reply = services.coaching_reply_add(
            comment=comment, author=request.user, text=form.cleaned_data["text"]
        )
        messages.success(request, "Reply sent.")
        return redirect(
            reverse("insights:conversation", args=[comment.conversation_id]) + f"#c{reply.pk}"
        )
    conversation = conversation_for(request, comment.conversation_id)
    context = conversation_context(request, conversation, reply_form=form, reply_to=comment.pk)
    return render(request, "insights/conversation.html", context, status=400)
