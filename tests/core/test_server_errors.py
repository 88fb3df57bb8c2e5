"""Errors end in the format of the surface that was asked, never in a stack dump (issue 11):

- every 5xx (and every 400/403/404 Django makes itself) of the JSON API is the API's JSON shape,
  of Open311 the GeoReport `errors` document (tests/petitions/test_petitions_open311_errors.py),
  and the HTML error page elsewhere — forced here by a failure outside any view;
- a client's error (403, a refused body) is one log line, not a traceback; a 500 keeps it;
- a NUL character in a path, query or form that reaches PostgreSQL (which refuses it in text) is
  a 400, not a 500; broken UTF-8 (lone surrogates) in a query or form is no 500 either."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import DataError
from django.test import Client
from django.urls import include, path

from sotong.core.logging import PersonalDataFilter

pytestmark = pytest.mark.django_db


def _denied(request):
    raise PermissionDenied("이 민원을 볼 권한이 없습니다.")


def _suspicious(request):
    raise SuspiciousOperation("a header that cannot be")


def _broken(request):
    raise RuntimeError("the database went away")


def _nul_query(request):
    request.POST.get("q")  # a view reads its form, then queries with it
    # What PostgreSQL does with a NUL, on every database.
    raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")


urlpatterns = [
    path("test/403/", _denied),
    path("test/400/", _suspicious),
    path("test/500/", _broken),
    path("test/nul/", _nul_query),
    path("api/test-nul/", _nul_query),
    path("", include("sotong.urls")),
]
handler400 = "sotong.core.views.error_400"
handler403 = "sotong.core.views.error_403"
handler404 = "sotong.core.views.error_404"
handler500 = "sotong.core.views.error_500"
failing_urls = pytest.mark.urls(__name__)


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.fixture
def log_output():
    """What the console handler of settings.LOGGING writes (its filters included)."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, PersonalDataFilter) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


# --- log lines --------------------------------------------------------------------------------


@failing_urls
def test_a_403_is_one_log_line_and_a_500_keeps_its_traceback(client, log_output):
    assert client.get("/test/403/").status_code == 403
    lines = [line for line in log_output.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "WARNING" in lines[0] and "Forbidden" in lines[0]
    assert "PermissionDenied" in lines[0] and "/test/403/" in lines[0]

    log_output.truncate(0)
    log_output.seek(0)
    assert client.get("/test/500/").status_code == 500
    text = log_output.getvalue()
    assert "Traceback" in text and "the database went away" in text


@failing_urls
def test_a_refused_request_is_one_log_line(client, log_output):
    assert client.get("/test/400/").status_code == 400
    lines = [line for line in log_output.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "SuspiciousOperation" in lines[0] and "Traceback" not in lines[0]


# --- the error format of each surface ----------------------------------------------------------


def _api_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_a_failure_outside_every_view_answers_in_each_surfaces_format(client, monkeypatch):
    def broken(request):
        raise RuntimeError("metrics broke")

    # RequestMetricsMiddleware runs around every view: a failure there is Django's handler500.
    monkeypatch.setattr("sotong.core.middleware._view_label", broken)
    api = client.post("/api/services/match", "{}", content_type="application/json")
    assert _api_shape(api, 500)["code"] == "internal_error"
    assert "metrics" not in api.content.decode()
    page = client.get("/petitions/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert "일시적인 오류가 발생했습니다" in page.content.decode()
    open311 = client.get("/open311/v2/discovery.json")
    assert open311.status_code == 500 and json.loads(open311.content)[0]["code"] == 500


@pytest.mark.parametrize(
    "error, status, code",
    [
        (SuspiciousOperation("refused"), 400, "bad_request"),
        (PermissionDenied("denied"), 403, "forbidden"),
    ],
)
def test_errors_django_makes_under_api_are_in_the_api_shape(
    client, monkeypatch, error, status, code
):
    def refuse(request):
        raise error

    # Raised outside the API's own handlers: Django's handler400/handler403 answer.
    monkeypatch.setattr("sotong.core.middleware._view_label", refuse)
    response = client.post("/api/services/match", "{}", content_type="application/json")
    assert _api_shape(response, status)["code"] == code
    page = client.get("/petitions/")
    assert page.status_code == status and page["Content-Type"].startswith("text/html")


def test_a_surface_whose_renderer_fails_falls_back_to_the_html_page(client, monkeypatch):
    from sotong.core import errors as core_errors

    def broken(request, status):
        raise RuntimeError("renderer broke")

    monkeypatch.setitem(core_errors._SURFACES, "/broken/", broken)
    response = client.get("/broken/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- NUL and broken UTF-8 ---------------------------------------------------------------------


@failing_urls
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_database_refusing_a_nul_of_the_request_is_a_400(client, method):
    response = getattr(client, method)("/test/nul/", {"q": "시험\x00구"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    # The same failure without NUL in the request is ours: a 500.
    assert getattr(client, method)("/test/nul/", {"q": "시험구"}).status_code == 500


@failing_urls
def test_under_the_api_it_is_a_400_in_the_api_shape(client):
    assert _api_shape(client.get("/api/test-nul/?q=%00"), 400)["code"] == "bad_request"


# The public pages of petitions and notify, and the search. Some of them passed a NUL of the query
# or the path straight to PostgreSQL (a 500 there; SQLite takes NUL).
PUBLIC_GETS = [
    "/petitions/",
    "/petitions/list",
    "/petitions/similar",
    "/petitions/stats",
    "/petitions/stats.csv",
    "/petitions/receipt",
    "/notify/subscribe",
    "/search",
]
PARAMS = ["q", "org", "page", "department", "light", "status", "category", "board", "type"]
PATHS = [
    "/petitions/t/abc%00def",
    "/petitions/t/abc%00def/rate",
    "/petitions/confirm/email/abc%00",
    "/notify/manage/abc%00",
    "/notify/l/abc%00",
    "/notify/unsubscribe/abc%00",
]
FORMS = ["/notify/subscribe", "/notify/confirm", "/petitions/confirm", "/petitions/similar"]
FORM_BODIES = [
    "email=a%00b%40example.kr&organization=1&code=1%002&title=%00&body=%00",
    "email=%ED%A0%80%40example.kr&code=%ED%A0%80&title=%ED%A0%80",  # broken UTF-8
]


def test_nul_or_broken_utf8_anywhere_in_the_public_pages_is_no_500(client, district):
    failures = []
    for url in PUBLIC_GETS:
        for name in PARAMS:
            for value in ("시험%00구", "%00", "%ED%A0%80%FF"):
                response = client.get(f"{url}?{name}={value}")
                failures += [(url, name, value)] if response.status_code >= 500 else []
    for url in PATHS:
        for response in (client.get(url), client.post(url)):
            failures += [(url, response.status_code)] if response.status_code >= 500 else []
    for url in FORMS:
        for body in FORM_BODIES:
            response = client.post(url, body, content_type="application/x-www-form-urlencoded")
            failures += [(url, body)] if response.status_code >= 500 else []
    assert not failures
