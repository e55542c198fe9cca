"""Every table of the insights pages as CSV: the same figures, with their sizes and
intervals, and the rows behind each (cells a spreadsheet would run as formulas are escaped)."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.template.defaultfilters import pluralize

from prospects.imports import formula_escape

TABLES = ("figures", "reps", "teams", "weeks", "topics", "assets", "help")


def _response(name: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="insights-{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([formula_escape(str(v)) if isinstance(v, str) else v for v in row])
    return response


def table_csv(table: str, page: dict, scope) -> HttpResponse:
    if table == "figures":
        header = ["figure", "period", "cohort", "value", "n", "95% interval", "small sample"]
        rows = [
            (m.label, period, cohort, cell.value, cell.n_label, cell.interval, cell.small)
            for m in page["metrics"]
            for (period, cohort), cell in m.cells.items()
        ]
        rows += [
            (
                m.label,
                "after vs before",
                "all",
                m.change or "not enough data yet",
                "",
                m.change_interval,
                m.change_small,
            )
            for m in page["metrics"]
        ]
        rows += [
            (
                m.label,
                "difference-in-differences",
                "helped vs not helped",
                m.did or ("not enough data yet" if m.did_small else ""),
                "",
                m.did_interval,
                m.did_small,
            )
            for m in page["metrics"]
            if m.kind in ("rate", "mean")
        ]
        return _response(table, header, rows)
    if table == "reps":
        header = [
            "person",
            "people engaged",
            "opportunities per 100",
            "of",
            "opportunities",
            "conversations",
            "feeling shift",
            "on time",
            "on time of",
            "median days to help",
            "people first helped",
            "coaching given",
        ]
        rows = [
            (
                str(r["person"]),
                r["people"],
                r["rate"],
                r["rate_n"],
                r["opportunities"],
                r["conversations"],
                r["shift"],
                r["on_time"],
                r["on_time_n"],
                r["median"],
                r["first_helps"],
                r["coaching"],
            )
            for r in page["per_owner"]
        ]
        return _response(table, header, rows)
    if table == "teams":
        header = [
            "team",
            "after from",
            "after to",
            "before: opportunities per 100",
            "n",
            "after: opportunities per 100",
            "n",
        ]
        rows = [
            (
                str(r["team"]),
                r["comparison"].after_from,
                r["comparison"].after_to,
                r["before"],
                r["before_n"],
                r["after"],
                r["after_n"],
            )
            for r in page["per_team"]
        ]
        return _response(table, header, rows)
    if table == "weeks":
        header = [
            "week from",
            "people newly engaged",
            "people first helped",
            "opportunities (helped)",
            "opportunities (not helped)",
            "conversations",
            "average feeling shift",
            "follow-ups done",
            "on time",
        ]
        rows = [
            (
                w["week"],
                w.get("new_people") or 0,
                w.get("first_helps") or 0,
                w.get("helped") or 0,
                w.get("other") or 0,
                w.get("conversations") or 0,
                "" if w.get("shift") is None else w["shift"],
                w.get("done") or 0,
                w.get("on_time") or 0,
            )
            for w in page["weeks"]["weeks"]
        ]
        return _response(table, header, rows)
    if table == "topics":
        from insights import selectors

        found = page["comparisons"]
        return topics_csv(selectors.topics_with_labels(selectors.topic_counts(scope, found)))
    items = page["came_before"].get("asset" if table == "assets" else "help", {"items": []})
    header = [
        "content asset" if table == "assets" else "kind of help",
        "opportunities it came before",
        "of opportunities",
        "share",
        "95% interval",
    ]
    rows = [(i["label"], i["k"], i["n"], i["share"], i["interval"]) for i in items["items"]]
    return _response(table, header, rows)


def topics_csv(rows: list[dict]) -> HttpResponse:
    header = ["topic", "need", "mentions", "last four weeks", "four weeks before", "trend"]
    return _response(
        "topics",
        header,
        [
            (
                r["topic"].label,
                r["topic"].need,
                r["n"],
                r["recent"] or 0,
                r["earlier"] or 0,
                r["trend"]["label"],
            )
            for r in rows
        ],
    )


def rows_csv(which: str, records: list) -> HttpResponse:
    """The rows behind a figure: what each one counted as."""
    header = ["id", "cohort", "record", "owner", "date", "detail"]
    out = []
    for record in records:
        row = record.insight
        name = getattr(record, "name", "") or str(record)
        if which in ("people", "with_opportunity", "first_help"):
            owner, when = record.owner, ""
            detail = (
                f"{row.fields['days']} day{pluralize(row.fields['days'])} to first help"
                if "days" in row.fields
                else ("has an opportunity" if row.fields["has_opportunity"] else "")
            )
        elif which in ("opportunities", "closed", "won"):
            owner, when = record.owner, record.opened_on
            detail = f"{record.status} {record.amount}"
        elif which in ("followups", "on_time"):
            owner, when = record.assignee, record.due_at
            detail = "on time" if row.fields["on_time"] else "late"
        else:
            owner, when = record.rep, record.occurred_at
            detail = f"shift {row.fields['shift']:+d}"
        out.append((record.pk, row.cohort, name, str(owner or ""), when, detail))
    return _response(which, header, out)
