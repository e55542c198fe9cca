from __future__ import annotations

import time
import zoneinfo

from django.conf import settings
from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.utils import timezone
from django.utils.cache import patch_cache_control

NUL = "\x00"
NUL_REASON = (
    "It held a NUL character (\\0), an invisible control character that is not text "
    "any field or address here can hold."
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ServerTimingMiddleware:
    """Only installed with ``BENCH_HEADERS=1`` (see settings): tells ``make bench`` how long
    the server spent on a request and how many SQL queries it ran."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed_ms:.2f}"
        response["X-Query-Count"] = str(queries)
        return response


class UserTimezoneMiddleware:
    """Show and read times in the signed-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            # The zone is the thread's: the next request on this thread (or code running
            # after this one, in a test) must not inherit this user's.
            timezone.deactivate()


class RefuseNulMiddleware:
    """Answer 400 to a request with a NUL character in its path, query, form fields or
    cookies, before sessions, sign-in locks or views see it (Django already drops control
    characters from uploaded file names).

    No text the app keeps may hold a NUL (PostgreSQL refuses it), so one that reached a query
    was a 500, even on public URLs. Refusing it here covers every view at once; JSON bodies
    are checked by the endpoint that reads them, CSV files where they are decoded.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if holds_nul(request):
            if request.path.startswith("/api/v1/"):  # the REST API's one error format
                error = {"code": "invalid", "message": NUL_REASON}
                return JsonResponse({"error": error}, status=400)
            if request.path.startswith("/api/"):
                return JsonResponse({"error": NUL_REASON}, status=400)
            return HttpResponseBadRequest(
                loader.render_to_string("400.html", {"reason": NUL_REASON})
            )
        return self.get_response(request)


def holds_nul(request) -> bool:
    texts = [request.path, *request.COOKIES.values()]
    for key, values in request.GET.lists():
        texts += [key, *values]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        for key, values in request.POST.lists():
            texts += [key, *values]
        texts += list(request.FILES)
    return any(NUL in text for text in texts)


class SecurityHeadersMiddleware:
    """``Content-Security-Policy`` (``SECURE_CSP``) and ``Permissions-Policy``
    (``PERMISSIONS_POLICY``) on every response that has none of its own, and
    ``Cache-Control: private, no-store`` on every response to a signed-in person (pages,
    fragments, exports), so no shared cache keeps them and no browser stores them on disk.

    In ``DEBUG``, error responses get no policy: Django's debug pages carry inline style
    and script.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = "; ".join(
            " ".join([directive, *sources]) for directive, sources in settings.SECURE_CSP.items()
        )
        self.permissions = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if not (settings.DEBUG and response.status_code >= 400):
            response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
