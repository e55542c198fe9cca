from __future__ import annotations

import time
import zoneinfo

from django.db import connection
from django.utils import timezone


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
