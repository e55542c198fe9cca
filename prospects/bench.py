"""Bulk data for ``manage.py bench_fill``: accounts, prospects, engagements, conversations.

Rows are streamed with PostgreSQL COPY (the benchmark database is always PostgreSQL), then
the prospects' list columns are set in one UPDATE, as conversation_log would have.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from people.models import User
from prospects.models import (
    Account,
    BuyingRole,
    ContentAsset,
    Conversation,
    Engagement,
    JourneyStage,
    Prospect,
    Willingness,
)

QUESTIONS = [
    "How do we roll this out without a revolt?",
    "What will our security team ask?",
    "How long does onboarding really take?",
    "How do others forecast with messy data?",
    "What does it cost to run after year one?",
    "Who trains new staff when people leave?",
]
FIRST = [
    "Ana",
    "Ben",
    "Chen",
    "Dana",
    "Eli",
    "Fatima",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
]
LAST = [
    "Ng",
    "Berg",
    "Liu",
    "Whitfield",
    "Adeyemi",
    "Vogel",
    "Martinez",
    "Kessler",
    "Okafor",
    "Rossi",
]


def copy_rows(model, columns: list[str], rows: Iterable[tuple]) -> None:
    table = model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(row)


def fill_prospects(*, accounts: int, prospects: int, conversations: int, engagements: int) -> None:
    rng = random.Random(42)
    now = timezone.now()
    team_of = dict(
        User.objects.filter(username__startswith="bench_rep_").values_list("pk", "team_id")
    )
    reps = sorted(team_of)
    assets = ContentAsset.objects.bulk_create(
        ContentAsset(title=f"Guide {n}", kind="guide", questions_answered=q)
        for n, q in enumerate(QUESTIONS)
    )
    copy_rows(
        Account,
        ["name", "domain", "industry", "size", "owner_id", "team_id", "climb_goal",
         "climb_position", "climb_blockers", "created_at"],
        (
            (f"Company {n}", f"company{n}.example", "Software", "51-200", reps[n % len(reps)],
             team_of[reps[n % len(reps)]], "One view of every customer", "Piloting",
             "IT capacity", now)
            for n in range(accounts)
        ),
    )  # fmt: skip
    first_account = Account.objects.order_by("pk").values_list("pk", flat=True).first()
    roles = [c for c, _ in BuyingRole.choices]
    willing = [c for c, _ in Willingness.choices]
    stages = [c for c, _ in JourneyStage.choices]
    copy_rows(
        Prospect,
        ["first_name", "last_name", "email", "phone", "title", "account_id", "owner_id",
         "team_id", "buying_role", "willingness", "stage", "timezone", "do_not_contact", "source",
         "open_question", "feeling_trend", "created_at", "updated_at"],
        (
            (FIRST[n % len(FIRST)], f"{LAST[n % len(LAST)]}{n}", f"person{n}@company{n % accounts}.example",
             "", "Head of Operations", first_account + n % accounts,
             reps[(n % accounts) % len(reps)], team_of[reps[(n % accounts) % len(reps)]],
             roles[n % len(roles)], willing[n % len(willing)],
             stages[n % len(stages)], "America/Chicago", n % 50 == 0, "bench",
             QUESTIONS[n % len(QUESTIONS)] if n % 3 else "", "", now, now)
            for n in range(prospects)
        ),
    )  # fmt: skip
    first_prospect = Prospect.objects.order_by("pk").values_list("pk", flat=True).first()
    owner_of = dict(Prospect.objects.values_list("pk", "owner_id"))
    copy_rows(
        Engagement,
        ["prospect_id", "asset_id", "occurred_at", "why", "source", "source_payload", "created_at"],
        (
            (first_prospect + n % prospects, assets[n % len(assets)].pk,
             now - timedelta(days=rng.randint(1, 365)), QUESTIONS[n % len(QUESTIONS)], "bench",
             json.dumps({"n": n}), now)
            for n in range(engagements)
        ),
    )  # fmt: skip

    def conversation_rows():
        for n in range(conversations):
            pk = first_prospect + n % prospects
            before = rng.randint(1, 4)
            yield (
                pk, owner_of[pk], now - timedelta(days=rng.randint(0, 365), minutes=n % 600),
                "call", QUESTIONS[n % len(QUESTIONS)], "Tools forced on them", "No time",
                "Shared how others did it", "", "This is exactly the problem.", before,
                min(5, before + rng.randint(-1, 2)) or 1, now,
            )  # fmt: skip

    copy_rows(
        Conversation,
        ["prospect_id", "rep_id", "occurred_at", "channel", "questions", "frustrations",
         "roadblocks", "help_given", "wins", "quotes", "feeling_before", "feeling_after",
         "created_at"],
        conversation_rows(),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE prospects_prospect p
               SET last_helpful_touch_at = latest.occurred_at,
                   last_feeling = latest.feeling_after,
                   feeling_trend = CASE WHEN latest.feeling_after > latest.feeling_before THEN 'rising'
                                        WHEN latest.feeling_after < latest.feeling_before THEN 'falling'
                                        ELSE 'steady' END
              FROM (SELECT DISTINCT ON (prospect_id) prospect_id, occurred_at, feeling_before, feeling_after
                      FROM prospects_conversation ORDER BY prospect_id, occurred_at DESC, id DESC) latest
             WHERE latest.prospect_id = p.id
            """
        )
