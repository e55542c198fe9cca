"""JSON bodies checked by the app's own forms: the API has no validation of its own, so a
record written through it passes exactly the checks the pages apply (one validation path).

``form_serializer`` describes a form's fields as a DRF serializer, for the OpenAPI schema
only; the form decides."""

from __future__ import annotations

from django import forms
from django.forms.models import model_to_dict
from rest_framework import serializers

from api.errors import invalid

SCALARS = (str, int, float)


def form_data(payload, form_class: type[forms.Form], *, base: dict | None = None,
              extra: tuple[str, ...] = ()) -> dict:  # fmt: skip
    """``payload`` (a JSON object) as form data over ``base`` (an instance's current values,
    for a PATCH). Unknown fields and values of the wrong JSON type are field errors."""
    if not isinstance(payload, dict):
        raise invalid({"__all__": ["The body must be a JSON object."]})
    names = set(form_class.base_fields) | set(extra)
    errors: dict[str, list[str]] = {}
    data = dict(base or {})
    for name, value in payload.items():
        field = form_class.base_fields.get(name)
        if name not in names:
            errors[name] = ["Unknown field."]
        elif value is None:
            data[name] = ""
        elif isinstance(field, forms.BooleanField):
            if not isinstance(value, bool):
                errors[name] = ["Must be true or false."]
            else:
                data[name] = value
        elif isinstance(value, bool) or not isinstance(value, SCALARS):
            errors[name] = ["Must be a string or a number."]
        else:
            data[name] = value
    if errors:
        raise invalid(errors)
    return data


def current_values(instance, form_class: type[forms.ModelForm]) -> dict:
    """What a form for ``instance`` would show: the base a PATCH changes."""
    return {key: ("" if value is None else value)
            for key, value in model_to_dict(instance, fields=list(form_class.base_fields)).items()
            if key in form_class.base_fields}  # fmt: skip


def defaults(model, form_class: type[forms.ModelForm]) -> dict:
    """A new record's defaults, as the page's empty form starts with them (a stage, a
    willingness, now for when): what a POST leaves out."""
    return {key: value for key, value in current_values(model(), form_class).items()
            if value not in ("", None)}  # fmt: skip


def form_errors(form: forms.Form) -> dict:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def checked(form: forms.Form) -> forms.Form:
    if not form.is_valid():
        raise invalid(form_errors(form))
    return form


# --- For the schema ----------------------------------------------------------------------


def _field(field: forms.Field, *, partial: bool):
    required = field.required and not partial
    common = {"required": required, "help_text": str(field.help_text or "") or None}
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(required=False, help_text=common["help_text"])
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(allow_null=not field.required, **common)
    if isinstance(field, forms.TypedChoiceField | forms.ChoiceField):
        choices = [value for value, _ in field.choices if value != ""]
        return serializers.ChoiceField(choices=choices, allow_blank=not field.required, **common)
    if isinstance(field, forms.EmailField):
        return serializers.EmailField(max_length=field.max_length, **common)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(allow_null=not field.required, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=not field.required, **common)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(max_digits=field.max_digits,
                                        decimal_places=field.decimal_places, **common)  # fmt: skip
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(**common)
    return serializers.CharField(max_length=getattr(field, "max_length", None),
                                 allow_blank=not field.required, **common)  # fmt: skip


def form_serializer(name: str, form_class: type[forms.Form], *, partial: bool = False,
                    extra: dict | None = None) -> type[serializers.Serializer]:  # fmt: skip
    fields = {key: _field(field, partial=partial) for key, field in form_class.base_fields.items()}
    fields.update(extra or {})
    return type(name, (serializers.Serializer,), fields)
