"""Helpers (민원도우미) in a real Chromium: the resident's form and request page (with the
survey), the coordinator's queue and dashboard and the helper's case page pass axe-core and
their main actions work by keyboard.

Staff log in without the TOTP step (settings.SOTONG_STAFF_MFA_REQUIRED = False, the explicit
switch for tests of pages other than the login); tests/helpdesk/test_help_views.py logs staff in
through TOTP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}


def _fresh(user):
    from sotong.accounts.models import User

    return User.objects.get(pk=user.pk)


@pytest.fixture
def coordinator(head):
    from django.contrib.auth.models import Permission

    head.user_permissions.add(
        Permission.objects.get(content_type__app_label="helpdesk", codename="coordinate_help")
    )
    return _fresh(head)


@pytest.fixture
def helper(officer):
    from sotong.helpdesk import services as services_help

    return services_help.helper_create(actor=None, staff=officer.staff, capacity=3)


@pytest.fixture
def requested(resident, district):
    from sotong.helpdesk import services as services_help

    return services_help.help_request_create(
        actor=resident,
        organization=district,
        message="기초연금 신청서를 쓰는 법을 알려 주세요.",
        contact_method="phone",
        contact_phone="010-1234-5678",
    )


def _staff(page, login, settings, user):
    settings.SOTONG_STAFF_MFA_REQUIRED = False
    login(page, user)


def test_resident_form_accessible_and_submits_by_keyboard(
    page: Page, login, assert_accessible, keyboard_reach, resident, district
):
    login(page, resident)
    page.goto("/services/help/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("민원도우미 신청")
    assert_accessible(page)
    page.get_by_role("button", name="신청하기").click()
    expect(page.get_by_role("alert")).to_contain_text("입력한 내용을 확인해 주세요")
    assert_accessible(page)
    page.get_by_label("도움 받을 기관").select_option(label="시험구")
    page.get_by_label("도움 받고 싶은 내용").fill("서류 쓰는 것을 도와주세요.")
    page.get_by_label("연락처(전화번호)").fill("01012345678")
    keyboard_reach(page, "button[type=submit].primary", max_tabs=80)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("도우미 신청 제")
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    assert_accessible(page)


def test_resident_request_page_with_survey(
    page: Page, login, assert_accessible, resident, requested, coordinator, helper, officer
):
    from django.utils import timezone

    from sotong.helpdesk import services as services_help

    services_help.help_assign(actor=coordinator, request=requested, helper=helper)
    services_help.help_contact_add(
        actor=officer, request=requested, at=timezone.now(), channel="phone", note="내부"
    )
    services_help.help_complete(
        actor=officer, request=requested, outcome="applied", result="신청을 마쳤습니다."
    )
    login(page, resident)
    page.goto(f"/services/help/{requested.pk}/")
    expect(page.get_by_role("heading", name="만족도 조사")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="평가 보내기").click()
    expect(page.get_by_role("alert")).to_contain_text("만족도를 고르세요")
    assert_accessible(page)
    page.locator("label[for=id_survey-satisfaction_0]").click()
    page.locator("label[for=id_survey-kindness_0]").click()
    page.get_by_role("button", name="평가 보내기").click()
    expect(page.get_by_text("만족도 5점, 친절도 5점")).to_be_visible()
    assert_accessible(page)
    page.goto("/services/help/")
    assert_accessible(page)


def test_coordinator_queue_dashboard_and_assign(
    page: Page, login, settings, assert_accessible, keyboard_reach, coordinator, helper, requested
):
    _staff(page, login, settings, coordinator)
    page.goto("/services/help/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("민원도우미 배정")
    assert_accessible(page)
    keyboard_reach(page, f"a[href='/services/help/staff/{requested.pk}/']", max_tabs=80)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("도우미 신청 제")
    assert_accessible(page)
    page.locator("#id_assign-helper").select_option(str(helper.pk))
    page.get_by_role("button", name="배정하기").click()
    expect(page.get_by_text("도우미를 배정했습니다.")).to_be_visible()
    assert_accessible(page)
    page.goto("/services/help/staff/helpers")
    expect(page.get_by_role("heading", level=1)).to_have_text("도우미 현황")
    assert_accessible(page)
    page.get_by_role("button", name="도우미로 지정").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)


def test_helper_case_page_contacts_and_phone(
    page: Page, login, settings, assert_accessible, coordinator, helper, officer, requested
):
    from sotong.helpdesk import services as services_help

    services_help.help_assign(actor=coordinator, request=requested, helper=helper)
    _staff(page, login, settings, officer)
    page.goto("/services/help/staff/mine")
    assert_accessible(page)
    page.goto(f"/services/help/staff/{requested.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="연락처 보기").click()
    expect(page.locator("#help-phone")).to_have_text("010-1234-5678")
    assert_accessible(page)
    page.get_by_label("내용 (내부 기록)").fill("전화로 서류를 안내했습니다.")
    page.get_by_role("button", name="기록하기").click()
    expect(page.get_by_text("연락 기록을 남겼습니다.")).to_be_visible()
    page.locator("#id_complete-outcome").select_option("informed")
    page.get_by_label("결과 내용 (신청인에게 보임)").fill("안내를 마쳤습니다.")
    page.get_by_role("button", name="완료하기").click()
    expect(page.get_by_text("도움을 완료했습니다.", exact=False)).to_be_visible()
    assert_accessible(page)
