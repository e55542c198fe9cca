"""CSV import of prospects: a dry run that reports per-row errors and writes nothing, then
the real import in a Celery task that writes everything or nothing."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django import forms
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from empathy_crm import outbox
from empathy_crm.access import assignable_owners, records_team_id, sees_everyone
from empathy_crm.models import Notification
from empathy_crm.notifications import notify
from empathy_crm.zones import TimeZoneField
from people.models import User
from prospects import events
from prospects.models import (
    Account,
    ImportMapping,
    Prospect,
    ProspectAlias,
    ProspectEvent,
    ProspectImport,
)
from prospects.services import FREE_MAIL_DOMAINS, prospect_payload

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


# --- Reading the file ---------------------------------------------------------------------
DELIMITERS = ",;\t"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
UTF8 = "utf-8"
CP1252 = "windows-1252"


@dataclass
class CsvFile:
    """An upload decoded: its text, how it was read, its header and its rows of cells."""

    content: str
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as the preview shows it, cells)


def decode(raw: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 with or without a byte-order mark, else Windows-1252
    (what Excel on Windows saves as "CSV") when every byte is one of its characters.

    A NUL character is no text a prospect can hold (the database refuses it): the file is
    refused naming the row of the first one. A file saved as UTF-16 is the usual way to get
    them: every other byte of its plain text is a NUL.
    """
    try:
        content, encoding = raw.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        try:
            content, encoding = raw.decode("cp1252"), CP1252
        except UnicodeDecodeError:
            raise ImportFileError(
                "The file is neither UTF-8 nor Windows-1252 text. Save it as “CSV UTF-8” in "
                "your spreadsheet and upload again."
            ) from None
    nul = content.find(NUL)
    if nul >= 0:
        raise ImportFileError(
            f"Row {row_at(content, nul)} holds a NUL character (\\0), which is not text. If the "
            "file was saved as UTF-16 (“Unicode text”), save it as “CSV UTF-8” instead; "
            "otherwise remove the character. Then upload again."
        )
    return content, encoding


def row_at(content: str, position: int) -> int:
    """The number of the CSV row (1 is the header, blank lines not counted, as in the
    preview's row numbers) that holds the character at ``position``."""
    upto = content[:position] + "x"  # the row ends with something, even if it began there
    return sum(1 for row in csv.reader(io.StringIO(upto, newline="")) if row)


