"""What each app's Django admin tests check for every model the app registers
(``tests/<app>/test_admin.py``): pages load with their search and filters, read-only models
refuse to change, and no form offers a select of every row of a big table."""

from __future__ import annotations

import re

from django.contrib import admin
from django.contrib.admin.widgets import (
    AutocompleteMixin,
    ForeignKeyRawIdWidget,
    ManyToManyRawIdWidget,
    RelatedFieldWidgetWrapper,
)
from django.forms import ModelChoiceField
from django.test import RequestFactory
from django.urls import reverse


def registered(app_label: str) -> dict:
    """The app's models and their ModelAdmins, as Django admin has them."""
    return {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == app_label
    }


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def filter_links(html: str) -> list[str]:
    """The query strings of the links in the changelist's filter sidebar."""
    _, _, sidebar = html.partition('id="changelist-filter"')
    links = re.findall(r'href="(\?[^"]*)"', sidebar.partition("</nav>")[0])
    return sorted({link.replace("&amp;", "&") for link in links})


def search_term(model_admin, row) -> str:
    """What to type in the search box to find ``row``: its value of the first search field."""
    value = row
    path = model_admin.search_fields[0].lstrip("^=@").removesuffix("__exact")
    for name in path.removesuffix("__lower").split("__"):
        value = getattr(value, name)
    return str(value).upper() if path.endswith("__lower") else str(value)  # any case finds it


def assert_every_page_loads(client, app_label: str, rows: list) -> None:
    """For every model the app registers (``rows`` holds one row of each): the list shows
    the row, its search finds it, each filter link loads, and its change page loads."""
    models = registered(app_label)
    by_model = {type(row): row for row in rows}
    assert set(by_model) == set(models), "a row of each registered model, and only those"
    for model, model_admin in models.items():
        row = by_model[model]
        changelist = url(model, "changelist")
        page = client.get(changelist)
        assert page.status_code == 200, model
        assert url(model, "change", row.pk) in page.text, model
        if model_admin.search_fields:
            found = client.get(changelist, {"q": search_term(model_admin, row)})
            assert url(model, "change", row.pk) in found.text, (model, "search")
        links = filter_links(page.text)
        assert bool(links) == bool(model_admin.list_filter), model
        for link in links:
            assert client.get(changelist + link).status_code == 200, (model, link)
        assert client.get(url(model, "change", row.pk)).status_code == 200, model


def assert_read_only(client, row) -> None:
    """No add button, an add page, a save button or a delete: 403 for each attempt."""
    model = type(row)
    listing = client.get(url(model, "changelist")).text
    assert url(model, "add") not in listing
    assert client.get(url(model, "add")).status_code == 403
    page = client.get(url(model, "change", row.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.post(url(model, "change", row.pk), {}).status_code == 403
    assert client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def assert_not_deleted_here(client, row) -> None:
    model = type(row)
    assert client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()
    changelist = client.get(url(model, "changelist")).text
    assert 'value="delete_selected"' not in changelist


def selects_of_every_row(app_label: str, user, rows: list) -> list[str]:
    """Form fields of the app's editable admins that would list every row of their table
    (a plain select): each should be a raw id or an autocomplete."""
    request = RequestFactory().get("/")
    request.user = user
    plain = []
    for row in rows:
        model_admin = admin.site._registry[type(row)]
        for obj in (None, row):
            if obj is None and not model_admin.has_add_permission(request):
                continue
            if obj is not None and not model_admin.has_change_permission(request, obj):
                continue
            form = model_admin.get_form(request, obj, change=obj is not None)
            for name, field in form.base_fields.items():
                widget = field.widget
                if isinstance(widget, RelatedFieldWidgetWrapper):
                    widget = widget.widget
                fine = (ForeignKeyRawIdWidget, ManyToManyRawIdWidget, AutocompleteMixin)
                if isinstance(field, ModelChoiceField) and not isinstance(widget, fine):
                    plain.append(f"{type(row).__name__}.{name}")
    return plain
