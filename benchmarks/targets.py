"""What ``make bench`` measures. Each feature adds its key pages and background jobs here.

A page is measured as a signed-in user of the given role (None: anonymous). Its URL is built
from the filled database, so ids are real. A job is a callable that does the work in-process
against the benchmark database and returns how many items it handled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    role: str | None  # "rep", "manager", "admin" or None
    url: Callable[[dict], str]


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[dict], int]


FLOOR = Page("floor: /healthz (SELECT 1)", None, lambda ctx: "/healthz")

PAGES: list[Page] = [
    Page("home (rep)", "rep", lambda ctx: "/"),
    Page("home (manager)", "manager", lambda ctx: "/"),
    Page("home (admin)", "admin", lambda ctx: "/"),
    Page("team page (rep)", "rep", lambda ctx: f"/teams/{ctx['rep'].team_id}/"),
    Page("team list (admin)", "admin", lambda ctx: "/teams/"),
]

JOBS: list[Job] = []


def context() -> dict:
    """Users the pages are measured as: a rep, a manager and an admin from the filled data."""
    from people.models import User

    rep = User.objects.filter(username__startswith="bench_rep_").order_by("pk").first()
    manager = User.objects.get(pk=rep.team.manager_id)
    admin = User.objects.get(username="bench_admin")
    return {"rep": rep, "manager": manager, "admin": admin}
