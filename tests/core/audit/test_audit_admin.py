"""The read-only admin of audit events. Each admin login goes through the real TOTP stage, which
is slow, so each test checks several things of one page."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from sotong.accounts.models import User
from sotong.core.audit import audit_record
from sotong.core.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditevent_changelist")


@pytest.fixture
def events(district, city):
    # Late evening in UTC is already the next day in Seoul, whose dates the admin filters by.
    with time_machine.travel(datetime.datetime(2024, 5, 1, 23, 30, tzinfo=datetime.UTC)):
        made = [
            audit_record(actor=None, action="petition.assign", obj=district, reason="배정")
            for _ in range(20)
        ]
        made.append(audit_record(actor=None, action="org.organization.update", obj=city))
    return made


def test_list_shows_events_in_few_queries(
    admin_client, events, district, django_assert_num_queries
):
    with django_assert_num_queries(10):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 21
    assert "delete_selected" not in response.content.decode()
    # Twenty more rows (still one page) cost no query more: nothing is read per row.
    with time_machine.travel(datetime.datetime(2024, 5, 2, 9, 0, tzinfo=datetime.UTC)):
        for _ in range(20):
            audit_record(actor=None, action="petition.assign", obj=district, reason="배정")
    with django_assert_num_queries(10):
        response = admin_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 41


def test_list_filters_and_searches(admin_client, events, city):
    day = timezone.localdate(events[-1].created_at)
    cases = {
        "action=org.organization.update": {"org.organization.update"},
        "q=petition": {"petition.assign"},
        "q=배정": {"petition.assign"},
        f"organization__id__exact={city.pk}": {"org.organization.update"},
        f"created_at__year={day.year}&created_at__month={day.month}&created_at__day={day.day}": {
            "petition.assign",
            "org.organization.update",
        },
        "created_at__year=2001": set(),
    }
    for query, actions in cases.items():
        response = admin_client.get(f"{CHANGELIST}?{query}")
        assert response.status_code == 200, query
        assert {event.action for event in response.context["cl"].result_list} == actions, query


def test_detail_is_read_only_and_nothing_can_be_written(admin_client, events):
    event = events[0]
    response = admin_client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert event.hash in page
    assert 'name="_save"' not in page

    for view, args in [("add", []), ("change", [event.pk]), ("delete", [event.pk])]:
        response = admin_client.post(
            reverse(f"admin:audit_auditevent_{view}", args=args), {"post": "yes", "reason": "x"}
        )
        assert response.status_code == 403, view
    assert AuditEvent.objects.get(pk=event.pk).reason == "배정"
    assert AuditEvent.objects.count() == 21


def test_residents_are_sent_to_the_admin_login(client, resident, events):
    client.force_login(resident)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_need_the_view_permission(client, staff_login, events):
    clerk = User.objects.create_user(
        email="clerk@testgu.go.kr", password="correct-horse-9", is_staff=True
    )
    staff_login(client, clerk)
    assert client.get(CHANGELIST).status_code == 403

    clerk.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    assert client.get(CHANGELIST).status_code == 200
