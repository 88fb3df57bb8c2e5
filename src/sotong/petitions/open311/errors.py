"""Requests Open311 cannot read, and the errors Django answers before an Open311 view runs, as
the spec's `errors` document (format.py) instead of a 500 or an HTML page.

- A body Django refuses (more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields, over
  DATA_UPLOAD_MAX_MEMORY_SIZE, broken multipart) is a 400 naming why (`unreadable`).
- A NUL character in the path, the query or the form is a 400 (`has_nul_input`): PostgreSQL
  refuses it in text, and the lookups by code and token passed it on.
- Under /open311/, Django's own 400/403/404/500 (an unknown path, a failure outside the view)
  answer in the format the URL names, XML unless it ends in .json (`sotong.core.errors`)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from sotong.core.middleware import has_nul

from .format import Open311Error, error_response


def has_nul_input(request: HttpRequest, path_values: dict[str, str]) -> bool:
    return (
        any("\x00" in value for value in path_values.values())
        or has_nul(request.GET)
        or (request.method == "POST" and has_nul(request.POST))
    )


def unreadable(error: Exception) -> Open311Error:
    """The 400 of a body Django refused to read (SuspiciousOperation, MultiPartParserError)."""
    if isinstance(error, TooManyFieldsSent | TooManyFilesSent):
        return Open311Error(
            400,
            _("항목이 너무 많습니다. 한 요청에 %(max)d개까지 보낼 수 있습니다.")
            % {"max": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
        )
    if isinstance(error, RequestDataTooBig):
        return Open311Error(400, _("요청이 너무 큽니다."))
    return Open311Error(400, _("요청 본문을 읽을 수 없습니다. UTF-8 폼으로 보내세요."))


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    """Django's own error answers under /open311/ as the spec's error document."""
    messages = {
        400: _("요청을 읽을 수 없습니다."),
        403: _("이 요청을 할 권한이 없습니다."),
        404: _("찾을 수 없는 주소입니다."),
    }
    message = messages.get(status) or _("일시적인 오류입니다. 잠시 후 다시 시도하세요.")
    fmt = "json" if request.path.endswith(".json") else "xml"
    return error_response(fmt, Open311Error(status, message))


__all__ = ["error_page", "has_nul_input", "unreadable"]
