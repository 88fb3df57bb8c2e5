"""Request id (for logs), request metrics (for `GET /metrics`), a 400 for requests holding NUL
that PostgreSQL refused, and the lean path of machine clients (`LeanPathMiddleware`)."""

from __future__ import annotations

import re
import threading
import time
import uuid

from django.conf import settings
from django.core.exceptions import BadRequest, ImproperlyConfigured
from django.db import DataError
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header
from prometheus_client import Counter, Histogram

from sotong.core.logging import reset_request_id, set_request_id

# An id from the proxy in front (nginx `$request_id`) is kept so that its access log and ours
# join; anything else a client sends is replaced, so that ids stay short and printable.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
KNOWN_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
UNMATCHED = "<unmatched>"

REQUESTS = Counter(
    "sotong_http_requests_total",
    "HTTP requests by method, view and status",
    ["method", "view", "status"],
)
LATENCY = Histogram(
    "sotong_http_request_seconds",
    "HTTP request latency by method and view",
    ["method", "view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class RequestIdMiddleware:
    """Gives every request an id: on `request.request_id`, in every log line written while it is
    served, and in the `X-Request-ID` response header (quote it when reporting a problem)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


def _view_label(request) -> str:
    # The URL pattern's name, never the path: paths are unbounded (ids, slugs, a scanner's
    # guesses), names are as many as the URL configuration has.
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        # Labels from bounded sets only, so that no client can grow the number of series.
        method = request.method if request.method in KNOWN_METHODS else "OTHER"
        view = _view_label(request)
        REQUESTS.labels(method=method, view=view, status=str(response.status_code)).inc()
        LATENCY.labels(method=method, view=view).observe(time.perf_counter() - started)
        return response


def has_nul(data) -> bool:
    """Whether a QueryDict holds NUL in a key or a value."""
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in data.lists()
    )


def _request_has_nul(request) -> bool:
    # The body only if the view read it: parsing it now could fail in turn.
    post = request.__dict__.get("_post")
    return "\x00" in request.path or has_nul(request.GET) or (post is not None and has_nul(post))


class NulCharacterMiddleware:
    """PostgreSQL can neither store nor compare text holding NUL (U+0000), while SQLite takes it.
    Views that check their input answer it already (a form's field error, a search filter's
    message); where a NUL went straight into a query — a lookup by code or token from the path
    or the query string — PostgreSQL raised DataError and the visitor got a 500. Such a failure
    of a request holding NUL is the request's fault: a 400, in the error format of its surface
    (`core.errors`), logged as one line. Lone surrogates need no such care: Django decodes paths,
    query strings and forms with replacement characters (JSON bodies are the API's to check)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DataError) and _request_has_nul(request):
            raise BadRequest("NUL character in the request") from exception
        return None


def accepted_language(request) -> str:
    """The language of the Accept-Language header alone (no cookie, no session, no path), or the
    default one."""
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


_lean_route = threading.local()


class LeanPathMiddleware:
    """Paths that start with one of settings.LEAN_PATH_PREFIXES (Open311, the JSON API) jump from
    here to `LeanPathEnd`, past the middlewares between the two in MIDDLEWARE — what a person's
    browser needs: session, language by cookie, CSRF cookie, login, messages, htmx, the staff
    second factor. Those paths serve machine clients, anonymous or authenticated by a key in the
    request: they never read a session or a message, and a session, CSRF or language cookie would
    be a Set-Cookie no client keeps. They get their language from Accept-Language alone.

    Only the call is skipped: a skipped middleware's process_view and process_exception hooks
    still run (Django keeps them in one list per server). CsrfViewMiddleware's process_view
    therefore still refuses an unsafe request to a lean view that is not csrf_exempt; Open311's
    and ninja's views are exempt (ninja checks CSRF itself for cookie authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.LEAN_PATH_PREFIXES)
        # Django builds the chain from the inside out: LeanPathEnd, further in, is made first.
        self.lean_route = getattr(_lean_route, "get_response", None)
        if self.lean_route is None:
            raise ImproperlyConfigured(
                "LeanPathMiddleware needs LeanPathEnd after it in MIDDLEWARE"
            )
        _lean_route.get_response = None

    def __call__(self, request):
        if not request.path_info.startswith(self.prefixes):
            return self.get_response(request)
        language = accepted_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.lean_route(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response


class LeanPathEnd:
    """Where lean paths rejoin the chain (see LeanPathMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response
        _lean_route.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
