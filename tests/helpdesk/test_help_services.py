"""Helpers (민원도우미): the state changes of `services_help`, their permissions, audit trail and
notifications, and the events registered for them. The fixtures here are shared with
`test_help_views.py` (imported there)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sotong.core.audit.models import AuditEvent
from sotong.guide.models import Service
from sotong.helpdesk import events as events_help
from sotong.helpdesk import queries as queries_help
from sotong.helpdesk import services as svc
from sotong.helpdesk.models import Helper, HelpRequest, HelpSurvey
from sotong.notify.models import Channel, Notification
from sotong.notify.sms import SMS_MAX_BYTES, byte_length
from sotong.notify.templating import template_missing, template_render

pytestmark = pytest.mark.django_db

Status = HelpRequest.Status


def _fresh(user):
    from sotong.accounts.models import User

    return User.objects.get(pk=user.pk)


@pytest.fixture
def coordinator(head):
    """The department head, coordinator of the district's helpers."""
    head.user_permissions.add(
        Permission.objects.get(content_type__app_label="helpdesk", codename="coordinate_help")
    )
    return _fresh(head)


@pytest.fixture
def helper(officer):
    return svc.helper_create(actor=None, staff=officer.staff, capacity=2, introduction="복지 담당")


@pytest.fixture
def other_helper(other_officer):
    return svc.helper_create(actor=None, staff=other_officer.staff, capacity=5)


@pytest.fixture
def foreign(city):
    """A coordinator and a helper of another organisation (the city)."""
    from sotong.accounts.models import User
    from sotong.org.models import Staff

    user = User.objects.create_user(
        email="coord@city.go.kr", password="correct-horse-9", display_name="시청코디"
    )
    staff = Staff.objects.create(
        user=user, organization=city, name="시청코디", position="officer", grade=6
    )
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="helpdesk", codename="coordinate_help")
    )
    helper = svc.helper_create(actor=None, staff=staff, capacity=3)
    return _fresh(user), helper


@pytest.fixture
def service(district):
    return Service.objects.create(
        organization=district,
        name="기초연금",
        summary="어르신의 생활 안정을 돕습니다.",
        field="livelihood",
        provider_name="시험구",
        provider_kind="district",
    )


@pytest.fixture
def make_request(resident, district):
    def make(**fields):
        values = {
            "actor": resident,
            "organization": district,
            "message": "신청서를 어떻게 쓰는지 모르겠어요.",
            "contact_method": "phone",
            "contact_phone": "010 1234 5678",
        }
        values.update(fields)
        return svc.help_request_create(**values)

    return make


@pytest.fixture
def assigned(make_request, coordinator, helper):
    return svc.help_assign(actor=coordinator, request=make_request(), helper=helper)


def _actions(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=f"services.help.{verb}"))


# --- create ------------------------------------------------------------------------------------


def test_create_stores_phone_encrypted_and_tells_coordinators(make_request, coordinator, service):
    request = make_request(service=service, organization=None)
    assert request.status == Status.REQUESTED
    assert request.organization_id == service.organization_id
    assert HelpRequest.objects.get(pk=request.pk).contact_phone == "010-1234-5678"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM services_helprequest WHERE id = %s", [request.pk])
        assert "1234" not in str(cursor.fetchone()[0])
    note = Notification.objects.get(event="services.help.requested")
    assert note.user_id == coordinator.pk
    assert "010" not in str(note.context)
    (event,) = _actions("create")
    assert event.after["has_phone"] is True
    assert "010" not in str(event.after) and "신청서" not in str(event.after)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"message": "  "}, "message"),
        ({"message": "가" * 2001}, "message"),
        ({"contact_phone": ""}, "contact_phone"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_method": "pigeon"}, "contact_method"),
        ({"organization": None}, "organization"),
    ],
)
def test_create_refuses_bad_input_per_field(make_request, fields, field):
    with pytest.raises(ValidationError) as error:
        make_request(**fields)
    assert field in error.value.message_dict
    assert HelpRequest.objects.count() == 0


def test_create_by_visit_needs_no_phone(make_request):
    request = make_request(contact_method="visit", contact_phone="")
    assert request.contact_phone == ""


def test_create_for_someone_elses_petition_is_refused(make_request, other_resident, district):
    class FakePetition:
        pk = 1
        user_id = other_resident.pk
        organization = district

    with pytest.raises(PermissionDenied):
        make_request(petition=FakePetition())


def test_anonymous_cannot_request(make_request):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        make_request(actor=AnonymousUser())


# --- assign ------------------------------------------------------------------------------------


def test_assign_moves_to_assigned_and_notifies_resident_and_helper(
    make_request, coordinator, helper, resident, officer
):
    request = svc.help_assign(actor=coordinator, request=make_request(), helper=helper)
    assert request.status == Status.ASSIGNED and request.helper == helper
    assert request.assigned_by == coordinator.staff
    events = dict(Notification.objects.values_list("event", "user_id"))
    assert events["services.help.assigned"] == resident.pk
    assert events["services.help.assigned_helper"] == officer.pk
    resident_note = Notification.objects.get(event="services.help.assigned")
    assert resident_note.context["helper"] == "박주무"
    assert resident_note.context["url"].endswith(f"/services/help/{request.pk}/")
    (event,) = _actions("assign")
    assert event.before == {"status": "requested", "helper": None, "outcome": ""}


