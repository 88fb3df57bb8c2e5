"""The search page and the FAQ page in a real Chromium: accessible (axe-core) in every state,
usable at 360 px, by keyboard, and without JavaScript."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}


class _Null:
    def write(self, *args, **kwargs):
        return 0

    def flush(self):
        return None


@pytest.fixture
def knowledge(city):
    from sotong.guide.models import FaqEntry

    entries = [
        FaqEntry.objects.create(
            title=f"거주자우선주차 신청 안내 {n}",
            answer="거주자우선주차는 구청 주차관리과에서 신청합니다. 주차 구획을 배정받습니다.",
            category="transport",
            source="seoul120",
            source_id=str(n),
            organization=city,
            attribution="출처: 서울특별시 120다산콜재단 「120 주요질문」",
        )
        for n in range(1, 24)
    ]
    entries.append(
        FaqEntry.objects.create(
            title="아빠 육아휴직 장려금",
            answer="남성근로자의 육아휴직을 장려합니다.",
            category="welfare",
            source="seoul120",
            source_id="100",
            organization=city,
            attribution="출처: 서울특별시 120다산콜재단 「120 주요질문」",
        )
    )
    call_command("search_reindex", stdout=_Null(), stderr=_Null())
    return entries


def _check(page: Page, assert_accessible) -> None:
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.mark.parametrize(
    "path",
    [
        "/search",
        "/search?q=%EC%A3%BC%EC%B0%A8",  # 주차: three pages of results
        "/search?q=%EC%A3%BC%EC%B0%A8&page=2",
        "/search?q=%EC%9A%B0%EC%A3%BC%EC%84%A0",  # 우주선: nothing found
        "/search?q=%EC%A3%BC%EC%B0%A8&type=nope&category=nope&page=abc",
    ],
)
def test_search_page_states_are_accessible(page: Page, assert_accessible, knowledge, path):
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("검색")
    _check(page, assert_accessible)


def test_results_have_kind_link_mark_and_current_page(page: Page, knowledge):
    page.goto("/search?q=%EC%A3%BC%EC%B0%A8&page=2")
    results = page.get_by_role("region", name="검색 결과")
    expect(results.locator("mark").first).to_be_visible()
    expect(results.get_by_text("자주 묻는 질문").first).to_be_visible()
    pages = page.get_by_role("navigation", name="검색 결과 쪽 이동")
    expect(pages.locator("[aria-current='page']")).to_have_text("현재 2쪽")


def test_search_from_the_header_by_keyboard(page: Page, keyboard_reach, knowledge):
    page.goto("/")
    keyboard_reach(page, "#header-search-q")
    page.keyboard.type("아빠 육아휴직")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    link = page.get_by_role("link", name="아빠 육아휴직 장려금")
    expect(link).to_be_visible()
    expect(page.locator("#search-q")).to_have_value("아빠 육아휴직")


def test_search_and_filters_work_without_javascript(browser: Browser, live_server, knowledge):
    context = browser.new_context(
        base_url=live_server.url, locale="ko-KR", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/search")
        page.fill("#search-q", "육아휴직")
        page.select_option("#search-category", "복지")
        page.get_by_role("button", name="검색", exact=True).last.click()
        page.wait_for_url("**/search?q=*")
        expect(page.get_by_role("link", name="아빠 육아휴직 장려금")).to_be_visible()
        expect(page.locator("#search-category")).to_have_value("복지")
    finally:
        context.close()


def test_faq_page_is_accessible(page: Page, assert_accessible, knowledge):
    entry = knowledge[-1]
    response = page.goto(entry.get_absolute_url())
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("아빠 육아휴직 장려금")
    expect(page.get_by_text("출처: 서울특별시 120다산콜재단")).to_be_visible()
    _check(page, assert_accessible)
