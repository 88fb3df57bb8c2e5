"""Error answers in the format of the surface a request was made to.

The HTML pages (`core.views.error_400` … `error_500`) are right for a browser, wrong for a client
of the JSON API or of Open311, which parse JSON or XML. An app that serves such a surface
registers, once at import, how its errors look under its path prefix:

    register_error_surface("/api/", render)   # render(request, status) -> HttpResponse

and Django's error handlers — an uncaught exception (500), a body Django refused to read (400), a
denial (403), an unknown path (404) — answer through it. Renderers must not touch the database:
a 500 may be the database failing. A renderer that fails in turn falls back to the HTML page."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

ErrorRenderer = Callable[[HttpRequest, int], HttpResponse]

_SURFACES: dict[str, ErrorRenderer] = {}


def register_error_surface(prefix: str, render: ErrorRenderer) -> None:
    """Errors of every path under `prefix` (e.g. "/api/") answer with `render(request, status)`."""
    _SURFACES[prefix] = render


def surface_error(request: HttpRequest, status: int) -> HttpResponse | None:
    """The error answer of the surface `request` was made to, or None for the HTML pages."""
    path = getattr(request, "path", "") or ""
    # The longest prefix wins, so that a surface may sit under another.
    for prefix in sorted(_SURFACES, key=len, reverse=True):
        if path.startswith(prefix):
            try:
                return _SURFACES[prefix](request, status)
            except Exception:
                logger.exception("error answer of %s failed; answering with the HTML page", prefix)
                return None
    return None


__all__ = ["ErrorRenderer", "register_error_surface", "surface_error"]
