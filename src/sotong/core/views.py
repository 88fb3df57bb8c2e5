from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

from sotong.core.errors import surface_error

logger = logging.getLogger(__name__)


# --- error pages ------------------------------------------------------------------------------
# An error page must never fail in turn. 400, 403 and 404 render with the full layout; should that
# fail (a broken database behind a context processor), they fall back to a bare render with no
# request, as 500 always does: Django's contract is that the 500 page needs no context processors,
# no database and no session.

_BARE_CONTEXT = {"SITE_NAME": _("소통")}
_LAST_RESORT = (
    '<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>오류 | 소통</title></head>'
    "<body><main><h1>일시적인 오류가 발생했습니다</h1><p>잠시 후 다시 시도해 주세요.</p>"
    '<p lang="en">A temporary error occurred. Please try again later.</p>'
    '<p><a href="/">첫 화면으로</a></p></main></body></html>'
)


def _render_error(request: HttpRequest, template_name: str, status: int) -> HttpResponse:
    try:
        return render(request, template_name, status=status)
    except Exception:
        logger.exception("error page %s failed with the full layout; rendering it bare", status)
        return _render_bare(template_name, status)


def _render_bare(template_name: str, status: int) -> HttpResponse:
    try:
        body = loader.get_template(template_name).render(_BARE_CONTEXT)
    except Exception:
        logger.exception("error page %s failed to render; sending the last-resort page", status)
        body = _LAST_RESORT
    return HttpResponse(body, status=status)


# A surface with its own error format (the JSON API, Open311) answers in it; see core.errors.
def _html_or_surface(request: HttpRequest, status: int) -> HttpResponse:
    shaped = surface_error(request, status)
    if shaped is not None:
        return shaped
    if status == 500:
        return _render_bare("errors/500.html", 500)
    return _render_error(request, f"errors/{status}.html", status)


@requires_csrf_token
def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _html_or_surface(request, 400)


@requires_csrf_token
def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _html_or_surface(request, 403)


@requires_csrf_token
def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _html_or_surface(request, 404)


def error_500(request: HttpRequest) -> HttpResponse:
    return _html_or_surface(request, 500)
