"""Inbound engagements from marketing forms and webinar tools.

``POST /api/inbound/engagements/`` with a JSON body and three headers:

- ``X-Empathy-Source: <the form source's id>`` (shown on /prospects/form-sources/),
- ``X-Empathy-Timestamp: <Unix time in seconds>``, within 5 minutes of our clock,
- ``X-Empathy-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`` with the
  source's secret (or, for a day after a rotation, its previous one).

So a captured request stops working after 5 minutes; an optional ``Idempotency-Key`` makes
retries safe within them and after. Every refusal is JSON with a clear message and a 4xx
status: whatever a caller sends, nothing here answers 500.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import UTC

from django import forms
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from empathy_crm.ids import parse_id
from prospects.models import Account, ContentAsset, Engagement, FormSource, Prospect
from prospects.services import (
    IdempotencyKeyReused,
    InboundConflict,
    inbound_engagement_record,
)

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 20  # objects and arrays inside each other; real form payloads use two or three
SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
TIMESTAMP = re.compile(r"[0-9]{1,12}")
TOLERANCE_SECONDS = 5 * 60
NO_TIMESTAMP = (
    "Missing X-Empathy-Timestamp: send the Unix time in seconds at which you sign the "
    "request (date +%s), and sign it with the body."
)
WRONG_SIGNATURE = (
    "Missing or wrong signature. Send X-Empathy-Source: <your form source's id>, "
    "X-Empathy-Timestamp: <Unix seconds> and X-Empathy-Signature: sha256=<hex HMAC-SHA256 "
    'of "<timestamp>.<raw body>" with the source\'s secret>.'
)


def column(model, name: str) -> int:
    """The length of the column a value lands in: forms check it, so the database never has to."""
    return model._meta.get_field(name).max_length


class AssetForm(forms.Form):
    title = forms.CharField(max_length=column(ContentAsset, "title"), required=False)
    kind = forms.ChoiceField(choices=[("", ""), *ContentAsset.Kind.choices], required=False)
    url = forms.URLField(max_length=column(ContentAsset, "url"), required=False,
                         assume_scheme="https")  # fmt: skip


class InboundForm(forms.Form):
    email = forms.EmailField(max_length=column(Prospect, "email"))
    first_name = forms.CharField(max_length=column(Prospect, "first_name"), required=False)
    last_name = forms.CharField(max_length=column(Prospect, "last_name"), required=False)
    company = forms.CharField(max_length=column(Account, "name"), required=False)
    title = forms.CharField(max_length=column(Prospect, "title"), required=False)
    question = forms.CharField(max_length=5000, required=False)
    occurred_at = forms.DateTimeField(required=False)
    source = forms.CharField(
        max_length=min(column(Prospect, "source"), column(Engagement, "source")), required=False
    )

    def clean_email(self) -> str:
        """Stored in lower case, which can be longer than what was sent (``İ`` is two
        characters in lower case); its domain names the account."""
        email = self.cleaned_data["email"].lower()
        if len(email) > column(Prospect, "email"):
            raise forms.ValidationError("The email address is too long.")
        if len(email.rsplit("@", 1)[-1]) > column(Account, "domain"):
            limit = column(Account, "domain")
            raise forms.ValidationError(f"The email's domain is longer than {limit} characters.")
        return email

    def clean_occurred_at(self):
        """Kept in UTC: a time whose offset carries it past year 9999 or before year 1 (say
        ``9999-12-31T23:59:59-23:59``) is no time we can store."""
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at is None:
            return None
        try:
            return occurred_at.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("This moment is out of range.") from None


class Refused(Exception):
    """A request we answer with a 4xx JSON error."""

    def __init__(self, status: int, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields


def error(status: int, message: str, fields: dict | None = None) -> JsonResponse:
    body = {"error": message}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status)


def signed_source(request, raw: bytes) -> FormSource:
    """The form source that signed this body just now, or a 401 saying what is wrong."""
    timestamp = request.headers.get("X-Empathy-Timestamp", "").strip()
    if not TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, NO_TIMESTAMP)
    drift = int(timestamp) - int(timezone.now().timestamp())
    if abs(drift) > TOLERANCE_SECONDS:
        direction = "ahead of" if drift > 0 else "behind"
        raise Refused(401, f"X-Empathy-Timestamp is {abs(drift)} seconds {direction} our "
                           f"clock; we accept {TOLERANCE_SECONDS // 60} minutes either way. "
                           "Sign each request as you send it.")  # fmt: skip
    source_id = request.headers.get("X-Empathy-Source", "").strip()
    signature = SIGNATURE.fullmatch(request.headers.get("X-Empathy-Signature", "").strip())
    source = None
    if parse_id(source_id) is not None and signature:
        source = (
            FormSource.objects.filter(pk=parse_id(source_id))
            .only("pk", "name", "team_id", "is_active", "secret_encrypted",
                  "previous_secret_encrypted", "previous_secret_until")
            .first()
        )  # fmt: skip
    message = f"{timestamp}.".encode() + raw
    if source is None or not source.signature_matches(message, signature.group(1).lower().encode()):
        raise Refused(401, WRONG_SIGNATURE)
    if not source.is_active:
        raise Refused(401, "This form source is paused.")
    return source


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400: JSON has no infinity, and neither has jsonb
        raise ValueError(text)
    return number


def _no_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: Python reads them, JSON has no such thing


def _deeper_than(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in value)
    return False


def json_object(raw: bytes) -> dict:
    """The body as a JSON object that PostgreSQL's jsonb can hold."""
    too_deep = f"The body nests objects and arrays more than {MAX_DEPTH} deep."
    try:
        payload = json.loads(raw, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:  # thousands deep: too deep even to read
        raise Refused(400, too_deep) from None
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise Refused(400, "The body must be a JSON object.")
    if _deeper_than(payload, MAX_DEPTH):
        raise Refused(400, too_deep)
    try:
        storable = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(400, "The body holds text that is not valid Unicode.") from None
    if b"\\u0000" in storable or b"\x00" in storable:
        raise Refused(400, "The body holds NUL characters, which we cannot store.")
    return payload


def _strings_only(value: dict, names) -> dict:
    """Form fields read text only; other JSON types are reported as field errors."""
    return {k: v for k, v in value.items() if k in names and isinstance(v, str)}


def engagement_data(payload: dict) -> dict:
    """The fields we record, checked; every error at once, by field."""
    field_errors: dict[str, list[str]] = {}
    data = {}
    for name, value in payload.items():
        if name in InboundForm.base_fields and value is not None and not isinstance(value, str):
            field_errors[name] = ["Must be a string."]
    form = InboundForm(_strings_only(payload, InboundForm.base_fields))
    if form.is_valid():
        data = form.cleaned_data
    else:
        field_errors.update({k: [str(m) for m in v] for k, v in form.errors.items()})
    asset = payload.get("asset")
    if asset is not None:
        if not isinstance(asset, dict) or not all(
            isinstance(v, str) for v in asset.values() if v is not None
        ):
            field_errors["asset"] = ["Must be an object with title, kind and url strings."]
        else:
            asset_form = AssetForm(_strings_only(asset, AssetForm.base_fields))
            if asset_form.is_valid():
                data["asset"] = asset_form.cleaned_data
            else:
                for name, messages in asset_form.errors.items():
                    field_errors[f"asset.{name}"] = [str(m) for m in messages]
    if field_errors:
        raise Refused(400, "Some fields are not valid.", field_errors)
    return data


def idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise Refused(400, "Idempotency-Key is longer than 200 characters.")
    if not key.isprintable():
        raise Refused(400, "Idempotency-Key holds control characters.")
    return key


def checked_request(request) -> tuple[FormSource, bytes]:
    """The signed body, or why not: size, content type, then signature."""
    length = request.headers.get("Content-Length") or "0"
    if not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY_BYTES:
        raise Refused(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    raw = request.body
    if len(raw) > MAX_BODY_BYTES:
        raise Refused(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    if (request.content_type or "") != "application/json":
        raise Refused(415, "Send the body as JSON with Content-Type: application/json.")
    return signed_source(request, raw), raw


@csrf_exempt
def inbound_engagements(request):
    if request.method != "POST":
        response = error(405, "Use POST.")
        response["Allow"] = "POST"
        return response
    try:
        source, raw = checked_request(request)
        payload = json_object(raw)
        data = engagement_data(payload)
        key = idempotency_key(request)
        body, replayed = inbound_engagement_record(
            form_source=source, data=data, payload=payload, idempotency_key=key,
            body_hash=hashlib.sha256(raw).hexdigest(),
        )  # fmt: skip
    except Refused as refused:
        return error(refused.status, refused.message, refused.fields)
    except IdempotencyKeyReused:
        return error(409, "This Idempotency-Key came with another body before. A retry sends "
                          "the same body; a new delivery needs a new key.")  # fmt: skip
    except InboundConflict:
        return error(409, "Other deliveries were saving the same person or company at the "
                          "same moment; send this one again.")  # fmt: skip
    return JsonResponse(body, status=200 if replayed else 201)
