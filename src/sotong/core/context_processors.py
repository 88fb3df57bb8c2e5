"""Values every page layout (base.html) needs.

`current_organization` is the organisation the page is about, shown in the header and footer. A
view that knows it (an organisation page, a petition of a district) passes it in its own context,
which wins over this processor. Otherwise it is the organisation of a logged-in staff member, looked
up lazily: a page that does not show it, or an anonymous visitor, costs no query."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _


def _staff_organization(request: HttpRequest):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    from sotong.org.models import Organization

    return Organization.objects.filter(staff__user=user, staff__active=True).first()


def site(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": _("소통"),
        "SOTONG_ENV": settings.SOTONG_ENV,
        "current_organization": SimpleLazyObject(lambda: _staff_organization(request)),
    }
