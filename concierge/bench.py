"""Bulk follow-ups for ``manage.py bench_fill``: 500,000 follow-ups, 100,000 of them due at once."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from concierge.models import FollowUp, FollowUpStatus, Playbook, PlaybookStep
from prospects.bench import copy_rows
from prospects.models import Prospect, ProspectEvent

KINDS = ["answer_question", "send_resource", "share_story", "check_in", "make_introduction"]


def fill_concierge(*, followups: int, due: int) -> None:
    rng = random.Random(7)
    now = timezone.now()
    playbook = Playbook.objects.create(
        name="Bench: answer, then a story", trigger=ProspectEvent.Kind.NEW_ENGAGEMENT
    )
    PlaybookStep.objects.create(playbook=playbook, order=1, delay_hours=4, kind="answer_question",
                                wording="Hi {first_name}, about {question}")  # fmt: skip
    PlaybookStep.objects.create(playbook=playbook, order=2, delay_days=3, kind="share_story",
                                wording="A story for {account}")  # fmt: skip
    prospects = list(Prospect.objects.values_list("pk", "owner_id"))

    def rows():
        for n in range(followups):
            pk, owner = prospects[n % len(prospects)]
            if n < due:
                status, at = FollowUpStatus.SCHEDULED, now - timedelta(minutes=rng.randint(1, 600))
            elif n % 3 == 0:
                status, at = FollowUpStatus.DONE, now - timedelta(days=rng.randint(1, 300))
            else:
                status, at = (
                    FollowUpStatus.SCHEDULED,
                    now + timedelta(hours=rng.randint(1, 24 * 60)),
                )
            # Done ones were done 1 to 40 hours after they fell due: most on time.
            done = status == FollowUpStatus.DONE
            yield (pk, owner, KINDS[n % len(KINDS)], at, status, "Send the checklist",
                   "It saves them a week" if done else "", "help_welcomed" if done else "", "",
                   "bench", now, min(now, at + timedelta(hours=1 + n % 40)) if done else None)  # fmt: skip

    copy_rows(
        FollowUp,
        ["prospect_id", "assignee_id", "kind", "due_at", "status", "help_offered", "receivers_eye",
         "outcome", "skip_reason", "source_key", "created_at", "completed_at"],
        rows(),
    )  # fmt: skip
