"""The resident pages of notify in a real Chromium: subscribe (also with its error summary),
confirm by code, the e-mail link landing, manage, my subscriptions and unsubscribe pass axe-core
at desktop and 360 px, and their forms work by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _clean_cache():
    """The database cache holds the rate limits and is not flushed between live-server tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dongs(district, city):
    from sotong.org.models import Dong

    Dong.objects.create(organization=district, name="충현동")
    Dong.objects.create(organization=district, name="천연동")
    Dong.objects.create(organization=city, name="시청동")


@pytest.fixture
def subscriber_factory(district):
    """An ACTIVE subscriber of the test district with a confirmed e-mail and phone (the notify
    conftest's factory is not visible from this folder)."""
    from django.utils import timezone

    from sotong.core.vocab import Interest, to_mask
    from sotong.notify.addresses import email_hash, phone_hash
    from sotong.notify.models import Subscriber, channel_mask

    def make(**fields):
        now = timezone.now()
        values = {
            "organization": district,
            "status": Subscriber.Status.ACTIVE,
            "email": "sub@example.kr",
            "email_hash": email_hash("sub@example.kr"),
            "email_confirmed_at": now,
            "phone": "01098765432",
            "phone_hash": phone_hash("01098765432"),
            "phone_confirmed_at": now,
            "channels": channel_mask(["email", "sms"]),
            "interests": to_mask(Interest, [Interest.WELFARE]),
        }
        values.update(fields)
        return Subscriber.objects.create(**values)

    return make


def _tick(page: Page, label: str) -> None:
    """Ticks a KRDS checkbox the way a keyboard user does (its label covers the input box)."""
    box = page.get_by_label(label, exact=True)
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()


def _both_sizes(page: Page, assert_accessible) -> None:
    assert_accessible(page)
    page.set_viewport_size(MOBILE)
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.set_viewport_size({"width": 1280, "height": 800})


def _code(subscriber) -> str:
    from sotong.notify.models import Notification

    return (
        Notification.objects.filter(
            event="notify.confirm_sms", ref=f"notify.Subscriber:{subscriber.pk}"
        )
        .latest("pk")
        .context["code"]
    )


def test_subscribe_page_with_errors_then_by_keyboard(
    page: Page, assert_accessible, keyboard_reach, dongs, district
):
    from sotong.notify.models import Subscriber

    response = page.goto("/notify/subscribe")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("알림 구독 신청")
    _both_sizes(page, assert_accessible)

    # Submit empty: the error summary and per-field errors are accessible too.
    page.get_by_role("button", name="구독 신청").click()
    expect(page.locator(".sotong-error-summary")).to_be_visible()
    expect(page.locator(".sotong-error-summary")).to_contain_text("받는 방법을 하나 이상 고르세요")
    _both_sizes(page, assert_accessible)

    # Then fill it in by keyboard from the top of the page.
    page.goto("/notify/subscribe")
    keyboard_reach(page, "select[name='organization']", max_tabs=60)
    page.get_by_label("기관(시·구)").select_option(label="시험구")
    _tick(page, "문자(SMS·LMS)")
    page.get_by_label("휴대전화 번호").fill("010-1234-5678")
    _tick(page, "복지")
    _tick(page, "위 개인정보 수집·이용과 알림 수신에 동의합니다. (필수)")
    page.get_by_role("button", name="구독 신청").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("구독 확인")
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "pending"
    _both_sizes(page, assert_accessible)

    # Wrong code: an error tied to the field; then the right one, typed by keyboard.
    page.get_by_label("인증번호 6자리").fill(
        "000000" if _code(subscriber) != "000000" else "111111"
    )
    page.get_by_role("button", name="확인", exact=True).click()
    expect(page.locator(".sotong-field-errors")).to_contain_text("인증번호가 맞지 않습니다")
    _both_sizes(page, assert_accessible)
    keyboard_reach(page, "input[name='code']", max_tabs=60)
    page.keyboard.type(_code(subscriber))
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("구독이 시작되었습니다")
    _both_sizes(page, assert_accessible)
    subscriber.refresh_from_db()
    assert subscriber.status == "active"


def test_email_link_landing(page: Page, assert_accessible, keyboard_reach, district):
    from sotong.notify import subscriptions as subs
    from sotong.notify.models import Notification

    subscriber = subs.subscriber_subscribe(
        actor=None,
        organization=district,
        email="hong@example.kr",
        channels=["email"],
        interests=["welfare"],
    )
    url = Notification.objects.get(event="notify.confirm_email").context["confirm_url"]
    page.goto("/notify/confirm/email/" + url.rsplit("/", 1)[-1])
    _both_sizes(page, assert_accessible)
    keyboard_reach(page, "main button[type='submit']", max_tabs=60)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("구독이 시작되었습니다")
    _both_sizes(page, assert_accessible)
    subscriber.refresh_from_db()
    assert subscriber.status == "active"
    page.goto("/notify/confirm/email/not-a-token")
    page.get_by_role("button", name="구독 확인").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("쓸 수 없는 링크입니다")
    assert_accessible(page)


def test_manage_page(page: Page, assert_accessible, keyboard_reach, dongs, subscriber_factory):
    from sotong.notify import subscriptions as subs

    subscriber = subscriber_factory()
    page.goto(subs.manage_url(subscriber))
    expect(page.get_by_role("heading", level=1)).to_contain_text("알림 구독 설정")
    _both_sizes(page, assert_accessible)
    page.get_by_label("새 휴대전화 번호").fill("+44 7700 900123")
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".sotong-error-summary")).to_contain_text("국내 휴대전화 번호만")
    _both_sizes(page, assert_accessible)
    page.get_by_label("새 휴대전화 번호").fill("")
    _tick(page, "일자리")
    keyboard_reach(page, "main button[type='submit']", max_tabs=120)
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("저장했습니다")
    subscriber.refresh_from_db()
    from sotong.core.vocab import Interest, from_mask

    assert "jobs" in from_mask(Interest, subscriber.interests)


def test_unsubscribe_page_by_keyboard(
    page: Page, assert_accessible, keyboard_reach, subscriber_factory
):
    from sotong.notify import subscriptions as subs

    subscriber = subscriber_factory()
    page.goto(subs.unsubscribe_url(subscriber))
    expect(page.get_by_role("heading", level=1)).to_have_text("알림 수신 거부")
    _both_sizes(page, assert_accessible)
    subscriber.refresh_from_db()
    assert subscriber.status == "active"
    keyboard_reach(page, "main button[type='submit']", max_tabs=60)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("구독을 해지했습니다")
    _both_sizes(page, assert_accessible)
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"


def test_my_subscriptions(
    page: Page, assert_accessible, keyboard_reach, login, resident, subscriber_factory
):
    subscriber_factory(user=resident)
    login(page, resident)
    page.goto("/notify/my")
    expect(page.get_by_role("heading", level=1)).to_have_text("내 알림 구독")
    _both_sizes(page, assert_accessible)
    keyboard_reach(page, "main a[href^='/notify/manage/']", max_tabs=60)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("알림 구독 설정")
