from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.db.models import Count, Prefetch
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from empathy_crm import throttle, zones
from empathy_crm.access import Role, role_required
from people.models import Team, User

log = logging.getLogger(__name__)


@role_required(Role.ADMIN)
def team_list(request):
    teams = Team.objects.select_related("manager").annotate(member_count=Count("members"))
    return render(request, "people/team_list.html", {"teams": teams})


@login_required
def my_team(request):
    if not request.user.scope_team_id:
        return render(request, "people/no_team.html")
    return redirect("people:team_detail", pk=request.user.scope_team_id)


@login_required
def team_detail(request, pk: int):
    members = User.objects.filter(is_active=True).prefetch_related("groups")
    team = get_object_or_404(
        Team.objects.visible_to(request.user)
        .select_related("manager")
        .prefetch_related(Prefetch("members", queryset=members)),
        pk=pk,
    )
    template = "people/team_detail.html"
    if request.htmx:
        template += "#member-list"
    return render(request, template, {"team": team})


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, mailing at most PASSWORD_RESET_LIMIT_PER_ADDRESS resets an
    hour asked from one address and PASSWORD_RESET_LIMIT_PER_EMAIL to one email. Past either
    limit it answers the same "check your email" page without a mail, so it tells no one
    which emails exist or that a limit was reached."""

    def form_valid(self, form):
        seconds = settings.PASSWORD_RESET_LIMIT_SECONDS
        by_address = throttle.allow(
            "password-reset-address",
            throttle.client_address(self.request),
            limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
            seconds=seconds,
        )
        by_email = throttle.allow(
            "password-reset-email",
            form.cleaned_data["email"].strip().lower(),
            limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL,
            seconds=seconds,
        )
        if by_address and by_email:
            return super().form_valid(form)
        over = "address" if not by_address else "email"
        log.warning("password reset not mailed: over the limit per %s", over)
        return HttpResponseRedirect(self.get_success_url())


password_reset = ThrottledPasswordResetView.as_view()


@login_required
@require_POST
def timezone_from_browser(request):
    """The signed-in person's own zone, as their browser reports it, saved while theirs is
    still the default (UTC): follow-ups and digests then keep their working hours. A zone
    they chose is never overwritten. JSON: 200 saved or kept, 400 not a zone."""
    zone = zones.canonical(request.POST.get("timezone", "")[:64])
    if zone is None:
        return JsonResponse({"error": "Not a time zone we know."}, status=400)
    saved = False
    if request.user.timezone in ("", "UTC") and zone != request.user.timezone:
        saved = bool(
            User.objects.filter(pk=request.user.pk, timezone__in=["", "UTC"]).update(timezone=zone)
        )
    return JsonResponse({"timezone": zone if saved else request.user.timezone, "saved": saved})
