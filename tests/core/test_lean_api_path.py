"""The lean path of machine clients (issue 12, point 7): Open311 and /api/ skip the browser's
middlewares (session, language cookie, CSRF cookie, login, messages), so a client holding a
session cookie costs no session or user query and gets no cookie back; HTML pages keep them all."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sotong.core.middleware import LeanPathMiddleware

pytestmark = pytest.mark.django_db

import sotong.petitions.events  # noqa: E402, F401  (the petitions' notification events)

BROWSER_TABLES = ("django_session", "accounts_user", "mfa_authenticator", "org_staff")


@pytest.fixture
def category(district, department):
    from sotong.petitions.models import Category

    return Category.objects.create(
        organization=district, code="street-light", name="가로정비", department=department
    )


@pytest.fixture
def board(district):
    from sotong.petitions.models import Board

    return Board.objects.create(
        organization=district, code="daily", name="생활불편신고", kinds=["report"]
    )


@pytest.fixture
def api_key(district):
    from sotong.petitions.open311.keys import open311_key_create

    _key, raw = open311_key_create(actor=None, organization=district, name="주민 신고 앱")
    return raw


@pytest.fixture
def logged_in(resident):
    """A client carrying what a browser would: a resident's session and the English cookie."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    client.cookies["django_language"] = "en"
    return client


def _post_data(api_key: str) -> dict:
    return {
        "api_key": api_key,
        "service_code": "street-light",
        "lat": "37.5636",
        "long": "126.9976",
        "description": "을지로 100 앞 가로등이 사흘째 꺼져 있습니다.",
        "email": "resident@example.kr",
    }


def _assert_lean(response, queries) -> None:
    request = response.wsgi_request
    for attribute in ("session", "user", "_messages", "htmx"):
        assert not hasattr(request, attribute), attribute
    assert not response.cookies, response.cookies
    touched = [q["sql"] for q in queries if any(t in q["sql"] for t in BROWSER_TABLES)]
    assert touched == []


def test_open311_post_touches_no_session(logged_in, category, board, api_key):
    with CaptureQueriesContext(connection) as queries:
        response = logged_in.post("/open311/v2/requests.json", _post_data(api_key))
    assert response.status_code == 200, response.content.decode()
    _assert_lean(response, queries)
    # Key, service, board and period looked up, the petition inserted, the key's use stamped.
    assert len(queries) == QUERIES_OPEN311_POST, [q["sql"] for q in queries]
    # Korean: the language cookie is a browser's, not a machine client's.
    assert response["Content-Language"] == "ko"


def test_api_call_touches_no_session(logged_in):
    with CaptureQueriesContext(connection) as queries:
        response = logged_in.post(
            "/api/services/match", json.dumps({"age": 130}), content_type="application/json"
        )
    assert response.status_code == 422
    _assert_lean(response, queries)
    assert len(queries) == 0
    assert json.loads(response.content)["error"]["message"] == "입력한 값을 확인하세요."


def test_api_language_from_accept_language(logged_in):
    response = logged_in.post(
        "/api/services/match",
        json.dumps({"age": 130}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    assert json.loads(response.content)["error"]["message"] != "입력한 값을 확인하세요."


def test_html_page_keeps_session_csrf_messages_and_language(logged_in, resident):
    request = logged_in.get("/").wsgi_request
    assert request.user == resident
    assert request.session.session_key
    assert hasattr(request, "_messages")
    assert request.htmx is not None

    browser = Client(enforce_csrf_checks=True)
    browser.cookies["django_language"] = "en"
    response = browser.get("/accounts/login/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert response["Content-Language"] == "en"  # the language cookie counts here


def test_html_post_without_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "x@example.kr", "password": "x"})
    assert response.status_code == 403


def test_lean_path_needs_its_end():
    with pytest.raises(ImproperlyConfigured):
        LeanPathMiddleware(lambda request: None)


QUERIES_OPEN311_POST = 9


def test_api_docs_page_renders_without_the_browser_middlewares(logged_in):
    # An HTML page on the lean path: the template's context processors find no user or session.
    response = logged_in.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert not response.cookies
