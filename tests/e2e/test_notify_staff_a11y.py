"""The notify staff pages in a real Chromium: accessible (axe-core), reachable by keyboard, and the
"대상 수 확인" count working both with htmx and without JavaScript.

The `login` fixture makes a session without the TOTP step, so these tests switch the staff second
factor off (settings.SOTONG_STAFF_MFA_REQUIRED = False, the explicit switch for tests of pages
other than the login); tests/notify/test_notify_staff_views.py logs staff in through TOTP."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOBILE = {"width": 360, "height": 740}


@pytest.fixture
def notify_staff(officer):
    """The officer, allowed to compose and send campaigns (tests/notify/conftest.py is not
    loaded for browser tests)."""
    from django.contrib.auth.models import Permission

    officer.user_permissions.add(
        Permission.objects.get(codename="send_campaign", content_type__app_label="notify")
    )
    return officer


@pytest.fixture
def subscriber_factory(district):
    import itertools

    from sotong.core.privacy.crypto import lookup_hash
    from sotong.notify.models import Subscriber, channel_mask

    numbers = itertools.count(1)

    def make(*, interests, dong=None):
        from sotong.core.vocab import Interest, to_mask

        n = next(numbers)
        email, phone = f"e2e{n}@example.kr", f"0108{n:07d}"
        now = timezone.now()
        return Subscriber.objects.create(
            organization=district,
            dong=dong,
            status=Subscriber.Status.ACTIVE,
            email=email,
            email_hash=lookup_hash(email, purpose="notify.email"),
            email_confirmed_at=now,
            phone=phone,
            phone_hash=lookup_hash(phone, purpose="notify.phone"),
            phone_confirmed_at=now,
            channels=channel_mask(("email", "sms")),
            interests=to_mask(Interest, interests),
        )

    return make


@pytest.fixture
def staff_page(page: Page, login, settings, notify_staff, district):
    settings.SOTONG_STAFF_MFA_REQUIRED = False
    login(page, notify_staff)
    return page


@pytest.fixture
def sample(district, officer, subscriber_factory):
    from sotong.core.vocab import Interest
    from sotong.notify.models import Campaign, Channel, Template, channel_mask
    from sotong.org.models import Dong

    sinchon = Dong.objects.create(organization=district, name="신촌동")
    Dong.objects.create(organization=district, name="연희동")
    for _ in range(3):
        subscriber_factory(dong=sinchon, interests=(Interest.WELFARE,))
    subscriber_factory(interests=(Interest.CULTURE,))
    template = Template.objects.create(
        organization=district,
        key="welfare-notice",
        kind=Template.Kind.CAMPAIGN,
        channel=Channel.SMS,
        name="복지 안내",
        body="{{ name }}님, 복지 안내입니다.",
        sample_context={"name": "김주민"},
    )
    campaign = Campaign.objects.create(
        organization=district,
        kind=Campaign.Kind.TARGETED,
        title="한부모 가정 저축 계좌 안내",
        segment={"interests": [Interest.WELFARE]},
        channels=channel_mask([Channel.SMS]),
        sms_body="저축 계좌를 신청하세요.",
        created_by=officer,
    )
    return {"campaign": campaign, "template": template}


def test_dashboard_is_accessible(staff_page: Page, assert_accessible, keyboard_reach, sample):
    staff_page.goto("/notify/staff/")
    expect(staff_page.get_by_role("heading", level=1)).to_contain_text("알림 관리")
    expect(staff_page.get_by_role("table", name="발송 1건 (1/1쪽)")).to_be_visible()
    assert_accessible(staff_page)
    keyboard_reach(staff_page, "a[href='/notify/staff/campaigns/new/targeted']", max_tabs=60)
    staff_page.set_viewport_size(MOBILE)
    assert_accessible(staff_page)


def test_compose_count_with_htmx_and_errors(
    staff_page: Page, assert_accessible, keyboard_reach, sample
):
    staff_page.goto("/notify/staff/campaigns/new/targeted")
    assert_accessible(staff_page)
    staff_page.locator("#id_title").fill("복지 안내")
    staff_page.get_by_role("group", name="관심 분야").get_by_text("복지", exact=True).click()
    staff_page.get_by_role("group", name="보낼 채널").get_by_text("이메일", exact=True).click()
    # From the title, the count button is reachable by Tab and works with Enter.
    staff_page.locator("#id_title").focus()
    keyboard_reach(staff_page, "button[value='count']", max_tabs=80)
    staff_page.keyboard.press("Enter")
    expect(staff_page.locator("#count-result")).to_contain_text("받는 사람 3명")
    assert staff_page.url.endswith("/notify/staff/campaigns/new/targeted")  # htmx: no reload
    assert_accessible(staff_page)
    # The SMS byte counter follows the text.
    staff_page.get_by_label("문자 본문").fill("가" * 50)
    expect(staff_page.locator("#sms-counter")).to_contain_text("100/2000바이트 · LMS")
    # Saving without a title: the error summary links to the field.
    staff_page.locator("#id_title").fill("")
    staff_page.get_by_role("button", name="저장").click()
    summary = staff_page.locator("#form-errors")
    expect(summary).to_be_visible()
    summary.get_by_role("link").first.click()
    expect(staff_page.locator("#id_title")).to_be_focused()
    assert_accessible(staff_page)


def test_count_without_javascript(browser, live_server, settings, notify_staff, sample):
    from django.conf import settings as django_settings
    from django.test import Client

    settings.SOTONG_STAFF_MFA_REQUIRED = False
    context = browser.new_context(
        base_url=live_server.url, locale="ko-KR", java_script_enabled=False
    )
    try:
        client = Client()
        client.force_login(notify_staff)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.goto("/notify/staff/campaigns/new/targeted")
        page.locator("#id_title").fill("복지 안내")
        page.get_by_role("group", name="관심 분야").get_by_text("복지", exact=True).click()
        page.get_by_role("group", name="보낼 채널").get_by_text("문자(SMS·LMS)", exact=True).click()
        page.get_by_role("button", name="대상 수 확인").click()
        expect(page.locator("#count-result")).to_contain_text("받는 사람 3명")
        # The page came back as typed.
        expect(page.locator("#id_title")).to_have_value("복지 안내")
    finally:
        context.close()


def test_campaign_and_template_pages_are_accessible(staff_page: Page, assert_accessible, sample):
    campaign = sample["campaign"]
    template = sample["template"]
    for path in [
        f"/notify/staff/campaigns/{campaign.pk}/",
        f"/notify/staff/campaigns/{campaign.pk}/edit",
        f"/notify/staff/campaigns/{campaign.pk}/preview",
        f"/notify/staff/campaigns/{campaign.pk}/send",
        f"/notify/staff/campaigns/{campaign.pk}/cancel",
        f"/notify/staff/campaigns/{campaign.pk}/report",
        "/notify/staff/templates/",
        "/notify/staff/templates/new",
        f"/notify/staff/templates/{template.pk}/edit",
        f"/notify/staff/templates/{template.pk}/preview",
    ]:
        response = staff_page.goto(path)
        assert response is not None and response.status == 200, path
        assert_accessible(staff_page)
