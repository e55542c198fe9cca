"""Pagination that reads the wide rows only for the page shown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CountUpToPaginator(Paginator):
    """With ``count_up_to``, matches are counted up to there and no further (a broad search
    of a million people reads what it shows, not every match): ``more`` then says there are
    more, and the pages stop at that many rows. Without it, a plain Paginator."""

    def __init__(self, object_list, per_page: int, *, count_up_to: int | None = None):
        super().__init__(object_list, per_page)
        self.count_up_to = count_up_to

    @cached_property
    def count(self) -> int:
        if self.count_up_to is None:
            return super().count
        return self.object_list.order_by().values("pk")[: self.count_up_to + 1].count()

    @property
    def more(self) -> bool:
        return self.count_up_to is not None and self.count > self.count_up_to

    @property
    def shown_count(self) -> int:
        """How many rows the pages reach: every match, or ``count_up_to`` of them."""
        return self.count_up_to if self.more else self.count

    @cached_property
    def num_pages(self) -> int:
        if not self.more:
            return super().num_pages
        return -(-self.count_up_to // self.per_page)

    def _bounds(self, number: int) -> tuple[int, int]:
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.shown_count:
            top = self.shown_count
        return bottom, top

    def page(self, number):
        number = self.validate_number(number)
        bottom, top = self._bounds(number)
        return self._get_page(self.object_list[bottom:top], number, self)


class IdsFirstPaginator(CountUpToPaginator):
    """Choose the page's ids first, then load just those rows with ``rows(ids)``.

    Sorting a team's few thousand prospects by name then needs only the narrow columns
    the sort reads (an index-only scan where an index covers them); the full rows and their
    joins are read for the 25 on the page instead of for every match.

    ``object_list`` decides who is in scope and the order; ``rows`` only loads by id, so it
    may skip the scope (the ids already passed it) but should add the joins the page shows.
    """

    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        *,
        rows: Callable[[list], QuerySet],
        count_up_to: int | None = None,
        ids: Callable[[int, int], list] | None = None,
    ):
        super().__init__(object_list, per_page, count_up_to=count_up_to)
        self.rows = rows
        self.ids = ids or (
            lambda bottom, top: list(self.object_list.values_list("pk", flat=True)[bottom:top])
        )

    def page(self, number):
        number = self.validate_number(number)
        bottom, top = self._bounds(number)
        ids = self.ids(bottom, top)
        # The page's order is the ids' order; the rows need no ORDER BY of their own.
        return self._get_page(in_order(self.rows(ids).order_by(), ids), number, self)


def in_order(rows: Iterable, ids: list) -> list:
    """The rows in the order of ``ids`` (rows that vanished in between are left out)."""
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


class EstimatedCountPaginator(Paginator):
    """Django admin's pages of tables of millions, without counting millions on every page.

    On PostgreSQL, asks the planner first how many rows the list's query will return
    (``EXPLAIN``: from ``pg_class.reltuples`` and the column statistics, nothing read). Past
    ``EXACT_UP_TO`` that estimate is the count (the admin shows it as the number of
    results); below it, the rows are counted, which is cheap then and exact where it is
    seen. So the unfiltered list of a million rows costs one planning query instead of a
    scan, and a search or filter that finds a few rows shows their exact number. Other
    databases (SQLite, the embedded default, with little data) count exactly.
    """

    EXACT_UP_TO = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or connections[queryset.db].vendor != "postgresql":
            return super().count
        estimate = planner_rows(queryset)
        return estimate if estimate > self.EXACT_UP_TO else super().count


def planner_rows(queryset: QuerySet) -> int:
    """How many rows PostgreSQL's planner expects ``queryset`` to return (nothing is read)."""
    query = queryset.order_by().select_related(None).query
    sql, params = query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
