"""Input no field of the JSON API can take — an integer beyond 64 bits (PostgreSQL bigint, SQLite
INTEGER), a string with a lone surrogate or a NUL character (neither UTF-8 nor PostgreSQL can
carry them) — is a 422 in the API's error shape naming the field, on every database; a failure
of ours under /api/ is a 500 in the same shape, never Django's HTML page (issue 11)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .eligibility_data import basic_pension, pension_parameters, seoul_and_seodaemun

pytestmark = pytest.mark.django_db

URL = "/api/services/match"
BIGINT_MAX = 2**63 - 1


@pytest.fixture
def pension(db):
    seoul_and_seodaemun()
    pension_parameters()
    return basic_pension()


def post(raw: str, **headers):
    client = Client(raise_request_exception=False)
    return client.post(URL, raw, content_type="application/json", **headers)


def assert_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    "raw, field",
    [
        ('{"service_ids": [9223372036854775808]}', "service_ids"),
        ('{"service_ids": [1, -9223372036854775809]}', "service_ids"),
        ('{"service_ids": [' + "9" * 5000 + "]}", "service_ids"),
        ('{"age": 100000000000000000000000000}', "age"),
        ('{"children_ages": [3, 18446744073709551616]}', "children_ages"),
        ('{"monthly_income": -99999999999999999999}', "monthly_income"),
    ],
)
def test_an_integer_beyond_64_bits_is_a_422_naming_the_field(pension, raw, field):
    error = assert_shape(post(raw), 422, "validation_error")
    assert field in error["fields"], error
    assert "64" in error["fields"][field]


def test_service_ids_up_to_the_limit_are_looked_up_and_beyond_it_refused(pension):
    error = assert_shape(post(json.dumps({"service_ids": [BIGINT_MAX]})), 422, "validation_error")
    assert str(BIGINT_MAX) in error["fields"]["service_ids"]  # an unknown service
    error = assert_shape(
        post(json.dumps({"service_ids": [BIGINT_MAX + 1]})), 422, "validation_error"
    )
    assert "64" in error["fields"]["service_ids"]


@pytest.mark.parametrize(
    "raw, field, says",
    [
        ('{"organization": "\\ud800"}', "organization", "U+D800"),
        ('{"organization": "서대문구", "dong": "신촌\\udfff"}', "dong", "U+D800"),
        ('{"organization": "서대\\u0000문구"}', "organization", "U+0000"),
        ('{"organization": "서대문구", "dong": "\\u0000"}', "dong", "U+0000"),
    ],
)
def test_a_lone_surrogate_or_nul_is_a_422_naming_the_field_and_why(pension, raw, field, says):
    error = assert_shape(post(raw), 422, "validation_error")
    assert says in error["fields"][field], error


def test_the_refusal_is_in_english_when_asked(pension):
    error = assert_shape(
        post('{"organization": "\\ud800"}', HTTP_ACCEPT_LANGUAGE="en"), 422, "validation_error"
    )
    assert not any("가" <= ch <= "힣" for ch in error["fields"]["organization"])


def test_a_failure_of_ours_is_a_500_in_the_api_shape(pension, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the engine broke")

    monkeypatch.setattr("sotong.guide.eligibility.engine.match_services", broken)
    error = assert_shape(post('{"age": 70}'), 500, "internal_error")
    assert error["fields"] == {}
    assert "engine" not in error["message"]  # no internals in the answer
    # Still logged as Django logs a 500: with its traceback (the log filter formats it to text).
    logged = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert any("the engine broke" in (r.exc_text or "") or r.exc_info for r in logged)


# --- property-based: any integer, any text ------------------------------------------------------
FIELDS = ("age", "organization", "dong", "household_size", "monthly_income", "service_ids")
nasty_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.sampled_from("\x00서대문구신촌동 a"),
    ),
    max_size=8,
)
huge = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([2**63, -(2**63) - 1, 2**63 - 1, -(2**63), 2**64]),
)
value = st.one_of(huge, nasty_text, st.lists(st.one_of(huge, nasty_text), max_size=3))


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=st.dictionaries(st.sampled_from(FIELDS), value, min_size=1, max_size=4))
def test_no_integer_or_text_makes_a_500(pension, payload):
    response = post(json.dumps(payload))
    assert response.status_code in (200, 422), (payload, response.content[:300])
    if response.status_code == 422:
        assert_shape(response, 422, "validation_error")
