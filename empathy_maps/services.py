"""Building empathy maps from evidence, and the review workflow around them."""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from empathy_crm import text
from empathy_crm.access import may_review
from empathy_crm.models import Notification
from empathy_crm.notifications import notify
from empathy_maps.models import (
    MAX_ENTRY_LENGTH,
    OBSERVED,
    EmpathyMap,
    Entry,
    MapStatus,
    MapVersion,
    Persona,
    Quadrant,
    ReviewComment,
)
from people.models import User
from prospects.models import Conversation, Engagement, Prospect


def map_for_prospect(*, prospect: Prospect, author: User) -> EmpathyMap:
    empathy_map, _ = EmpathyMap.objects.get_or_create(prospect=prospect, owner=author)
    return empathy_map


def _editable(empathy_map: EmpathyMap) -> None:
    if empathy_map.status == MapStatus.SUBMITTED:
        raise ValidationError(
            "This map is with your manager for review; it can change again after."
        )


def _reopen(empathy_map: EmpathyMap) -> None:
    """Any change to an approved or returned map starts a new draft round."""
    empathy_map.updated_at = timezone.now()
    fields = ["updated_at"]
    if empathy_map.status == MapStatus.APPROVED:
        empathy_map.status = MapStatus.DRAFT
        fields.append("status")
    empathy_map.save(update_fields=fields)


