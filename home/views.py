"""Each role's home page: the one place that reads every app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from concierge.selectors import DAYS, due_today, team_total, team_week, weeks_for
from empathy_crm.access import Role
from empathy_crm.models import WorkerHeartbeat
from empathy_crm.paginator import in_order
from empathy_maps.models import EmpathyMap
from home import selectors
from people.models import Team, User


@login_required
def home(request):
    role = request.user.role
    if role is Role.ADMIN:
        context = {
            "team_count": Team.objects.count(),
            "user_count": User.objects.filter(is_active=True).count(),
            "heartbeats": WorkerHeartbeat.objects.order_by("-last_seen_at")[:5],
        }
        return render(request, "home/admin.html", context)
    if role is Role.MANAGER:
        # The six longest waiting, ids first so the joins run for six maps, not for all.
        waiting = EmpathyMap.objects.awaiting_review_by(request.user).order_by("updated_at", "pk")
        ids = list(waiting.values_list("pk", flat=True)[:6])
        to_review = in_order(EmpathyMap.objects.with_subjects().filter(pk__in=ids), ids)
        weeks = selectors.with_maps_waiting(request.user, team_week(request.user))
        context = {
            "to_review": to_review,
            "weeks": weeks,
            "total": team_total(weeks),
            "days": DAYS,
            "glance": selectors.team_glance(weeks),
        }
        return render(request, "home/manager.html", context)
    if role is Role.REP:
        context = {
            "today": due_today(request.user),
            "week": weeks_for([request.user])[0],
            "days": DAYS,
        }
        return render(request, "home/rep.html", context)
    return render(request, "home/no_role.html")
