"""Account pages in a real Chromium: login, signup, password reset, the staff second factor,
the profile and account deletion pass axe-core (also with errors shown and at 360 px), and the
forms work by keyboard."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-9"
MOBILE = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _clean_slate(settings):
    """The database cache (rate limits, used TOTP codes) is a table that live-server tests do not
    flush; start each test with it empty. Fast hashing keeps logins quick."""
    from django.core.cache import cache

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def _verified(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    user.set_password(PASSWORD)  # hashed again with the fast hasher
    user.save(update_fields=["password"])
    return user


def _a_wrong_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    now = time.time()
    accepted = {totp.at(now + step * 30) for step in range(-2, 3)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in accepted)


def _both_sizes(page: Page, assert_accessible) -> None:
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def _log_in(page: Page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("이메일").fill(user.email)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인", exact=True).click()


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_entrance_pages_are_accessible(page: Page, assert_accessible, path):
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_be_visible()
    _both_sizes(page, assert_accessible)


def test_login_errors_are_accessible_and_reachable_by_keyboard(
    page: Page, assert_accessible, keyboard_reach
):
    page.goto("/accounts/login/")
    keyboard_reach(page, "input[name='login']")
    page.keyboard.type("nobody@example.kr")
    page.keyboard.press("Tab")
    page.keyboard.type("wrong-password")
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("이메일 또는 비밀번호가 올바르지 않습니다.")
    _both_sizes(page, assert_accessible)


def test_signup_errors_are_tied_to_their_fields(page: Page, assert_accessible):
    page.goto("/accounts/signup/")
    page.get_by_label("이메일").fill("not-an-email")
    page.get_by_label("비밀번호", exact=False).first.fill("short")
    page.get_by_role("button", name="가입하기").click()

    email = page.locator("input[name='email']")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{email.get_attribute('aria-describedby').split()[-1]}")).to_contain_text(
        "올바른 이메일 주소를 입력하세요."
    )
    _both_sizes(page, assert_accessible)


def test_english_login_page_is_accessible(page: Page, assert_accessible):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Log in")
    assert_accessible(page)


def test_resident_edits_profile_and_sees_accessible_errors(
    page: Page, assert_accessible, resident, district
):
    from sotong.accounts.models import ResidentProfile
    from sotong.org.models import Dong

    Dong.objects.create(organization=district, name="충현동")
    _log_in(page, _verified(resident))
    page.goto("/accounts/profile/")
    _both_sizes(page, assert_accessible)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_label("이름").fill("김주민")
    page.get_by_label("전화번호").fill("12")
    page.get_by_role("button", name="저장").click()
    expect(page.locator("#id_phone-error")).to_contain_text("전화번호 형식이 올바르지 않습니다.")
    _both_sizes(page, assert_accessible)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_label("전화번호").fill("010 1234 5678")
    page.get_by_label("사는 곳(자치단체)").select_option(label="시험구")
    page.get_by_label("행정동").select_option(label="충현동")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_role("status")).to_contain_text("내 정보를 저장했습니다.")
    assert ResidentProfile.objects.get(user=resident).phone == "010-1234-5678"


def test_account_deletion_page_is_accessible(page: Page, assert_accessible, resident):
    _log_in(page, _verified(resident))
    page.goto("/accounts/delete/")

    expect(page.locator("h1")).to_have_text("회원 탈퇴")
    _both_sizes(page, assert_accessible)


def test_staff_second_factor_pages_are_accessible(page: Page, assert_accessible, officer):
    from allauth.mfa.models import Authenticator

    _log_in(page, _verified(officer))
    # No TOTP yet: every page leads to activation, after the password is confirmed again.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(page)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="확인").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    _both_sizes(page, assert_accessible)
    page.set_viewport_size({"width": 1280, "height": 800})
    secret = page.get_by_label("비밀키").input_value()
    page.get_by_label("인증 코드").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="등록").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    assert Authenticator.objects.filter(user=officer, type="totp").exists()
    assert_accessible(page)

    # Next login: the code page.
    page.context.clear_cookies()
    from django.core.cache import cache

    cache.clear()
    _log_in(page, officer)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    _both_sizes(page, assert_accessible)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#id_code").fill(_a_wrong_code(secret))
    page.get_by_role("button", name="확인").click()
    expect(page.locator(".form-hint-invalid")).to_contain_text("코드가 맞지 않습니다.")
    assert_accessible(page)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/3rdparty/",
        "/accounts/2fa/",
        "/accounts/logout/",
    ],
)
def test_account_management_pages_are_accessible(page: Page, assert_accessible, resident, path):
    _log_in(page, _verified(resident))
    response = page.goto(path)

    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_be_visible()
    _both_sizes(page, assert_accessible)


def test_the_rate_limit_page_is_accessible(page: Page, assert_accessible, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "0/h/ip"}  # every signup is over the limit
    page.goto("/accounts/signup/")
    page.get_by_label("이메일").fill("someone@example.kr")
    page.get_by_role("button", name="가입하기").click()

    expect(page.locator("h1")).to_have_text("잠시 후에 다시 시도해 주세요")
    _both_sizes(page, assert_accessible)
