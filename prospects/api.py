"""Inbound engagements from marketing forms and webinar tools.

``POST /api/inbound/engagements/`` with a JSON body, signed by the form source's secret:
``X-Empathy-Signature: sha256=<hex HMAC-SHA256 of the raw body>``. An optional
``Idempotency-Key`` makes retries safe. Errors are JSON with a clear message.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django import forms
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from prospects.models import ContentAsset, FormSource
from prospects.services import inbound_engagement_record

MAX_BODY_BYTES = 64 * 1024


class AssetForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    kind = forms.ChoiceField(choices=[("", ""), *ContentAsset.Kind.choices], required=False)
    url = forms.URLField(max_length=500, required=False, assume_scheme="https")


class InboundForm(forms.Form):
    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    company = forms.CharField(max_length=200, required=False)
    title = forms.CharField(max_length=150, required=False)
    question = forms.CharField(max_length=5000, required=False)
    occurred_at = forms.DateTimeField(required=False)
    source = forms.CharField(max_length=100, required=False)


def error(status: int, message: str, fields: dict | None = None) -> JsonResponse:
    body = {"error": message}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status)


def signature_source(request, raw: bytes) -> FormSource | None:
    """The active form source whose secret signed this body, if any."""
    header = request.headers.get("X-Empathy-Signature", "")
    if not header.startswith("sha256="):
        return None
    given = header.removeprefix("sha256=").strip().lower()
    for source in FormSource.objects.filter(is_active=True).only(
        "pk", "secret", "name", "team_id", "last_assigned_id"
    ):
        expected = hmac.new(source.secret.encode(), raw, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, given):
            return source
    return None


def _strings_only(value: dict, names) -> dict:
    """Form fields read text only; other JSON types are reported as field errors."""
    return {k: v for k, v in value.items() if k in names and isinstance(v, str)}


@csrf_exempt
def inbound_engagements(request):
    if request.method != "POST":
        response = error(405, "Use POST.")
        response["Allow"] = "POST"
        return response
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return error(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    raw = request.body
    if len(raw) > MAX_BODY_BYTES:
        return error(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    content_type = request.content_type or ""
    if content_type != "application/json":
        return error(415, "Send the body as JSON with Content-Type: application/json.")
    source = signature_source(request, raw)
    if source is None:
        return error(
            401,
            "Missing or wrong signature. Send X-Empathy-Signature: sha256=<hex HMAC-SHA256 "
            "of the raw body with your form source's secret>.",
        )
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return error(400, "The body is not valid JSON.")
    if not isinstance(payload, dict):
        return error(400, "The body must be a JSON object.")
    try:
        storable = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return error(400, "The body holds text that is not valid Unicode.")
    if b"\\u0000" in storable or b"\x00" in storable:
        return error(400, "The body holds NUL characters, which we cannot store.")
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
        return error(400, "Some fields are not valid.", field_errors)
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        return error(400, "Idempotency-Key is longer than 200 characters.")
    body, replayed = inbound_engagement_record(
        form_source=source, data=data, payload=payload, idempotency_key=key
    )
    return JsonResponse(body, status=200 if replayed else 201)
