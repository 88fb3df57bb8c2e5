"""Template helpers shared by every app: `{% load sotong_tags %}`."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from sotong.core.privacy.public import public_text

register = template.Library()

# Titles of heads of local governments as organisations record them (`Organization.head_title`).
# They are data, but from a short fixed list, so English pages can show them in English.
HEAD_TITLES = {
    "시장": _("시장"),
    "구청장": _("구청장"),
    "군수": _("군수"),
    "도지사": _("도지사"),
}
GRADE_RE = re.compile(r"^(\d{1,2})급$")
GRADE_AND_BELOW_RE = re.compile(r"^(\d{1,2})급 이하$")


@register.filter
def localized_name(obj) -> str:
    """The English name (`name_en`) of an organisation or department when the page is in English
    and one is recorded, the Korean `name` otherwise."""
    name_en = getattr(obj, "name_en", "")
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return getattr(obj, "name", "") or str(obj)


@register.filter
def localized_title(title: str) -> str:
    """A head-of-government title (시장, 구청장 …) in the page's language; other titles as
    recorded."""
    known = HEAD_TITLES.get((title or "").strip())
    return str(known) if known is not None else title


@register.filter
def localized_grade(grade: str) -> str:
    """A civil-service grade as staffing tables record it (5급, 7급 이하, 전체) in the page's
    language; anything else as recorded."""
    value = (grade or "").strip()
    if match := GRADE_RE.match(value):
        return gettext("%(grade)s급") % {"grade": match.group(1)}
    if match := GRADE_AND_BELOW_RE.match(value):
        return gettext("%(grade)s급 이하") % {"grade": match.group(1)}
    if value == "전체":
        return pgettext("staffing grade", "전체")
    return grade


@register.filter(name="public")
def public(value) -> str:
    """User-written text as the public may read it (`core.privacy.public.public_text`: personal
    data masked): `{{ petition.title|public }}`. Every public template shows such text only
    through this filter."""
    return public_text(value)
