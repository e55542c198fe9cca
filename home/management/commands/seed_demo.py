"""``manage.py seed_demo``: demo data that shows every feature; idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from commissions.demo import seed_commissions
from concierge.demo import seed_concierge
from empathy_maps.demo import seed_empathy_maps
from insights.demo import refresh_insights, seed_insights
from people.demo import DEMO_PASSWORD, DEMO_PEOPLE, seed_people
from prospects.demo import seed_prospects
from rooms.demo import seed_rooms


class Command(BaseCommand):
    help = "Create (or refresh) the demo team, people and data. Safe to run repeatedly."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            users = seed_people()
            seed_prospects(users)
            seed_concierge(users)
        # Their services run their own transactions, and would email the demo people.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            seed_empathy_maps(users)
            seed_commissions(users)
        with transaction.atomic():
            seed_insights(users)
        refresh_insights()  # its rollups, in their own transactions
        room_link = seed_rooms(users)  # its services run their own transactions
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write("")
        self.stdout.write("  Open http://127.0.0.1:8000 and sign in as one of:")
        for person in DEMO_PEOPLE:
            name = f"{person.first_name} {person.last_name}"
            self.stdout.write(
                f"    {person.role.value:<8} {person.username:<8} / {DEMO_PASSWORD}   ({name})"
            )
        self.stdout.write("")
        self.stdout.write("  Grace Liu's climb room at Brightpath Clinics, without signing in")
        self.stdout.write(f"  (a new link each run; the last one stops): {room_link}")
        self.stdout.write("")
