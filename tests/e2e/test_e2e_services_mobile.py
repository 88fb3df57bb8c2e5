"""The service guide on a phone (360 px wide, as SYSTEMS.md asks: PC and mobile): the catalogue,
a card and the eligibility questionnaire and results pass axe-core and nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}


@pytest.fixture
def pension(district):
    from sotong.guide.catalogue.services import service_create

    return service_create(
        actor=None,
        organization=district,
        name="기초연금",
        summary="만 65세 이상 어르신 가운데 소득인정액이 선정기준액 이하인 분께 매달 드리는 연금",
        field="livelihood",
        provider_name="보건복지부",
        provider_kind="central",
        apply_online_url="https://www.bokjiro.go.kr/",
        life_stages=["senior"],
        target_groups=["low_income"],
        rules=[{"kind": "age", "params": {"min": 65}}],
    )


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"the page is {width}px wide on a {MOBILE['width']}px screen"


def test_catalogue_card_and_eligibility_on_a_phone(page: Page, assert_accessible, pension):
    page.set_viewport_size(MOBILE)
    page.goto("/services/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    no_sideways_scroll(page)

    page.goto(f"/services/{pension.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("기초연금")
    assert_accessible(page)
    no_sideways_scroll(page)

    page.goto("/services/eligibility/")
    assert_accessible(page)
    no_sideways_scroll(page)
    page.get_by_label("나이", exact=False).first.fill("70")
    page.get_by_role("button", name="결과 보기").click()
    expect(page.get_by_text("기초연금").first).to_be_visible()
    assert_accessible(page)
    no_sideways_scroll(page)
