"""Server-drawn charts: plain SVG geometry, so they render without JavaScript and update
in place when htmx swaps the fragment."""

from __future__ import annotations

from prospects.models import BuyingRole, Feeling, Willingness

WIDTH, HEIGHT, PAD_X, PAD_Y = 560, 180, 96, 16
LEVELS = [(value, label) for value, label in Feeling.choices]


def _y(feeling: int) -> float:
    top, bottom = PAD_Y, HEIGHT - PAD_Y
    return round(bottom - (feeling - 1) * (bottom - top) / (len(LEVELS) - 1), 1)


def journey_chart(journey: list[dict]) -> dict:
    """Feelings over time as an SVG line: for each conversation a *before* and an *after*
    point, so the lift within a conversation and the drift between them both show."""
    points = []
    for row in journey:
        points.append(
            {
                "feeling": row["feeling_before"],
                "label": row["before_label"],
                "row": row,
                "moment": "before",
            }
        )
        points.append(
            {
                "feeling": row["feeling_after"],
                "label": row["after_label"],
                "row": row,
                "moment": "after",
            }
        )
    span = WIDTH - PAD_X - 16
    step = span / max(len(points) - 1, 1)
    for index, point in enumerate(points):
        point["x"] = round(PAD_X + index * step, 1) if len(points) > 1 else PAD_X + span / 2
        point["y"] = _y(point["feeling"])
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "levels": [{"label": label, "y": _y(value)} for value, label in reversed(LEVELS)],
        "axis_x": PAD_X,
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "conversations": len(journey),
        "first": journey[0] if journey else None,
        "last": journey[-1] if journey else None,
    }


def buying_group_map(members) -> list[dict]:
    """The buying group as columns by role; who is not climbing stands out."""
    columns = []
    for value, label in BuyingRole.choices:
        people = [p for p in members if p.buying_role == value]
        if people or value != BuyingRole.UNKNOWN:
            columns.append(
                {
                    "role": value,
                    "label": label,
                    "people": people,
                    "climbing": sum(
                        1
                        for p in people
                        if p.willingness in (Willingness.EAGER, Willingness.CURIOUS)
                    ),
                }
            )
    return columns
