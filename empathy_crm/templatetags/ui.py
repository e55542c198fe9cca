from __future__ import annotations

from django import template
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
