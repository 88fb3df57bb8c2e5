"""The JSON API (django-ninja) under /api/: its OpenAPI document is /api/openapi.json, the
interactive one /api/docs.

Every error has one stable shape, whatever raised it:

    {"error": {"code": "validation_error", "message": "입력한 값을 확인하세요.",
               "fields": {"age": "나이는 0부터 120 사이의 정수(만 나이)로 입력하세요."}}}

`code` is one of ERROR_CODES' values; `fields` maps a request field to its message (empty when
the error is not about one field). Messages are in Korean, in English when the request asks for
it (Accept-Language: en, through LocaleMiddleware). Bad input is a 400 (unreadable body) or a 422
(a wrong value), never a 500. Input that no field of any endpoint can take is refused before the
schemas see it (`SafeParser`): a string with NUL or a lone surrogate (PostgreSQL and UTF-8 cannot
store them) and an integer outside 64 bits (PostgreSQL bigint, SQLite INTEGER), each a 422 naming
the field. A failure of ours is a 500 in the same shape (`internal_error`), through Django's
handler500 (sotong.core.errors), so it is still logged with its traceback.

Routers: `/api/services/` (sotong.guide.api)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from sotong.core.errors import register_error_surface

# PostgreSQL bigint and SQLite INTEGER: a larger Python int fails in the database driver.
INT_LIMIT = 2**63
_SURROGATE = re.compile("[\ud800-\udfff]")
_INTEGER_TEXT = re.compile(r"\s*[+-]?\d[\d_]*\s*")


class _HugeInteger:
    """A JSON integer of more digits than Python converts (4,300): refused as too large."""


def _parse_int(text: str) -> int | _HugeInteger:
    return int(text) if len(text) <= 40 else _HugeInteger()


def _unsafe_value(value: Any) -> str | None:
    """The pydantic-style error type of a value no field may take, or None."""
    if isinstance(value, _HugeInteger):
        return "int_range"
    if isinstance(value, str):
        if "\x00" in value:
            return "string_nul"
        if _SURROGATE.search(value):
            return "string_unicode"
    elif (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not -INT_LIMIT <= value < INT_LIMIT
    ):
        return "int_range"
    return None


def unsafe_input(data: Any, loc: tuple = ()) -> Iterator[dict[str, Any]]:
    """Errors (pydantic's shape: type, loc) for every string with NUL or a lone surrogate and
    every integer outside 64 bits in parsed JSON, keys included. Iterative: JSON nests deep."""
    stack = [(data, loc)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                name = key.encode("utf-8", "backslashreplace").decode("utf-8")
                if (kind := _unsafe_value(key)) is not None:
                    yield {"type": kind, "loc": (*where, name)}
                stack.append((item, (*where, name)))
        elif isinstance(value, list):
            stack.extend((item, (*where, index)) for index, item in enumerate(value))
        elif (kind := _unsafe_value(value)) is not None:
            yield {"type": kind, "loc": where}


def _integer_text_too_large(text: Any) -> bool:
    if not isinstance(text, str) or not _INTEGER_TEXT.fullmatch(text):
        return False
    digits = text.strip().lstrip("+-").replace("_", "").lstrip("0")
    # Compared as text first: int() refuses strings of more than 4,300 digits.
    return len(digits) > 19 or _unsafe_value(int(text.replace("_", ""))) is not None


class SafeParser(Parser):
    """ninja's JSON and query parser, refusing what no field may take (see the module text).
    ninja turns any error of `parse_body` into a 400 "cannot parse": `_http_error` finds this
    ValidationError as its cause and answers the 422 with the fields instead."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body, parse_int=_parse_int)
        errors = list(unsafe_input(data, ("body", "payload")))
        if errors:
            raise NinjaValidationError(errors)
        return data

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        result = super().parse_querydict(data, list_fields, request)
        errors = list(unsafe_input(result, ("query", "params")))
        # Query values are text; one that reads as an integer is checked as the integer.
        for key, value in result.items():
            items = value if isinstance(value, list) else [value]
            if any(_integer_text_too_large(item) for item in items):
                errors.append({"type": "int_range", "loc": ("query", "params", key)})
        if errors:
            raise NinjaValidationError(errors)
        return result


api = NinjaAPI(
    title="sotong API",
    version="1",
    urls_namespace="api",
    parser=SafeParser(),
    description=(
        '소통 공개 API. 오류는 모두 {"error": {"code", "message", "fields"}} 모양으로 답합니다.'
    ),
)

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
}


