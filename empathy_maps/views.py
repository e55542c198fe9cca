from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from empathy_crm.access import Role, get_for, may_edit, owners_to_filter_by, role_required
from empathy_crm.ids import parse_id
from empathy_crm.paginator import IdsFirstPaginator
from empathy_maps import services
from empathy_maps.models import EmpathyMap, Entry, MapStatus, Persona, Quadrant
from prospects.forms import ProspectFilterForm
from prospects.models import Conversation, Engagement, Prospect

BOARD_LAYOUT = [("says", "thinks"), ("does", "feels")]
ORDER = {quadrant: index for index, quadrant in enumerate(Quadrant.values)}
MAX_PERSONA_ADD = 20_000
PAGE_SIZE = 25


def map_for(request, pk: int, *, edit: bool = False) -> EmpathyMap:
    return get_for(
        request.user,
        EmpathyMap.objects.select_related("prospect", "persona", "owner", "owner__team"),
        edit=edit,
        pk=pk,
    )


def evidence_for(empathy_map: EmpathyMap) -> list[dict]:
    """What the person actually said and did: questions, frustrations and quotes from
    conversations, and the why behind engagements, newest first."""
    if not empathy_map.prospect_id:
        return []
    items = []
    conversations = Conversation.objects.filter(prospect_id=empathy_map.prospect_id)[:20]
    for c in conversations:
        for quote in c.quote_lines:
            items.append({"kind": "quote", "text": quote, "conversation": c, "quadrant": "says"})
        if c.questions:
            items.append(
                {"kind": "question", "text": c.questions, "conversation": c, "quadrant": "says"}
            )
        if c.frustrations:
            items.append(
                {
                    "kind": "frustration",
                    "text": c.frustrations,
                    "conversation": c,
                    "quadrant": "pains",
                }
            )
        if c.wins:
            items.append({"kind": "win", "text": c.wins, "conversation": c, "quadrant": "gains"})
    for e in Engagement.objects.filter(prospect_id=empathy_map.prospect_id).select_related("asset")[
        :10
    ]:
        if e.why:
            items.append({"kind": "engagement", "text": e.why, "engagement": e, "quadrant": "does"})
    return items


def _plain(text: str) -> str:
    return " ".join(text.split()).rstrip("…")


def mark_mapped(evidence: list[dict], entries: list[Entry]) -> None:
    """Give each piece of evidence already turned into an entry that entry (``mapped``), so
    the list says where it went instead of offering it again."""
    from_talks = [e for e in entries if e.evidence_conversation_id]
    from_engagements = {e.evidence_engagement_id: e for e in entries if e.evidence_engagement_id}
    for item in evidence:
        if "engagement" in item:
            item["mapped"] = from_engagements.get(item["engagement"].pk)
            continue
        text = _plain(item["text"])
        item["mapped"] = next(
            (
                e for e in from_talks
                if e.evidence_conversation_id == item["conversation"].pk
                and text.startswith(_plain(e.evidence_quote or e.text))
            ),
            None,
        )  # fmt: skip


def board_context(request, empathy_map: EmpathyMap, **extra) -> dict:
    entries = list(
        empathy_map.entries.select_related("evidence_conversation", "evidence_engagement")
        .prefetch_related("comments__author")
    )  # fmt: skip
    by_quadrant = {q: [e for e in entries if e.quadrant == q] for q in Quadrant.values}
    checklist = services.checklist(empathy_map, entries)
    evidence = evidence_for(empathy_map)
    mark_mapped(evidence, entries)
    return {
        "map": empathy_map,
        "layout": [[(q, Quadrant(q).label, by_quadrant[q]) for q in row] for row in BOARD_LAYOUT],
        "below": [(q, Quadrant(q).label, by_quadrant[q]) for q in ("pains", "gains")],
        "checklist": checklist,
        "progress": round(100 * sum(i["done"] for i in checklist) / len(checklist)),
        "evidence": evidence,
        "can_edit": may_edit(request.user, empathy_map.owner_id) and empathy_map.is_editable,
        "is_author": request.user.pk == empathy_map.owner_id,
        "map_comments": [
            c for c in empathy_map.comments.select_related("author") if c.entry_id is None
        ],
        "quadrants": Quadrant.choices,
        **extra,
    }


def board_response(request, empathy_map: EmpathyMap, error: str = ""):
    if request.htmx:
        empathy_map.refresh_from_db(fields=["status", "version", "updated_at"])  # the header's
        context = board_context(request, empathy_map, error=error, oob=True)
        return render(request, "empathy_maps/board.html#board", context)
    if error:
        messages.error(request, error)
    return redirect(empathy_map)


