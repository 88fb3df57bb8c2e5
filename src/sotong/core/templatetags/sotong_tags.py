"""Template helpers shared by every app: `{% load sotong_tags %}`."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def localized_name(obj) -> str:
    """The English name (`name_en`) of an organisation or department when the page is in English
    and one is recorded, the Korean `name` otherwise."""
    name_en = getattr(obj, "name_en", "")
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return getattr(obj, "name", "") or str(obj)
