"""POST /api/services/match and the API's stable error shape."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine

from .eligibility_data import basic_pension, pension_parameters, seoul_and_seodaemun, service

URL = "/api/services/match"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def pension(db):
    seoul_and_seodaemun()
    pension_parameters()
    return basic_pension()


def post(client, data, **headers):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(URL, body, content_type="application/json", **headers)


def test_match_answers_exactly(client, pension):
    hidden = service("비공개", rules=[("age", {"min": 1})], published=False)
    response = post(
        client,
        {
            "age": 65,
            "organization": "서대문구",
            "monthly_income": 1_000_000,
            "household_type": "single",
        },
    )
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "results": [
            {
                "service": {"id": pension.pk, "name": "기초연금"},
                "status": "eligible",
                "reasons": [
                    {"rule": "age", "met": True, "text": "나이 만 65세 이상 ✓"},
                    {
                        "rule": "income",
                        "met": True,
                        "text": data["results"][0]["reasons"][1]["text"],
                    },
                ],
            }
        ]
    }
    assert data["results"][0]["reasons"][1]["text"].startswith("소득 기초연금 선정기준액")
    assert hidden.pk not in [r["service"]["id"] for r in data["results"]]


def test_missing_answers_give_null(client, pension):
    data = post(client, {}).json()
    assert data["results"][0]["status"] == "maybe"
    assert [r["met"] for r in data["results"][0]["reasons"]] == [None, None]


def test_service_ids_restrict(client, pension):
    other = service("다른 서비스")
    data = post(client, {"service_ids": [other.pk]}).json()
    assert [r["service"]["id"] for r in data["results"]] == [other.pk]
    hidden = service("비공개", published=False)
    error = post(client, {"service_ids": [other.pk, hidden.pk, 999999]}).json()["error"]
    assert error["code"] == "validation_error"
    assert f"{hidden.pk}, 999999" in error["fields"]["service_ids"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"age": 130}, "age"),
        ({"age": "예순"}, "age"),
        ({"birth_date": "2099-01-01"}, "birth_date"),
        ({"birth_date": "01/02/1960"}, "birth_date"),
        ({"household_type": "commune"}, "household_type"),
        ({"monthly_income": -1}, "monthly_income"),
        ({"organization": "없는구"}, "organization"),
        ({"children_ages": ["셋"]}, "children_ages"),
        ({"colour": "red"}, "colour"),
        ({"disability": "perhaps"}, "disability"),
        ({"organization": "서\u0000대문구"}, "organization"),
        ({"organization": "서대문구", "dong": "신\u0000촌동"}, "dong"),
        ({"monthly_income": 10**30}, "monthly_income"),
        ({"children_ages": list(range(40))}, "children_ages"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, pension, data, field):
    response = post(client, data)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "입력한 값을 확인하세요."
    assert list(error["fields"]) == [field]
    assert error["fields"][field]


def test_contradiction_names_both(client, pension):
    error = post(client, {"age": 40, "birth_date": "1950-01-01"}).json()["error"]
    assert set(error["fields"]) == {"age", "birth_date"}


def test_unreadable_body_is_400(client, db):
    response = post(client, "{not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    response = post(client, "[1, 2]")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_wrong_method_is_405(client, db):
    # ninja answers a wrong method itself (plain text), before any handler of ours.
    assert client.get(URL).status_code == 405


def test_english_messages(client, pension):
    response = post(client, {"age": 130}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["age"]


def test_openapi_documents_the_match(client, db):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/services/match"]["post"]
    assert {"200", "422"} <= set(operation["responses"])
    components = schema["components"]["schemas"]
    assert {"MatchIn", "MatchResults", "ErrorOut"} <= set(components)
    assert "household_type" in components["MatchIn"]["properties"]