@login_required
def map_list(request):
    maps = EmpathyMap.objects.visible_to(request.user).order_by("-updated_at", "-pk")
    page = IdsFirstPaginator(maps, PAGE_SIZE, rows=maps_by_id).get_page(request.GET.get("page"))
    return render(request, "empathy_maps/map_list.html", {"page": page})


def maps_by_id(ids: list[int]):
    return EmpathyMap.objects.with_subjects().filter(pk__in=ids)


@login_required
def prospect_map(request, prospect_pk: int):
    """Your map of a person: GET opens it (or says there is none yet, with the maps your
    team made of them); POST starts it, for those who may edit the person."""
    prospect = get_for(request.user, Prospect.objects.all(), pk=prospect_pk)
    mine = EmpathyMap.objects.filter(prospect=prospect, owner=request.user).first()
    if request.method == "POST":
        if not may_edit(request.user, prospect.owner_id):
            raise Http404
        return redirect(mine or services.map_for_prospect(prospect=prospect, author=request.user))
    if mine:
        return redirect(mine)
    others = EmpathyMap.objects.visible_to(request.user).filter(prospect=prospect)
    context = {
        "prospect": prospect,
        "maps": others.select_related("owner").order_by("-updated_at")[:20],
        "may_start": may_edit(request.user, prospect.owner_id),
    }
    return render(request, "empathy_maps/prospect_map.html", context)


@login_required
def board(request, pk: int):
    empathy_map = map_for(request, pk)
    template = "empathy_maps/board.html"
    if request.htmx:
        template += "#board"
    return render(request, template, board_context(request, empathy_map))


def _act(request, pk: int, action) -> HttpResponse:
    empathy_map = map_for(request, pk, edit=True)
    try:
        action(empathy_map)
    except ValidationError as exc:
        return board_response(request, empathy_map, error=" ".join(exc.messages))
    empathy_map.refresh_from_db()
    return board_response(request, empathy_map)


def _entry(empathy_map: EmpathyMap, entry_pk: int) -> Entry:
    entry = empathy_map.entries.filter(pk=entry_pk).first()
    if entry is None:
        raise Http404
    return entry


@login_required
@require_POST
def entry_create(request, pk: int):
    def add(empathy_map):
        conversation = engagement = None
        if request.POST.get("conversation"):
            conversation = get_for(
                request.user, Conversation.objects.all(), pk=_int(request.POST["conversation"])
            )
        if request.POST.get("engagement"):
            engagement = get_for(
                request.user, Engagement.objects.all(), pk=_int(request.POST["engagement"])
            )
        services.entry_add(
            empathy_map=empathy_map, quadrant=request.POST.get("quadrant", ""),
            text=request.POST.get("text", ""), by=request.user, conversation=conversation,
            engagement=engagement, quote=request.POST.get("quote", ""),
        )  # fmt: skip

    return _act(request, pk, add)


def _int(value: str) -> int:
    if (found := parse_id(value)) is None:
        raise Http404
    return found


@login_required
@require_POST
def entry_update(request, pk: int, entry_pk: int):
    return _act(request, pk, lambda m: services.entry_update(
        entry=_entry(m, entry_pk), text=request.POST.get("text", ""),
        quadrant=request.POST.get("quadrant", ""),
    ))  # fmt: skip


@login_required
@require_POST
def entry_move(request, pk: int, entry_pk: int, direction: str):
    if direction not in ("up", "down"):
        raise Http404
    return _act(
        request, pk, lambda m: services.entry_move(entry=_entry(m, entry_pk), direction=direction)
    )


@login_required
@require_POST
def entry_delete(request, pk: int, entry_pk: int):
    return _act(request, pk, lambda m: services.entry_delete(entry=_entry(m, entry_pk)))


@login_required
@require_POST
def goal_update(request, pk: int):
    return _act(request, pk, lambda m: services.goal_set(
        empathy_map=m, goal=request.POST.get("goal", ""), success=request.POST.get("success", ""),
    ))  # fmt: skip


