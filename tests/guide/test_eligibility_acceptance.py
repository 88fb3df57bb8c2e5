"""Acceptance (issue 6, point 3): 기초연금 with rules age ≥ 65 and income ≤ the 2026 선정기준액
(single 2,470,000; couple 3,952,000): a 65-year-old single resident of Seodaemun-gu with a
monthly income of 1,000,000 is eligible, a 40-year-old is not — each with reasons, through both
the page and the API."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.urls import reverse

from sotong.guide.models import Parameter

from .eligibility_data import PENSION_SOURCE, basic_pension, pension_parameters, seoul_and_seodaemun


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def pension(db):
    seodaemun = seoul_and_seodaemun()[1]
    assert (seodaemun.code, seodaemun.name) == ("seodaemun", "서대문구")
    pension_parameters(2026, single=2_470_000, couple=3_952_000)
    assert Parameter.objects.filter(source=PENSION_SOURCE).count() == 2
    return basic_pension()


def answers(age):
    return {
        "age": age,
        "organization": "서대문구",
        "monthly_income": 1_000_000,
        "household_type": "single",
    }


@pytest.mark.parametrize(
    ("age", "status", "label", "age_mark"),
    [(65, "eligible", "받을 수 있어요", "✓"), (40, "not_eligible", "대상이 아니에요", "✗")],
)
def test_through_the_page(client, pension, age, status, label, age_mark):
    data = {key: str(value) for key, value in answers(age).items()}
    data["organization"] = "seodaemun"  # the form's list gives the code
    response = client.post(reverse("services:eligibility"), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    group = page.index(f'id="group-{status}"')
    assert label in page[group:]
    assert page.index("기초연금", group) > group
    assert f"나이 만 65세 이상 {age_mark}" in page
    assert "소득 기초연금 선정기준액 이하 ✓" in page
    assert "월 2,470,000원" in page


@pytest.mark.parametrize(
    ("age", "status", "age_met"), [(65, "eligible", True), (40, "not_eligible", False)]
)
def test_through_the_api(client, pension, age, status, age_met):
    response = client.post(
        "/api/services/match", json.dumps(answers(age)), content_type="application/json"
    )
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["service"] == {"id": pension.pk, "name": "기초연금"}
    assert result["status"] == status
    assert [(r["rule"], r["met"]) for r in result["reasons"]] == [
        ("age", age_met),
        ("income", True),
    ]
    assert all(r["text"] for r in result["reasons"])
