"""The eligibility questionnaire in a real Chromium: the form, its error summary and the results
page pass axe-core (desktop and 360 px), and the whole flow works by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}
FORM = "/services/eligibility/"


@pytest.fixture
def pension(db):
    from tests.guide.eligibility_data import (
        basic_pension,
        pension_parameters,
        seoul_and_seodaemun,
        service,
    )

    seoul_and_seodaemun()
    from datetime import date

    pension_parameters(date.today().year)
    service("상담 서비스", criteria="복지정책과에 문의하세요")
    service("장애인 지원", rules=[("disability", {"required": True})])
    service("청년 지원", rules=[("age", {"max": 34})])
    return basic_pension()


def test_questionnaire_and_results_are_accessible(page: Page, assert_accessible, pension):
    page.goto(FORM)
    expect(page.get_by_role("heading", level=1)).to_have_text("맞춤 서비스 찾기")
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_label("나이 (만 나이)", exact=True).fill("65")
    page.get_by_label("사는 구").select_option("seodaemun")
    page.get_by_label("가구 유형").select_option("single")
    page.get_by_label("가구 월 소득 (원)").fill("1000000")
    page.get_by_role("button", name="결과 보기").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("맞춤 서비스 찾기 결과")
    eligible = page.locator("#group-eligible").locator("xpath=..")
    expect(eligible).to_contain_text("기초연금")
    expect(eligible).to_contain_text("나이 만 65세 이상 ✓")
    expect(page.locator("#group-not_eligible").locator("xpath=..")).to_contain_text("청년 지원")
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    assert_accessible(page)


def test_errors_are_accessible(page: Page, assert_accessible, pension):
    page.goto(FORM)
    page.get_by_label("나이 (만 나이)", exact=True).fill("200")
    page.get_by_label("가구원 수 (본인 포함)").fill("0")
    page.get_by_role("button", name="결과 보기").click()
    summary = page.locator("#form-errors")
    expect(summary).to_contain_text("나이는 0부터 120 사이")
    expect(page.get_by_label("나이 (만 나이)", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    assert_accessible(page)


def test_keyboard_flow(page: Page, keyboard_reach, pension):
    page.goto(FORM)
    keyboard_reach(page, "#id_age", max_tabs=60)
    page.keyboard.type("70")
    keyboard_reach(page, "button[type=submit].primary", max_tabs=60)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("맞춤 서비스 찾기 결과")
    # 다시 하기 by keyboard clears the answers and returns to the form.
    keyboard_reach(page, "form[action$='/reset/'] button", max_tabs=80)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("맞춤 서비스 찾기")
    expect(page.get_by_label("나이 (만 나이)", exact=True)).to_have_value("")


def test_resident_saves_and_deletes_profile(
    page: Page, assert_accessible, login, resident, pension
):
    from sotong.guide.models import SavedProfile

    login(page, resident)
    page.goto(FORM)
    page.get_by_label("나이 (만 나이)", exact=True).fill("70")
    for label in ("내 정보 저장", "맞는 새 서비스가 생기면 알림 받기"):
        box = page.get_by_label(label, exact=True)  # KRDS: the label covers the box
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    page.get_by_role("button", name="결과 보기").click()
    expect(page.locator("#messages")).to_contain_text("내 정보를 저장했습니다.")
    assert SavedProfile.objects.get(user=resident).answers == {"age": 70}

    page.goto(FORM)  # prefilled, with the delete button
    expect(page.get_by_label("나이 (만 나이)", exact=True)).to_have_value("70")
    assert_accessible(page)
    page.get_by_role("button", name="저장한 내 정보 지우기").click()
    expect(page.locator("#messages")).to_contain_text("저장한 내 정보를 지웠습니다.")
    assert not SavedProfile.objects.filter(user=resident).exists()
