"""CSV import of prospects: a dry run that reports per-row errors and writes nothing, then
the real import in a Celery task that writes everything or nothing."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django import forms
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from empathy_crm.access import assignable_owners, records_team_id, sees_everyone
from empathy_crm.models import Notification
from empathy_crm.notifications import notify
from people.models import User
from prospects import events
from prospects.models import (
    Account,
    BuyingRole,
    JourneyStage,
    Prospect,
    ProspectAlias,
    ProspectEvent,
    ProspectImport,
    Willingness,
)
from prospects.services import FREE_MAIL_DOMAINS

log = logging.getLogger(__name__)

MAX_ROWS = 100_000
COLUMNS = (
    "email", "first_name", "last_name", "phone", "title", "company", "company_domain",
    "owner", "buying_role", "willingness", "stage", "timezone", "do_not_contact", "source",
    "open_question",
)  # fmt: skip
# Written by the export and read past by the import, so an export imports back unchanged.
EXPORT_ONLY = ("last_helpful_touch_at", "feeling_trend")
REQUIRED = ("email", "first_name")
PROSPECT_FIELDS = (
    "first_name", "last_name", "phone", "title", "buying_role", "willingness", "stage",
    "timezone", "do_not_contact", "source", "open_question",
)  # fmt: skip
NUL = "\x00"
TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0", ""}


# --- Formulas in cells ------------------------------------------------------------------
# A spreadsheet opening the export runs a cell as a formula when, after any leading
# whitespace, it starts with "=" or "@", or with "+" or "-" followed by more than a number;
# some also drop a leading tab or carriage return first. Only such cells are escaped, with a
# leading apostrophe, so a phone "+1 555 0100" or an amount "-12.5" is exported as it is:
# a sign followed by nothing but digits and number punctuation cannot name a cell or call a
# function, which takes letters or other operators.
SIGN_AND_NUMBER = re.compile(r"[+-][0-9 .,()/-]*")


def runs_as_formula(value: str) -> bool:
    if value[:1] in ("\t", "\r"):
        return True
    text = value.lstrip()
    if text[:1] in ("=", "@"):
        return True
    if text[:1] in ("+", "-"):
        return not (SIGN_AND_NUMBER.fullmatch(text) and any(c in "0123456789" for c in text))
    return False


def formula_escape(value: str) -> str:
    """The cell to export: ``value``, behind an apostrophe if a spreadsheet would run it.

    A value whose own leading apostrophes stand before a formula gets one more too, so that
    ``formula_unescape`` never takes an apostrophe that was part of the data.
    """
    return "'" + value if runs_as_formula(value.lstrip("'")) else value


def formula_unescape(cell: str) -> str:
    """Exactly undo ``formula_escape``: an exported cell comes back as the value it was."""
    return cell[1:] if cell[:1] == "'" and runs_as_formula(cell.lstrip("'")) else cell


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, header)."""


class RowForm(forms.Form):
    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=40, required=False)
    title = forms.CharField(max_length=150, required=False)
    company = forms.CharField(max_length=200, required=False)
    company_domain = forms.CharField(max_length=200, required=False)
    owner = forms.CharField(required=False)
    buying_role = forms.ChoiceField(choices=BuyingRole.choices, required=False)
    willingness = forms.ChoiceField(choices=Willingness.choices, required=False)
    stage = forms.ChoiceField(choices=JourneyStage.choices, required=False)
    timezone = forms.CharField(max_length=64, required=False)
    do_not_contact = forms.CharField(required=False)
    source = forms.CharField(max_length=100, required=False)
    open_question = forms.CharField(required=False)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()

    def clean_timezone(self) -> str:
        from people.models import validate_timezone

        value = self.cleaned_data["timezone"].strip()
        if value:
            validate_timezone(value)
        return value

    def clean_do_not_contact(self) -> bool | None:
        value = self.cleaned_data["do_not_contact"].strip().lower()
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return None if value == "" else False
        raise forms.ValidationError("Use yes or no.")

    def clean_company_domain(self) -> str:
        return self.cleaned_data["company_domain"].strip().lower().removeprefix("www.")


