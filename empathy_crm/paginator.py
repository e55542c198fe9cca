"""Pagination that reads the wide rows only for the page shown."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.paginator import Paginator
from django.db.models import QuerySet


class IdsFirstPaginator(Paginator):
    """Choose the page's ids first, then load just those rows with ``rows(ids)``.

    Sorting a team's few thousand prospects by name then needs only the narrow columns
    the sort reads (an index-only scan where an index covers them); the full rows and their
    joins are read for the 25 on the page instead of for every match.

    ``object_list`` decides who is in scope and the order; ``rows`` only loads by id, so it
    may skip the scope (the ids already passed it) but should add the joins the page shows.
    """

    def __init__(self, object_list: QuerySet, per_page: int, *, rows: Callable[[list], QuerySet]):
        super().__init__(object_list, per_page)
        self.rows = rows

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        # The page's order is the ids' order; the rows need no ORDER BY of their own.
        return self._get_page(in_order(self.rows(ids).order_by(), ids), number, self)


def in_order(rows: Iterable, ids: list) -> list:
    """The rows in the order of ``ids`` (rows that vanished in between are left out)."""
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]
