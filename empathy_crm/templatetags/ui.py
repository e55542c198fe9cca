from __future__ import annotations

import functools

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def select(field) -> str:
    """A plain <select> for a bound choice field, without a template per option (list
    filters render several on every request)."""
    current = "" if field.value() is None else str(field.value())
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if str(value) == current else "", label)
            for value, label in field.field.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}">{}</select>', field.html_name, field.id_for_label, options
    )


@register.simple_tag
def icon(name: str, label: str = "") -> str:
    """An icon from the vendored Lucide sprite (static/icons/sprite.svg, scripts/icon_sprite.py).
    Decorative unless given a label, which screen readers then read instead."""
    if label:
        return format_html(
            '<svg class="icon" role="img" aria-label="{}"><use href="{}#{}"></use></svg>',
            label,
            _sprite_url(),
            name,
        )
    return format_html(
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        _sprite_url(),
        name,
    )


@functools.cache
def _sprite_url() -> str:
    return static("icons/sprite.svg")
