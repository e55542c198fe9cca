"""``Idempotency-Key`` on POST and PATCH: a retry of a write gets the first answer.

The key is kept per token with a hash of the method, path and body. The first request with
a key claims it (a row, committed before the write starts); once the write succeeded the
row keeps its status and body, which a retry with the same body gets again (with
``Idempotent-Replayed: true``). The same key with another body is a 409; so is a retry while
the first is still running. A write that failed (a 4xx) releases the key, so the corrected
request may use it. Keys are kept for 24 hours (``api.tasks.idempotency_forget``).
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from api.errors import ApiError
from api.models import IdempotentRequest

HEADER = "Idempotency-Key"


def request_key(request) -> str:
    key = request.headers.get(HEADER, "").strip()
    if len(key) > 200:
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key is longer than 200 "
                       "characters.")  # fmt: skip
    if key and not key.isprintable():
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key holds control characters.")
    return key


def request_hash(request) -> str:
    text = json.dumps([request.method, request.path, request.data], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def claim(token, key: str, digest: str) -> tuple[IdempotentRequest | None, Response | None]:
    """The claimed row, or the stored response to replay."""
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(token=token, key=key, request_hash=digest), None
    except IntegrityError:
        pass
    earlier = IdempotentRequest.objects.filter(token=token, key=key).first()
    if earlier is None:  # released just now: claim it again
        return claim(token, key, digest)
    if earlier.request_hash != digest:
        raise ApiError(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key came with another "
            "request before. A retry sends the same body; a new write needs a new key.",
        )
    if earlier.status:
        replay = Response(earlier.response_body, status=earlier.status)
        replay["Idempotent-Replayed"] = "true"
        return None, replay
    stale = timezone.now() - IdempotentRequest.STALE
    taken = IdempotentRequest.objects.filter(pk=earlier.pk, status=0, created_at__lt=stale)
    if taken.update(created_at=timezone.now()) == 1:
        return earlier, None
    raise ApiError(409, "idempotency_key_in_use", "A request with this Idempotency-Key is "
                   "still running; retry in a moment.")  # fmt: skip


def idempotent(handler):
    """For a viewset's write: honour the request's Idempotency-Key, if it sent one."""

    @wraps(handler)
    def wrapped(self, request, *args, **kwargs):
        key = request_key(request)
        if not key:
            return handler(self, request, *args, **kwargs)
        row, replay = claim(request.auth, key, request_hash(request))
        if replay is not None:
            return replay
        try:
            response = handler(self, request, *args, **kwargs)
        except BaseException:
            IdempotentRequest.objects.filter(pk=row.pk).delete()
            raise
        if 200 <= response.status_code < 300:
            row.status, row.response_body = response.status_code, response.data
            row.save(update_fields=["status", "response_body"])
        else:
            IdempotentRequest.objects.filter(pk=row.pk).delete()
        return response

    return wrapped
