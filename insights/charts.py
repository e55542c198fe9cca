"""The trend charts: plain SVG geometry drawn on the server, like the prospect's journey
chart, so they render without JavaScript, scale to a phone's width, and come with a table."""

from __future__ import annotations

import math
from datetime import date

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 26


def _nice(top: float) -> float:
    """A round axis maximum at or above ``top`` (1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0:
        return 1
    power = 10 ** math.floor(math.log10(top))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= top)


def _frame(weeks: list[dict], low: float, high: float, switch: date | None) -> dict:
    span_x = WIDTH - LEFT - RIGHT
    step = span_x / max(len(weeks), 1)
    plot = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return round(TOP + plot - (value - low) / (high - low) * plot, 1)

    ticks = [low + (high - low) * i / 4 for i in range(5)]
    labels = []
    for index, week in enumerate(weeks):
        if index % max(1, len(weeks) // 6) == 0:
            labels.append(
                {
                    "x": round(LEFT + step * (index + 0.5), 1),
                    "text": week["week"].strftime("%-d %b"),
                }
            )
    marker = None
    if switch:
        for index, week in enumerate(weeks):
            if week["week"] <= switch < date.fromordinal(week["week"].toordinal() + 7):
                offset = (switch - week["week"]).days / 7
                marker = round(LEFT + step * (index + offset), 1)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "top": TOP,
        "step": step,
        "y": y,
        "ticks": [{"y": y(t), "label": f"{t:g}"} for t in ticks],
        "labels": labels,
        "label_y": HEIGHT - 8,
        "marker": marker,
    }


def bars(weeks: list[dict], stacks: list[tuple[str, str]], switch: date | None) -> dict:
    """Stacked bars per week: ``stacks`` are (value key, CSS class), bottom first."""
    top = _nice(max((sum(w.get(k) or 0 for k, _ in stacks) for w in weeks), default=0))
    frame = _frame(weeks, 0, top, switch)
    y, step = frame.pop("y"), frame["step"]
    shapes = []
    for index, week in enumerate(weeks):
        base = 0
        for key, css in stacks:
            value = week.get(key) or 0
            if value:
                shapes.append(
                    {
                        "x": round(LEFT + step * index + step * 0.15, 1),
                        "w": round(step * 0.7, 1),
                        "y": y(base + value),
                        "h": round(y(base) - y(base + value), 1),
                        "css": css,
                        "title": f"Week of {week['week']:%-d %b %Y}: {value}",
                    }
                )
            base += value
    return {**frame, "bars": shapes}


def lines(
    weeks: list[dict],
    series: list[tuple[str, str]],
    switch: date | None,
    *,
    low: float | None = None,
    high: float | None = None,
) -> dict:
    """A line per series (value key, CSS class); weeks without a value leave a gap."""
    values = [w.get(k) for w in weeks for k, _ in series if w.get(k) is not None]
    low = min([0, *values]) if low is None else low
    high = _nice(max([*values, 0.1])) if high is None else high
    if low < 0:
        low = -_nice(-low)
    frame = _frame(weeks, low, high, switch)
    y, step = frame.pop("y"), frame["step"]
    drawn = []
    for key, css in series:
        segments, current, points = [], [], []
        for index, week in enumerate(weeks):
            value = week.get(key)
            if value is None:
                if current:
                    segments.append(" ".join(current))
                current = []
                continue
            x = round(LEFT + step * (index + 0.5), 1)
            current.append(f"{x},{y(value)}")
            points.append(
                {"x": x, "y": y(value), "title": f"Week of {week['week']:%-d %b %Y}: {value:g}"}
            )
        if current:
            segments.append(" ".join(current))
        drawn.append({"css": css, "segments": segments, "points": points})
    return {**frame, "lines": drawn, "zero": y(0) if low < 0 < high else None}


def week_charts(weeks: list[dict], switch: date | None) -> dict:
    """The insights page's three charts, from the weeks' summed counts."""
    for week in weeks:
        talks = week.get("conversations") or 0
        week["shift"] = round(week["shift_sum"] / talks, 2) if talks else None
        done = week.get("done") or 0
        week["on_time_pct"] = round(100 * week["on_time"] / done) if done else None
    return {
        "opportunities": bars(weeks, [("helped", "bar-helped"), ("other", "bar-other")], switch),
        "people": lines(
            weeks, [("new_people", "line-people"), ("first_helps", "line-helped")], switch
        ),
        "shift": lines(weeks, [("shift", "line-shift")], switch, low=-2, high=2),
    }
