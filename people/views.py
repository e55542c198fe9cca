from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from empathy_crm.access import Role, role_required
from people.models import Team, User


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
