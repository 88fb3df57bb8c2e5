"""Open311 answers bad requests with its own `errors` document, never a 500 (issue 11): dates at
the ends of the calendar, bodies Django refuses to read (too many fields, too large, broken
multipart), NUL characters, digits that are not ASCII, and errors Django itself answers before
the view (an unknown path, a failure outside the view) — in XML or JSON as the URL says."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sotong.petitions.models import Petition

pytestmark = pytest.mark.django_db

# The petitions' notification events (P1's events.py) until apps.ready imports them.
import sotong.petitions.events  # noqa: E402, F401

BASE = "/open311/v2"


def errors_of(response, status: int, fmt: str) -> list[str]:
    """The descriptions of a GeoReport `errors` document with this status, in this format."""
    assert response.status_code == status, response.content[:500]
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        items = json.loads(response.content)
        assert isinstance(items, list) and items
        assert all(set(item) == {"code", "description"} for item in items)
        assert all(item["code"] == status for item in items)
        return [item["description"] for item in items]
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == "errors" and len(root)
    assert all(error.findtext("code") == str(status) for error in root)
    return [error.findtext("description") for error in root]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.fixture
def served(board, category):
    return category  # the test district takes Open311 requests on its "daily" board


@pytest.fixture
def api_key(district):
    from sotong.petitions.open311.keys import open311_key_create

    _key, raw = open311_key_create(actor=None, organization=district, name="주민 신고 앱")
    return raw


def post_data(api_key, **extra):
    data = {
        "api_key": api_key,
        "service_code": "street-light",
        "address_string": "서울 중구 을지로 100",
        "description": "가로등이 꺼져 있습니다.",
        "email": "resident@example.kr",
    }
    data.update(extra)
    return data


# --- dates at the ends of the calendar ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "query, name",
    [
        ("start_date=9999-12-31T23:59:59Z", "start_date"),
        ("end_date=0001-01-01", "end_date"),
        ("start_date=0001-01-01&end_date=0001-01-02", "start_date"),
        ("start_date=9999-12-31", "start_date"),
        ("end_date=9999-12-31T23:59:59Z", "end_date"),
        ("start_date=0001-01-01T00:00:00%2B14:00", "start_date"),
        ("end_date=1899-12-31T23:59:59%2B09:00", "end_date"),
        ("start_date=3000-01-01", "start_date"),
    ],
)
def test_a_date_outside_1900_to_2999_is_a_400_naming_the_parameter(
    client, served, query, name, fmt
):
    descriptions = errors_of(client.get(f"{BASE}/requests.{fmt}?{query}"), 400, fmt)
    assert any(name in text and "1900-01-01" in text for text in descriptions), descriptions


def test_the_range_is_1900_to_2999_in_seoul_time(client, served):
    for query in ("start_date=1900-01-01", "end_date=2999-12-31", "end_date=2999-12-31T23:59:59"):
        response = client.get(f"{BASE}/requests.json?{query}")
        assert response.status_code == 200, (query, response.content[:300])
        assert json.loads(response.content) == []
    for query in ("start_date=1899-12-31T23:59:59%2B09:00", "end_date=2999-12-31T15:00:00Z"):
        errors_of(client.get(f"{BASE}/requests.json?{query}"), 400, "json")


def test_a_datetime_attribute_at_the_end_of_the_calendar_is_a_400(client, served, api_key):
    served.attributes = [{"code": "when", "datatype": "datetime", "description": "발견 시각"}]
    served.save()
    response = client.post(
        f"{BASE}/requests.json", post_data(api_key, **{"attribute[when]": "9999-12-31T23:59:59Z"})
    )
    assert any("attribute[when]" in text for text in errors_of(response, 400, "json"))
    assert not Petition.objects.exists()


# --- bodies Django refuses to read ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_more_fields_than_django_reads_is_a_400(client, served, api_key, fmt):
    data = post_data(api_key, **{f"attribute[x{n}]": "1" for n in range(1100)})
    descriptions = errors_of(client.post(f"{BASE}/requests.{fmt}", data), 400, fmt)
    assert any("1,000" in text or "1000" in text for text in descriptions), descriptions
    assert not Petition.objects.exists()


def test_more_fields_in_the_query_string_is_a_400(client, served):
    query = "&".join(f"x{n}=1" for n in range(1100))
    errors_of(client.get(f"{BASE}/requests.json?{query}"), 400, "json")


def test_a_body_over_the_size_limit_is_a_400(client, served, api_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = post_data(api_key, description="가" * 2000)
    errors_of(client.post(f"{BASE}/requests.xml", data), 400, "xml")
    assert not Petition.objects.exists()


def test_a_broken_multipart_or_utf8_body_is_a_400_or_an_answer(client, served, api_key):
    response = client.generic(
        "POST",
        f"{BASE}/requests.json",
        b"--nope\r\nthis is not multipart",
        content_type="multipart/form-data",  # no boundary
    )
    errors_of(response, 400, "json")
    # Broken UTF-8 in a form is decoded with replacement characters: checked as any text.
    body = f"api_key={api_key}&service_code=street-light&description=%FF%FE%ED%A0%80".encode()
    response = client.generic(
        "POST", f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded"
    )
    errors_of(response, 400, "json")  # no location given


# --- NUL, digits that are not ASCII ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "requests.json?service_code=%00",
        "requests.json?jurisdiction_id=test%00gu",
        "services.json?jurisdiction_id=%00",
        "services/street%00light.json",
        "requests/1%00.json",
        "tokens/abc%00.json",
    ],
)
def test_a_nul_character_anywhere_is_a_400_in_open311_format(client, served, path):
    errors_of(client.get(f"{BASE}/{path}"), 400, "json")


def test_a_nul_character_in_a_posted_field_is_a_400(client, served, api_key):
    data = post_data(api_key, description="가로등\x00꺼짐")
    errors_of(client.post(f"{BASE}/requests.json", data), 400, "json")
    assert not Petition.objects.exists()


@pytest.mark.parametrize("value", ["²", "1,²", "١٢"])
def test_digits_that_are_not_ascii_are_a_400_or_404(client, served, value):
    errors_of(client.get(f"{BASE}/requests.json", {"service_request_id": value}), 400, "json")
    errors_of(client.get(f"{BASE}/requests/{value.split(',')[-1]}.json"), 404, "json")


# --- errors Django answers before the view ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_path_is_a_404_document(client, fmt):
    errors_of(client.get(f"{BASE}/no-such-thing.{fmt}"), 404, fmt)
    errors_of(client.get(f"{BASE}/requests/1/extra.{fmt}"), 404, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_failure_outside_the_view_is_a_500_document(client, served, monkeypatch, fmt):
    # RequestMetricsMiddleware runs outside every view: a failure there is Django's handler500.
    def broken(request):
        raise RuntimeError("metrics broke")

    monkeypatch.setattr("sotong.core.middleware._view_label", broken)
    descriptions = errors_of(client.get(f"{BASE}/services.{fmt}"), 500, fmt)
    assert not any("metrics" in text for text in descriptions)


# --- property-based: the GET parameters ---------------------------------------------------------
dates = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    st.dates().map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "9999-12-31T23:59:59+14:00", "2026-02-30"]),
    st.text(max_size=25),
)
words = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["open", "closed", "street-light", "testgu", "1,2,3", "²", "\x00", "99" * 15]),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "start_date": dates,
            "end_date": dates,
            "service_code": words,
            "status": words,
            "service_request_id": words,
            "jurisdiction_id": words,
        },
    ),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_the_request_list_never_fails(served, params, fmt):
    client = Client(raise_request_exception=False)
    response = client.get(f"{BASE}/requests.{fmt}", params)
    assert response.status_code in (200, 400, 404), (params, response.content[:300])
    if response.status_code != 200:
        errors_of(response, response.status_code, fmt)
