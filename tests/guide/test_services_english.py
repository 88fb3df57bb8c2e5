"""The service guide in English: once a visitor chooses English, no Korean is left in the
interface of its pages — catalogue, card, print view, eligibility questionnaire and results,
"my services", the helper request form and list. Data (service names and texts, organisation
names) stays as recorded."""

from __future__ import annotations

import re

import pytest

from sotong.guide.catalogue.services import service_create

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[가-힣]+")
LANGUAGE_SWITCH = re.compile(r'<form method="post" action="/i18n/setlang/".*?</form>', re.S)
OPTION_VALUE = re.compile(r'<option value="[^"]*"')
# <title> and Open Graph/Twitter tags repeat the service's name and summary (data).
META_CONTENT = re.compile(r'<meta [^>]*content="[^"]*"[^>]*>')
HREF = re.compile(r'href="[^"]*"')


@pytest.fixture
def english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


@pytest.fixture
def service(district):
    return service_create(
        actor=None,
        organization=district,
        name="기초연금",
        summary="어르신의 안정된 노후를 돕습니다.",
        field="livelihood",
        provider_name="보건복지부",
        provider_kind="central",
        target="만 65세 이상",
        criteria="소득인정액이 선정기준액 이하",
        benefit="월 최대 342,510원",
        application_period="연중",
        apply_visit="주민센터",
        apply_phone="129",
        documents="신분증",
        receiving_office="주소지 주민센터",
        contact="보건복지상담센터 129",
        life_stages=["senior"],
        target_groups=["low_income"],
        values=["safety"],
        situations=["wallet"],
        interests=["welfare"],
        rules=[{"kind": "age", "params": {"min": 65}}],
    )


def data_of(service, district) -> list[str]:
    return [
        district.name,
        district.parent.name,
        service.name,
        service.summary,
        service.provider_name,
        service.target,
        service.criteria,
        service.benefit,
        service.application_period,
        service.apply_visit,
        service.documents,
        service.receiving_office,
        service.contact,
        "신촌동",
    ]


def korean_left(html: str, data: list[str]) -> list[str]:
    assert '<html lang="en">' in html
    html = LANGUAGE_SWITCH.sub("", html)  # it offers 한국어 (the print view has none)
    html = OPTION_VALUE.sub("<option", html)
    html = META_CONTENT.sub("", html)
    html = HREF.sub("", html)
    for value in sorted(data, key=len, reverse=True):
        html = html.replace(value, "")
    return [html[max(m.start() - 60, 0) : m.end() + 60] for m in HANGUL.finditer(html)]


@pytest.mark.parametrize(
    "path",
    [
        "/services/",
        "/services/?stage=senior",
        "/services/{pk}/",
        "/services/{pk}/print",
        "/services/eligibility/",
        "/services/eligibility/?service={pk}",
    ],
)
def test_public_pages_of_the_guide_have_no_korean_left(english, service, district, path):
    response = english.get(path.format(pk=service.pk))
    assert response.status_code == 200, path
    assert korean_left(response.content.decode(), data_of(service, district)) == []


def test_eligibility_results_have_no_korean_left(english, service, district):
    response = english.post(
        "/services/eligibility/", {"age": "70", "organization": "testgu"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Eligible" in html or "eligible" in html
    assert korean_left(html, data_of(service, district)) == []


@pytest.mark.parametrize(
    "path", ["/services/mine", "/services/help/", "/services/help/new?service={pk}"]
)
def test_resident_pages_of_the_guide_have_no_korean_left(
    english, service, district, resident, path
):
    english.force_login(resident)
    response = english.get(path.format(pk=service.pk))
    assert response.status_code == 200, path
    assert korean_left(response.content.decode(), data_of(service, district)) == []


@pytest.mark.parametrize(
    "path",
    [
        "/services/staff/review",
        "/services/staff/import",
        "/services/help/staff/",
        "/services/help/staff/helpers",
    ],
)
def test_staff_pages_of_the_guide_have_no_korean_left(
    client, staff_login, officer, service, district, path
):
    from django.contrib.auth.models import Permission

    officer.user_permissions.add(
        Permission.objects.get(content_type__app_label="services", codename="change_service"),
        Permission.objects.get(content_type__app_label="helpdesk", codename="coordinate_help"),
    )
    staff_login(client, officer)
    client.get("/")  # shows (and so drops) the Korean "logged in" message of the login
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(path)
    assert response.status_code == 200, path
    data = [*data_of(service, district), officer.staff.name, officer.staff.department.name]
    if path == "/services/staff/import":
        # The file layout's column names and the labels a file uses are Korean by definition.
        from sotong.guide.catalogue.rows import HEADERS

        data += [*HEADERS, "어르신", "전생애"]
    assert korean_left(response.content.decode(), data) == []
