"""The questionnaire pages: session-only answers, saved profiles, focus, errors, reset."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from sotong.core.audit.models import AuditEvent
from sotong.guide.eligibility.services import profile_delete, profile_save
from sotong.guide.eligibility.views import SESSION_KEY
from sotong.guide.models import SavedProfile

from .eligibility_data import basic_pension, pension_parameters, seoul_and_seodaemun, service

FORM = reverse("services:eligibility")
RESULTS = reverse("services:eligibility_results")
RESET = reverse("services:eligibility_reset")
DELETE = reverse("services:eligibility_profile_delete")

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def pension(db):
    seoul_and_seodaemun()
    pension_parameters()
    return basic_pension()


def test_form_shows_for_anyone(client, db):
    response = client.get(FORM)
    assert response.status_code == 200
    body = response.content.decode()
    assert "맞춤 서비스 찾기" in body and 'name="age"' in body
    assert 'name="save_profile"' not in body  # only for logged-in residents


def test_post_keeps_answers_in_session_only(client, pension):
    response = client.post(
        FORM,
        {
            "age": "65",
            "organization": "seodaemun",
            "monthly_income": "1000000",
            "household_type": "single",
        },
    )
    assert response.status_code == 302 and response.url == RESULTS
    assert client.session[SESSION_KEY]["age"] == 65
    assert SavedProfile.objects.count() == 0
    page = client.get(RESULTS).content.decode()
    assert "기초연금" in page and "나이 만 65세 이상 ✓" in page
    assert "받을 수 있어요" in page


def test_errors_name_the_field(client, pension):
    response = client.post(FORM, {"age": "200", "household_size": "0", "birth_date": "어제"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "나이는 0부터 120 사이" in body
    assert "가구원 수는 1부터 20 사이" in body
    assert "생년월일은 YYYY-MM-DD" in body
    assert 'aria-invalid="true"' in body
    assert SESSION_KEY not in client.session


def test_contradiction_names_both_fields(client, pension):
    body = client.post(FORM, {"age": "40", "birth_date": "1950-01-01"}).content.decode()
    assert body.count("맞지 않습니다") >= 2


def test_results_without_answers_go_to_the_form(client, db):
    response = client.get(RESULTS)
    assert response.status_code == 302 and response.url == FORM


def test_results_query_count(client, pension, django_assert_num_queries):
    client.post(FORM, {"age": "65", "organization": "seodaemun"})
    with django_assert_num_queries(4):
        response = client.get(RESULTS)
    assert response.status_code == 200
    for i in range(15):
        service(f"서비스 {i:02}", rules=[("age", {"min": i})])
    with django_assert_num_queries(4):
        response = client.get(RESULTS)
    assert response.status_code == 200


def test_long_groups_are_cut(client, pension, monkeypatch):
    from sotong.guide.eligibility import views as views_eligibility

    monkeypatch.setattr(views_eligibility, "GROUP_LIMIT", 3)
    for i in range(5):
        service(f"기준 없는 서비스 {i}")
    client.post(FORM, {"age": "65"})
    page = client.get(RESULTS).content.decode()
    assert "(5)" in page and "기준 없는 서비스 2" in page and "기준 없는 서비스 3" not in page
    assert "서비스 2개가 더 있습니다" in page


def test_focus_puts_the_service_first(client, pension):
    other = service("가나다 서비스", rules=[("age", {"min": 1})])
    client.post(FORM, {"age": "40", "service": str(pension.pk)})
    page = client.get(f"{RESULTS}?service={pension.pk}").content.decode()
    assert "찾으신 서비스" in page
    assert page.index("기초연금") < page.index(other.name)
    form = client.get(f"{FORM}?service={pension.pk}").content.decode()
    assert f'name="service" value="{pension.pk}"' in form


def test_reset_clears_the_session(client, pension):
    client.post(FORM, {"age": "65"})
    assert client.get(RESET).status_code == 405  # POST only
    response = client.post(RESET)
    assert response.status_code == 302 and SESSION_KEY not in client.session


def test_resident_saves_profile_and_gets_it_prefilled(client, resident, pension):
    client.force_login(resident)
    assert 'name="save_profile"' in client.get(FORM).content.decode()
    client.post(
        FORM,
        {"age": "65", "monthly_income": "900000", "save_profile": "on", "notify_on_match": "on"},
    )
    profile = SavedProfile.objects.get(user=resident)
    assert profile.answers == {"age": 65, "monthly_income": 900000}
    assert profile.notify_on_match is True
    event = AuditEvent.objects.filter(action="services.profile.create").get()
    assert "900000" not in str(event.after) and "900000" not in str(event.before)
    # A new session (another browser): the form is prefilled from the profile.
    client.logout()
    client.force_login(resident)
    body = client.get(FORM).content.decode()
    assert 'value="65"' in body and 'value="900000"' in body
    assert client.get(RESULTS).status_code == 200  # the profile stands in for session answers


def test_answers_not_saved_without_the_tick(client, resident, pension):
    client.force_login(resident)
    client.post(FORM, {"age": "65"})
    assert not SavedProfile.objects.exists()


def test_profile_delete(client, resident, other_resident, pension):
    profile_save(actor=other_resident, answers={"age": 30}, notify_on_match=False)
    assert client.post(DELETE).status_code == 302  # anonymous: to the login page
    assert SavedProfile.objects.count() == 1
    client.force_login(resident)
    profile_save(actor=resident, answers={"age": 65}, notify_on_match=True)
    response = client.post(DELETE)
    assert response.status_code == 302 and response.url == FORM
    assert list(SavedProfile.objects.values_list("user", flat=True)) == [other_resident.pk]
    assert AuditEvent.objects.filter(action="services.profile.delete").count() == 1


def test_profile_services_refuse_anonymous(db):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        profile_save(actor=AnonymousUser(), answers={}, notify_on_match=True)
    with pytest.raises(PermissionDenied):
        profile_delete(actor=None)


def test_stale_session_answers_are_dropped(client, pension):
    client.post(FORM, {"age": "65", "organization": "seodaemun"})
    session = client.session
    session[SESSION_KEY] = {"organization": "gone"}
    session.save()
    response = client.get(RESULTS)
    assert response.status_code == 302 and response.url == FORM