def _clean_text(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": "Write what they said, thought, did or felt."})
    if len(text) > MAX_ENTRY_LENGTH:
        raise ValidationError(
            {"text": f"Keep an entry under {MAX_ENTRY_LENGTH} characters; split it in two."}
        )
    return text


def _check_evidence(empathy_map: EmpathyMap, conversation, engagement) -> None:
    """Evidence must come from the person the map is about (or a persona member)."""
    if empathy_map.prospect_id:
        people = {empathy_map.prospect_id}
    else:
        people = set(empathy_map.persona.members.values_list("pk", flat=True))
    for item in (conversation, engagement):
        if item is not None and item.prospect_id not in people:
            raise ValidationError("That evidence is about someone else; use their own words.")


def entry_add(*, empathy_map: EmpathyMap, quadrant: str, text: str, by: User,
              conversation: Conversation | None = None, engagement: Engagement | None = None,
              quote: str = "") -> Entry:  # fmt: skip
    _editable(empathy_map)
    if quadrant not in Quadrant.values:
        raise ValidationError({"quadrant": "Choose says, thinks, does, feels, pains or gains."})
    text = _clean_text(text)
    _check_evidence(empathy_map, conversation, engagement)
    with transaction.atomic(durable=True):
        last = empathy_map.entries.filter(quadrant=quadrant).aggregate(m=Max("position"))["m"]
        entry = Entry.objects.create(
            map=empathy_map, quadrant=quadrant, text=text, position=(last or 0) + 1,
            evidence_conversation=conversation, evidence_engagement=engagement,
            evidence_quote=quote[:MAX_ENTRY_LENGTH], created_by=by,
        )  # fmt: skip
        _reopen(empathy_map)
    return entry


def persona_create(*, name: str, description: str, owner: User) -> Persona:
    """A persona and its own curated map, together or not at all."""
    with transaction.atomic(durable=True):
        persona = Persona.objects.create(
            name=name.strip()[:120], description=description.strip(), owner=owner
        )
        EmpathyMap.objects.create(persona=persona, owner=owner)
    return persona


def goal_set(*, empathy_map: EmpathyMap, goal: str, success: str) -> None:
    _editable(empathy_map)
    empathy_map.goal, empathy_map.success = goal.strip()[:2000], success.strip()[:2000]
    with transaction.atomic(durable=True):
        empathy_map.save(update_fields=["goal", "success"])
        _reopen(empathy_map)


def entry_update(*, entry: Entry, text: str, quadrant: str) -> Entry:
    _editable(entry.map)
    if quadrant not in Quadrant.values:
        raise ValidationError({"quadrant": "Choose says, thinks, does, feels, pains or gains."})
    entry.text = _clean_text(text)
    with transaction.atomic(durable=True):
        if quadrant != entry.quadrant:
            last = entry.map.entries.filter(quadrant=quadrant).aggregate(m=Max("position"))["m"]
            entry.quadrant, entry.position = quadrant, (last or 0) + 1
        entry.save(update_fields=["text", "quadrant", "position"])
        _reopen(entry.map)
    return entry


def entry_move(*, entry: Entry, direction: str) -> None:
    """Swap with the neighbour above or below in the same quadrant."""
    _editable(entry.map)
    siblings = list(entry.map.entries.filter(quadrant=entry.quadrant).order_by("position", "pk"))
    index = next(i for i, e in enumerate(siblings) if e.pk == entry.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    with transaction.atomic(durable=True):
        Entry.objects.bulk_update(siblings, ["position"])
        _reopen(entry.map)


def entry_delete(*, entry: Entry) -> None:
    _editable(entry.map)
    with transaction.atomic(durable=True):
        entry.delete()
        _reopen(entry.map)


# --- The mapping checklist ----------------------------------------------------------------


def checklist(empathy_map: EmpathyMap, entries: list[Entry]) -> list[dict]:
    by_quadrant = {q: [e for e in entries if e.quadrant == q] for q in Quadrant.values}
    unproven = [e for e in entries if e.quadrant in OBSERVED and not e.has_evidence]
    last_talk = None
    if empathy_map.prospect_id:
        last_talk = (
            Conversation.objects.filter(prospect_id=empathy_map.prospect_id)
            .order_by("-created_at").values_list("created_at", flat=True).first()
        )  # fmt: skip
    empty = [
        Quadrant(q).label.lower() for q in ("says", "thinks", "does", "feels") if not by_quadrant[q]
    ]
    missing_evidence = ""
    if unproven:
        plural = "entry" if len(unproven) == 1 else "entries"
        missing_evidence = f"{len(unproven)} observed {plural} without evidence"
    return [
        _item("goal", "Their goal is written in their terms", bool(empathy_map.goal.strip())),
        _item(
            "quadrants",
            "Says, thinks, does and feels each have an entry",
            not empty,
            f"Empty: {', '.join(empty)}" if empty else "",
        ),
        _item(
            "evidence", "What they say and do points at evidence", not unproven, missing_evidence
        ),
        _item(
            "pains_gains",
            "At least one pain and one gain",
            bool(by_quadrant["pains"] and by_quadrant["gains"]),
        ),
        _item(
            "fresh",
            "Updated since the last conversation",
            last_talk is None or empathy_map.updated_at >= last_talk,
        ),
    ]


def _item(key: str, label: str, done: bool, detail: str = "") -> dict:
    return {"key": key, "label": label, "done": done, "detail": detail}


# --- Review -------------------------------------------------------------------------------


def snapshot(empathy_map: EmpathyMap) -> dict:
    return {
        "goal": empathy_map.goal,
        "success": empathy_map.success,
        "entries": [
            e.snapshot() for e in empathy_map.entries.order_by("quadrant", "position", "pk")
        ],
    }


def reviewers_of(empathy_map: EmpathyMap) -> list[User]:
    team = empathy_map.owner.team
    return [team.manager] if team and team.manager_id else []


def map_submit(*, empathy_map: EmpathyMap, by: User) -> MapVersion:
    """Keep an immutable version, list the gaps for the reviewer, tell the manager."""
    if by.pk != empathy_map.owner_id:
        raise ValidationError("Only the author submits a map.")
    if empathy_map.status == MapStatus.SUBMITTED:
        raise ValidationError("This map is already waiting for review.")
    entries = list(empathy_map.entries.all())
    if not entries:
        raise ValidationError("Add a few entries before you ask for a review.")
    gaps = [item["label"] for item in checklist(empathy_map, entries) if not item["done"]]
    with transaction.atomic(durable=True):
        empathy_map.version += 1
        empathy_map.status = MapStatus.SUBMITTED
        empathy_map.save(update_fields=["version", "status"])
        version = MapVersion.objects.create(
            map=empathy_map, number=empathy_map.version, snapshot=snapshot(empathy_map),
            gaps=gaps, submitted_by=by,
        )  # fmt: skip
        review = reverse("empathy_maps:review", args=[empathy_map.pk])
        for reviewer in reviewers_of(empathy_map):
            message = f"{by} submitted the empathy map of {empathy_map.subject}"
            notify(user_id=reviewer.pk, kind=Notification.Kind.MAP_SUBMITTED, message=message,
                   url=review, key=f"map-version:{version.pk}")  # fmt: skip
            _email_after_commit(reviewer, message, review)
    return version


def _email_after_commit(user: User, message: str, path: str) -> None:
    if not user.email:
        return
    body = f"Hello {user.first_name or user.username},\n\n{message}.\n\n{settings.SITE_URL}{path}\n"
    transaction.on_commit(
        lambda: send_mail(
            subject=message, message=body, from_email=None, recipient_list=[user.email]
        )
    )


def can_review(user: User, empathy_map: EmpathyMap) -> bool:
    return may_review(user, owner_id=empathy_map.owner_id, owner_team_id=empathy_map.owner.team_id)


def map_review(*, empathy_map: EmpathyMap, reviewer: User, approve: bool, comment: str = "",
               entry_comments: dict[int, str] | None = None) -> MapVersion:  # fmt: skip
    if reviewer.pk == empathy_map.owner_id:
        raise ValidationError("You can't review your own map; your manager does.")
    if not can_review(reviewer, empathy_map):
        raise ValidationError("Only the author's manager or an admin reviews this map.")
    if empathy_map.status != MapStatus.SUBMITTED:
        raise ValidationError("Only a submitted map can be approved or returned.")
    if not approve and not comment.strip() and not any((entry_comments or {}).values()):
        raise ValidationError("Say what would make it deeper when you return it.")
    version = empathy_map.versions.get(number=empathy_map.version)
    status = MapStatus.APPROVED if approve else MapStatus.RETURNED
    with transaction.atomic(durable=True):
        version.review_status, version.reviewed_by, version.reviewed_at = (
            status,
            reviewer,
            timezone.now(),
        )
        version.save(update_fields=["review_status", "reviewed_by", "reviewed_at"])
        empathy_map.status = status
        empathy_map.save(update_fields=["status"])
        if comment.strip():
            ReviewComment.objects.create(
                map=empathy_map, version=version, author=reviewer, text=comment.strip()
            )
        entries = {e.pk: e for e in empathy_map.entries.all()}
        for entry_id, text in (entry_comments or {}).items():
            if text.strip() and entry_id in entries:
                ReviewComment.objects.create(
                    map=empathy_map, version=version, author=reviewer,
                    entry=entries[entry_id], text=text.strip(),
                )  # fmt: skip
        verdict = "approved" if approve else "returned for more depth"
        message = f"{reviewer} {verdict} the empathy map of {empathy_map.subject}"
        kind = Notification.Kind.MAP_APPROVED if approve else Notification.Kind.MAP_RETURNED
        notify(user_id=empathy_map.owner_id, kind=kind, message=message,
               url=empathy_map.get_absolute_url(), key=f"map-review:{version.pk}")  # fmt: skip
        _email_after_commit(empathy_map.owner, message, empathy_map.get_absolute_url())
    return version


def changes_since_approved(empathy_map: EmpathyMap, current: dict) -> dict | None:
    """Entries added, removed, moved between quadrants or reworded since the last approval."""
    approved = (
        empathy_map.versions.filter(review_status=MapStatus.APPROVED).order_by("-number").first()
    )
    if approved is None:
        return None
    before = {e["id"]: e for e in approved.snapshot["entries"]}
    after = {e["id"]: e for e in current["entries"]}
    return {
        "since": approved,
        "added": [after[i] for i in after.keys() - before.keys()],
        "removed": [before[i] for i in before.keys() - after.keys()],
        "moved": [
            (before[i], after[i])
            for i in after.keys() & before.keys()
            if before[i]["quadrant"] != after[i]["quadrant"]
        ],
        "edited": [
            (before[i], after[i])
            for i in after.keys() & before.keys()
            if before[i]["text"] != after[i]["text"]
        ],
        "goal_changed": approved.snapshot["goal"] != current["goal"],
    }


# --- Personas -----------------------------------------------------------------------------


def persona_members_add(*, persona, prospects) -> int:
    """Link prospects (a queryset the caller already scoped) to a persona; returns how many.
    The persona's counts are recounted in the background once this commits."""
    through = persona.members.through
    existing = set(persona.members.values_list("pk", flat=True))
    new = [through(persona_id=persona.pk, prospect_id=pk)
           for pk in prospects.values_list("pk", flat=True) if pk not in existing]  # fmt: skip
    with transaction.atomic():
        through.objects.bulk_create(new, batch_size=5000, ignore_conflicts=True)
        persona_recount_later(persona.pk)
    return len(new)


def persona_recount_later(persona_id: int) -> None:
    from empathy_maps.tasks import persona_recount as task

    def enqueue():
        # If the broker is down, beat recounts every persona within 15 minutes anyway.
        with contextlib.suppress(BrokerError, OSError):
            task.apply_async(args=[persona_id], retry=True, retry_policy={"max_retries": 1})

    transaction.on_commit(enqueue)


def _counted(rows) -> list[dict]:
    return [
        {"example": row["example"], "people": row["people"], "maps": row.get("maps", 0)}
        for row in rows
    ]


def persona_recount(persona) -> dict:
    """Count what the members have in common and keep it on the persona."""
    insight = {
        "members": persona.members.count(),
        "entries": {q: _counted(rows) for q, rows in persona_entries(persona).items()},
        "questions": _counted(persona_common(persona, "questions")),
        "frustrations": _counted(persona_common(persona, "frustrations")),
    }
    persona.insight, persona.insight_at = insight, timezone.now()
    persona.save(update_fields=["insight", "insight_at"])
    return insight


def _share(rows, *, limit: int) -> list[dict]:
    """Group (group, text, person, map) rows by what the text says (``empathy_crm.text``:
    its stems without filler, near-duplicates together), counting the people (and maps)
    behind each; the most common first, with its most frequent wording as the example."""
    grouper = text.Grouper({})
    found: dict[tuple, dict] = {}
    for group, said, person, map_id in rows:
        for phrase in text.phrases(said) or [said.strip()]:
            if not phrase:
                continue
            sig = text.signature(phrase) or phrase.lower()
            key = grouper.find((group,), sig)
            if key is None:
                key = ((group,), sig)
                grouper.add(key[0], sig, len(found))
                found[key] = {"group": group, "people": set(), "maps": set(), "wordings": {}}
            topic = found[key]
            topic["people"].add(person)
            if map_id:
                topic["maps"].add(map_id)
            topic["wordings"][phrase] = topic["wordings"].get(phrase, 0) + 1
    counted = [
        {
            "group": t["group"],
            "people": len(t["people"]),
            "maps": len(t["maps"]),
            "example": max(t["wordings"].items(), key=lambda w: (w[1], -len(w[0]), w[0]))[0],
        }
        for t in found.values()
    ]
    counted.sort(key=lambda t: (-t["people"], -t["maps"], t["example"].lower()))
    per_group: dict = {}
    for row in counted:
        per_group.setdefault(row["group"], [])
        if len(per_group[row["group"]]) < limit:
            per_group[row["group"]].append(row)
    return per_group


def persona_entries(persona, *, per_quadrant: int = 8) -> dict[str, list[dict]]:
    """Members' map entries by quadrant, grouped by what they say (not their exact words),
    with how many of the members (and of their maps) share each."""
    rows = (
        Entry.objects.filter(map__prospect__personas=persona)
        .values_list("quadrant", "text", "map__prospect_id", "map_id")
        .order_by()
        .iterator(chunk_size=5000)
    )
    shared = _share(rows, limit=per_quadrant)
    return {q: shared.get(q, []) for q in Quadrant.values}


def persona_common(persona, field: str, *, limit: int = 8) -> list[dict]:
    """The members' most common questions (or frustrations), grouped by what they ask, with
    how many people share each."""
    said = (
        Conversation.objects.filter(prospect__personas=persona)
        .exclude(**{field: ""})
        .values_list(field, "prospect_id")
        .order_by()
        .iterator(chunk_size=5000)
    )
    rows = ((field, words, person, None) for words, person in said)
    return _share(rows, limit=limit).get(field, [])
