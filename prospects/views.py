from __future__ import annotations

import csv
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.functions import Upper
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from empathy_crm import crypto
from empathy_crm.access import Role, get_for, owners_to_filter_by, role_required
from empathy_crm.ids import parse_id
from empathy_crm.paginator import CountUpToPaginator, IdsFirstPaginator
from prospects import charts, imports, panels, selectors, services
from prospects.forms import (
    AccountClimbForm,
    ConversationForm,
    EngagementForm,
    FormSourceForm,
    ImportMappingForm,
    ImportUploadForm,
    OpportunityForm,
    ProspectFilterForm,
    ProspectForm,
    ProspectQuickEditForm,
)
from prospects.models import (
    UNDO_WINDOW,
    Account,
    Conversation,
    FormSource,
    Opportunity,
    Prospect,
    ProspectImport,
)

PAGE_SIZE = 25
#: A list counts its matches up to here and says "more than" past it (40 pages of 25).
COUNT_UP_TO = 1000


def filtered_prospects(request):
    form = ProspectFilterForm(
        request.GET or None, user=request.user, owners=owners_to_filter_by(request.user)
    )
    queryset = form.filter(Prospect.objects.visible_to(request.user).with_list_columns())
    return form, queryset


def merged_by_name(queryset, owners: list[int], bottom: int, top: int) -> list[int]:
    """The ids from ``bottom`` to ``top`` of a team's list by name, merged from each
    owner's first ``top`` (one index walk per owner, stopping there): sorting the whole
    team's entries grew with the team, this grows with the page number only."""
    name = (Upper("last_name"), Upper("first_name"), "pk")
    parts = [
        queryset.filter(owner_id=owner)
        .annotate(sort_last=name[0], sort_first=name[1])
        .order_by(*name)
        .values_list("pk", "sort_last", "sort_first")[:top]
        for owner in owners
    ]
    merged = parts[0].union(*parts[1:], all=True).order_by("sort_last", "sort_first", "pk")
    return [pk for pk, _, _ in merged[bottom:top]]


@login_required
def prospect_list(request):
    form, queryset = filtered_prospects(request)
    paginator = IdsFirstPaginator(
        queryset,
        PAGE_SIZE,
        rows=lambda ids: Prospect.objects.with_list_columns().filter(pk__in=ids),
        count_up_to=COUNT_UP_TO,
    )
    members = form.team_by_name()
    if members and paginator.more:
        paginator.ids = lambda bottom, top: merged_by_name(queryset, members, bottom, top)
    newest_first = paginator.more and form.searched and form.sorts_by_name
    if newest_first:
        # A broad search (past COUNT_UP_TO matches) is shown newest first: walking the
        # primary key stops at the page, where sorting by name read every match (names
        # cluster, so walking the name index could read most of the table).
        paginator.object_list = queryset.order_by("-pk")
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "prospects/prospect_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    context = {"form": form, "page": page, "query": query.urlencode(), "newest_first": newest_first}
    if not request.htmx:
        context["deleted"] = recently_deleted(request)
    return render(request, template, context)


@login_required
def quick_find(request):
    """Suggestions under the header's "Find a person" box, as the user types."""
    found = selectors.quick_find(request.user, request.GET.get("q", "").strip()[:100])
    return render(request, "prospects/quick_find.html", found)


class _Echo:
    def write(self, value):
        return value


