"""Catalogue pages: browse with facets and counts, the card, print, save, mine, review list,
and the admin."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from sotong.core.audit.models import AuditEvent
from sotong.guide.catalogue import services as catalogue
from sotong.guide.models import SavedService, Service, ServiceView

pytestmark = pytest.mark.django_db

BASE = {"summary": "요약입니다.", "provider_name": "테스트구청", "provider_kind": "district"}


@pytest.fixture
def editor(officer):
    officer.user_permissions.add(Permission.objects.get(codename="change_service"))
    return type(officer).objects.get(pk=officer.pk)


@pytest.fixture
def catalogue_rows(district, city):
    def make(name, organization=district, field="livelihood", **extra):
        return catalogue.service_create(
            actor=None, organization=organization, name=name, field=field, **{**BASE, **extra}
        )

    return {
        "senior": make("어르신 교통비", life_stages=["senior"], target_groups=["low_income"]),
        "youth": make("청년 월세 지원", field="housing", life_stages=["young_adult"]),
        "all": make("평생학습 강좌", field="culture", life_stages=["lifelong"], organization=city),
        "hidden": make("비공개 서비스", life_stages=["senior"], published=False),
    }


def _facet(response, param):
    return {f.param: f for f in response.context["facets"]}[param]


def test_browse_lists_published_and_counts_facets(
    client, catalogue_rows, django_assert_num_queries
):
    with django_assert_num_queries(10):
        response = client.get(reverse("services:catalogue"))
    assert response.status_code == 200
    names = [s.name for s in response.context["services"]]
    assert names == ["어르신 교통비", "청년 월세 지원", "평생학습 강좌"]
    stage = {o.value: o.count for o in _facet(response, "stage").options}
    # 전생애 services count under every stage.
    assert stage["senior"] == 2 and stage["young_adult"] == 2 and stage["lifelong"] == 1
    # Filtering: a stage plus a field; the stage's counts ignore the stage filter itself.
    with django_assert_num_queries(10):
        response = client.get(
            reverse("services:catalogue"), {"stage": "senior", "field": "livelihood"}
        )
    assert [s.name for s in response.context["services"]] == ["어르신 교통비"]
    stage = {o.value: o.count for o in _facet(response, "stage").options}
    assert stage["young_adult"] == 0 and stage["senior"] == 1
    fields = {o.value: o.count for o in _facet(response, "field").options}
    assert fields["livelihood"] == 1 and fields["culture"] == 1
    orgs = {o.value: o.count for o in _facet(response, "org").options}
    assert orgs == {"testgu": 1}  # the city's service is of another field
    response = client.get(reverse("services:catalogue"), {"stage": "senior"})
    orgs = {o.value: o.count for o in _facet(response, "org").options}
    assert orgs == {"testgu": 1, _city_code(catalogue_rows): 1}
    assert "어르신 교통비" in response.content.decode()


def _city_code(rows):
    return rows["all"].organization.code


def test_browse_bad_values_and_empty_state(client, catalogue_rows):
    response = client.get(
        reverse("services:catalogue"), {"stage": ["nope", "senior"], "group": "veteran"}
    )
    assert response.status_code == 200
    assert response.context["dropped"]
    assert "조건에 맞는 서비스가 없습니다" in response.content.decode()


def test_browse_pages_by_twenty(client, district):
    for i in range(25):
        catalogue.service_create(
            actor=None, organization=district, name=f"서비스 {i:02d}", field="care", **BASE
        )
    response = client.get(reverse("services:catalogue"), {"page": 2})
    assert len(response.context["services"]) == 5


def test_browse_free_text_through_search(client, catalogue_rows):
    from sotong.core.search import index_objects, register
    from sotong.guide.catalogue.search import SERVICE_TYPE, service_document

    register(service_document)
    index_objects(SERVICE_TYPE, list(Service.objects.filter(published=True)))
    response = client.get(reverse("services:catalogue"), {"q": "청년 월세"})
    assert [s.name for s in response.context["services"]] == ["청년 월세 지원"]
    response = client.get(reverse("services:catalogue"), {"q": "청년 월세", "stage": "senior"})
    assert list(response.context["services"]) == []


def test_card_shows_the_service_and_records_the_view(client, resident, catalogue_rows):
    service = catalogue_rows["senior"]
    catalogue.service_update(
        actor=None,
        service=service,
        apply_online_url="https://www.gov.kr/",
        rules=[{"kind": "age", "params": {"min": 65}, "text": "만 65세 이상"}],
    )
    response = client.get(service.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert 'property="og:title" content="어르신 교통비"' in body
    assert 'property="og:url" content="http://testserver/services/' in body
    assert "만 65세 이상" in body and "https://www.gov.kr/" in body
    assert f"?service={service.pk}" in body
    assert "story.kakao.com" in body and "mailto:" in body
    assert not ServiceView.objects.exists()
    client.force_login(resident)
    client.get(service.get_absolute_url())
    assert ServiceView.objects.filter(user=resident, service=service).exists()


def test_unpublished_card_is_404_for_public_and_visible_to_its_editor(
    client, resident, editor, staff_login, catalogue_rows
):
    hidden = catalogue_rows["hidden"]
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("services:service_detail", args=[999999])).status_code == 404
    client.force_login(resident)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("services:service_print", args=[hidden.pk])).status_code == 404
    client.logout()
    staff_login(client, editor)
    assert client.get(hidden.get_absolute_url()).status_code == 200


def test_print_view(client, catalogue_rows):
    response = client.get(reverse("services:service_print", args=[catalogue_rows["senior"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "krds-header" not in body and "어르신 교통비" in body


def test_save_toggles_and_needs_login_and_post(client, resident, catalogue_rows):
    service = catalogue_rows["senior"]
    url = reverse("services:service_save", args=[service.pk])
    response = client.post(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(resident)
    assert client.get(url).status_code == 405
    client.post(url)
    assert SavedService.objects.filter(user=resident, service=service).exists()
    client.post(url)
    assert not SavedService.objects.filter(user=resident).exists()
    assert (
        client.post(
            reverse("services:service_save", args=[catalogue_rows["hidden"].pk])
        ).status_code
        == 404
    )


def test_mine(client, resident, catalogue_rows, django_assert_num_queries):
    url = reverse("services:mine")
    assert client.get(url).status_code == 302
    client.force_login(resident)
    catalogue.service_save(actor=resident, service=catalogue_rows["youth"])
    for service in Service.objects.filter(published=True):
        catalogue.service_view_record(user=resident, service=service)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["recent"]) == 3
    assert [row.service.name for row in response.context["saved"]] == ["청년 월세 지원"]


def test_review_list(
    client,
    resident,
    editor,
    other_officer,
    staff_login,
    catalogue_rows,
    django_assert_num_queries,
):
    today = datetime.date.today()
    Service.objects.filter(pk=catalogue_rows["senior"].pk).update(
        review_due=today - datetime.timedelta(3)
    )
    Service.objects.filter(pk=catalogue_rows["youth"].pk).update(
        review_due=today + datetime.timedelta(10)
    )
    Service.objects.filter(pk=catalogue_rows["hidden"].pk).update(
        review_due=today + datetime.timedelta(90)
    )
    Service.objects.filter(pk=catalogue_rows["all"].pk).update(review_due=today)  # the city's
    url = reverse("services:review_list")
    assert client.get(url).status_code == 302
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.logout()
    staff_login(client, other_officer)  # staff without the permission
    assert client.get(url).status_code == 403
    client.logout()
    staff_login(client, editor)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert [s.name for s in response.context["services"]] == ["어르신 교통비", "청년 월세 지원"]
    due = (today + datetime.timedelta(180)).isoformat()
    response = client.post(
        reverse("services:service_review", args=[catalogue_rows["senior"].pk]), {"review_due": due}
    )
    assert response.status_code == 302
    service = Service.objects.get(pk=catalogue_rows["senior"].pk)
    assert service.review_due.isoformat() == due
    assert AuditEvent.objects.filter(action="services.service.review").exists()
    past = (today - datetime.timedelta(1)).isoformat()
    client.post(
        reverse("services:service_review", args=[catalogue_rows["youth"].pk]), {"review_due": past}
    )
    assert Service.objects.get(
        pk=catalogue_rows["youth"].pk
    ).review_due != datetime.date.fromisoformat(past)


def _admin_post(name, organization, **extra):
    data = {
        "name": name,
        "summary": "요약",
        "field": "care",
        "provider_name": "구청",
        "provider_kind": "district",
        "organization": organization.pk,
        "published": "on",
        "source": "local",
        "source_id": "",
        "facet_life_stages": ["senior"],
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-order": "0",
        "rules-0-kind": "age",
        "rules-0-params": '{"min": 65}',
        "rules-0-text": "",
    }
    data.update(extra)
    return data


def test_admin_add_and_change_go_through_the_service(client, editor, staff_login, district, city):
    from django.contrib.auth.models import Permission as P

    editor.user_permissions.add(
        P.objects.get(codename="view_service"), P.objects.get(codename="add_service")
    )
    editor.is_staff = True
    editor.save()
    staff_login(client, editor)
    response = client.post(
        reverse("admin:services_service_add"), _admin_post("관리 화면 서비스", district)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    service = Service.objects.get(name="관리 화면 서비스")
    assert catalogue.facet_values(service, "life_stages") == ["senior"]
    assert service.rules.get().params["min"] == 65
    assert AuditEvent.objects.filter(
        action="services.service.create", object_id=str(service.pk)
    ).exists()
    # Another organisation's service is not even listed.
    foreign = catalogue.service_create(
        actor=None, organization=city, name="시 서비스", field="care", **BASE
    )
    response = client.get(reverse("admin:services_service_change", args=[foreign.pk]))
    # The admin answers an object outside its queryset as a missing one: back to its index.
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    response = client.post(reverse("admin:services_service_add"), _admin_post("남의 서비스", city))
    assert response.status_code == 200  # the organisation is not among the choices
    assert not Service.objects.filter(name="남의 서비스").exists()
