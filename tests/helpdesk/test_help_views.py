"""Helpers (민원도우미): the pages. Every view with an allowed and a denied case, query counts on
the lists, bad input back on the form (400, never a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from sotong.core.privacy.models import PersonalDataAccess
from sotong.helpdesk import services as svc
from sotong.helpdesk.models import Helper, HelpRequest, HelpSurvey

from . import test_help_services as cast

# The shared fixtures (bound by assignment, so that test arguments of the same name are theirs).
assigned = cast.assigned
coordinator = cast.coordinator
foreign = cast.foreign
helper = cast.helper
make_request = cast.make_request
other_helper = cast.other_helper
service = cast.service

pytestmark = pytest.mark.django_db

Status = HelpRequest.Status


def _html(response) -> str:
    return response.content.decode()


# --- resident ----------------------------------------------------------------------------------


def test_new_needs_login(client):
    response = client.get(reverse("helpdesk:new"))
    assert response.status_code == 302 and "login" in response.url


def test_new_with_service_preselects_organisation(client, resident, service, coordinator):
    client.force_login(resident)
    url = reverse("helpdesk:new") + f"?service={service.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert "기초연금" in _html(response) and 'name="organization"' not in _html(response)
    response = client.post(
        url, {"message": "도와주세요", "contact_method": "phone", "contact_phone": "02-123-4567"}
    )
    request = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("helpdesk:detail", args=[request.pk])
    assert request.service == service and request.contact_phone == "02-123-4567"


def test_new_choose_organisation_and_errors(client, resident, district):
    client.force_login(resident)
    url = reverse("helpdesk:new")
    response = client.post(url, {"message": "", "contact_method": "phone", "contact_phone": ""})
    assert response.status_code == 400
    html = _html(response)
    assert "도움을 받을 기관을 고르세요." in html and "도움 받고 싶은 내용을 입력하세요." in html
    response = client.post(
        url,
        {
            "organization": district.pk,
            "message": "서류",
            "contact_method": "phone",
            "contact_phone": "",
        },
    )
    assert response.status_code == 400
    assert "전화로 연락받으려면" in _html(response)
    assert HelpRequest.objects.count() == 0


def test_new_with_someone_elses_petition_is_404(client, resident, other_resident, district):
    from sotong.petitions.models import Board, Petition

    board = Board.objects.create(organization=district, code="b", name="게시판", kinds=["report"])
    now = timezone.now()
    petition = Petition.objects.create(
        organization=district,
        board=board,
        kind="report",
        channel="web",
        title="제목",
        body="내용",
        received_at=now,
        due_at=now,
        period="7일",
        user=other_resident,
    )
    client.force_login(resident)
    response = client.get(reverse("helpdesk:new") + f"?petition={petition.pk}")
    assert response.status_code == 404
    client.force_login(other_resident)
    response = client.get(reverse("helpdesk:new") + f"?petition={petition.pk}")
    assert response.status_code == 200 and "시험구" in _html(response)


def test_mine_lists_own_requests(
    client, resident, other_resident, make_request, django_assert_num_queries
):
    for _ in range(3):
        make_request()
    make_request(actor=other_resident, message="남의 신청")
    client.force_login(resident)
    with django_assert_num_queries(7):
        response = client.get(reverse("helpdesk:mine"))
    assert response.status_code == 200
    assert _html(response).count(reverse("helpdesk:detail", args=[1])[:-2]) >= 3
    assert "남의 신청" not in _html(response)


def test_detail_own_only_and_hides_notes(client, resident, other_resident, assigned, officer):
    svc.help_contact_add(
        actor=officer, request=assigned, at=timezone.now(), channel="phone", note="내부메모"
    )
    url = reverse("helpdesk:detail", args=[assigned.pk])
    client.force_login(other_resident)
    assert client.get(url).status_code == 404
    client.force_login(resident)
    html = _html(client.get(url))
    assert "박주무" in html and "전화" in html and "내부메모" not in html
    assert "010-1234-5678" not in html


def test_cancel_and_denied(client, resident, other_resident, make_request):
    request = make_request()
    url = reverse("helpdesk:cancel", args=[request.pk])
    client.force_login(other_resident)
    assert client.post(url).status_code == 404
    client.force_login(resident)
    assert client.post(url, {"reason": ""}).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert client.post(url).status_code == 400  # already cancelled: message on the page


def test_survey_after_done(client, resident, other_resident, assigned, officer):
    svc.help_complete(actor=officer, request=assigned, outcome="unreachable", result="부재중")
    url = reverse("helpdesk:survey", args=[assigned.pk])
    client.force_login(other_resident)
    assert client.post(url, {"survey-satisfaction": 5, "survey-kindness": 5}).status_code == 404
    client.force_login(resident)
    detail = _html(client.get(reverse("helpdesk:detail", args=[assigned.pk])))
    assert "만족도 조사" in detail and "부재중" in detail
    assert client.post(url, {"survey-satisfaction": 9}).status_code == 400
    response = client.post(url, {"survey-satisfaction": 5, "survey-kindness": 4})
    assert response.status_code == 302
    assert HelpSurvey.objects.get().kindness == 4
    assert client.post(url, {"survey-satisfaction": 5, "survey-kindness": 4}).status_code == 400


# --- coordinator -------------------------------------------------------------------------------


def test_queue_for_coordinators_only(
    client,
    staff_login,
    coordinator,
    officer,
    resident,
    make_request,
    helper,
    django_assert_num_queries,
):
    for _ in range(4):
        make_request()
    svc.help_assign(actor=coordinator, request=make_request(), helper=helper)
    url = reverse("helpdesk:queue")
    client.force_login(resident)
    assert client.get(url).status_code == 403
    staff_login(client, officer)
    assert client.get(url).status_code == 403
    staff_login(client, coordinator)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert "배정을 기다리는 신청" in _html(response)
    response = client.get(url, {"status": "assigned", "helper": str(helper.pk)})
    assert response.status_code == 200 and "박주무" in _html(response)


def test_queue_shows_only_own_organisation(client, staff_login, foreign, make_request, city):
    make_request(message="시험구의 신청")
    make_request(message="시청의 신청", organization=city)
    foreign_coordinator, _ = foreign
    staff_login(client, foreign_coordinator)
    response = client.get(reverse("helpdesk:queue"))
    assert response.status_code == 200
    assert "시청의 신청" in _html(response) and "시험구의 신청" not in _html(response)


def test_assign_view_warns_over_capacity(
    client, staff_login, coordinator, helper, make_request, officer
):
    helper.capacity = 1
    helper.save()
    svc.help_assign(actor=coordinator, request=make_request(), helper=helper)
    request = make_request()
    staff_login(client, coordinator)
    case = client.get(reverse("helpdesk:case", args=[request.pk]))
    assert case.status_code == 200 and "도우미 배정" in _html(case)
    response = client.post(
        reverse("helpdesk:assign", args=[request.pk]),
        {"assign-helper": helper.pk},
        follow=True,
    )
    assert "동시 담당 한도" in _html(response) and "넘었습니다" in _html(response)
    request.refresh_from_db()
    assert request.helper == helper
    assert (
        client.post(
            reverse("helpdesk:assign", args=[request.pk]), {"assign-helper": ""}
        ).status_code
        == 400
    )


def test_assign_denied_for_helper_and_foreign(
    client, staff_login, assigned, officer, foreign, other_helper
):
    url = reverse("helpdesk:assign", args=[assigned.pk])
    staff_login(client, officer)
    assert client.post(url, {"assign-helper": other_helper.pk}).status_code == 403
    staff_login(client, foreign[0])
    assert client.post(url, {"assign-helper": other_helper.pk}).status_code == 404


def test_helpers_dashboard_and_management(
    client,
    staff_login,
    coordinator,
    helper,
    other_officer,
    officer,
    django_assert_num_queries,
):
    url = reverse("helpdesk:helpers")
    staff_login(client, officer)
    assert client.get(url).status_code == 403
    staff_login(client, coordinator)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200 and "박주무" in _html(response)
    response = client.post(
        reverse("helpdesk:helper_create"),
        {"new-staff": other_officer.staff.pk, "new-capacity": 4, "new-introduction": "청소"},
    )
    assert response.status_code == 302
    assert Helper.objects.get(staff=other_officer.staff).capacity == 4
    response = client.post(
        reverse("helpdesk:helper_update", args=[helper.pk]),
        {f"h{helper.pk}-capacity": 0, f"h{helper.pk}-introduction": ""},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("helpdesk:helper_update", args=[helper.pk]),
        {f"h{helper.pk}-capacity": 7, f"h{helper.pk}-introduction": "안내"},
    )
    assert response.status_code == 302
    helper.refresh_from_db()
    assert (helper.capacity, helper.active) == (7, False)


# --- helper ------------------------------------------------------------------------------------


def test_staff_mine_for_helpers_only(
    client, staff_login, assigned, officer, head, django_assert_num_queries
):
    url = reverse("helpdesk:staff_mine")
    staff_login(client, head)
    assert client.get(url).status_code == 403
    staff_login(client, officer)
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert reverse("helpdesk:case", args=[assigned.pk]) in _html(response)


def test_case_page_access(client, staff_login, assigned, officer, other_officer, resident):
    url = reverse("helpdesk:case", args=[assigned.pk])
    client.force_login(resident)
    assert client.get(url).status_code == 403
    staff_login(client, other_officer)
    assert client.get(url).status_code == 404
    staff_login(client, officer)
    html = _html(client.get(url))
    assert "연락 기록 남기기" in html and "연락처 보기" in html and "010-1234-5678" not in html


def test_contact_complete_and_phone_views(client, staff_login, assigned, officer, coordinator):
    staff_login(client, officer)
    response = client.post(
        reverse("helpdesk:contact_add", args=[assigned.pk]),
        {"contact-at": "", "contact-channel": "phone", "contact-note": ""},
    )
    assert response.status_code == 400 and "연락한 일시를 입력하세요." in _html(response)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("helpdesk:contact_add", args=[assigned.pk]),
        {"contact-at": now, "contact-channel": "phone", "contact-note": "통화함"},
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == Status.IN_PROGRESS
    response = client.post(reverse("helpdesk:phone", args=[assigned.pk]))
    assert response.status_code == 200 and "010-1234-5678" in _html(response)
    assert PersonalDataAccess.objects.count() == 1
    response = client.post(
        reverse("helpdesk:complete", args=[assigned.pk]),
        {"complete-outcome": "informed", "complete-result": "안내했습니다"},
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == Status.DONE


def test_helper_actions_denied_for_coordinator(client, staff_login, assigned, coordinator):
    staff_login(client, coordinator)
    assert client.get(reverse("helpdesk:case", args=[assigned.pk])).status_code == 200
    assert client.post(reverse("helpdesk:phone", args=[assigned.pk])).status_code == 403
    response = client.post(
        reverse("helpdesk:complete", args=[assigned.pk]),
        {"complete-outcome": "informed", "complete-result": "x"},
    )
    assert response.status_code == 403
    assert PersonalDataAccess.objects.count() == 0
