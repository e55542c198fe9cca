"""Where queries go when the database is scaled out.

Reports (pages that read a lot and change nothing) may read from a PostgreSQL replica
(``DATABASE_REPLICA_URL``): a view wrapped in ``@reads_from_replica``, or a block in
``reports_from_replica()``, sends its reads there; every write, and every read outside such
a block, goes to the primary. Without a replica configured, everything goes to the primary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings

REPLICA = "replica"
_reports: ContextVar[bool] = ContextVar("reports_from_replica", default=False)


@contextmanager
def reports_from_replica() -> Iterator[None]:
    token = _reports.set(True)
    try:
        yield
    finally:
        _reports.reset(token)


def reads_from_replica(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with reports_from_replica():
            return view(request, *args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Reads inside ``reports_from_replica`` go to the replica, if there is one."""

    def db_for_read(self, model, **hints) -> str | None:
        if _reports.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints) -> str | None:
        return None

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == REPLICA else None  # the replica follows the primary's schema
