"""`current_organization` for every page layout (base.html): the organisation the page is about,
shown in the header and footer. A view that knows it (an organisation page, a petition of a
district) passes it in its own context, which wins over this processor. Otherwise it is the
organisation of a logged-in staff member, looked up lazily: a page that does not show it, or an
anonymous visitor, costs no query."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import queries


def _staff_organization(request: HttpRequest):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return queries.staff_organization(user)


def current_organization(request: HttpRequest) -> dict:
    return {"current_organization": SimpleLazyObject(lambda: _staff_organization(request))}