def test_reassign_is_audited_and_keeps_status(assigned, coordinator, other_helper):
    request = svc.help_assign(actor=coordinator, request=assigned, helper=other_helper)
    assert request.helper == other_helper and request.status == Status.ASSIGNED
    assert len(_actions("reassign")) == 1
    with pytest.raises(ValidationError):
        svc.help_assign(actor=coordinator, request=request, helper=other_helper)


def test_assign_over_capacity_is_allowed_and_reported(make_request, coordinator, helper):
    for _ in range(3):
        svc.help_assign(actor=coordinator, request=make_request(), helper=helper)
    assert queries_help.open_count(helper) == 3
    assert queries_help.over_capacity(helper)


def test_assign_refuses_other_people_and_foreign_helpers(
    make_request, officer, resident, foreign, helper, coordinator
):
    request = make_request()
    foreign_coordinator, foreign_helper = foreign
    for actor in (officer, resident, foreign_coordinator):
        with pytest.raises(PermissionDenied):
            svc.help_assign(actor=actor, request=request, helper=helper)
    with pytest.raises(ValidationError) as error:
        svc.help_assign(actor=coordinator, request=request, helper=foreign_helper)
    assert "helper" in error.value.message_dict
    svc.helper_update(actor=coordinator, helper=helper, active=False)
    with pytest.raises(ValidationError):
        svc.help_assign(actor=coordinator, request=request, helper=helper)


# --- contacts and completion ---------------------------------------------------------------


def test_first_contact_starts_the_work(assigned, officer):
    contact = svc.help_contact_add(
        actor=officer, request=assigned, at=timezone.now(), channel="phone", note="서류 안내"
    )
    assigned.refresh_from_db()
    assert assigned.status == Status.IN_PROGRESS
    assert contact.by == officer.staff
    (event,) = _actions("contact")
    assert "서류" not in str(event.after)


def test_contact_checks(assigned, officer, other_officer, coordinator):
    for actor in (other_officer, coordinator):
        with pytest.raises(PermissionDenied):
            svc.help_contact_add(
                actor=actor, request=assigned, at=timezone.now(), channel="phone", note="x"
            )
    with pytest.raises(ValidationError) as error:
        svc.help_contact_add(
            actor=officer,
            request=assigned,
            at=timezone.now() + datetime.timedelta(days=1),
            channel="fax",
            note="",
        )
    assert set(error.value.message_dict) == {"at", "channel", "note"}


def test_complete_notifies_with_survey_link(assigned, officer, resident):
    svc.help_contact_add(
        actor=officer, request=assigned, at=timezone.now(), channel="visit", note="방문 안내"
    )
    done = svc.help_complete(
        actor=officer, request=assigned, outcome="applied", result="신청을 마쳤습니다."
    )
    assert done.status == Status.DONE and done.closed_at is not None
    note = Notification.objects.get(event="services.help.done")
    assert note.user_id == resident.pk
    (event,) = _actions("complete")
    assert event.after == {"status": "done", "helper": assigned.helper_id, "outcome": "applied"}


def test_complete_needs_a_contact_unless_unreachable(assigned, officer):
    with pytest.raises(ValidationError) as error:
        svc.help_complete(actor=officer, request=assigned, outcome="applied", result="끝")
    assert "outcome" in error.value.message_dict
    done = svc.help_complete(
        actor=officer, request=assigned, outcome="unreachable", result="세 번 연락했습니다."
    )
    assert done.status == Status.DONE
    with pytest.raises(ValidationError):
        svc.help_complete(actor=officer, request=done, outcome="unreachable", result="다시")


# --- cancel and survey -----------------------------------------------------------------------


def test_resident_cancels_while_not_started(assigned, resident, other_resident, officer):
    with pytest.raises(PermissionDenied):
        svc.help_request_cancel(actor=other_resident, request=assigned)
    request = svc.help_request_cancel(actor=resident, request=assigned, reason="해결됨")
    assert request.status == Status.CANCELLED
    with pytest.raises(ValidationError):
        svc.help_request_cancel(actor=resident, request=request)


def test_no_cancel_once_in_progress(assigned, resident, officer):
    svc.help_contact_add(
        actor=officer, request=assigned, at=timezone.now(), channel="phone", note="통화"
    )
    with pytest.raises(ValidationError):
        svc.help_request_cancel(actor=resident, request=assigned)