@login_required
@require_POST
def submit(request, pk: int):
    empathy_map = map_for(request, pk, edit=True)
    try:
        version = services.map_submit(empathy_map=empathy_map, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        gaps = (
            f" with {len(version.gaps)} gap{'s' if len(version.gaps) != 1 else ''} listed"
            if version.gaps
            else ""
        )
        messages.success(request, f"Version {version.number} submitted for review{gaps}.")
    return redirect(empathy_map)


@role_required(Role.MANAGER, Role.ADMIN)
def review_queue(request):
    """Submitted maps by others in the manager's scope, the longest waiting first."""
    maps = EmpathyMap.objects.awaiting_review_by(request.user).order_by("updated_at", "pk")
    owner = parse_id(request.GET.get("owner", ""))
    if owner is not None:  # one rep's (from the manager's "Your team" card)
        maps = maps.filter(owner_id=owner)
    page = IdsFirstPaginator(maps, PAGE_SIZE, rows=maps_by_id).get_page(request.GET.get("page"))
    return render(request, "empathy_maps/review_queue.html", {"page": page})


@role_required(Role.MANAGER, Role.ADMIN)
def review(request, pk: int):
    empathy_map = map_for(request, pk)
    if request.method == "POST":
        entry_comments = {
            parse_id(key.removeprefix("entry-")): value
            for key, value in request.POST.items()
            if key.startswith("entry-") and parse_id(key.removeprefix("entry-")) is not None
        }
        try:
            services.map_review(
                empathy_map=empathy_map, reviewer=request.user,
                approve=request.POST.get("decision") == "approve",
                comment=request.POST.get("comment", ""), entry_comments=entry_comments,
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"The map of {empathy_map.subject} is {empathy_map.get_status_display().lower()}.",
            )
            return redirect("empathy_maps:review_queue")
    current = services.snapshot(empathy_map)
    version = empathy_map.versions.first()
    context = {
        "map": empathy_map,
        "version": version,
        "entries": sorted(empathy_map.entries.all(), key=lambda e: (ORDER[e.quadrant], e.position)),
        "changes": services.changes_since_approved(empathy_map, current),
        "can_review": services.can_review(request.user, empathy_map)
        and empathy_map.status == MapStatus.SUBMITTED,
    }
    return render(request, "empathy_maps/review.html", context)


@login_required
def history(request, pk: int):
    empathy_map = map_for(request, pk)
    versions = empathy_map.versions.select_related("submitted_by", "reviewed_by")
    return render(request, "empathy_maps/history.html", {"map": empathy_map, "versions": versions})


@login_required
def export_markdown(request, pk: int):
    empathy_map = map_for(request, pk)
    text = render_to_string("empathy_maps/export.md", board_context(request, empathy_map))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="empathy-map-{empathy_map.pk}.md"'
    return response


# --- Personas -----------------------------------------------------------------------------


@login_required
def persona_list(request):
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:120]
        if not name:
            messages.error(
                request, "Give the persona a name, e.g. “Operations leads in logistics”."
            )
        else:
            persona = services.persona_create(
                name=name, description=request.POST.get("description", ""), owner=request.user
            )
            return redirect("empathy_maps:persona_detail", pk=persona.pk)
    personas = (
        Persona.objects.visible_to(request.user)
        .select_related("owner")
        .annotate(member_count=Count("members"))
    )
    return render(request, "empathy_maps/persona_list.html", {"personas": personas})


@login_required
def persona_detail(request, pk: int):
    persona = get_for(request.user, Persona.objects.select_related("owner", "empathy_map"), pk=pk)
    if request.method == "POST":  # "Recount now"
        services.persona_recount_later(persona.pk)
        messages.success(request, "Recounting in the background; reload in a moment.")
        return redirect("empathy_maps:persona_detail", pk=persona.pk)
    insight = persona.insight if persona.insight_at else services.persona_recount(persona)
    entries = insight.get("entries", {})
    context = {
        "persona": persona,
        "member_count": insight.get("members", 0),
        "members": persona.members.select_related("account").order_by("last_name", "first_name")[
            :12
        ],
        "grouped": [(q, label, entries.get(q, [])) for q, label in Quadrant.choices],
        "questions": insight.get("questions", []),
        "frustrations": insight.get("frustrations", []),
        "filters": ProspectFilterForm(
            initial={"owner": "all"}, user=request.user, owners=owners_to_filter_by(request.user)
        ),
        "can_edit": may_edit(request.user, persona.owner_id),
    }
    return render(request, "empathy_maps/persona_detail.html", context)


@login_required
@require_POST
def persona_members(request, pk: int):
    """Add members by email, or everyone matching a prospect-list filter (the list's query)."""
    persona = get_for(request.user, Persona.objects.all(), edit=True, pk=pk)
    visible = Prospect.objects.visible_to(request.user)
    if request.POST.get("emails"):
        emails = [
            e.strip().lower() for e in request.POST["emails"].replace(",", " ").split() if e.strip()
        ]
        chosen = visible.filter(email__lower__in=emails)
    else:
        form = ProspectFilterForm(
            request.POST, user=request.user, owners=owners_to_filter_by(request.user)
        )
        chosen = form.filter(visible)
    added = services.persona_members_add(persona=persona, prospects=chosen[:MAX_PERSONA_ADD])
    messages.success(request, f"Added {added} prospect{'s' if added != 1 else ''} to {persona}.")
    return redirect("empathy_maps:persona_detail", pk=persona.pk)
