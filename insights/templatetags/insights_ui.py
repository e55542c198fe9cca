"""The insights page's repeated pieces, drawn in Python: a page holds hundreds of them (a
year of weeks in three charts, every figure's cell), which the template language would
spend most of the page's time on."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def figure_cell(cell, label: str):
    """A figure's table cell: its value (opening its rows), interval and n."""
    parts = [format_html('<a href="{}" class="figure-link">{}</a>', cell.url, cell.value)]
    if cell.interval:
        parts.append(format_html('<br><span class="muted small" title="95% interval">{}</span>',
                                 cell.interval))  # fmt: skip
    if cell.k_url:
        parts.append(format_html('<br><a class="muted small" href="{}">{}</a>', cell.k_url,
                                 cell.n_label))  # fmt: skip
    else:
        parts.append(format_html('<br><span class="muted small">{}</span>', cell.n_label))
    if cell.small:
        parts.append(mark_safe('<br><span class="small-sample">few records</span>'))
    css = "num is-small" if cell.small else "num"
    return format_html('<td class="{}" data-label="{}">' + "{}" * len(parts) + "</td>", css,
                       label, *parts)  # fmt: skip


@register.simple_tag
def week_chart(chart, title: str):
    """A chart of insights.charts as SVG markup (role img, named; the table follows it)."""
    out = [
        f'<svg viewBox="0 0 {chart["width"]} {chart["height"]}" role="img" '
        f'aria-label="{escape(title)}, week by week; the table below holds the same numbers">'
    ]
    for tick in chart["ticks"]:
        out.append(
            f'<line x1="{chart["left"]}" x2="{chart["right"]}" y1="{tick["y"]}" '
            f'y2="{tick["y"]}" class="grid-line"/><text x="{chart["left"] - 6}" y="{tick["y"]}" '
            f'class="axis-label" text-anchor="end" dominant-baseline="middle">'
            f"{escape(tick['label'])}</text>"
        )
    if chart.get("zero") is not None:
        out.append(
            f'<line x1="{chart["left"]}" x2="{chart["right"]}" y1="{chart["zero"]}" '
            f'y2="{chart["zero"]}" class="zero-line"/>'
        )
    for label in chart["labels"]:
        out.append(
            f'<text x="{label["x"]}" y="{chart["label_y"]}" class="axis-label" '
            f'text-anchor="middle">{escape(label["text"])}</text>'
        )
    for bar in chart.get("bars", []):
        out.append(
            f'<rect x="{bar["x"]}" y="{bar["y"]}" width="{bar["w"]}" height="{bar["h"]}" '
            f'class="{bar["css"]}"><title>{escape(bar["title"])}</title></rect>'
        )
    for line in chart.get("lines", []):
        for segment in line["segments"]:
            out.append(f'<polyline points="{segment}" class="{line["css"]}"/>')
        for point in line["points"]:
            out.append(
                f'<circle cx="{point["x"]}" cy="{point["y"]}" r="2.5" class="{line["css"]} dot">'
                f"<title>{escape(point['title'])}</title></circle>"
            )
    if chart.get("marker"):
        out.append(
            f'<line x1="{chart["marker"]}" x2="{chart["marker"]}" y1="{chart["top"]}" '
            f'y2="{chart["bottom"]}" class="switch-line"/>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - numbers we computed, texts escaped above


@register.simple_tag
def week_rows(weeks: list[dict]):
    """The weeks' table body: the charts' numbers, for screen readers and for checking."""
    rows = []
    for w in weeks:
        shift = "—" if w.get("shift") is None else f"{w['shift']:.2f}"
        on_time = "—" if w.get("on_time_pct") is None else f"{w['on_time_pct']}% of {w['done']}"
        cells = (w.get("new_people") or 0, w.get("first_helps") or 0, w.get("helped") or 0,
                 w.get("other") or 0, w.get("conversations") or 0, shift, on_time)  # fmt: skip
        rows.append(
            f'<tr><th scope="row">{w["week"]:%-d %b %Y}</th>'
            + "".join(f'<td class="num">{escape(str(cell))}</td>' for cell in cells)
            + "</tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - numbers and dates, escaped above
