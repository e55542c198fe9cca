from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from empathy_crm.ids import parse_id


class IdCursorPagination(CursorPagination):
    """Pages by id, oldest first: a cursor stays valid while rows are added, changed or
    removed, and walking every page visits each row once."""

    ordering = "pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        """DRF checks a cursor's shape, not its position: "p=x" would reach the database."""
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        if position is not None and parse_id(position) is None:
            raise NotFound(self.invalid_cursor_message)
        return cursor
