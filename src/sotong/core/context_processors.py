"""Values every page layout (base.html) needs. The organisation the page is about
(`current_organization`) comes from org's context processor, listed after this one."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def site(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": _("소통"),
        "SOTONG_ENV": settings.SOTONG_ENV,
    }
