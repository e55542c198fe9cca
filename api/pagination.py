from __future__ import annotations

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Pages by id, oldest first: a cursor stays valid while rows are added, changed or
    removed, and walking every page visits each row once."""

    ordering = "pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
