"""Demo empathy maps in each state: approved, submitted, returned with comments, draft."""

from __future__ import annotations

from empathy_maps import services
from empathy_maps.models import EmpathyMap, Persona
from people.models import User
from prospects.models import Prospect

MAPS = {
    "dana.whitfield": {
        "goal": "Give dispatch one view of every shipment without another failed rollout.",
        "success": "Dispatchers open it first thing every morning, unprompted.",
        "entries": [
            ("says", "I can't survive another rollout that nobody uses.", True),
            ("thinks", "If dispatch hates it, the COO will blame me.", False),
            ("does", "Keeps a private spreadsheet of every late shipment.", False),
            ("feels", "Anxious; carries the last failed tool with her.", False),
            ("pains", "No time to train 40 dispatchers.", False),
            ("gains", "A pilot plan she can show the COO.", False),
        ],
        "flow": ["submit", "approve"],
    },
    "marcus.oyelaran": {
        "goal": "Switch without going blind on the numbers for a quarter.",
        "success": "",
        "entries": [
            ("says", "I need to know we won't go blind for a quarter.", True),
            ("feels", "Pressed by the board.", False),
            ("pains", "No baseline to compare against.", False),
        ],
        "flow": ["submit"],
    },
    "grace.liu": {
        "goal": "Stop losing referrals between front desk and specialists.",
        "success": "Every referral gets a callback within a day.",
        "entries": [
            ("says", "You're the first vendor who sent the answers before I asked.", True),
            ("does", "Reads every security questionnaire herself.", False),
            ("gains", "Compliance review scheduled.", False),
        ],
        "flow": ["submit", "return"],
    },
    "jonas.kessler": {
        "goal": "",
        "success": "",
        "entries": [("says", "Finally someone who admits the data is a mess.", True)],
        "flow": [],
    },
}


def seed_empathy_maps(users: dict[str, User]) -> None:
    """Uses the services (each its own transaction), so call it outside an atomic block."""
    if EmpathyMap.objects.exists():
        return
    persona = Persona.objects.create(
        name="Operations leads carrying a rollout",
        description="They own a change their team did not ask for, and fear another failed tool.",
        owner=users["maria"],
    )
    EmpathyMap.objects.create(persona=persona, owner=users["maria"])
    members = Prospect.objects.exclude(email__startswith="maya.").order_by("pk")[:12]
    services.persona_members_add(persona=persona, prospects=Prospect.objects.filter(pk__in=members))
    for prefix, spec in MAPS.items():
        prospect = (
            Prospect.objects.select_related("owner").filter(email__startswith=prefix + "@").first()
        )
        if prospect is None or prospect.owner is None:
            continue
        author = prospect.owner
        empathy_map = services.map_for_prospect(prospect=prospect, author=author)
        empathy_map.goal, empathy_map.success = spec["goal"], spec["success"]
        empathy_map.save(update_fields=["goal", "success"])
        talk = prospect.conversations.order_by("occurred_at").first()
        for quadrant, text, from_talk in spec["entries"]:
            services.entry_add(
                empathy_map=empathy_map, quadrant=quadrant, text=text, by=author,
                conversation=talk if from_talk else None, quote=text if from_talk else "",
            )  # fmt: skip
        for step in spec["flow"]:
            empathy_map.refresh_from_db()
            if step == "submit":
                services.map_submit(empathy_map=empathy_map, by=author)
            else:
                services.map_review(
                    empathy_map=empathy_map, reviewer=users["maria"], approve=step == "approve",
                    comment="" if step == "approve" else "Lovely quote. What does she feel about "
                    "her own job in this? Add a feeling or two.",
                )  # fmt: skip
