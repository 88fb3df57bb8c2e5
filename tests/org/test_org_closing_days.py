"""An organisation's own closing days (휴무일): the services (validation, rights, audit, the
petition deadlines' memo) and the inline on the organisation's admin page."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from sotong.org import services
from sotong.org.models import ClosingDay
from sotong.petitions import deadlines

pytestmark = pytest.mark.django_db


def soon(days=10):
    return timezone.localdate() + datetime.timedelta(days=days)


# --- services -------------------------------------------------------------------------------


def test_add_and_remove_are_audited(manager, district, audit_events):
    closing = services.closing_day_add(
        actor=manager, organization=district, day=soon(), reason="  개청기념일 임시휴무 "
    )
    assert closing.reason == "개청기념일 임시휴무"
    assert list(district.closing_days.values_list("day", flat=True)) == [soon()]
    [added] = audit_events("org.closing_day.add")
    assert added.actor_id == manager.pk
    assert added.organization_id == district.pk
    assert added.after == {"day": soon().isoformat(), "reason": "개청기념일 임시휴무"}

    services.closing_day_remove(actor=manager, closing_day=closing, reason="취소됨")
    assert not ClosingDay.objects.exists()
    [removed] = audit_events("org.closing_day.remove")
    assert removed.actor_id == manager.pk
    assert removed.organization_id == district.pk
    assert removed.before["day"] == soon().isoformat()
    assert removed.reason == "취소됨"


def test_a_reason_is_required(manager, district):
    with pytest.raises(ValidationError) as info:
        services.closing_day_add(actor=manager, organization=district, day=soon(), reason="  ")
    assert "휴무 사유를 입력하세요." in info.value.message_dict["reason"]
    assert not ClosingDay.objects.exists()


def test_days_far_back_or_far_ahead_are_refused(manager, district):
    today = timezone.localdate()
    too_old = today - datetime.timedelta(days=367)
    too_far = today + datetime.timedelta(days=2 * 366 + 1)
    with pytest.raises(ValidationError) as info:
        services.closing_day_add(actor=manager, organization=district, day=too_old, reason="옛날")
    assert "1년보다 더 지난 날" in info.value.message_dict["day"][0]
    with pytest.raises(ValidationError) as info:
        services.closing_day_add(
            actor=manager, organization=district, day=too_far, reason="먼 훗날"
        )
    assert "2년보다 더 뒤의 날" in info.value.message_dict["day"][0]
    assert not ClosingDay.objects.exists()
    # The edges themselves are accepted: a day one year back (a late correction) and two ahead.
    for day in (today - datetime.timedelta(days=360), today + datetime.timedelta(days=720)):
        services.closing_day_add(actor=manager, organization=district, day=day, reason="경계")
    assert ClosingDay.objects.count() == 2


def test_leap_day_edges():
    today = datetime.date(2028, 2, 29)
    assert services.closing_day_problems(datetime.date(2027, 2, 28), "x", today=today) == {}
    assert "day" in services.closing_day_problems(datetime.date(2027, 2, 27), "x", today=today)
    assert services.closing_day_problems(datetime.date(2030, 2, 28), "x", today=today) == {}
    assert "day" in services.closing_day_problems(datetime.date(2030, 3, 1), "x", today=today)


def test_a_duplicate_day_gets_a_korean_message(manager, district, other_district, admin_user):
    services.closing_day_add(actor=manager, organization=district, day=soon(), reason="휴무")
    with pytest.raises(ValidationError) as info:
        services.closing_day_add(actor=manager, organization=district, day=soon(), reason="또")
    assert "이 기관에 같은 날의 휴무일이 이미 있습니다." in info.value.messages
    # Another organisation may close the same day.
    services.closing_day_add(
        actor=admin_user, organization=other_district, day=soon(), reason="휴무"
    )
    assert ClosingDay.objects.count() == 2


def test_only_those_who_manage_the_organisation(
    manager, other_manager, resident, admin_user, district, audit_events
):
    for actor in (other_manager, resident):
        with pytest.raises(PermissionDenied):
            services.closing_day_add(actor=actor, organization=district, day=soon(), reason="휴무")
    assert not ClosingDay.objects.exists()
    closing = services.closing_day_add(
        actor=admin_user, organization=district, day=soon(), reason="휴무"
    )
    for actor in (other_manager, resident):
        with pytest.raises(PermissionDenied):
            services.closing_day_remove(actor=actor, closing_day=closing)
    assert ClosingDay.objects.filter(pk=closing.pk).exists()
    assert audit_events("org.closing_day.remove") == []
    services.closing_day_remove(actor=manager, closing_day=closing)
    assert not ClosingDay.objects.exists()


def test_the_deadlines_memo_is_cleared_at_once_and_on_commit(
    manager, district, django_capture_on_commit_callbacks
):
    assert deadlines.closed_days(district.pk) == frozenset()  # now kept for a minute
    with django_capture_on_commit_callbacks() as callbacks:
        closing = services.closing_day_add(
            actor=manager, organization=district, day=soon(), reason="휴무"
        )
        assert deadlines.closed_days(district.pk) == {soon()}  # at once, in this transaction
    assert deadlines.closed_days_clear in callbacks
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.closing_day_remove(actor=manager, closing_day=closing)
    assert deadlines.closed_days_clear in callbacks
    assert deadlines.closed_days(district.pk) == frozenset()


def test_the_memo_keeps_a_change_made_elsewhere_for_its_ttl(district, monkeypatch):
    """Another worker's change (a row written without this process's services) shows after the
    TTL, not before."""
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    assert deadlines.closed_days(district.pk) == frozenset()
    ClosingDay.objects.create(organization=district, day=soon(), reason="다른 워커")
    clock[0] += deadlines.CLOSED_DAYS_TTL - 1
    assert deadlines.closed_days(district.pk) == frozenset()
    clock[0] += 2
    assert deadlines.closed_days(district.pk) == {soon()}


# --- admin ----------------------------------------------------------------------------------


def organization_form(organization, *, days=(), initial=(), delete=()):
    """The organisation change form as a manager posts it (code, kind and parent read-only)."""
    data = {
        "name": organization.name,
        "name_en": organization.name_en,
        "admin_code": organization.admin_code,
        "head_title": organization.head_title,
        "address": organization.address,
        "phone": organization.phone,
        "website": organization.website,
        "description": organization.description,
        "dongs-TOTAL_FORMS": "0",
        "dongs-INITIAL_FORMS": "0",
        "dongs-MIN_NUM_FORMS": "0",
        "dongs-MAX_NUM_FORMS": "1000",
        "closing_days-TOTAL_FORMS": str(len(initial) + len(days)),
        "closing_days-INITIAL_FORMS": str(len(initial)),
        "closing_days-MIN_NUM_FORMS": "0",
        "closing_days-MAX_NUM_FORMS": "1000",
    }
    for n, closing in enumerate(initial):
        data[f"closing_days-{n}-id"] = str(closing.pk)
        data[f"closing_days-{n}-organization"] = str(organization.pk)
        if closing in delete:
            data[f"closing_days-{n}-DELETE"] = "on"
    for n, (day, reason) in enumerate(days, start=len(initial)):
        data[f"closing_days-{n}-organization"] = str(organization.pk)
        data[f"closing_days-{n}-day"] = day.isoformat()
        data[f"closing_days-{n}-reason"] = reason
    return data


def test_admin_page_shows_the_closing_days(client, manager, district):
    ClosingDay.objects.create(organization=district, day=soon(), reason="구민의 날 휴무")
    client.force_login(manager)
    body = client.get(reverse("admin:org_organization_change", args=[district.pk])).content
    body = body.decode()
    assert "구민의 날 휴무" in body
    assert "closing_days-TOTAL_FORMS" in body


def test_admin_adds_and_deletes_through_the_services(client, manager, district, audit_events):
    client.force_login(manager)
    url = reverse("admin:org_organization_change", args=[district.pk])
    response = client.post(url, organization_form(district, days=[(soon(), "태풍 피해 복구")]))
    assert response.status_code == 302, response.content.decode()[:3000]
    [closing] = ClosingDay.objects.filter(organization=district)
    assert (closing.day, closing.reason) == (soon(), "태풍 피해 복구")
    [added] = audit_events("org.closing_day.add")
    assert added.actor_id == manager.pk
    assert deadlines.closed_days(district.pk) == {soon()}

    response = client.post(url, organization_form(district, initial=[closing], delete=[closing]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not ClosingDay.objects.exists()
    [removed] = audit_events("org.closing_day.remove")
    assert removed.actor_id == manager.pk
    assert deadlines.closed_days(district.pk) == frozenset()


def test_admin_shows_the_problems_beside_the_fields(client, manager, district):
    ClosingDay.objects.create(organization=district, day=soon(5), reason="이미 있는 날")
    client.force_login(manager)
    url = reverse("admin:org_organization_change", args=[district.pk])
    too_old = timezone.localdate() - datetime.timedelta(days=400)
    for days, message in [
        ([(too_old, "옛날")], "1년보다 더 지난 날은 휴무일로 등록할 수 없습니다."),
        ([(soon(), "")], "필수 항목"),  # Django's "required" message, in Korean
        ([(soon(5), "겹침")], "이 기관에 같은 날의 휴무일이 이미 있습니다."),
    ]:
        initial = list(ClosingDay.objects.all())
        response = client.post(url, organization_form(district, initial=initial, days=days))
        assert response.status_code == 200
        assert message in response.content.decode()
    assert ClosingDay.objects.count() == 1


def test_existing_days_are_not_edited_in_the_admin(client, manager, district, audit_events):
    closing = ClosingDay.objects.create(organization=district, day=soon(), reason="원래 사유")
    client.force_login(manager)
    url = reverse("admin:org_organization_change", args=[district.pk])
    data = organization_form(district, initial=[closing])
    data["closing_days-0-reason"] = "몰래 바꾼 사유"
    data["closing_days-0-day"] = soon(20).isoformat()
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    closing.refresh_from_db()
    assert (closing.day, closing.reason) == (soon(), "원래 사유")


def test_admin_denies_other_organisations_and_residents(client, other_manager, resident, district):
    url = reverse("admin:org_organization_change", args=[district.pk])
    client.force_login(other_manager)
    response = client.post(url, organization_form(district, days=[(soon(), "남의 휴무")]))
    assert response.status_code == 302
    assert reverse("admin:org_organization_change", args=[district.pk]) not in response["Location"]
    client.force_login(resident)
    response = client.post(url, organization_form(district, days=[(soon(), "주민")]))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert not ClosingDay.objects.exists()


def test_admin_needs_the_closing_day_permissions(client, head, district):
    """A manager of the organisation whose group lacks add_closingday gets no inline to add."""
    from django.contrib.auth.models import Permission

    from sotong.accounts.models import User

    head.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="org",
            codename__in=["change_organization", "view_organization", "change_department"],
        )
    )
    head.is_staff = True
    head.save(update_fields=["is_staff"])
    head = User.objects.get(pk=head.pk)
    client.force_login(head)
    url = reverse("admin:org_organization_change", args=[district.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, organization_form(district, days=[(soon(), "권한 없음")]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not ClosingDay.objects.exists()