def test_survey_once_after_done(assigned, resident, other_resident, officer):
    with pytest.raises(ValidationError):
        svc.help_survey_submit(actor=resident, request=assigned, satisfaction=5, kindness=5)
    svc.help_complete(actor=officer, request=assigned, outcome="unreachable", result="부재")
    with pytest.raises(PermissionDenied):
        svc.help_survey_submit(actor=other_resident, request=assigned, satisfaction=5, kindness=5)
    with pytest.raises(ValidationError) as error:
        svc.help_survey_submit(actor=resident, request=assigned, satisfaction=0, kindness=9)
    assert set(error.value.message_dict) == {"satisfaction", "kindness"}
    survey = svc.help_survey_submit(
        actor=resident, request=assigned, satisfaction=4, kindness=5, comment="고맙습니다"
    )
    assert (survey.satisfaction, survey.kindness) == (4, 5)
    with pytest.raises(ValidationError):
        svc.help_survey_submit(actor=resident, request=assigned, satisfaction=3, kindness=3)
    assert HelpSurvey.objects.count() == 1
    (event,) = _actions("survey")
    assert event.after == {"satisfaction": 4, "kindness": 5, "has_comment": True}


# --- the phone -------------------------------------------------------------------------------


def test_phone_view_is_logged_and_only_for_the_helper(assigned, officer, coordinator, resident):
    from sotong.core.privacy.models import PersonalDataAccess

    with pytest.raises(PermissionDenied):
        svc.help_phone_view(actor=coordinator, request=assigned)
    assert svc.help_phone_view(actor=officer, request=assigned) == "010-1234-5678"
    access = PersonalDataAccess.objects.get()
    assert access.actor_id == officer.pk and access.subject_id == resident.pk
    (event,) = _actions("phone_view")
    assert "010" not in str(event.after)


# --- helpers ---------------------------------------------------------------------------------


def test_helper_management(coordinator, officer, foreign, resident):
    helper = svc.helper_create(actor=coordinator, staff=officer.staff, capacity=3)
    assert helper.organization_id == officer.staff.organization_id
    with pytest.raises(ValidationError):
        svc.helper_create(actor=coordinator, staff=officer.staff, capacity=3)
    foreign_coordinator, _ = foreign
    with pytest.raises(PermissionDenied):
        svc.helper_update(actor=foreign_coordinator, helper=helper, capacity=5)
    with pytest.raises(PermissionDenied):
        svc.helper_update(actor=resident, helper=helper, capacity=5)
    with pytest.raises(ValidationError) as error:
        svc.helper_update(actor=coordinator, helper=helper, capacity=0, introduction="가" * 301)
    assert set(error.value.message_dict) == {"capacity", "introduction"}
    helper = svc.helper_set_active(actor=coordinator, helper=helper, active=False)
    assert not Helper.objects.get(pk=helper.pk).active
    assert [e.after for e in _actions("helper_update")] == [{"active": False}]


def test_dashboard_counts(assigned, officer, resident, coordinator, helper, make_request):
    svc.help_complete(actor=officer, request=assigned, outcome="unreachable", result="부재")
    svc.help_survey_submit(actor=resident, request=assigned, satisfaction=4, kindness=2)
    svc.help_assign(actor=coordinator, request=make_request(), helper=helper)
    (row,) = queries_help.dashboard(coordinator)
    assert (row.open_count, row.done_count, row.survey_count) == (1, 1, 1)
    assert (row.satisfaction, row.kindness) == (4, 2)


# --- events ----------------------------------------------------------------------------------


@pytest.mark.parametrize("event", events_help.EVENTS, ids=lambda e: e.key)
def test_events_render_and_sms_fits(event):
    for channel in event.channels:
        for text in event.templates[channel]:
            assert template_missing(text, event.sample_context) == []
            template_render(text, event.sample_context)
    if Channel.SMS in event.channels:
        context = {**event.sample_context, "organization": "가나다라마바사아자차", "number": 99999}
        text = template_render(event.templates[Channel.SMS][1], context)
        assert byte_length(text) <= SMS_MAX_BYTES, text
        assert event.kakao_template_code.startswith("SOTONG_HELP_")


# --- admin -------------------------------------------------------------------------------------


def test_admin_creates_and_deactivates_through_the_services(
    client, staff_login, admin_user, officer
):
    # HelperAdmin is registered by `admin.py` importing `admin_help` (admin autodiscovery).
    from django.contrib import admin as django_admin

    assert Helper in django_admin.site._registry
    staff_login(client, admin_user)
    response = client.post(
        "/admin/helpdesk/helper/add/",
        {"staff": officer.staff.pk, "capacity": 4, "introduction": "", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    helper = Helper.objects.get(staff=officer.staff)
    assert len(_actions("helper_create")) == 1
    response = client.post(
        "/admin/helpdesk/helper/",
        {"action": "deactivate", "_selected_action": [helper.pk]},
    )
    assert response.status_code == 302
    assert not Helper.objects.get(pk=helper.pk).active
    response = client.post(
        "/admin/helpdesk/helper/add/", {"staff": officer.staff.pk, "capacity": 0}
    )
    assert response.status_code == 200  # the form again with its errors
