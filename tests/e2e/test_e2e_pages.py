"""The base layout, home page, language switch and error pages in a real Chromium."""

from __future__ import annotations

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.urls import path
from playwright.sync_api import Page, expect

from sotong import urls as sotong_urls
from sotong.org.models import Organization

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# Views that fail, for the error pages (this module doubles as the URL configuration).
def _forbidden(request):
    raise PermissionDenied


def _bad_request(request):
    raise BadRequest("malformed")


def _server_error(request):
    raise RuntimeError("boom (raised on purpose by an e2e test)")


urlpatterns = [
    path("test/403/", _forbidden),
    path("test/400/", _bad_request),
    path("test/500/", _server_error),
    *sotong_urls.urlpatterns,
]
handler400 = getattr(sotong_urls, "handler400", None)
handler403 = sotong_urls.handler403
handler404 = sotong_urls.handler404
handler500 = sotong_urls.handler500

MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def demo_city(city):
    for code, name, name_en in [
        ("seodaemun", "서대문구", "Seodaemun-gu"),
        ("jung", "중구", "Jung-gu"),
        ("yeongdeungpo", "영등포구", "Yeongdeungpo-gu"),
    ]:
        Organization.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            kind=Organization.Kind.DISTRICT,
            parent=city,
            head_title="구청장",
        )
    return city


def _switch_language(page: Page) -> None:
    with page.expect_navigation():
        page.locator("form.sotong-language button").click()


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["360px", "desktop"])
def test_home_page_in_korean(page: Page, assert_accessible, demo_city, viewport):
    page.set_viewport_size(viewport)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page).to_have_title("첫 화면 | 소통")
    expect(page.get_by_role("heading", level=1)).to_have_text("소통")
    districts = page.locator("#city-testcity ~ .sotong-tiles a")
    expect(districts).to_have_text(["서대문구", "영등포구", "중구"])
    expect(page.get_by_role("link", name="서대문구")).to_have_attribute("href", "/org/seodaemun/")
    # Responsive: nothing scrolls sideways and every entry point stays visible, without the
    # script-driven KRDS mobile menu.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px at {viewport['width']}px"
    header = page.locator("#krds-header")
    for name in ("홈", "기관 안내", "로그인", "회원가입"):
        expect(header.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(header.locator("form.sotong-language button")).to_be_visible()
    assert_accessible(page)


def test_home_page_in_english(page: Page, assert_accessible, demo_city):
    page.goto("/")
    _switch_language(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Home | Sotong")
    expect(page.get_by_role("link", name="Seodaemun-gu")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()
    expect(page.get_by_role("link", name="Log in", exact=True).first).to_be_visible()
    expect(page.locator("#krds-footer")).to_contain_text("Accessibility policy")
    assert_accessible(page)


def test_empty_home_page(page: Page, assert_accessible):
    page.goto("/")
    expect(page.locator(".sotong-empty")).to_contain_text("아직 등록된 기관이 없습니다.")
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["360px", "desktop"])
def test_logged_in_staff_header_and_logout(
    page: Page, assert_accessible, login, officer, district, settings, viewport
):
    settings.SOTONG_STAFF_MFA_REQUIRED = False  # the second factor has its own tests
    district.name = "영등포구"
    district.save()
    login(page, officer)
    page.set_viewport_size(viewport)
    page.goto("/")
    header = page.locator("#krds-header")
    expect(header.get_by_role("link", name="영등포구")).to_be_visible()
    expect(header.get_by_role("link", name="내 정보")).to_be_visible()
    expect(header.get_by_role("link", name="로그인")).to_have_count(0)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px at {viewport['width']}px"
    assert_accessible(page)
    with page.expect_navigation():
        header.get_by_role("button", name="로그아웃").click()
    page.goto("/")
    expect(page.locator("#krds-header").get_by_role("link", name="로그인")).to_be_visible()


@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/no-such-page/", 404, "페이지를 찾을 수 없습니다"),
        ("/test/403/", 403, "이 페이지를 볼 권한이 없습니다"),
        ("/test/400/", 400, "요청을 처리할 수 없습니다"),
        ("/test/500/", 500, "일시적인 오류가 발생했습니다"),
    ],
)
def test_error_pages(page: Page, assert_accessible, settings, url, status, heading):
    settings.ROOT_URLCONF = __name__
    response = page.goto(url)
    assert response is not None and response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("link", name="첫 화면으로 가기")).to_have_attribute("href", "/")
    assert_accessible(page)


def test_skip_link_moves_focus_to_main_by_keyboard(page: Page, demo_city):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator("#krds-skip-link a")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["height"] > 0 and box["y"] >= 0, "skip link must show on focus"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    # The next Tab continues inside the main content, past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_language_switch_by_keyboard(page: Page, keyboard_reach):
    page.goto("/")
    keyboard_reach(page, "form.sotong-language button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#krds-skip-link a")).to_have_text("Skip to main content")
    keyboard_reach(page, "form.sotong-language button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("#krds-skip-link a")).to_have_text("본문 바로가기")