def detect_delimiter(content: str) -> str:
    """Comma, semicolon or tab, as ``csv.Sniffer`` finds them consistent over the first
    lines; when it cannot tell, the one that splits the header into the most columns."""
    sample = "\n".join(content[:65536].splitlines()[:50])
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = ""
    first = next(csv.reader(io.StringIO(sample)), [""])
    header_line = sample.split("\n", 1)[0]
    counts = {d: len(next(csv.reader([header_line], delimiter=d), [])) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if found and counts[found] >= counts[best]:
        return found
    return best if counts[best] > 1 or not first else ","


def read_file(raw: bytes) -> CsvFile:
    content, encoding = decode(raw)
    return read_text(content, encoding=encoding)


def read_text(content: str, *, encoding: str = UTF8, delimiter: str = "") -> CsvFile:
    content = content.removeprefix("\ufeff")
    delimiter = delimiter or detect_delimiter(content)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    number = 1
    for cells in reader:
        if not cells:
            continue  # blank lines are not rows (nor counted)
        if not header:
            header = [cell.strip() for cell in cells]
            continue
        number += 1
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows; split it up.")
    if not any(header):
        raise ImportFileError("The file is empty.")
    return CsvFile(content, encoding, delimiter, header, rows)


# --- Which column is which field ----------------------------------------------------------
FIELD_LABELS = {
    "email": "Email", "first_name": "First name", "last_name": "Last name",
    "full_name": "Full name (split into first and last)", "phone": "Phone",
    "title": "Job title", "company": "Account (company name)",
    "company_domain": "Account domain / website", "owner": "Owner (username, email or name)",
    "buying_role": "Role in the buying group", "willingness": "Willingness to climb",
    "stage": "Journey stage", "timezone": "Time zone", "do_not_contact": "Do not contact",
    "source": "Source", "open_question": "Open question",
}  # fmt: skip
TARGETS = tuple(FIELD_LABELS)
IGNORED = "-"  # the mapping of a column not imported
COMPUTED_NOTE = "worked out by the app from conversations, so it is not imported"


def normalise(header: str) -> str:
    """A header as compared with the names we know: case, spacing and punctuation ignored,
    and Pipedrive's "Person - " prefix and "- Work"/"- Home" kinds dropped."""
    text = re.sub(r"[^0-9a-z]+", " ", header.lower().replace("\ufeff", "")).strip()
    text = re.sub(r"^(person|contact) (?=\w)", "", text)
    return re.sub(r" (work|home|mobile|other|main)$", "", text)


# The headers HubSpot, Salesforce and Pipedrive exports use, and our own export's.
KNOWN_HEADERS = {
    "email": ["email", "e mail", "email address", "e mail address", "primary email",
              "business email"],
    "first_name": ["first name", "firstname", "given name", "first"],
    "last_name": ["last name", "lastname", "surname", "family name", "last"],
    "full_name": ["name", "full name", "contact name", "person name"],
    "phone": ["phone", "phone number", "mobile phone", "mobile phone number", "telephone",
              "business phone", "mobile"],
    "title": ["title", "job title", "jobtitle", "position"],
    "company": ["company", "company name", "account name", "account", "organization",
                "organisation", "organization name", "organisation name", "associated company"],
    "company_domain": ["company domain", "company domain name", "domain", "website",
                       "website url", "company website"],
    "owner": ["owner", "contact owner", "hubspot owner", "lead owner", "owner name"],
    "buying_role": ["buying role", "role in the buying group"],
    "willingness": ["willingness", "willingness to climb"],
    "stage": ["stage", "journey stage"],
    "timezone": ["timezone", "time zone"],
    "do_not_contact": ["do not contact", "donotcontact"],
    "source": ["source", "lead source", "original source", "contact source"],
    "open_question": ["open question"],
}  # fmt: skip
SUGGESTIONS = {normalise(name): field for field, names in KNOWN_HEADERS.items() for name in names}
COMPUTED = {normalise(name) for name in EXPORT_ONLY}


def header_key(header: list[str]) -> str:
    """The key a mapping is remembered by: the header's normalised names, in order."""
    return hashlib.sha256("\x1f".join(normalise(h) for h in header).encode()).hexdigest()


def suggest_mapping(header: list[str]) -> list[str]:
    """For each column, the field it most likely holds; IGNORED for the rest. A field is
    suggested once, for its first column."""
    taken: set[str] = set()
    mapping = []
    for name in header:
        field_name = SUGGESTIONS.get(normalise(name), IGNORED)
        if field_name in taken:
            field_name = IGNORED
        taken.add(field_name)
        mapping.append(field_name)
    return mapping


def is_computed(name: str) -> bool:
    return normalise(name) in COMPUTED


def is_own_header(header: list[str]) -> bool:
    """A file in our own columns (an export of ours, or written to the README) needs no
    mapping: every column is one of ours, by its exact name."""
    return all(h.strip().lower() in COLUMNS + EXPORT_ONLY for h in header) and bool(header)


def mapping_problems(mapping: list[str]) -> list[str]:
    """What is wrong with a chosen mapping, in words (none: it can be used)."""
    chosen = [m for m in mapping if m != IGNORED]
    problems = [f"“{FIELD_LABELS[m]}” is chosen for more than one column."
                for m in dict.fromkeys(chosen) if chosen.count(m) > 1]  # fmt: skip
    if "email" not in chosen:
        problems.append("Choose the column that holds the email.")
    if "first_name" not in chosen and "full_name" not in chosen:
        problems.append("Choose the column that holds the first name (or the full name).")
    return problems


# --- One row's values, checked as the prospect form checks them ----------------------------
def _model_field(model, name: str) -> forms.Field:
    """The form field the model itself gives for ``name``, with its max length and choices,
    and the model field's own validators (a time zone we know) that a ModelForm runs when
    it cleans the instance: the import checks what saving through the form would check."""
    model_field = model._meta.get_field(name)
    form_field = model_field.formfield(required=False)
    extra = [v for v in model_field.validators if v not in form_field.validators]
    form_field.validators = [*form_field.validators, *extra]
    return form_field


class RowForm(forms.Form):
    """The checks of one row. Every field comes from the Prospect and Account models (the
    same fields ``ProspectForm`` is built from), so a row the preview passes saves."""

    email = _model_field(Prospect, "email")
    first_name = _model_field(Prospect, "first_name")
    last_name = _model_field(Prospect, "last_name")
    phone = _model_field(Prospect, "phone")
    title = _model_field(Prospect, "title")
    company = _model_field(Account, "name")
    company_domain = _model_field(Account, "domain")
    owner = forms.CharField(required=False)
    buying_role = _model_field(Prospect, "buying_role")
    willingness = _model_field(Prospect, "willingness")
    stage = _model_field(Prospect, "stage")
    timezone = TimeZoneField(required=False)  # as ProspectForm: any case, canonical spelling
    do_not_contact = forms.CharField(required=False)
    source = _model_field(Prospect, "source")
    open_question = _model_field(Prospect, "open_question")

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()

    def clean_do_not_contact(self) -> bool | None:
        value = self.cleaned_data["do_not_contact"].strip().lower()
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return None if value == "" else False
        raise forms.ValidationError("Use yes or no.")

    def clean_company_domain(self) -> str:
        value = self.cleaned_data["company_domain"].strip().lower()
        value = re.sub(r"^[a-z]+://", "", value).split("/", 1)[0]  # a website's address
        return value.removeprefix("www.")


def _choice_words(choices) -> dict[str, str]:
    """A choice by its value or its label, in any case or spacing: "Decision maker" and
    "decision_maker" are both ``decision_maker``."""
    words = {}
    for value, label in choices:
        words[normalise(str(value))] = value
        words[normalise(str(label))] = value
    return words


CHOICE_WORDS = {
    name: _choice_words(Prospect._meta.get_field(name).choices)
    for name in ("buying_role", "willingness", "stage")
}


@functools.lru_cache(maxsize=1024)
def _choice(name: str, raw: str) -> str:
    """A cell's choice value (a file repeats a handful of them on every row)."""
    return CHOICE_WORDS[name].get(normalise(raw), raw)


FIELDS = RowForm.base_fields
HOOKS = {
    name: getattr(RowForm, f"clean_{name}") for name in FIELDS if hasattr(RowForm, f"clean_{name}")
}


def clean_row(data: dict[str, str]) -> tuple[dict, dict[str, list[str]]]:
    """Each given value cleaned by its RowForm field and hook (a bound form per row was
    most of the time of a large file; the fields and their checks are the same)."""
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    holder = SimpleNamespace(cleaned_data=cleaned)
    for name, raw in data.items():
        if name in CHOICE_WORDS and raw:
            raw = _choice(name, raw)
        try:
            cleaned[name] = FIELDS[name].clean(raw)
            if name in HOOKS:
                cleaned[name] = HOOKS[name](holder)
        except forms.ValidationError as exc:
            errors[name] = list(exc.messages)
    for name in REQUIRED:
        if name not in errors and not cleaned.get(name):
            errors[name] = [str(forms.Field.default_error_messages["required"])]
    return cleaned, errors


def _split_name(full: str) -> tuple[str, str]:
    first, _, last = full.strip().rpartition(" ")
    return (first, last) if first else (last, "")


@dataclass
class Plan:
    """What the import would do: rows to create, rows to update, rows unchanged and errors by
    row. Rows are keyed by (team id, email): each team keeps its own record of a person.
    ``outcomes`` says per row: [row, "new" | "update" | "unchanged" | "error", who, details]."""

    creates: dict[tuple[int | None, str], dict] = field(default_factory=dict)
    updates: dict[tuple[int | None, str], dict] = field(default_factory=dict)
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    error_rows: int = 0
    outcomes: list[list] = field(default_factory=list)
    total: int = 0

    def fail(self, number: int, who: str, problems: list[dict]) -> None:
        self.errors.extend(problems)
        self.error_rows += 1
        self.outcomes.append(
            [number, "error", who, [f"{p['column'] or 'row'}: {p['message']}" for p in problems]]
        )


def owners_for(user: User) -> dict[str, User | None]:
    """Who the importing user may assign prospects to, by lowercased username, email and
    full name (None where two people share a name: the row has to say which)."""
    found: dict[str, User | None] = {}
    names: dict[str, User | None] = {}
    for person in assignable_owners(user):
        found[person.username.lower()] = person
        if person.email:
            found[person.email.lower()] = person
        full = " ".join(person.get_full_name().lower().split())
        if full:
            names[full] = None if full in names else person
    return {**names, **found}


# What the preview compares with a person's record to tell an update from no change.
COMPARED = (
    "first_name", "last_name", "phone", "title", "buying_role", "willingness", "stage",
    "timezone", "do_not_contact", "source", "open_question",
)  # fmt: skip


def _existing(emails: set[str], user: User) -> tuple[dict, set]:
    """The records the file's emails match, as {(team id, email): their values}, and which
    of them the user may edit. A rep or manager looks only in their own team; an admin in
    every team. One query per 2,000 emails (and one for which are editable)."""
    existing: dict[tuple[int | None, str], dict] = {}
    editable: set[tuple[int | None, str]] = set()
    records = Prospect.objects.annotate(email_lower=Lower("email"))
    if not sees_everyone(user):
        records = records.filter(team_id=user.scope_team_id)
    columns = ("pk", "email_lower", "team_id", "owner_id", "account_id", *COMPARED,
               "account__name", "account__domain")  # fmt: skip
    email_list = list(emails)
    for start in range(0, len(email_list), 2000):
        chunk = records.filter(email_lower__in=email_list[start : start + 2000])
        for values in chunk.values(*columns):
            existing[(values["team_id"], values["email_lower"])] = values
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
    by_alias: dict[tuple[int | None, str], int] = {}
    for start in range(0, len(email_list), 2000):
        chunk = aliases.filter(email_lower__in=email_list[start : start + 2000])
        for pk, email, team_id, mine in chunk.annotate(
            mine=Exists(editable_pks.filter(pk=OuterRef("prospect_id")))
        ).values_list("prospect_id", "email_lower", "team_id", "mine"):
            if (team_id, email) not in existing:
                by_alias[(team_id, email)] = pk
                if mine:
                    editable.add((team_id, email))
    if by_alias:  # the merged records' values, to compare with (few: one query)
        found = {v["pk"]: v for v in records.filter(pk__in=set(by_alias.values())).values(*columns)}
        for key, pk in by_alias.items():
            if pk in found:
                existing[key] = found[pk]
    return existing, editable


def _changes(current: dict, values: dict) -> list[str]:
    """The fields a row would change on a person's record (an empty cell changes nothing)."""
    changed = [name for name in COMPARED if name in values and values[name] != current[name]]
    if "owner" in values and values["owner"].pk != current["owner_id"]:
        changed.append("owner")
    key = _account_key(values)
    if key:
        _, domain, company = key
        name, have_domain = (current["account__name"] or ""), (current["account__domain"] or "")
        same = current["account_id"] and (
            (company and name.lower() == company)
            or (values.get("company_domain") and have_domain.lower() == domain)
            or (not company and not values.get("company_domain"))
        )
        if not same:
            changed.append("account")
    return changed


def plan_import(
    content: str,
    user: User,
    on_progress=None,
    *,
    mapping: list[str] | None = None,
    delimiter: str = "",
) -> Plan:
    """The dry run: validate every row and work out creates, updates and rows that change
    nothing; writes nothing. Without a mapping, the suggested one is used."""
    parsed = read_text(content, delimiter=delimiter)
    if mapping is None:
        mapping = suggest_mapping(parsed.header)
    if problems := mapping_problems(mapping):
        raise ImportFileError(" ".join(problems))
    columns = [(i, name) for i, name in enumerate(mapping) if name != IGNORED]
    width = len(parsed.header)
    plan = Plan(total=len(parsed.rows))
    owners = owners_for(user)
    email_at = mapping.index("email")
    emails = {
        cells[email_at].strip().lower() for _, cells in parsed.rows if len(cells) > email_at
    } - {""}
    existing, editable = _existing(emails, user)
    teams_with = defaultdict(list)  # email -> the teams that have a record of it
    for team_id, email in existing:
        teams_with[email].append(team_id)
    own_team = records_team_id(user)
    admin = sees_everyone(user)
    first_row: dict[tuple[int | None, str], int] = {}
    for count, (number, cells) in enumerate(parsed.rows, start=1):
        if on_progress and count % 500 == 0:
            on_progress(count)
        who = cells[email_at].strip() if len(cells) > email_at else ""
        if len(cells) > width:
            plan.fail(number, who, [error(number, "", "This row has more cells than the header.")])
            continue
        data = {name: formula_unescape(cells[i].strip()) if i < len(cells) else ""
                for i, name in columns}  # fmt: skip
        if "full_name" in data:
            first, last = _split_name(data.pop("full_name"))
            if not data.get("first_name"):  # the name columns win over the full name
                data["first_name"] = first
                data["last_name"] = data.get("last_name") or last
        cleaned, errors = clean_row(data)
        if errors:
            problems = [
                error(number, name, text) for name, texts in errors.items() for text in texts
            ]
            plan.fail(number, who, problems)
            continue
        values = {k: v for k, v in cleaned.items() if v not in ("", None)}
        email = values["email"]
        team_id = own_team
        if "owner" in values:
            owner = owners.get(" ".join(values["owner"].lower().split()))
            if owner is None:
                said = values["owner"]
                message = (f"“{said}” names more than one person: use their email."
                           if " ".join(said.lower().split()) in owners
                           else f"“{said}” is not someone you can assign to.")  # fmt: skip
                plan.fail(number, who, [error(number, "owner", message)])
                continue
            values["owner"] = owner
            team_id = records_team_id(owner)
        elif admin and len(teams_with[email]) == 1:
            team_id = teams_with[email][0]  # the one record of them there is
        elif admin and len(teams_with[email]) > 1:
            plan.fail(number, who, [error(number, "owner", (
                f"{len(teams_with[email])} teams keep a record of {email}: name the owner, so "
                "we know whose record to update."
            ))])  # fmt: skip
            continue
        key = (team_id, email)
        if key in first_row:
            plan.fail(number, who, [error(number, "email", (
                f"{email} is also on row {first_row[key]}: keep one row per person."
            ))])  # fmt: skip
            continue
        first_row[key] = number
        if key in existing and key not in editable:
            plan.fail(number, who, [error(number, "email", (
                "This person is a teammate's prospect: ask them or your manager to update it."
            ))])  # fmt: skip
            continue
        values["team_id"] = team_id
        if key in existing:
            current = existing[key]
            changed = _changes(current, values)
            if not changed:
                plan.unchanged += 1
                plan.outcomes.append([number, "unchanged", email, []])
                continue
            plan.updates[key] = {**values, "_pk": current["pk"], "_changed": changed}
            plan.outcomes.append([number, "update", email, changed])
        else:
            values.setdefault("owner", user)
            plan.creates[key] = values
            plan.outcomes.append([number, "new", email, []])
    if on_progress:
        on_progress(len(parsed.rows))
    return plan


def error(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": str(message)}


# Up to this many rows the dry run happens while the upload waits (a few seconds at most);
# a larger file is checked by a worker while the page shows how far it got.
PREVIEW_IN_REQUEST_ROWS = 5_000
REPORTED_ERRORS = 1_000  # row errors kept on a job and listed on its page


def mapping_saved(user: User, header: list[str]) -> list[str] | None:
    """The mapping the user's team chose last time for a file with this header, if any."""
    saved = ImportMapping.objects.filter(
        team_id=records_team_id(user), header_key=header_key(header)
    ).first()
    if saved and len(saved.mapping) == len(header) and not mapping_problems(saved.mapping):
        return saved.mapping
    return None


def import_receive(
    *, user: User, filename: str, raw: bytes, mapping: list[str] | None = None
) -> ProspectImport:
    """Keep an upload and propose which column is which field (the team's mapping for the
    same header, else our suggestions). A file in our own columns, or given a mapping, is
    checked at once; any other waits for the user to confirm the mapping."""
    parsed = read_file(raw)
    remembered = mapping_saved(user, parsed.header)
    job = ProspectImport.objects.create(
        uploaded_by=user, filename=filename[:255], content=parsed.content,
        total_rows=len(parsed.rows), status=ProspectImport.Status.MAPPING,
        encoding=parsed.encoding, delimiter=parsed.delimiter, header=parsed.header,
        mapping=mapping or remembered or suggest_mapping(parsed.header),
        mapping_remembered=bool(remembered) and not mapping,
    )  # fmt: skip
    if mapping is not None or (is_own_header(parsed.header) and not mapping_problems(job.mapping)):
        import_check(job)
    return job


def import_preview(
    *, user: User, filename: str, raw: bytes, mapping: list[str] | None = None
) -> ProspectImport:
    """Check an upload with the given (else the remembered or suggested) mapping, without
    writing any prospect; keep it for confirmation."""
    job = import_receive(user=user, filename=filename, raw=raw, mapping=mapping)
    if job.status == ProspectImport.Status.MAPPING:
        import_check(job)
    job.refresh_from_db()
    return job


def import_map(job: ProspectImport, mapping: list[str]) -> None:
    """Use the user's mapping for this file and remember it for the team's next file with
    the same header; then check the rows."""
    ImportMapping.objects.update_or_create(
        team_id=records_team_id(job.uploaded_by), header_key=header_key(job.header),
        defaults={"header": job.header, "mapping": mapping, "updated_by": job.uploaded_by},
    )  # fmt: skip
    job.mapping = mapping
    job.save(update_fields=["mapping"])
    import_check(job)


def import_check(job: ProspectImport) -> None:
    """The dry run: a large file is handed to a worker for its row checks; if no worker can
    be reached, or the file is small, it is checked here."""
    job.mark(ProspectImport.Status.PREVIEWING, checked_rows=0)
    if job.total_rows > PREVIEW_IN_REQUEST_ROWS and preview_enqueue(job):
        return
    preview_run(job.pk)
    job.refresh_from_db()


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

    return plan_import(
        job.content, job.uploaded_by, on_progress=progress,
        mapping=job.mapping or None, delimiter=job.delimiter,
    )  # fmt: skip


def _report(plan: Plan) -> dict:
    """What a job keeps of a plan: exact counts, the first errors, every row's outcome."""
    return {
        "created_count": len(plan.creates),
        "updated_count": len(plan.updates),
        "unchanged_count": plan.unchanged,
        "error_count": len(plan.errors),
        "error_rows": plan.error_rows,
        "errors": plan.errors[:REPORTED_ERRORS],
        "outcomes": plan.outcomes,
    }


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
    except ImportFileError as exc:
        job.mark(ProspectImport.Status.MAPPING, message=str(exc))
        return
    except Exception:
        log.exception("import %s: the check failed", job_id)
        _failed(job, "Something went wrong while checking the file; nothing was imported.")
        raise
    job.mark(
        ProspectImport.Status.PREVIEWED, total_rows=plan.total, checked_rows=plan.total,
        message="", **_report(plan),
    )  # fmt: skip


def import_enqueue(job: ProspectImport, *, good_rows_only: bool = False) -> bool:
    """Hand the import to a worker. If the broker cannot be reached, say so and keep the job."""
    from prospects.tasks import prospect_import_run

    claimed = ProspectImport.objects.filter(
        pk=job.pk, status__in=[ProspectImport.Status.PREVIEWED, ProspectImport.Status.NOT_QUEUED]
    ).update(status=ProspectImport.Status.QUEUED, message="", good_rows_only=good_rows_only)
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
    """The real import: check every row again, then write it in one transaction: all of it,
    or (when the user chose so) the rows without errors."""
    job = _claim(job_id, ProspectImport.Status.QUEUED, status=ProspectImport.Status.CHECKING)
    if job is None:
        return
    try:
        plan = _plan_with_progress(job)
        if plan.errors and not job.good_rows_only:
            _failed(job, "Some rows are not valid any more; nothing was imported.",
                    **_report(plan))  # fmt: skip
            return
        job.mark(ProspectImport.Status.SAVING, checked_rows=plan.total)
        with transaction.atomic():
            import_write(plan)
    except ImportFileError as exc:
        _failed(job, f"{exc} Nothing was imported.")
        return
    except Exception:
        log.exception("import %s failed", job_id)
        _failed(job, "Something went wrong while saving; nothing was imported.")
        raise
    job.mark(ProspectImport.Status.DONE, finished_at=timezone.now(), **_report(plan))
    done = f"{job.created_count:,} new, {job.updated_count:,} updated"
    if job.error_rows:
        done += f", {job.error_rows:,} rows with errors left out"
    _tell(job, Notification.Kind.IMPORT_FINISHED, f"{job.filename} is imported: {done}")


def bad_rows_csv(job: ProspectImport) -> str:
    """The rows that have errors, as the file had them, with an "Error" column, to fix and
    upload again (the same columns, so the same mapping applies)."""
    problems = {number: details for number, action, _, details in job.outcomes
                if action == "error"}  # fmt: skip
    parsed = read_text(job.content, delimiter=job.delimiter)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=job.delimiter)
    writer.writerow([*parsed.header, "Error"])
    for number, cells in parsed.rows:
        if number in problems:
            writer.writerow([*cells, "; ".join(problems[number])])
    return "\ufeff" + out.getvalue()


def import_write(plan: Plan) -> None:
    accounts = _accounts_for(list(plan.creates.values()) + list(plan.updates.values()))
    new = []
    for (team_id, email), values in plan.creates.items():
        prospect = Prospect(email=email, owner=values["owner"], team_id=team_id)
        _apply(prospect, values, accounts)
        new.append(prospect)
    Prospect.objects.bulk_create(new, batch_size=2000)
    outbox.record_many(topic=outbox.Topic.PROSPECT_CREATED,
                       happened=[(p.team_id, prospect_payload(p)) for p in new])  # fmt: skip
    group_member_events_record(new)
    _updates_write(list(plan.updates.values()), accounts)


def _updates_write(updates: list[dict], accounts: dict) -> None:
    """Write each update's changed fields only (its other fields stay as they are, even if
    someone changed them since the check). PostgreSQL: one ``UPDATE … FROM (VALUES …)`` per
    2,000 rows, where a NULL keeps the column; Django's ``bulk_update`` writes a CASE per
    column and row, which took minutes for 50,000 rows. Elsewhere, ``bulk_update`` per set
    of changed columns."""
    rows: list[tuple[int, dict]] = []
    for values in updates:
        row = {}
        for name in values["_changed"]:
            if name == "owner":
                row["owner"] = values["owner"].pk
            elif name == "account":
                row["account"] = accounts[_account_key(values)].pk
            else:
                row[name] = values[name]
        rows.append((values["_pk"], row))
    now = timezone.now()
    if connection.vendor != "postgresql":
        by_columns: dict[tuple, list[Prospect]] = defaultdict(list)
        for pk, row in rows:
            fields = {(f"{k}_id" if k in ("owner", "account") else k): v for k, v in row.items()}
            by_columns[tuple(sorted(fields))].append(Prospect(pk=pk, updated_at=now, **fields))
        for columns, prospects in by_columns.items():
            Prospect.objects.bulk_update(prospects, [*columns, "updated_at"], batch_size=500)
        return
    names = sorted({name for _, row in rows for name in row})
    meta = Prospect._meta
    cols = [meta.get_field(name).column for name in names]
    types = [meta.get_field(name).db_type(connection) for name in names]
    quote = connection.ops.quote_name
    one = "(%s::bigint, " + ", ".join(f"%s::{t}" for t in types) + ")"
    assign = ", ".join(f"{quote(c)} = COALESCE(v.{quote(c)}, p.{quote(c)})" for c in cols)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            chunk = rows[start : start + 2000]
            params: list = []
            for pk, row in chunk:
                params += [pk, *(row.get(name) for name in names)]
            # Names come from the model, values are parameters.
            sql = (
                f"UPDATE {quote(meta.db_table)} AS p SET {assign}, updated_at = %s "  # noqa: S608
                f"FROM (VALUES {', '.join([one] * len(chunk))}) "
                f"AS v(id, {', '.join(quote(c) for c in cols)}) WHERE p.id = v.id"
            )
            cursor.execute(sql, [now, *params])


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


def _apply(
    prospect: Prospect, values: dict, accounts: dict, only=(*PROSPECT_FIELDS, "account")
) -> set[str]:
    changed = set()
    for name in PROSPECT_FIELDS:
        if name in values and values[name] is not None and name in only:
            setattr(prospect, name, values[name])
            changed.add(name)
    key = _account_key(values)
    if key and "account" in only:
        prospect.account = accounts[key]
        changed.add("account")
    prospect.updated_at = timezone.now()
    return changed


DOMAIN_MAX = Account._meta.get_field("domain").max_length


def _account_key(values: dict) -> tuple[int | None, str, str] | None:
    """(team id, domain, lowercased name) of the row's account, or None for no account."""
    domain = values.get("company_domain") or values["email"].rsplit("@", 1)[-1]
    if domain in FREE_MAIL_DOMAINS or len(domain) > DOMAIN_MAX:
        domain = ""  # an email's domain may be longer than an account's can be: not kept
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