@login_required
def prospect_export(request):
    """The current filtered list as CSV, only what the user may see, streamed. Cells a
    spreadsheet would run as formulas are escaped; the import undoes exactly that."""
    _, queryset = filtered_prospects(request)
    writer = csv.writer(_Echo())
    header = [*imports.COLUMNS, *imports.EXPORT_ONLY]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for p in queryset.iterator(chunk_size=2000):
            yield writer.writerow(
                imports.formula_escape(str(cell))
                for cell in [
                    p.email,
                    p.first_name,
                    p.last_name,
                    p.phone,
                    p.title,
                    p.account.name if p.account else "",
                    p.account.domain if p.account else "",
                    p.owner.username if p.owner else "",
                    p.buying_role,
                    p.willingness,
                    p.stage,
                    p.timezone,
                    "yes" if p.do_not_contact else "no",
                    p.source,
                    p.open_question,
                    p.last_helpful_touch_at.isoformat() if p.last_helpful_touch_at else "",
                    p.feeling_trend,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="prospects.csv"'
    return response


@login_required
def prospect_create(request):
    form = ProspectForm(request.POST or None, team_id=request.user.scope_team_id)
    if request.method == "POST" and form.is_valid():
        prospect = form.save(commit=False)
        prospect.owner = request.user
        services.prospect_add(prospect=prospect, company=form.cleaned_data["company"])
        messages.success(
            request, f"{prospect} is in your list. Log your first helpful conversation."
        )
        return redirect(prospect)
    return render(request, "prospects/prospect_form.html", {"form": form})


@login_required
def prospect_detail(request, pk: int):
    prospect = get_for(request.user, Prospect.objects.select_related("account", "owner"), pk=pk)
    context = selectors.prospect_page(request.user, prospect)
    context["conversation_form"] = ConversationForm()
    return render(request, "prospects/prospect_detail.html", context)


@login_required
def prospect_update(request, pk: int):
    """Quick edit in place: GET gives the form fragment, POST saves and gives the summary."""
    prospect = get_for(
        request.user, Prospect.objects.select_related("account", "owner"), edit=True, pk=pk
    )
    form = ProspectQuickEditForm(request.POST or None, instance=prospect)
    if request.method == "POST" and form.is_valid():
        form.save()
        if not request.htmx:
            messages.success(request, "Saved.")
            return redirect(prospect)
        return render(
            request,
            "prospects/prospect_detail.html#facts",
            {"prospect": prospect, "can_edit": True},
        )
    template = "prospects/prospect_edit.html"
    if request.htmx:
        template += "#facts-form"
    return render(request, template, {"prospect": prospect, "form": form})


@login_required
def engagement_create(request, pk: int):
    prospect = get_for(request.user, Prospect.objects.all(), edit=True, pk=pk)
    form = EngagementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.engagement_record(prospect=prospect, **form.cleaned_data)
        messages.success(request, "Engagement recorded.")
        return redirect(prospect)
    return render(request, "prospects/simple_form.html", {
        "form": form, "prospect": prospect, "title": f"Record an engagement of {prospect}",
        "submit": "Record engagement",
    })  # fmt: skip


@login_required
def opportunity_create(request, pk: int):
    prospect = get_for(request.user, Prospect.objects.select_related("account"), edit=True, pk=pk)
    if not prospect.account_id:
        messages.error(
            request, "Add the prospect to an account first: opportunities belong to an account."
        )
        return redirect(prospect)
    form = OpportunityForm(request.POST or None, prospect=prospect)
    if request.method == "POST" and form.is_valid():
        opportunity = form.save(commit=False)
        opportunity.account_id = prospect.account_id
        opportunity.prospect = prospect
        opportunity.owner = prospect.owner or request.user
        services.opportunity_save(opportunity=opportunity, status_before=None)
        messages.success(request, "Opportunity recorded.")
        return redirect(prospect)
    return render(request, "prospects/simple_form.html", {
        "form": form, "prospect": prospect, "title": f"Record an opportunity with {prospect}",
        "submit": "Record opportunity",
    })  # fmt: skip


@login_required
def opportunity_update(request, pk: int):
    """Won, lost or reopened, or its amount corrected (a commission already paid on it is
    set right in the next open period, never changed)."""
    opportunity = get_for(
        request.user, Opportunity.objects.select_related("prospect"), edit=True, pk=pk
    )
    status_before = opportunity.status
    prospect = opportunity.prospect
    form = OpportunityForm(request.POST or None, instance=opportunity, prospect=prospect)
    if request.method == "POST" and form.is_valid():
        services.opportunity_save(opportunity=form.save(commit=False), status_before=status_before)
        messages.success(request, "Opportunity updated.")
        return redirect(prospect or "prospects:prospect_list")
    return render(request, "prospects/simple_form.html", {
        "form": form, "prospect": prospect, "title": f"{opportunity}", "submit": "Save",
    })  # fmt: skip


@login_required
def account_options(request):
    """Accounts whose name holds what was typed, as <option>s for the Account field's
    suggestions (only accounts the user may see)."""
    typed = request.GET.get("company", "").strip()[:100]
    names = []
    if len(typed) >= 2:
        names = (
            Account.objects.visible_to(request.user)
            .filter(name__icontains=typed)
            .order_by("name")
            .values_list("name", flat=True)[:10]
        )
    return render(request, "prospects/account_options.html", {"names": names})


@login_required
def account_list(request):
    accounts = Account.objects.visible_to(request.user).select_related("owner")
    q = request.GET.get("q", "").strip()[:100]
    if q:
        accounts = accounts.filter(name__icontains=q)
    paginator = CountUpToPaginator(
        accounts.order_by("name", "pk"), PAGE_SIZE, count_up_to=COUNT_UP_TO
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {"page": page, "q": q, "query": urlencode({"q": q}) if q else ""}
    return render(request, "prospects/account_list.html", context)


@login_required
def account_detail(request, pk: int):
    account = get_for(request.user, Account.objects.select_related("owner"), pk=pk)
    members = list(
        Prospect.objects.visible_to(request.user)
        .filter(account=account)
        .select_related("owner")
        .order_by("last_name", "first_name")
    )
    conversations = (
        Conversation.objects.visible_to(request.user)
        .filter(prospect__account=account)
        .select_related("prospect", "rep")[:50]
    )
    context = {
        "account": account,
        "group": charts.buying_group_map(members),
        "members": members,
        "conversations": conversations,
        "opportunities": Opportunity.objects.visible_to(request.user)
        .filter(account=account)
        .exclude(prospect__deleted_at__isnull=False)  # nor a deleted person's
        .select_related("prospect")[:20],
        "can_edit": Account.objects.editable_by(request.user).filter(pk=account.pk).exists(),
    }
    context["panels"] = panels.account_panels(request, account, context["can_edit"])
    return render(request, "prospects/account_detail.html", context)


@login_required
def account_update(request, pk: int):
    account = get_for(request.user, Account.objects.all(), edit=True, pk=pk)
    form = AccountClimbForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The climb is updated.")
        return redirect(account)
    return render(request, "prospects/simple_form.html", {
        "form": form, "title": f"The climb of {account}", "submit": "Save",
        "cancel_url": account.get_absolute_url(),
    })  # fmt: skip


# --- Form sources (admins) ----------------------------------------------------------------


SHOW_ONCE = "form_source_show_once"
GRACE_HOURS = int(FormSource.GRACE.total_seconds() // 3600)


def _show_secret_once(request, source: FormSource, secret: str) -> None:
    """Hand a new secret to the next page (encrypted in the session) and nowhere else."""
    request.session[SHOW_ONCE] = {"source": source.pk, "secret": crypto.encrypt(secret)}


def _secret_to_show(request) -> dict | None:
    """The secret waiting to be shown, once: taking it removes it from the session."""
    waiting = request.session.pop(SHOW_ONCE, None)
    if not waiting:
        return None
    try:
        return {"source": waiting["source"], "secret": crypto.decrypt(waiting["secret"])}
    except (crypto.InvalidToken, KeyError, TypeError):
        return None


@role_required(Role.ADMIN)
@never_cache
def form_source_list(request):
    form = FormSourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = form.save(commit=False)
        secret = source.secret_issue()
        source.save()
        _show_secret_once(request, source, secret)
        messages.success(request, f"{source} can now post engagements.")
        return redirect("prospects:form_source_list")
    sources = FormSource.objects.select_related("team")
    endpoint = request.build_absolute_uri(reverse("inbound_engagements"))
    new = _secret_to_show(request)
    return render(request, "prospects/form_source_list.html", {
        "sources": sources, "form": form, "endpoint": endpoint, "grace_hours": GRACE_HOURS,
        "new": new, "new_source": next((s for s in sources if new and s.pk == new["source"]), None),
    })  # fmt: skip


@role_required(Role.ADMIN)
@require_POST
def form_source_rotate(request, pk: int):
    """A new secret; the old one keeps working for a day, or stops now when it leaked."""
    source = get_object_or_404(FormSource, pk=pk)
    stop_now = request.POST.get("old") == "stop"
    secret = source.rotate_secret(grace=timedelta(0) if stop_now else FormSource.GRACE)
    _show_secret_once(request, source, secret)
    old = (
        "the old one stopped working."
        if stop_now
        else f"the old one keeps working for {GRACE_HOURS} hours, so you can update the tool."
    )
    messages.success(request, f"{source} has a new secret; {old}")
    return redirect("prospects:form_source_list")


# --- CSV import ---------------------------------------------------------------------------


@login_required
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.import_receive(user=request.user, filename=upload.name, raw=upload.read())
        except imports.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if job.status == ProspectImport.Status.MAPPING:
                return redirect("prospects:import_mapping", pk=job.pk)
            return redirect("prospects:import_detail", pk=job.pk)
    # Not the files themselves (megabytes for a big import) nor their row errors.
    recent = ProspectImport.objects.filter(uploaded_by=request.user).only(
        "pk", "filename", "status", "created_at", "total_rows"
    )[:10]
    return render(
        request,
        "prospects/import_upload.html",
        {"form": form, "recent": recent, "columns": imports.COLUMNS},
    )


def _own_import(request, pk: int, *fields: str):
    """The user's own upload (nobody else's: out of scope is a 404)."""
    return get_object_or_404(ProspectImport.objects.defer(*fields), pk=pk, uploaded_by=request.user)


@login_required
def import_mapping(request, pk: int):
    """Which field each column holds, with the first values of each column to tell by."""
    job = _own_import(request, pk, "outcomes")
    if job.status not in (ProspectImport.Status.MAPPING, ProspectImport.Status.PREVIEWED):
        messages.info(request, "This file is past the mapping step.")
        return redirect("prospects:import_detail", pk=job.pk)
    form = ImportMappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        imports.import_map(job, form.mapping)
        return redirect("prospects:import_detail", pk=job.pk)
    parsed = imports.read_text(job.content, delimiter=job.delimiter)
    columns = [
        {
            "field": form[f"column_{i}"],
            "samples": [c[i] for _, c in parsed.rows[:50] if i < len(c) and c[i].strip()][:3],
            "computed": imports.is_computed(name),
        }
        for i, name in enumerate(job.header)
    ]
    problems = [] if form.is_bound else imports.mapping_problems(job.mapping)
    context = {"job": job, "form": form, "columns": columns, "problems": problems,
               "delimiter": imports.DELIMITER_NAMES[job.delimiter]}  # fmt: skip
    return render(request, "prospects/import_mapping.html", context)


OUTCOME_FILTERS = {"all": None, "new": "new", "update": "update", "unchanged": "unchanged",
                   "error": "error"}  # fmt: skip


def _outcomes_of(job: ProspectImport) -> list:
    return ProspectImport.objects.filter(pk=job.pk).values_list("outcomes", flat=True)[0]


@login_required
def import_detail(request, pk: int):
    # Neither the file nor, while the progress is polled every second, each row's outcome.
    job = _own_import(request, pk, "content", "outcomes")
    template = "prospects/import_detail.html"
    if request.htmx:
        template += "#progress"
    shown = request.GET.get("show", "all")
    wanted = OUTCOME_FILTERS.get(shown)
    outcomes = [] if job.is_active else _outcomes_of(job)
    rows = [o for o in outcomes if wanted is None or o[1] == wanted]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    labels = {**imports.FIELD_LABELS, "account": "Account", "owner": "Owner"}
    page.object_list = [
        [n, action, who, [labels.get(d, d) for d in details] if action == "update" else details]
        for n, action, who, details in page.object_list
    ]
    ignored = [
        name for name, field in zip(job.header, job.mapping, strict=False)
        if field == imports.IGNORED
    ]  # fmt: skip
    context = {
        "job": job,
        "errors": job.errors[:200],
        "page": page,
        "show": shown if wanted else "all",
        "filters": OUTCOME_FILTERS,
        "ignored": ignored,
        "computed": [name for name in ignored if imports.is_computed(name)],
        "delimiter": imports.DELIMITER_NAMES.get(job.delimiter, job.delimiter),
        "cp1252": job.encoding == imports.CP1252,
        "good_rows": job.created_count + job.updated_count,
    }
    return render(request, template, context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    job = _own_import(request, pk, "outcomes")
    good_rows_only = request.POST.get("good_rows_only") == "1"
    if job.status == ProspectImport.Status.PREVIEWING:
        messages.info(request, "The file is still being checked; confirm once the check is done.")
    elif job.error_rows and not good_rows_only:
        messages.error(request, "Fix the rows listed below and upload the file again.")
    elif imports.import_enqueue(job, good_rows_only=good_rows_only):
        messages.success(request, "Import started. You can leave this page; it keeps going.")
    else:
        job.refresh_from_db()
        messages.error(request, job.message)
    return redirect("prospects:import_detail", pk=job.pk)


@login_required
def import_bad_rows(request, pk: int):
    """The rows with errors as a CSV with an "Error" column, to fix and upload again."""
    job = _own_import(request, pk)
    response = HttpResponse(imports.bad_rows_csv(job), content_type="text/csv; charset=utf-8")
    stem = job.filename.rsplit(".", 1)[0].replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{stem}-rows-to-fix.csv"'
    return response


# --- Merge two records of one person; delete with an undo -------------------------------

UNDO_SESSION_KEY = "prospects_undo"


@login_required
def prospect_merge(request, pk: int):
    """Merge a duplicate into this person: find the duplicate, see what moves, confirm."""
    kept = get_for(
        request.user, Prospect.objects.select_related("account", "owner"), edit=True, pk=pk
    )
    candidates = (
        Prospect.objects.editable_by(request.user).of_team(kept.team_id).exclude(pk=kept.pk)
    )
    other_id = request.POST.get("other") or request.GET.get("other")
    other = None
    if other_id:
        if parse_id(other_id) is None:
            raise Http404
        other = get_object_or_404(
            candidates.select_related("account", "owner"), pk=parse_id(other_id)
        )
    if request.method == "POST":
        if other is None:
            raise Http404
        try:
            services.prospect_merge(kept=kept, other=other, by=request.user)
        except services.MergeRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(
                f"{reverse('prospects:prospect_merge', args=[kept.pk])}?other={other.pk}"
            )
        messages.success(
            request,
            f"{other.name} is merged into {kept.name}; {other.email} still finds {kept.name}.",
        )
        return redirect(kept)
    found = []
    text = request.GET.get("q", "").strip()[:100]
    if other is None:
        found = selectors.merge_candidates(candidates, text or kept.name)
    context = {
        "kept": kept,
        "other": other,
        "q": text,
        "found": found,
        "moves": services.merge_preview(kept=kept, other=other) if other else [],
    }
    return render(request, "prospects/prospect_merge.html", context)


@login_required
def prospect_delete(request, pk: int):
    """Ask, then delete: the person is hidden at once and can be brought back for a while."""
    prospect = get_for(request.user, Prospect.objects.select_related("account"), edit=True, pk=pk)
    if request.method == "POST":
        services.prospect_delete(prospect=prospect, by=request.user)
        undo = [i for i in request.session.get(UNDO_SESSION_KEY, []) if i != prospect.pk]
        request.session[UNDO_SESSION_KEY] = [prospect.pk, *undo][:5]
        return redirect("prospects:prospect_list")
    return render(
        request,
        "prospects/prospect_delete.html",
        {"prospect": prospect, "minutes": int(UNDO_WINDOW.total_seconds() // 60)},
    )


@login_required
@require_POST
def prospect_restore(request, pk: int):
    """Undo a delete, within the window."""
    deleted = Prospect.all_objects.editable_by(request.user).filter(deleted_at__isnull=False)
    prospect = get_object_or_404(deleted, pk=pk)
    try:
        services.prospect_restore(prospect=prospect, by=request.user)
    except services.RestoreRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("prospects:prospect_list")
    request.session[UNDO_SESSION_KEY] = [
        i for i in request.session.get(UNDO_SESSION_KEY, []) if i != prospect.pk
    ]
    messages.success(request, f"{prospect.name} is back.")
    return redirect(prospect)


def recently_deleted(request) -> list[Prospect]:
    """The people this user deleted whose undo window is still open (the list's banner).
    Read only when the session says there are some, so an ordinary list costs nothing."""
    ids = request.session.get(UNDO_SESSION_KEY)
    if not ids:
        return []
    since = timezone.now() - UNDO_WINDOW
    found = list(
        Prospect.all_objects.editable_by(request.user)
        .filter(pk__in=ids, deleted_at__gte=since)
        .order_by("-deleted_at")
    )
    for prospect in found:
        prospect.undo_until = prospect.deleted_at + UNDO_WINDOW
    if len(found) != len(ids):
        request.session[UNDO_SESSION_KEY] = [p.pk for p in found]
    return found
