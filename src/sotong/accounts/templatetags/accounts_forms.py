"""Renders form fields the KRDS way (`form-group`, `krds-input`), with every hint and error tied
to its input through aria-describedby so screen readers read them with the field."""

from __future__ import annotations

from django import template
from django.forms import BoundField

register = template.Library()

_WIDGET_CLASSES = {
    "select": "krds-form-select",
    "selectmultiple": "krds-form-select",
    "checkbox": "",
    "radioselect": "",
    "checkboxselectmultiple": "",
}


def hint_id(field: BoundField) -> str:
    return f"{field.auto_id}-hint"


def error_id(field: BoundField) -> str:
    return f"{field.auto_id}-error"


@register.simple_tag
def krds_widget(field: BoundField):
    attrs: dict[str, str] = {}
    css = _WIDGET_CLASSES.get(field.widget_type, "krds-input")
    existing = field.field.widget.attrs.get("class", "")
    if css:
        attrs["class"] = f"{existing} {css}".strip()
    described_by = []
    if field.help_text:
        described_by.append(hint_id(field))
    if field.errors:
        described_by.append(error_id(field))
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def field_hint_id(field: BoundField) -> str:
    return hint_id(field)


@register.filter
def field_error_id(field: BoundField) -> str:
    return error_id(field)
