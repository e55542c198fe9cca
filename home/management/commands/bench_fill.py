"""``manage.py bench_fill``: a large, realistic data set for ``make bench`` (bulk inserts).

Each feature adds its own ``fill_*`` step here so the benchmark always covers every page.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from concierge.bench import fill_concierge
from empathy_maps.bench import fill_empathy_maps
from insights.bench import fill_insights, fill_insights_rollups
from people.bench import fill_people
from people.models import User
from prospects.bench import fill_prospects


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

    def handle(self, *args, teams: int, reps_per_team: int, **options) -> None:
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
            ("opportunities", lambda: fill_insights(opportunities=options["opportunities"])),
        ]
        for name, step in steps:
            started = time.perf_counter()
            with transaction.atomic():
                step()
            self.stdout.write(f"  filled {name:<14} in {time.perf_counter() - started:6.1f}s")
        started = time.perf_counter()
        fill_insights_rollups()  # its own transactions, as beat runs it
        self.stdout.write(f"  filled {'insights':<14} in {time.perf_counter() - started:6.1f}s")
