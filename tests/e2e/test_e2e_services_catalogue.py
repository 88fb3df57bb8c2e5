"""The service catalogue in a real Chromium: browse with filters, the card, print, my services
and the staff review list pass axe-core, and the filter form works by keyboard."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BASE = {"summary": "요약입니다.", "provider_name": "테스트구청", "provider_kind": "district"}


@pytest.fixture
def rows(district):
    from sotong.guide.catalogue import services as catalogue

    def make(name, **extra):
        return catalogue.service_create(
            actor=None, organization=district, name=name, **{**BASE, **extra}
        )

    today = datetime.date.today()
    return [
        make(
            "어르신 교통비",
            field="livelihood",
            life_stages=["senior"],
            target_groups=["low_income"],
            apply_online_url="https://www.gov.kr/",
            apply_phone="02-120",
            review_due=today - datetime.timedelta(2),
            rules=[{"kind": "age", "params": {"min": 65}, "text": "만 65세 이상"}],
        ),
        make("청년 월세 지원", field="housing", life_stages=["young_adult"]),
    ]


def test_browse_with_filters_by_keyboard(page: Page, assert_accessible, keyboard_reach, rows):
    page.goto("/services/")
    expect(page.get_by_role("heading", level=1)).to_have_text("서비스 찾기")
    assert_accessible(page)
    keyboard_reach(page, "input[name='stage'][value='senior']", max_tabs=80)
    page.keyboard.press("Space")
    page.locator("form.sotong-catalogue-filter button[type='submit']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/services/?*stage=senior*")
    expect(page.locator(".sotong-service-item")).to_have_count(1)
    assert_accessible(page)
    page.goto("/services/?group=veteran")
    expect(page.get_by_text("조건에 맞는 서비스가 없습니다.")).to_be_visible()
    assert_accessible(page)


def test_card_print_and_mine(page: Page, assert_accessible, login, resident, rows):
    login(page, resident)
    page.goto(f"/services/{rows[0].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("어르신 교통비")
    expect(page.get_by_text("만 65세 이상")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="관심 서비스 저장").click()
    expect(page.locator("#messages")).to_contain_text("저장했습니다")
    page.goto(f"/services/{rows[0].pk}/print")
    assert_accessible(page)
    page.goto("/services/mine")
    expect(page.locator("#saved-title + ul")).to_contain_text("어르신 교통비")
    assert_accessible(page)


def test_review_list(page: Page, assert_accessible, login, settings, officer, rows):
    from django.contrib.auth.models import Permission

    settings.SOTONG_STAFF_MFA_REQUIRED = False
    officer.user_permissions.add(Permission.objects.get(codename="change_service"))
    login(page, officer)
    page.goto("/services/staff/review")
    expect(page.get_by_role("heading", level=1)).to_have_text("검토할 서비스")
    expect(page.locator("tbody tr")).to_have_count(1)
    assert_accessible(page)
