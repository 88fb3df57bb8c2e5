"""Bad input never breaks the eligibility API or the questionnaire: arbitrary values (wrong
types, out of range, huge, NUL characters, unknown fields, mis-shaped JSON) get a 200 with
results or the API's error shape (400/422) — the page answers with its form again — never a 500.
Property-based (hypothesis), against the real views with a rule of every kind in the catalogue."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sotong.guide.catalogue.services import service_create
from sotong.guide.models import Parameter

pytestmark = pytest.mark.django_db

FIELDS = (
    "age",
    "birth_date",
    "organization",
    "dong",
    "household_size",
    "monthly_income",
    "household_type",
    "disability",
    "employment",
    "pregnant",
    "children_ages",
    "on_date",
    "service_ids",
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        ["2026-02-30", "1960-05-01", "3000-01-01", "서대문구", "testgu", "single", "\x00", "65"]
    ),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=5),
    st.dictionaries(st.text(max_size=5), scalars, max_size=3),
)
payloads = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), values, max_size=8
)
HYPOTHESIS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def catalogue(district):
    Parameter.objects.create(
        code="median_income", key="1", valid_from="2026-01-01", amount=2_564_238, source="고시"
    )
    rules = [
        {"kind": "age", "params": {"min": 65}},
        {"kind": "residence", "params": {"organizations": ["testgu"]}},
        {"kind": "income", "params": {"percent_of_median": 50}},
        {"kind": "household_size", "params": {"max": 5}},
        {"kind": "household_type", "params": {"in": ["single"]}},
        {"kind": "disability", "params": {"required": True}},
        {"kind": "employment", "params": {"in": ["unemployed"]}},
        {"kind": "pregnancy", "params": {"required": True}},
        {"kind": "child_age", "params": {"min_months": 0, "max_months": 95}},
    ]
    return service_create(
        actor=None,
        organization=district,
        name="모든 기준",
        summary="기준마다 하나씩",
        field="livelihood",
        provider_name="시험구",
        provider_kind="district",
        rules=rules,
    )


@HYPOTHESIS
@given(payload=payloads)
def test_the_match_api_never_fails_on_bad_input(catalogue, payload):
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/services/match", json.dumps(payload, default=str), content_type="application/json"
    )
    assert response.status_code in (200, 400, 422), response.content[:300]
    body = response.json()
    if response.status_code == 200:
        assert set(body) == {"results"}
    else:
        assert set(body["error"]) == {"code", "message", "fields"}


@HYPOTHESIS
@given(body=st.binary(max_size=200))
def test_the_match_api_never_fails_on_a_body_that_is_not_json(catalogue, body):
    client = Client(raise_request_exception=False)
    response = client.post("/api/services/match", body, content_type="application/json")
    assert response.status_code in (200, 400, 422)
    assert response["Content-Type"].startswith("application/json")


@HYPOTHESIS
@given(form=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=30), max_size=8))
def test_the_questionnaire_never_fails_on_bad_input(catalogue, form):
    client = Client(raise_request_exception=False)
    response = client.post("/services/eligibility/", form)
    assert response.status_code in (200, 302), response.content[:300]
    if response.status_code == 302:
        assert client.get(response["Location"]).status_code == 200


def test_an_empty_questionnaire_is_answered_with_a_message(client, catalogue):
    response = client.post("/services/eligibility/", {})
    assert response.status_code == 200
    assert "질문에 하나 이상 답해 주세요" in response.content.decode()


@HYPOTHESIS
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "stage",
                "group",
                "value",
                "situation",
                "interest",
                "field",
                "kind",
                "org",
                "q",
                "page",
            ]
        ),
        st.lists(st.text(max_size=20), max_size=3),
        max_size=6,
    )
)
def test_browsing_never_fails_on_odd_filters(catalogue, query):
    client = Client(raise_request_exception=False)
    assert client.get("/services/", query).status_code == 200


@HYPOTHESIS
@given(
    form=st.dictionaries(
        st.sampled_from(
            ["message", "contact_method", "contact_phone", "organization", "service", "petition"]
        ),
        st.text(max_size=30),
        max_size=6,
    )
)
def test_the_help_request_form_never_fails_on_bad_input(catalogue, resident, form):
    client = Client(raise_request_exception=False)
    client.force_login(resident)
    response = client.post(f"/services/help/new?service={catalogue.pk}", form)
    # A form with errors comes back with its messages as a 400 (views_help's rule).
    assert response.status_code in (200, 302, 400), response.content[:300]
    if response.status_code == 400:
        assert "sotong-error-summary" in response.content.decode()  # the form's error summary
