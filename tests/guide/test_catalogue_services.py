"""services_catalogue: create, update, publish, review, saved and viewed services."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from sotong.core.audit.models import AuditEvent
from sotong.guide.catalogue import services as catalogue
from sotong.guide.models import EligibilityRule, SavedService, Service, ServiceView

pytestmark = pytest.mark.django_db

BASE = {
    "name": "어르신 교통비 지원",
    "summary": "만 65세 이상 어르신의 교통비를 지원합니다.",
    "field": "livelihood",
    "provider_name": "테스트구청",
    "provider_kind": "district",
}


@pytest.fixture
def editor(officer):
    officer.user_permissions.add(Permission.objects.get(codename="change_service"))
    return type(officer).objects.get(pk=officer.pk)


def make(actor=None, organization=None, **extra):
    return catalogue.service_create(actor=actor, organization=organization, **{**BASE, **extra})


def test_create_with_facets_and_rules_is_audited(editor, district):
    service = make(
        editor,
        district,
        life_stages=["senior"],
        target_groups=["low_income", "disabled"],
        rules=[{"kind": "age", "params": {"min": 65}, "text": ""}],
    )
    assert service.life_stages and service.target_groups
    assert catalogue.facet_values(service, "target_groups") == ["disabled", "low_income"]
    assert EligibilityRule.objects.filter(service=service, kind="age").count() == 1
    event = AuditEvent.objects.get(action="services.service.create")
    assert event.after["name"] == BASE["name"]
    assert event.after["life_stages"] == ["senior"]


def test_required_fields_unknown_facets_and_urls_are_refused_in_korean(district):
    with pytest.raises(ValidationError) as exc:
        catalogue.service_create(
            actor=None,
            organization=district,
            name=" ",
            summary="",
            field="",
            provider_name="",
            provider_kind="district",
            target_groups=["martians"],
            apply_online_url="javascript:alert(1)",
        )
    errors = exc.value.message_dict
    assert "target_groups" in errors and "martians" in errors["target_groups"][0]
    assert "대상 특성" in errors["target_groups"][0]
    with pytest.raises(ValidationError) as exc:
        make(None, district, name="", summary="", apply_online_url="javascript:alert(1)")
    errors = exc.value.message_dict
    assert errors["name"] == ["서비스명을 입력하세요."]
    assert "summary" in errors
    assert "http" in errors["apply_online_url"][0]
    assert not Service.objects.exists()


def test_bad_rule_is_refused_with_its_number(district):
    with pytest.raises(ValidationError) as exc:
        make(None, district, rules=[{"kind": "age", "params": {"min": 65}}, {"kind": "zodiac"}])
    assert "2번째" in exc.value.message_dict["rules"][0]
    assert not Service.objects.exists()


def test_permissions(officer, editor, other_officer, resident, district, city, admin_user):
    with pytest.raises(PermissionDenied):
        make(other_officer, district)  # staff without the permission
    with pytest.raises(PermissionDenied):
        make(resident, district)
    with pytest.raises(PermissionDenied):
        make(editor, city)  # another organisation
    with pytest.raises(PermissionDenied):
        make(editor, None)  # national: superusers only
    assert make(admin_user, None).organization is None
    editor.staff.active = False
    editor.staff.save()
    editor = type(editor).objects.get(pk=editor.pk)
    with pytest.raises(PermissionDenied):
        make(editor, district)


def test_can_see_service(editor, resident, district):
    from sotong.guide.catalogue.permissions import can_see_service

    service = make(editor, district)
    service.published = False
    assert can_see_service(editor, service)
    assert not can_see_service(resident, service)
    assert not can_see_service(None, service)
    service.published = True
    assert can_see_service(resident, service) and can_see_service(None, service)


def test_update_audits_a_diff_and_replaces_rules(editor, district):
    service = make(editor, district, rules=[{"kind": "age", "params": {"min": 65}}])
    catalogue.service_update(
        actor=editor,
        service=service,
        benefit="월 1만 원",
        situations=["wallet"],
        rules=[{"kind": "disability", "params": {"required": True}}],
    )
    event = AuditEvent.objects.get(action="services.service.update")
    assert set(event.after) == {"benefit", "situations", "rules"}
    assert event.before["benefit"] == ""
    assert list(service.rules.values_list("kind", flat=True)) == ["disability"]
    # Nothing changed: nothing audited.
    catalogue.service_update(actor=editor, service=service, benefit="월 1만 원")
    assert AuditEvent.objects.filter(action="services.service.update").count() == 1


def test_update_calls_notify_fit(editor, district, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "sotong.guide.catalogue.notify_fit.service_changed",
        lambda *, service: calls.append(service.pk),
    )
    service = make(editor, district)
    catalogue.service_update(actor=editor, service=service, benefit="더 많이")
    assert calls == [service.pk, service.pk]


def test_publish_and_review(editor, district):
    service = make(editor, district)
    catalogue.service_set_published(actor=editor, service=service, published=False)
    assert AuditEvent.objects.filter(action="services.service.publish").count() == 1
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC), tick=False):
        with pytest.raises(ValidationError) as exc:
            catalogue.service_review(
                actor=editor, service=service, review_due=datetime.date(2026, 3, 1)
            )
        assert "review_due" in exc.value.message_dict
        service = catalogue.service_review(
            actor=editor, service=service, review_due=datetime.date(2026, 9, 1), note="확인함"
        )
    assert service.last_checked == datetime.date(2026, 3, 2)
    assert service.review_due == datetime.date(2026, 9, 1)
    event = AuditEvent.objects.get(action="services.service.review")
    assert event.reason == "확인함"


def test_save_unsave_and_views(resident, district):
    service = make(None, district)
    catalogue.service_save(actor=resident, service=service)
    catalogue.service_save(actor=resident, service=service)
    assert SavedService.objects.filter(user=resident).count() == 1
    assert catalogue.service_unsave(actor=resident, service=service)
    hidden = make(None, district, name="숨은 서비스", published=False)
    with pytest.raises(PermissionDenied):
        catalogue.service_save(actor=resident, service=hidden)

    services = [make(None, district, name=f"서비스 {i}") for i in range(catalogue.VIEWS_KEPT + 2)]
    for service in services:
        catalogue.service_view_record(user=resident, service=service)
    catalogue.service_view_record(user=resident, service=services[-1])
    rows = ServiceView.objects.filter(user=resident)
    assert rows.count() == catalogue.VIEWS_KEPT
    assert not rows.filter(service=services[0]).exists()
