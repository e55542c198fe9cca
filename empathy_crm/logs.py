"""Logging helpers for settings.LOGGING."""

from __future__ import annotations

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """A refused request (a 4xx: not found, forbidden, a bad request) is the app working as
    meant, so Django's line about it ("Not Found: /prospects/9/") is kept, once, without the
    traceback of the Http404 or PermissionDenied that produced it. Server errors (5xx) keep
    theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
