"""One error format for the whole API::

    {"error": {"code": "invalid", "message": "Some fields are not valid.",
               "fields": {"email": ["Enter a valid email address."]}}}

``fields`` is there for validation errors only (``__all__`` holds what concerns no one
field). Every status the API answers with an error (400, 401, 403, 404, 405, 409, 415, 429,
500) comes in this shape.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

log = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """An error with our own code and, for validation, the fields at fault."""

    def __init__(self, status_code: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status_code, self.code, self.message, self.fields = status_code, code, message, fields


def invalid(fields: dict, message: str = "Some fields are not valid.") -> ApiError:
    return ApiError(400, "invalid", message, fields)


CODES = {
    exceptions.ParseError: (400, "malformed"),
    exceptions.NotAuthenticated: (401, "unauthenticated"),
    exceptions.AuthenticationFailed: (401, "unauthenticated"),
    exceptions.PermissionDenied: (403, "forbidden"),
    exceptions.NotFound: (404, "not_found"),
    exceptions.MethodNotAllowed: (405, "method_not_allowed"),
    exceptions.NotAcceptable: (406, "not_acceptable"),
    exceptions.UnsupportedMediaType: (415, "unsupported_media_type"),
    exceptions.Throttled: (429, "rate_limited"),
}


def body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _fields(detail) -> dict:
    if isinstance(detail, dict):
        return {key: [str(m) for m in (value if isinstance(value, list) else [value])]
                for key, value in detail.items()}  # fmt: skip
    return {"__all__": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found: no such record, or not one you may see.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, ApiError):
        status_code, payload = exc.status_code, body(exc.code, exc.message, exc.fields)
    elif isinstance(exc, exceptions.ValidationError):
        status_code = 400
        payload = body("invalid", "Some fields are not valid.", _fields(exc.detail))
    elif isinstance(exc, exceptions.APIException):
        status_code, code = next(
            (value for kind, value in CODES.items() if isinstance(exc, kind)),
            (exc.status_code, "error"),
        )
        message = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else str(exc)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
            message = f"Too many requests; try again in {headers['Retry-After']} s."
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        payload = body(code, message)
    else:
        log.exception("API request failed", exc_info=exc)
        status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
        payload = body("server_error", "Something went wrong on our side; nothing was saved.")
    return Response(payload, status=status_code, headers=headers)


def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/."""
    return JsonResponse(body("not_found", "No such endpoint."), status=404)
