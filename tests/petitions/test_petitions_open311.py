"""Open311 GeoReport v2 (issue 5, point 11): conformance of every response shape in XML and
JSON, intake through `services.petition_submit`, api keys, filters and windows, and that no
personal data ever leaves through a GET."""

from __future__ import annotations

import datetime
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from sotong.petitions.models import Answer, Board, Category, Open311Key, Petition

pytestmark = pytest.mark.django_db

# The petitions' notification events (P1's events.py) until apps.ready imports them.
import sotong.petitions.events  # noqa: E402, F401

BASE = "/open311/v2"
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
RRN = "900101-1234568"  # a valid-looking resident registration number (check digit correct)
ATTRIBUTES = [
    {
        "code": "kind",
        "datatype": "singlevaluelist",
        "required": True,
        "description": "고장 형태",
        "order": 1,
        "values": [{"key": "off", "name": "꺼짐"}, {"key": "blink", "name": "깜빡임"}],
    },
    {"code": "pole", "datatype": "string", "required": False, "description": "전주 번호"},
]


# --- helpers ---------------------------------------------------------------------------------


def xml_root(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own response


def json_body(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def children(element) -> list[str]:
    return [child.tag for child in element]


def assert_errors_xml(response, status):
    assert response.status_code == status
    root = xml_root(response)
    assert root.tag == "errors"
    assert len(root) >= 1
    for error in root:
        assert error.tag == "error"
        assert children(error) == ["code", "description"]
        assert error.findtext("code") == str(status)
        assert error.findtext("description")
    return [error.findtext("description") for error in root]


def assert_errors_json(response, status):
    assert response.status_code == status
    data = json_body(response)
    assert isinstance(data, list) and data
    for error in data:
        assert set(error) == {"code", "description"}
        assert error["code"] == status
        assert error["description"]
    return [error["description"] for error in data]


def assert_errors(response, status, fmt="xml"):
    if fmt == "json":
        return assert_errors_json(response, status)
    return assert_errors_xml(response, status)


@pytest.fixture
def api_key(district):
    from sotong.petitions.open311.keys import open311_key_create

    _key, raw = open311_key_create(actor=None, organization=district, name="주민 신고 앱")
    return raw


@pytest.fixture
def service(category):
    category.description = "꺼진 가로등, 보안등 신고"
    category.attributes = ATTRIBUTES
    category.save()
    return category


@pytest.fixture
def open311_board(board):
    return board  # "daily": anyone may post, takes reports


def post_data(api_key, **extra):
    data = {
        "api_key": api_key,
        "service_code": "street-light",
        "lat": "37.5636",
        "long": "126.9976",
        "address_string": "서울 중구 을지로 100",
        "description": "을지로 100 앞 가로등이 사흘째 꺼져 있습니다.",
        "email": "resident@example.kr",
        "phone": "010-1234-5678",
        "first_name": "길동",
        "last_name": "홍",
        "attribute[kind]": "off",
        "attribute[pole]": "J-123",
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


# --- discovery and services ------------------------------------------------------------------


def test_discovery_xml_and_json(client):
    root = xml_root(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoints = root.find("endpoints")
    assert children(endpoints) == ["endpoint"]
    endpoint = endpoints.find("endpoint")
    assert children(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert endpoint.findtext("type") in {"production", "test"}
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert all(f.tag == "format" for f in endpoint.find("formats"))
    datetime.datetime.fromisoformat(root.findtext("changeset"))

    data = json_body(client.get(f"{BASE}/discovery.json"))
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert data["endpoints"][0]["url"] == "http://testserver/open311/v2"


def test_services_list(client, service, open311_board, district, department):
    Category.objects.create(organization=district, code="noise", name="소음", keywords="소음\n공사")
    Category.objects.create(organization=district, code="off", name="안 씀", active=False)
    root = xml_root(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root] == ["street-light", "noise"]
    for element in root:
        assert element.tag == "service"
        assert children(element) == SERVICE_FIELDS
        assert element.findtext("type") == "realtime"
    light = root[0]
    assert light.findtext("metadata") == "true"
    assert root[1].findtext("metadata") == "false"
    assert light.findtext("keywords") == "가로등, 보안등, 신호등"
    assert light.findtext("group") == department.name
    assert root[1].findtext("keywords") == "소음, 공사"

    data = json_body(client.get(f"{BASE}/services.json", {"jurisdiction_id": "testgu"}))
    assert [s["service_code"] for s in data] == ["street-light", "noise"]
    assert all(list(s) == SERVICE_FIELDS for s in data)
    assert data[0]["metadata"] is True and data[1]["metadata"] is False
    assert data[0]["service_name"] == "가로정비"


def test_service_definition(client, service, open311_board):
    root = xml_root(client.get(f"{BASE}/services/street-light.xml"))
    assert root.tag == "service_definition"
    assert children(root) == ["service_code", "attributes"]
    attributes = root.find("attributes")
    assert children(attributes) == ["attribute", "attribute"]
    first = attributes[0]
    assert children(first) == ATTRIBUTE_FIELDS
    assert first.findtext("variable") == "true"
    assert first.findtext("required") == "true"
    assert first.findtext("datatype") == "singlevaluelist"
    assert first.findtext("order") == "1"
    values = first.find("values")
    assert [v.tag for v in values] == ["value", "value"]
    assert [children(v) for v in values] == [["key", "name"], ["key", "name"]]
    assert values[0].findtext("key") == "off" and values[0].findtext("name") == "꺼짐"
    assert attributes[1].findtext("datatype_description") == ""

    data = json_body(client.get(f"{BASE}/services/street-light.json"))
    assert list(data) == ["service_code", "attributes"]
    assert [list(a) for a in data["attributes"]] == [ATTRIBUTE_FIELDS, ATTRIBUTE_FIELDS]
    assert data["attributes"][0]["values"] == [
        {"key": "off", "name": "꺼짐"},
        {"key": "blink", "name": "깜빡임"},
    ]
    assert data["attributes"][1]["datatype_description"] is None
    assert data["attributes"][1]["required"] is False


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_code_and_jurisdiction(client, service, open311_board, fmt):
    assert_errors(client.get(f"{BASE}/services/nothing.{fmt}"), 404, fmt)
    assert_errors(client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": "nowhere"}), 404, fmt)


def test_jurisdiction_required_when_several_organisations_serve(client, service, city):
    Board.objects.create(organization=city, code="open311", name="응답소", kinds=["report"])
    Board.objects.create(
        organization=service.organization, code="daily", name="생활불편", kinds=["report"]
    )
    messages = assert_errors(client.get(f"{BASE}/services.json"), 400, "json")
    assert "jurisdiction_id" in messages[0]
    data = json_body(client.get(f"{BASE}/services.json", {"jurisdiction_id": "testcity"}))
    assert data == []
    assert_errors(client.get(f"{BASE}/requests.xml"), 400)


def test_bad_format_and_method(client, open311_board):
    assert_errors_xml(client.get(f"{BASE}/services.csv"), 404)
    response = client.delete(f"{BASE}/requests.json")
    assert_errors_json(response, 405)
    assert "POST" in response["Allow"]
    assert_errors_json(client.post(f"{BASE}/services.json"), 405)


# --- POST requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_creates_a_petition(service, open311_board, api_key, department, fmt):
    client = Client(enforce_csrf_checks=True)  # an API client has no CSRF token
    response = client.post(f"{BASE}/requests.{fmt}", post_data(api_key))
    assert response.status_code == 200, response.content.decode()
    if fmt == "xml":
        root = xml_root(response)
        assert root.tag == "service_requests"
        assert children(root) == ["request"]
        item = root[0]
        assert children(item) == ["service_request_id", "token", "service_notice", "account_id"]
        request_id, token = item.findtext("service_request_id"), item.findtext("token")
        assert item.findtext("account_id") in (None, "")
        notice = item.findtext("service_notice")
    else:
        data = json_body(response)
        assert len(data) == 1
        assert list(data[0]) == ["service_request_id", "token", "service_notice", "account_id"]
        request_id, token = data[0]["service_request_id"], data[0]["token"]
        assert data[0]["account_id"] is None
        notice = data[0]["service_notice"]
    assert isinstance(request_id, str)
    petition = Petition.objects.get(pk=int(request_id))
    assert petition.token == token
    assert "처리 기한" in notice
    assert petition.channel == "open311"
    assert petition.board == open311_board
    assert petition.kind == "report"
    assert petition.category == service
    assert petition.user is None
    assert petition.contact_email == "resident@example.kr"
    assert petition.contact_phone == "010-1234-5678"
    assert petition.petitioner_name == "홍길동"
    assert petition.latitude == Decimal("37.563600")
    assert petition.address == "서울 중구 을지로 100"
    assert "가로등이 사흘째" in petition.body
    assert "고장 형태: 꺼짐" in petition.body and "전주 번호: J-123" in petition.body
    assert petition.idempotency_key.startswith("open311:")
    assert Open311Key.objects.get().last_used_at is not None


def test_post_is_idempotent(client, service, open311_board, api_key):
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-1"}
    first = json_body(client.post(f"{BASE}/requests.json", post_data(api_key), **headers))
    again = json_body(
        client.post(f"{BASE}/requests.json", post_data(api_key, description="다른 글"), **headers)
    )
    assert first[0]["service_request_id"] == again[0]["service_request_id"]
    # Without the header the posted fields (of the day) decide: a retried post is no new petition.
    other = json_body(client.post(f"{BASE}/requests.json", post_data(api_key)))
    retried = json_body(client.post(f"{BASE}/requests.json", post_data(api_key)))
    assert other[0]["service_request_id"] == retried[0]["service_request_id"]
    assert other[0]["service_request_id"] != first[0]["service_request_id"]
    assert Petition.objects.count() == 2


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_api_key_errors(client, service, open311_board, api_key, fmt):
    url = f"{BASE}/requests.{fmt}"
    assert_errors(client.post(url, post_data(None)), 403, fmt)
    assert_errors(client.post(url, post_data("not-a-key")), 403, fmt)
    key = Open311Key.objects.get()
    from sotong.petitions.open311.keys import open311_key_revoke

    open311_key_revoke(actor=None, key=key)
    assert_errors(client.post(url, post_data(api_key)), 403, fmt)
    assert Petition.objects.count() == 0


def test_post_key_of_another_jurisdiction(client, service, open311_board, api_key):
    response = client.post(f"{BASE}/requests.json", post_data(api_key, jurisdiction_id="testcity"))
    assert_errors_json(response, 403)
    response = client.post(f"{BASE}/requests.json", post_data(api_key, jurisdiction_id="testgu"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("extra", "status", "needle"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "nothing"}, 404, "nothing"),
        ({"lat": "35.0", "long": "139.7"}, 400, "대한민국"),  # Tokyo
        ({"lat": "north", "long": "126.9"}, 400, "lat"),
        ({"lat": "37.5", "long": None}, 400, "lat"),
        ({"lat": None, "long": None, "address_string": None}, 400, "위치"),
        ({"email": None, "phone": None}, 400, "email"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"description": "가" * 4001}, 400, "4,000"),
        ({"attribute[kind]": None}, 400, "attribute[kind]"),
        ({"attribute[kind]": "melted"}, 400, "melted"),
    ],
)
def test_post_bad_input(client, service, open311_board, api_key, extra, status, needle):
    for fmt in ("xml", "json"):
        messages = assert_errors(
            client.post(f"{BASE}/requests.{fmt}", post_data(api_key, **extra)), status, fmt
        )
        assert any(needle in message for message in messages), messages
    assert Petition.objects.count() == 0


def test_post_reports_every_bad_field_at_once(client, service, open311_board, api_key):
    data = post_data(api_key, email=None, phone=None, lat="10", long="10")
    data.pop("attribute[kind]")
    messages = assert_errors_json(client.post(f"{BASE}/requests.json", data), 400)
    assert len(messages) == 3


def test_post_empty_description_uses_attributes(client, service, open311_board, api_key):
    response = client.post(f"{BASE}/requests.json", post_data(api_key, description=""))
    assert response.status_code == 200
    petition = Petition.objects.get()
    assert petition.title == "가로정비"
    data = post_data(api_key, description="")
    data = {k: v for k, v in data.items() if not k.startswith("attribute")}
    service.attributes = []
    service.save()
    assert_errors_json(client.post(f"{BASE}/requests.json", data), 400)


def test_post_without_an_open311_board(client, service, api_key, district):
    Board.objects.create(
        organization=district,
        code="members",
        name="회원",
        kinds=["report"],
        posting=Board.Posting.MEMBERS,
    )
    messages = assert_errors_json(client.post(f"{BASE}/requests.json", post_data(api_key)), 400)
    assert "Open311" in messages[0]


def test_open311_board_choice(district):
    from sotong.petitions.open311.directory import open311_board

    assert open311_board(district.pk) is None
    daily = Board.objects.create(organization=district, code="daily", name="가", kinds=["report"])
    Board.objects.create(organization=district, code="ask", name="나", kinds=["inquiry"], order=0)
    assert open311_board(district.pk) == daily
    chosen = Board.objects.create(
        organization=district, code="open311", name="다", kinds=["grievance"], order=9
    )
    assert open311_board(district.pk) == chosen


def test_post_validation_error_of_the_service_is_a_400(client, service, open311_board, api_key):
    messages = assert_errors_json(
        client.post(f"{BASE}/requests.json", post_data(api_key, address_string="가" * 201)), 400
    )
    assert messages


# --- GET requests ----------------------------------------------------------------------------


@pytest.fixture
def petitions(petition_factory, department, service, district, officer):
    now = timezone.now()
    open_one = petition_factory(
        body=f"가로등이 꺼졌습니다. 제 번호는 010-9876-5432, 주민번호 {RRN}, mail me@example.kr",
        petitioner_name="홍길동",
        contact_email="secret@example.kr",
        contact_phone="010-5555-6666",
        address="중구 을지로 100 (010-1111-2222)",
        latitude="37.563600",
        longitude="126.997600",
        department=department,
        received_at=now - datetime.timedelta(days=2),
    )
    answered = petition_factory(
        status="answered",
        department=department,
        answered_at=now - datetime.timedelta(hours=1),
        received_at=now - datetime.timedelta(days=5),
    )
    Answer.objects.create(
        petition=answered,
        body="교체했습니다. 문의 02-120-1234",
        state=Answer.State.APPROVED,
        drafted_by=officer.staff,
    )
    private = petition_factory(is_public=False, received_at=now - datetime.timedelta(days=1))
    old = petition_factory(received_at=now - datetime.timedelta(days=100))
    other_category = Category.objects.create(organization=district, code="noise", name="소음")
    noise = petition_factory(category=other_category, received_at=now - datetime.timedelta(days=3))
    return {"open": open_one, "answered": answered, "private": private, "old": old, "noise": noise}


def _ids_xml(root):
    return [int(item.findtext("service_request_id")) for item in root]


def test_requests_list_xml_shape_and_privacy(client, petitions, open311_board, department):
    response = client.get(f"{BASE}/requests.xml")
    root = xml_root(response)
    assert root.tag == "service_requests"
    ids = _ids_xml(root)
    # Newest first; the private one and the one older than 90 days are not listed.
    assert ids == [petitions["open"].pk, petitions["noise"].pk, petitions["answered"].pk]
    for item in root:
        assert item.tag == "request"
        assert children(item) == REQUEST_FIELDS
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            moment = datetime.datetime.fromisoformat(item.findtext(name))
            assert moment.utcoffset() == datetime.timedelta(hours=9)
    first = root[0]
    assert first.findtext("status") == "open"
    assert first.findtext("service_code") == "street-light"
    assert first.findtext("service_name") == "가로정비"
    assert first.findtext("agency_responsible") == department.name
    # A place at street level: the point rounded to about 100 m (core.privacy.public_place).
    assert first.findtext("lat") == "37.564" and first.findtext("long") == "126.998"
    assert first.findtext("address") == "중구 을지로"
    assert first.findtext("status_notes") == "접수"
    answered = root[2]
    assert answered.findtext("status") == "closed"
    assert answered.findtext("status_notes") == "교체했습니다. 문의 02-***-1234"
    body = response.content.decode("utf-8")
    for secret in (
        "홍길동",
        "secret@example.kr",
        "010-5555-6666",
        "010-9876-5432",
        RRN,
        "me@example.kr",
        "010-1111-2222",
        "02-120-1234",
    ):
        assert secret not in body
    assert "010-****-5432" in first.findtext("description")


def test_requests_list_json_shape(client, petitions, open311_board):
    data = json_body(client.get(f"{BASE}/requests.json"))
    assert [int(item["service_request_id"]) for item in data] == [
        petitions["open"].pk,
        petitions["noise"].pk,
        petitions["answered"].pk,
    ]
    for item in data:
        assert list(item) == REQUEST_FIELDS
        assert item["address_id"] is None and item["zipcode"] is None
        assert item["media_url"] is None
    assert data[0]["lat"] == pytest.approx(37.564)  # rounded to about 100 m
    assert data[1]["lat"] is None and data[1]["address"] is None
    assert RRN not in json.dumps(data, ensure_ascii=False)


def test_requests_filters(client, petitions, open311_board):
    def ids(**params):
        return [
            int(i["service_request_id"])
            for i in json_body(client.get(f"{BASE}/requests.json", params))
        ]

    p = petitions
    assert ids(service_code="noise") == [p["noise"].pk]
    assert ids(service_code="street-light,noise") == [p["open"].pk, p["noise"].pk, p["answered"].pk]
    assert ids(status="closed") == [p["answered"].pk]
    assert ids(status="open") == [p["open"].pk, p["noise"].pk]
    assert ids(status="open,closed") == [p["open"].pk, p["noise"].pk, p["answered"].pk]
    now = timezone.localtime()
    assert ids(start_date=(now - datetime.timedelta(days=4)).isoformat()) == [
        p["open"].pk,
        p["noise"].pk,
    ]
    start = (now - datetime.timedelta(days=120)).date().isoformat()
    end = (now - datetime.timedelta(days=40)).date().isoformat()
    assert ids(start_date=start, end_date=end) == [p["old"].pk]
    assert ids(end_date=end) == [p["old"].pk]
    # service_request_id overrides every other argument; private ids are simply absent.
    listed = ids(
        service_request_id=f"{p['old'].pk},{p['private'].pk},{p['answered'].pk}", status="open"
    )
    assert listed == [p["answered"].pk, p["old"].pk]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2025-13-01"},
        {"start_date": "2025-01-01", "end_date": "2025-06-01"},  # over 90 days
        {"start_date": "2025-02-01", "end_date": "2025-01-01"},
        {"status": "pending"},
        {"service_request_id": "12,abc"},
    ],
)
def test_requests_bad_filters(client, open311_board, params):
    assert_errors_json(client.get(f"{BASE}/requests.json", params), 400)
    assert_errors_xml(client.get(f"{BASE}/requests.xml", params), 400)


def test_request_dates_with_unencoded_offset(client, petitions, open311_board):
    start = (timezone.localtime() - datetime.timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:%S")
    response = client.get(f"{BASE}/requests.json?start_date={start}+09:00")
    assert response.status_code == 200
    assert len(json_body(response)) == 2


def test_request_limit_is_1000(client, petition_factory, open311_board, monkeypatch):
    from sotong.petitions.open311 import api as open311

    monkeypatch.setattr(open311, "MAX_RESULTS", 3)
    for _ in range(5):
        petition_factory()
    assert len(json_body(client.get(f"{BASE}/requests.json"))) == 3
    assert datetime.timedelta(days=90) == open311.DEFAULT_WINDOW


def test_request_detail(client, petitions, open311_board):
    pk = petitions["open"].pk
    root = xml_root(client.get(f"{BASE}/requests/{pk}.xml"))
    assert root.tag == "service_requests"
    assert children(root) == ["request"]
    assert children(root[0]) == REQUEST_FIELDS
    data = json_body(client.get(f"{BASE}/requests/{pk}.json", {"jurisdiction_id": "testgu"}))
    assert len(data) == 1 and data[0]["service_request_id"] == str(pk)
    assert_errors_json(
        client.get(f"{BASE}/requests/{pk}.json", {"jurisdiction_id": "testcity"}), 404
    )
    # A private petition answers exactly as a missing one.
    private = client.get(f"{BASE}/requests/{petitions['private'].pk}.json")
    missing = client.get(f"{BASE}/requests/999999.json")
    assert_errors_json(private, 404)
    assert_errors_json(missing, 404)
    assert_errors_xml(client.get(f"{BASE}/requests/abc.xml"), 404)


def test_tokens(client, petitions, open311_board):
    petition = petitions["open"]
    root = xml_root(client.get(f"{BASE}/tokens/{petition.token}.xml"))
    assert root.tag == "service_requests"
    assert children(root[0]) == ["service_request_id", "token"]
    assert root[0].findtext("service_request_id") == str(petition.pk)
    data = json_body(client.get(f"{BASE}/tokens/{petition.token}.json"))
    assert data == [{"service_request_id": str(petition.pk), "token": petition.token}]
    assert_errors_json(client.get(f"{BASE}/tokens/nothing-here.json"), 404)


def test_post_then_read_back(client, service, open311_board, api_key):
    created = json_body(
        client.post(
            f"{BASE}/requests.json",
            post_data(api_key, description=f"가로등 고장. 연락처 010-2222-3333, {RRN}"),
        )
    )[0]
    token = json_body(client.get(f"{BASE}/tokens/{created['token']}.json"))[0]
    assert token["service_request_id"] == created["service_request_id"]
    item = json_body(client.get(f"{BASE}/requests/{created['service_request_id']}.json"))[0]
    assert item["status"] == "open"
    text = json.dumps(item, ensure_ascii=False)
    for secret in ("홍길동", "resident@example.kr", "010-1234-5678", "010-2222-3333", RRN):
        assert secret not in text


# --- keys: command and admin -----------------------------------------------------------------


def test_open311_key_command(district, open311_board, service):
    out = StringIO()
    call_command("open311_key", "create", "민원 앱", "--organization", "testgu", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    key = Open311Key.objects.get()
    assert key.prefix == raw[:8] and raw not in key.key_hash and len(key.key_hash) == 64
    from sotong.petitions.open311.keys import hash_key, open311_key_authenticate

    assert key.key_hash == hash_key(raw)
    assert open311_key_authenticate(raw) == key

    out = StringIO()
    call_command("open311_key", "list", stdout=out)
    assert "민원 앱" in out.getvalue() and raw not in out.getvalue()

    call_command("open311_key", "revoke", key.prefix, stdout=StringIO())
    key.refresh_from_db()
    assert not key.active
    assert open311_key_authenticate(raw) is None
    with pytest.raises(CommandError):
        call_command("open311_key", "create", "앱", "--organization", "nowhere")
    with pytest.raises(CommandError):
        call_command("open311_key", "revoke", "zzzzzzzz")


def test_key_services_are_audited_and_permission_checked(district, resident):
    from django.core.exceptions import PermissionDenied

    from sotong.core.audit.models import AuditEvent
    from sotong.petitions.open311.keys import open311_key_create

    with pytest.raises(PermissionDenied):
        open311_key_create(actor=resident, organization=district, name="앱")
    key, raw = open311_key_create(actor=None, organization=district, name="앱")
    event = AuditEvent.objects.get(action="petitions.open311_key.create")
    assert raw not in json.dumps(event.after) and event.after["prefix"] == key.prefix


def test_admin_issues_a_key_once(rf, admin_user, district):
    from django.contrib import admin as django_admin

    from sotong.petitions.open311.admin import Open311KeyAdmin

    model_admin = Open311KeyAdmin(Open311Key, django_admin.site)
    request = rf.post("/admin/petitions/open311key/add/")
    request.user = admin_user
    form_class = model_admin.get_form(request)
    form = form_class(data={"organization": district.pk, "name": "콜센터"})
    assert form.is_valid(), form.errors
    obj = form.save(commit=False)
    model_admin.save_model(request, obj, form, change=False)
    key = Open311Key.objects.get()
    assert obj.pk == key.pk
    response = model_admin.response_add(request, obj)
    response.render()
    raw = request._open311_raw_key
    assert raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert key.key_hash != raw and key.prefix == raw[:8]
    assert not model_admin.has_delete_permission(request, key)


def test_admin_refuses_a_key_to_a_non_manager(rf, officer, district):
    from django.contrib import admin as django_admin

    from sotong.petitions.open311.admin import Open311KeyAdmin

    request = rf.post("/admin/petitions/open311key/add/")
    request.user = officer
    form = Open311KeyAdmin(Open311Key, django_admin.site).get_form(request)(
        data={"organization": district.pk, "name": "앱"}
    )
    assert not form.is_valid()
    assert "organization" in form.errors