def error_response(
    request: HttpRequest, status: int, message: str, fields: dict[str, str] | None = None
) -> HttpResponse:
    body = {
        "error": {
            "code": ERROR_CODES.get(status, "error"),
            "message": str(message),
            "fields": {key: str(value) for key, value in (fields or {}).items()},
        }
    }
    return api.create_response(request, body, status=status)


def _messages(messages: Any) -> str:
    return (
        " ".join(str(m) for m in messages) if isinstance(messages, list | tuple) else str(messages)
    )


# Korean messages for the request checks of pydantic (types, enumerations, unknown fields).
def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "string_nul":
        return _("NUL 문자(U+0000)는 쓸 수 없습니다.")
    if kind == "string_unicode":
        return _("짝이 없는 서로게이트 문자(U+D800–U+DFFF)는 쓸 수 없습니다.")
    if kind == "int_range":
        return _("수가 너무 큽니다. 64비트 정수 범위 안의 값을 쓰세요.")
    if kind == "missing":
        return _("필수 항목입니다.")
    if kind == "extra_forbidden":
        return _("모르는 항목입니다. 항목 이름을 확인하세요.")
    if kind.startswith("int") or kind.startswith("float"):
        return _("정수를 입력하세요.")
    if kind.startswith("bool"):
        return _("true 또는 false로 입력하세요.")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("YYYY-MM-DD 형식의 날짜로 입력하세요.")
    if kind == "literal_error" or kind == "enum":
        expected = (error.get("ctx") or {}).get("expected", "")
        return _("정해진 값 중 하나를 쓰세요: %(expected)s") % {"expected": expected}
    if kind.startswith("list") or kind.startswith("too_"):
        return _("목록(배열)으로 입력하세요.")
    if kind.startswith("string"):
        return _("문자열로 입력하세요.")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("JSON 객체로 보내세요.")
    return _("값의 형식이 맞지 않습니다.")


def _field_name(loc: Any) -> str:
    parts = [str(part) for part in (loc or ()) if not isinstance(part, int)]
    # ("body", "payload", "age") → "age"; the first two name where ninja read the value.
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def _request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc")), _pydantic_message(error))
    return error_response(request, 422, _("입력한 값을 확인하세요."), fields)


@api.exception_handler(DjangoValidationError)
def _value_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        fields = {name: _messages(messages) for name, messages in exc.message_dict.items()}
        return error_response(request, 422, _("입력한 값을 확인하세요."), fields)
    return error_response(request, 422, _messages(exc.messages))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, _("찾는 자료가 없습니다."))


@api.exception_handler(ObjectDoesNotExist)
def _no_object(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, _("찾는 자료가 없습니다."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 403, _("이 작업을 할 권한이 없습니다."))


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 401, _("로그인이 필요합니다."))


def _status_message(status: int) -> str | None:
    if status == 400:
        return _("요청 본문을 읽을 수 없습니다. UTF-8 JSON으로 보내세요.")
    if status == 403:
        return _("이 작업을 할 권한이 없습니다.")
    if status == 404:
        return _("찾는 자료가 없습니다.")
    if status == 405:
        return _("이 주소에서 쓸 수 없는 요청 방식입니다.")
    if status == 429:
        return _("요청이 너무 많습니다. 잠시 뒤에 다시 시도하세요.")
    if status >= 500:
        return _("일시적인 오류입니다. 잠시 후 다시 시도하세요.")
    return None


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, NinjaValidationError):  # SafeParser refused a value
        return _request_invalid(request, exc.__cause__)
    status = exc.status_code
    return error_response(request, status, _status_message(status) or str(exc))


def _error_page(request: HttpRequest, status: int) -> HttpResponse:
    """Django's own error answers under /api/ (an uncaught exception, a body Django refused,
    an unknown path) in the API's shape."""
    return error_response(
        request, status, _status_message(status) or _("요청을 처리할 수 없습니다.")
    )


register_error_surface("/api/", _error_page)


def _mount_routers() -> None:
    from sotong.guide.api import router as services_router

    api.add_router("/services/", services_router)


_mount_routers()


class ApiErrorShapeMiddleware:
    """Answers that Django or ninja make before any API handler runs — an unknown path under
    /api/ (Django's 404 page), a method the path does not take (ninja's plain-text 405) — in the
    API's one error shape too, so a client never parses HTML or text. Other answers pass as
    they are."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            if response.status_code == 404:
                shaped = error_response(request, 404, _("찾는 자료가 없습니다."))
            else:
                shaped = error_response(request, 405, _("이 주소에서 쓸 수 없는 요청 방식입니다."))
                if response.has_header("Allow"):
                    shaped["Allow"] = response["Allow"]
            return shaped
        return response
