"""``manage.py bench_fill``: a large, realistic data set for ``make bench`` (bulk inserts).

Each feature adds its own ``fill_*`` step here so the benchmark always covers every page.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commissions.bench import fill_commission_plans, fill_opportunities
from concierge.bench import fill_concierge
from empathy_maps.bench import fill_empathy_maps
from insights.bench import fill_insights, fill_insights_rollups
from people.bench import fill_people
from people.models import User
from prospects.bench import fill_prospects
from rooms.bench import fill_rooms

SCALED = ("accounts", "prospects", "conversations", "engagements", "followups", "due_followups",
          "opportunities")  # fmt: skip


class Command(BaseCommand):
    help = "Fill an empty database with benchmark data."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=50)
        parser.add_argument("--reps-per-team", type=int, default=20)
        parser.add_argument("--accounts", type=int, default=20_000)
        parser.add_argument("--prospects", type=int, default=100_000)
        parser.add_argument("--conversations", type=int, default=1_000_000)
        parser.add_argument("--engagements", type=int, default=200_000)
        parser.add_argument("--followups", type=int, default=500_000)
        parser.add_argument("--due-followups", type=int, default=100_000)
        parser.add_argument("--opportunities", type=int, default=50_000)
        parser.add_argument(
            "--scale", type=float, default=1.0,
            help="multiply every volume (not the teams and reps): 10 is ten times the data",
        )  # fmt: skip

    def handle(self, *args, teams: int, reps_per_team: int, scale: float, **options) -> None:
        for name in SCALED:
            options[name] = max(1, round(options[name] * scale))
        volumes = {k: options[k] for k in ("accounts", "prospects", "conversations", "engagements")}
        if User.objects.exists():
            raise CommandError("bench_fill expects an empty database; make bench creates one.")
        steps = [
            ("people", lambda: fill_people(teams=teams, reps_per_team=reps_per_team)),
            ("prospects", lambda: fill_prospects(**volumes)),
            (
                "follow-ups",
                lambda: fill_concierge(
                    followups=options["followups"], due=options["due_followups"]
                ),
            ),
            ("empathy maps", fill_empathy_maps),
            (
                "opportunities",
                lambda: fill_opportunities(opportunities=options["opportunities"]),
            ),
            ("insights", fill_insights),
            ("climb rooms", fill_rooms),
        ]
        for name, step in steps:
            with transaction.atomic():
                self.timed(name, step)
        # Its statements are computed by the commission services, in their own transactions.
        self.timed("commissions", fill_commission_plans)
        self.timed("insight rollups", fill_insights_rollups)  # own transactions, as beat runs it

    def timed(self, name: str, step) -> None:
        started = time.perf_counter()
        step()
        self.stdout.write(f"  filled {name:<14} in {time.perf_counter() - started:6.1f}s")
