"""Every answer of the JSON API under /api/ that is an error has the API's one shape, also when
no API handler ran: an unknown path (Django's 404) or a method the path does not take (ninja's
405). Pages outside /api/ keep their HTML errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["fields"] == {}
    return body


def test_an_unknown_api_path_is_a_json_404(client):
    assert_error(client.get("/api/no-such-thing"), 404, "not_found")
    assert_error(client.post("/api/services/nothing", {}), 404, "not_found")


def test_a_wrong_method_is_a_json_405_that_says_what_is_allowed(client):
    response = client.get("/api/services/match")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_english_when_asked(client):
    body = assert_error(
        client.get("/api/no-such-thing", HTTP_ACCEPT_LANGUAGE="en"), 404, "not_found"
    )
    assert not any("가" <= ch <= "힣" for ch in body["error"]["message"])


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_openapi_document_is_still_json(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/services/match" in response.json()["paths"]