class _SharedFields(dict):
    """A form deep-copies its fields and their widgets on every instance, which was two
    thirds of the time to check a large file; RowForm, made once per row and never
    changing its fields, shares one set instead."""

    def __deepcopy__(self, memo):
        return dict(self)


RowForm.base_fields = _SharedFields(RowForm.base_fields)


@dataclass
class Plan:
    """What the import would do: rows to create, rows to update, and errors by row. Rows are
    keyed by (team id, email): each team keeps its own record of a person."""

    creates: dict[tuple[int | None, str], dict] = field(default_factory=dict)
    updates: dict[tuple[int | None, str], dict] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    total: int = 0


def decode(raw: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused with a clear error.

    A NUL character is valid UTF-8 but no text a prospect can hold (the database refuses it):
    the file is refused naming the row of the first one. A file saved as UTF-16 is the usual
    way to get them: every other byte of its plain text is a NUL.
    """
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is not UTF-8. Save it as “CSV UTF-8” in your spreadsheet and upload again."
        ) from None
    nul = content.find(NUL)
    if nul >= 0:
        raise ImportFileError(
            f"Row {row_at(content, nul)} holds a NUL character (\\0), which is not text. If the "
            "file was saved as UTF-16 (“Unicode text”), save it as “CSV UTF-8” instead; "
            "otherwise remove the character. Then upload again."
        )
    return content


def row_at(content: str, position: int) -> int:
    """The number of the CSV row (1 is the header, blank lines not counted, as in the
    preview's row numbers) that holds the character at ``position``."""
    upto = content[:position] + "x"  # the row ends with something, even if it began there
    return sum(1 for row in csv.reader(io.StringIO(upto, newline="")) if row)


def read_rows(content: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if not header:
        raise ImportFileError("The file is empty.")
    unknown = [name for name in header if name not in COLUMNS + EXPORT_ONLY]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(f"The header lacks the required column(s): {', '.join(missing)}.")
    if unknown:
        raise ImportFileError(
            f"Unknown column(s): {', '.join(unknown)}. The README lists the columns we read."
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            row["__extra__"] = row.pop(None)
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows; split it up.")
    return rows


def owners_for(user: User) -> dict[str, User]:
    """Who the importing user may assign prospects to, by lowercased username and email."""
    found: dict[str, User] = {}
    # With their roles: whose records each keeps (records_team_id).
    for person in assignable_owners(user).prefetch_related("groups"):
        found[person.username.lower()] = person
        if person.email:
            found[person.email.lower()] = person
    return found


def _existing(emails: set[str], user: User) -> tuple[dict, set]:
    """The records the file's emails match, as {(team id, email): pk}, and which of them the
    user may edit. A rep or manager looks only in their own team; an admin in every team."""
    existing: dict[tuple[int | None, str], int] = {}
    editable: set[tuple[int | None, str]] = set()
    records = Prospect.objects.annotate(email_lower=Lower("email"))
    if not sees_everyone(user):
        records = records.filter(team_id=user.scope_team_id)
    email_list = list(emails)
    for start in range(0, len(email_list), 2000):
        chunk = records.filter(email_lower__in=email_list[start : start + 2000])
        for pk, email, team_id in chunk.values_list("pk", "email_lower", "team_id"):
            existing[(team_id, email)] = pk
        editable.update(
            chunk.filter(pk__in=Prospect.objects.editable_by(user).values("pk")).values_list(
                "team_id", "email_lower"
            )
        )
    # An address of someone merged into another record finds that record.
    aliases = ProspectAlias.objects.annotate(email_lower=Lower("email")).filter(
        prospect__in=Prospect.objects.all()
    )
    if not sees_everyone(user):
        aliases = aliases.filter(team_id=user.scope_team_id)
    editable_pks = Prospect.objects.editable_by(user).values("pk")
    for start in range(0, len(email_list), 2000):
        chunk = aliases.filter(email_lower__in=email_list[start : start + 2000])
        for pk, email, team_id, mine in chunk.annotate(
            mine=Exists(editable_pks.filter(pk=OuterRef("prospect_id")))
        ).values_list("prospect_id", "email_lower", "team_id", "mine"):
            existing.setdefault((team_id, email), pk)
            if mine:
                editable.add((team_id, email))
    return existing, editable


def plan_import(content: str, user: User, on_progress=None) -> Plan:
    """The dry run: validate every row and work out creates and updates; writes nothing."""
    rows = read_rows(content)
    plan = Plan(total=len(rows))
    owners = owners_for(user)
    emails = {(row.get("email") or "").strip().lower() for row in rows} - {""}
    existing, editable = _existing(emails, user)
    teams_with = defaultdict(list)  # email -> the teams that have a record of it
    for team_id, email in existing:
        teams_with[email].append(team_id)
    own_team = records_team_id(user)
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        if on_progress and number % 500 == 0:
            on_progress(number - 1)
        if "__extra__" in row:
            plan.errors.append(error(number, "", "This row has more cells than the header."))
            continue
        form = RowForm(data={k: formula_unescape((v or "").strip()) for k, v in row.items()})
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    plan.errors.append(error(number, name, message))
            continue
        values = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        email = values["email"]
        team_id = own_team
        if "owner" in values:
            owner = owners.get(values["owner"].lower())
            if owner is None:
                plan.errors.append(
                    error(number, "owner", f"“{values['owner']}” is not someone you can assign to.")
                )
                continue
            values["owner"] = owner
            team_id = records_team_id(owner)
        elif sees_everyone(user) and len(teams_with[email]) == 1:
            team_id = teams_with[email][0]  # the one record of them there is
        elif sees_everyone(user) and len(teams_with[email]) > 1:
            plan.errors.append(error(number, "owner", (
                f"{len(teams_with[email])} teams keep a record of {email}: name the owner, so "
                "we know whose record to update."
            )))  # fmt: skip
            continue
        key = (team_id, email)
        if key in existing and key not in editable:
            plan.errors.append(error(number, "email", (
                "This person is a teammate's prospect: ask them or your manager to update it."
            )))  # fmt: skip
            continue
        values["team_id"] = team_id
        if key in existing:
            plan.updates[key] = {**plan.updates.get(key, {}), **values, "_pk": existing[key]}
        else:
            values.setdefault("owner", user)
            plan.creates[key] = {**plan.creates.get(key, {}), **values}
    if on_progress:
        on_progress(len(rows))
    return plan


def error(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": str(message)}


# Up to this many rows the dry run happens while the upload waits (a few seconds at most);
# a larger file is checked by a worker while the page shows how far it got.
PREVIEW_IN_REQUEST_ROWS = 5_000
REPORTED_ERRORS = 1_000  # row errors kept on a job and listed on its page


def import_preview(*, user: User, filename: str, raw: bytes) -> ProspectImport:
    """Check an upload without writing any prospect; keep it for confirmation.

    File-level problems (encoding, header) are raised at once. A large file is handed to a
    worker for its row checks; if no worker can be reached it is checked here instead.
    """
    content = decode(raw)
    total = len(read_rows(content))
    job = ProspectImport.objects.create(
        uploaded_by=user, filename=filename[:255], content=content, total_rows=total,
        status=ProspectImport.Status.PREVIEWING,
    )  # fmt: skip
    if total > PREVIEW_IN_REQUEST_ROWS and preview_enqueue(job):
        return job
    preview_run(job.pk)
    job.refresh_from_db()
    return job


def preview_enqueue(job: ProspectImport) -> bool:
    from prospects.tasks import prospect_import_preview

    try:
        prospect_import_preview.apply_async(
            args=[job.pk], retry=True, retry_policy={"max_retries": 1, "interval_start": 0.2}
        )
    except (BrokerError, OSError) as exc:
        log.warning("import %s: preview not queued (%s); checking it in the request", job.pk, exc)
        return False
    return True


def _claim(job_id: int, waiting: str, **changes) -> ProspectImport | None:
    """The job, if it was in status ``waiting`` (its progress is reset and ``changes`` made in
    the same update, so two workers never both take it); None otherwise."""
    claimed = ProspectImport.objects.filter(pk=job_id, status=waiting).update(
        checked_rows=0, **changes
    )
    if not claimed:
        log.info("import %s is not %s; nothing to do", job_id, waiting)
        return None
    return ProspectImport.objects.select_related("uploaded_by").get(pk=job_id)


def _plan_with_progress(job: ProspectImport) -> Plan:
    def progress(count: int) -> None:
        ProspectImport.objects.filter(pk=job.pk).update(checked_rows=count)

    return plan_import(job.content, job.uploaded_by, on_progress=progress)


def _failed(job: ProspectImport, message: str, **fields) -> None:
    job.mark(ProspectImport.Status.FAILED, message=message, finished_at=timezone.now(), **fields)
    _tell(job, Notification.Kind.IMPORT_FAILED, f"{job.filename}: {message}")


def _tell(job: ProspectImport, kind: str, message: str) -> None:
    """Put the import's outcome in the uploader's inbox (they may have left the page)."""
    notify(user_id=job.uploaded_by_id, kind=kind, message=message, key=f"import:{job.pk}",
           url=reverse("prospects:import_detail", args=[job.pk]))  # fmt: skip


def preview_run(job_id: int) -> None:
    """The dry run of an uploaded file, with progress; writes nothing but the job's report."""
    job = _claim(job_id, ProspectImport.Status.PREVIEWING)
    if job is None:
        return
    try:
        plan = _plan_with_progress(job)
    except Exception:
        log.exception("import %s: the check failed", job_id)
        _failed(job, "Something went wrong while checking the file; nothing was imported.")
        raise
    job.mark(
        ProspectImport.Status.PREVIEWED,
        total_rows=plan.total,
        checked_rows=plan.total,
        created_count=len(plan.creates),
        updated_count=len(plan.updates),
        errors=plan.errors[:REPORTED_ERRORS],
    )


def import_enqueue(job: ProspectImport) -> bool:
    """Hand the import to a worker. If the broker cannot be reached, say so and keep the job."""
    from prospects.tasks import prospect_import_run

    claimed = ProspectImport.objects.filter(
        pk=job.pk, status__in=[ProspectImport.Status.PREVIEWED, ProspectImport.Status.NOT_QUEUED]
    ).update(status=ProspectImport.Status.QUEUED, message="")
    if not claimed:
        return job.status in ProspectImport.ACTIVE
    try:
        prospect_import_run.apply_async(
            args=[job.pk],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        )
    except (BrokerError, OSError) as exc:
        log.warning("import %s could not be queued: %s", job.pk, exc)
        job.mark(
            ProspectImport.Status.NOT_QUEUED,
            message="The background worker's queue could not be reached, so nothing has been "
            "imported. Your file is kept: try again in a minute.",
        )
        return False
    job.refresh_from_db()
    return True


def import_run(job_id: int) -> None:
    """The real import: check every row again, then write all of it in one transaction."""
    job = _claim(job_id, ProspectImport.Status.QUEUED, status=ProspectImport.Status.CHECKING)
    if job is None:
        return
    try:
        plan = _plan_with_progress(job)
        if plan.errors:
            _failed(job, "Some rows are not valid any more; nothing was imported.",
                    errors=plan.errors[:REPORTED_ERRORS])  # fmt: skip
            return
        job.mark(ProspectImport.Status.SAVING, checked_rows=plan.total)
        with transaction.atomic():
            import_write(plan)
    except Exception:
        log.exception("import %s failed", job_id)
        _failed(job, "Something went wrong while saving; nothing was imported.")
        raise
    job.mark(
        ProspectImport.Status.DONE,
        created_count=len(plan.creates),
        updated_count=len(plan.updates),
        finished_at=timezone.now(),
    )
    done = f"{job.created_count:,} new, {job.updated_count:,} updated"
    _tell(job, Notification.Kind.IMPORT_FINISHED, f"{job.filename} is imported: {done}")


def import_write(plan: Plan) -> None:
    accounts = _accounts_for(list(plan.creates.values()) + list(plan.updates.values()))
    new = []
    for (team_id, email), values in plan.creates.items():
        prospect = Prospect(email=email, owner=values["owner"], team_id=team_id)
        _apply(prospect, values, accounts)
        new.append(prospect)
    Prospect.objects.bulk_create(new, batch_size=2000)
    group_member_events_record(new)
    pks = [values["_pk"] for values in plan.updates.values()]
    by_pk = Prospect.objects.in_bulk(pks)
    changed_fields: set[str] = set()
    for values in plan.updates.values():
        prospect = by_pk[values["_pk"]]
        changed_fields |= _apply(prospect, values, accounts)
        if "owner" in values:
            prospect.owner = values["owner"]
            changed_fields.add("owner")
    if by_pk and changed_fields:
        Prospect.objects.bulk_update(
            by_pk.values(), [*changed_fields, "updated_at"], batch_size=2000
        )


def group_member_events_record(prospects: list[Prospect]) -> int:
    """The import's people who joined a buying group that already had members before it (an
    import that brings a whole new account's group brings no "new member" to anyone)."""
    joined = Counter(p.account_id for p in prospects if p.account_id)
    accounts = list(joined)
    grown: set[int] = set()
    for n in range(0, len(accounts), 10_000):
        sizes = (
            Prospect.objects.filter(account_id__in=accounts[n : n + 10_000])
            .values("account_id").annotate(members=Count("pk"))
            .values_list("account_id", "members")
        )  # fmt: skip
        grown |= {account for account, members in sizes if members > joined[account]}
    return events.record_many(
        kind=ProspectEvent.Kind.NEW_GROUP_MEMBER,
        events=[(p.pk, f"member:{p.pk}") for p in prospects if p.account_id in grown],
    )


def _apply(prospect: Prospect, values: dict, accounts: dict) -> set[str]:
    changed = set()
    for name in PROSPECT_FIELDS:
        if name in values and values[name] is not None:
            setattr(prospect, name, values[name])
            changed.add(name)
    key = _account_key(values)
    if key:
        prospect.account = accounts[key]
        changed.add("account")
    prospect.updated_at = timezone.now()
    return changed


def _account_key(values: dict) -> tuple[int | None, str, str] | None:
    """(team id, domain, lowercased name) of the row's account, or None for no account."""
    domain = values.get("company_domain") or values["email"].rsplit("@", 1)[-1]
    if domain in FREE_MAIL_DOMAINS:
        domain = ""
    company = values.get("company", "")
    if not (company or values.get("company_domain")):
        return None
    return (values["team_id"], domain, company.lower())


def _accounts_for(rows: list[dict]) -> dict:
    """Match each row's account in its team once, by domain first, then by name; create the
    rest. Another team's account of the same company never matches."""
    names_for: dict[tuple[int | None, str, str], str] = {}
    for row in rows:
        key = _account_key(row)
        if key and key not in names_for:
            names_for[key] = row.get("company") or key[1].split(".")[0].title()
    teams = {team for team, _, _ in names_for}
    domains = {d for _, d, _ in names_for if d}
    names = {n for _, _, n in names_for if n}
    in_team = Q(team_id__in=[team for team in teams if team])
    if None in teams:
        in_team |= Q(team__isnull=True)
    in_teams = Account.objects.filter(in_team)
    by_domain = {
        (a.team_id, a.domain_lower): a
        for a in in_teams.annotate(domain_lower=Lower("domain")).filter(domain_lower__in=domains)
    }
    by_name: dict[tuple[int | None, str], Account] = {}
    named = in_teams.annotate(name_lower=Lower("name")).filter(name_lower__in=names)
    for a in named.order_by("pk"):
        by_name.setdefault((a.team_id, a.name_lower), a)
    found: dict[tuple[int | None, str, str], Account] = {}
    new: list[Account] = []
    for key, display in names_for.items():
        team_id, domain, name = key
        account = (by_domain.get((team_id, domain)) if domain else None) or (
            by_name.get((team_id, name)) if name else None
        )
        if account is None:
            account = Account(name=display, domain=domain, team_id=team_id)
            if domain:
                by_domain[(team_id, domain)] = account
            if name:
                by_name.setdefault((team_id, name), account)
            new.append(account)
        found[key] = account
    Account.objects.bulk_create(new, batch_size=2000)
    return found
