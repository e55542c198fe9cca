"""Bulk empathy maps for ``manage.py bench_fill``: one map per 5 prospects, ~15 entries each,
a share of them submitted for review, and a persona over 10,000 members."""

from __future__ import annotations

from django.utils import timezone

from empathy_maps.models import EmpathyMap, Entry, MapStatus, MapVersion, Persona, Quadrant
from people.models import User
from prospects.bench import copy_rows
from prospects.models import Prospect

WORDS = {
    "says": [
        "We can't afford another failed rollout",
        "Show me who else did this",
        "Not another tool",
    ],
    "thinks": ["My boss will blame me", "The team will resist", "This could finally work"],
    "does": ["Keeps a private spreadsheet", "Reads every case study", "Asks IT first"],
    "feels": ["Worried the rollout will fail", "Hopeful but tired", "Pressed by the board"],
    "pains": ["No time to train people", "No baseline to compare", "Data in three systems"],
    "gains": ["A calmer Monday", "A plan the COO trusts", "Fewer late shipments"],
}


def fill_empathy_maps(
    *, per_prospects: int = 5, entries: int = 15, persona_members: int = 10_000
) -> None:
    now = timezone.now()
    prospects = list(Prospect.objects.order_by("pk").values_list("pk", "owner_id")[::per_prospects])
    copy_rows(
        EmpathyMap,
        ["prospect_id", "owner_id", "goal", "success", "status", "version", "created_at", "updated_at"],
        ((pk, owner, "Roll it out without a revolt", "Used daily", MapStatus.SUBMITTED if n % 4 == 0
          else MapStatus.DRAFT, 1 if n % 4 == 0 else 0, now, now) for n, (pk, owner) in enumerate(prospects)),
    )  # fmt: skip
    maps = list(EmpathyMap.objects.order_by("pk").values_list("pk", "status", "owner_id"))
    quadrants = Quadrant.values
    copy_rows(
        Entry,
        ["map_id", "quadrant", "text", "position", "evidence_quote", "created_at"],
        ((map_pk, quadrants[i % 6], f"{WORDS[quadrants[i % 6]][(map_pk + i) % 3]}", i // 6 + 1,
          "", now) for map_pk, _, _ in maps for i in range(entries)),
    )  # fmt: skip
    submitted = [(pk, owner) for pk, status, owner in maps if status == MapStatus.SUBMITTED]
    MapVersion.objects.bulk_create(
        [MapVersion(map_id=pk, number=1, snapshot={"goal": "", "success": "", "entries": []},
                    submitted_by_id=owner) for pk, owner in submitted],
        batch_size=5000,
    )  # fmt: skip
    manager = User.objects.filter(username__startswith="bench_manager_").order_by("pk").first()
    persona = Persona.objects.create(name="Bench: operations leads", owner=manager)
    EmpathyMap.objects.create(persona=persona, owner=manager)
    members = Prospect.objects.order_by("pk").values_list("pk", flat=True)[:persona_members]
    through = Persona.members.through
    through.objects.bulk_create(
        [through(persona_id=persona.pk, prospect_id=pk) for pk in members], batch_size=5000
    )
