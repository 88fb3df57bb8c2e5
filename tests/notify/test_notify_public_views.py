"""Resident pages of notify: every view allowed and refused, garbage input never a server error,
rate limits, the one-button unsubscribe and RFC 8058 one-click."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from sotong.notify import subscriptions as subs
from sotong.notify.models import Confirmation, Notification, Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _form(district, **extra):
    data = {
        "organization": str(district.pk),
        "channels": ["email"],
        "email": "hong@example.kr",
        "phone": "",
        "interests": ["welfare", "culture"],
        "frequency": "immediate",
        "digest_weekday": "4",
        "quiet_start": "",
        "quiet_end": "",
        "consent": "on",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def _code(subscriber) -> str:
    return (
        Notification.objects.filter(
            event="notify.confirm_sms", ref=f"notify.Subscriber:{subscriber.pk}"
        )
        .latest("pk")
        .context["code"]
    )


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


# --- subscribe ------------------------------------------------------------------------------


def test_subscribe_page(client, district):
    from sotong.org.models import Dong

    Dong.objects.create(organization=district, name="충현동")
    response = client.get("/notify/subscribe")
    assert response.status_code == 200
    html = response.content.decode()
    assert "알림 구독 신청" in html and "개인정보 수집·이용 안내" in html
    assert "<optgroup" in html and "충현동" in html  # 동 grouped by organisation, no JS needed
    assert "재난·안전" in html and "광고성 정보" in html


def test_subscribe_then_confirm_by_email(client, district):
    response = client.post("/notify/subscribe", _form(district))
    assert response.status_code == 302 and response.url == "/notify/confirm"
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "pending"
    page = client.get("/notify/confirm").content.decode()
    assert "h***@example.kr" in page or "@example.kr" in page
    assert "hong@example.kr" not in page  # masked
    token = _token(Notification.objects.get(event="notify.confirm_email").context["confirm_url"])
    landing = client.get(f"/notify/confirm/email/{token}")
    assert landing.status_code == 200 and "구독 확인" in landing.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"  # GET never confirms (mail scanners)
    done = Client().post(f"/notify/confirm/email/{token}")
    assert done.status_code == 200 and "구독이 시작되었습니다" in done.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "active"


def test_subscribe_then_confirm_by_sms_code(client, district):
    response = client.post(
        "/notify/subscribe",
        _form(district, channels=["sms", "kakao"], email="", phone="010-1234-5678"),
    )
    assert response.status_code == 302
    subscriber = Subscriber.objects.get()
    page = client.get("/notify/confirm").content.decode()
    assert "010-****-5678" in page and "인증번호" in page
    response = client.post("/notify/confirm", {"code": _code(subscriber)})
    assert response.status_code == 302
    page = client.get("/notify/confirm").content.decode()
    assert "구독이 시작되었습니다" in page
    subscriber.refresh_from_db()
    assert subscriber.status == "active"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"channels": ["sms"], "email": "", "phone": "010-123-456"}, "자릿수"),
        ({"channels": ["sms"], "email": "", "phone": "+1 415 555 2671"}, "국내 휴대전화 번호만"),
        ({"channels": ["sms"], "email": "", "phone": "02-330-1114"}, "유선전화"),
        ({"channels": ["sms"], "email": "", "phone": "공일공"}, "숫자"),
        ({"email": "hong@"}, "이메일 주소 형식"),
        ({"channels": None}, "받는 방법을 하나 이상"),
        ({"consent": None}, "동의해야"),
        ({"interests": None}, "관심 분야를 하나 이상"),
        ({"organization": ""}, "기관"),
        ({"organization": "999999"}, "목록에 있는 기관"),
        ({"organization": "'; drop table"}, "목록에 있는 기관"),
        ({"channels": ["email", "fax"]}, "목록에 있는 항목"),
        ({"interests": ["<script>"]}, "목록에 있는 항목"),
        ({"digest_weekday": "9"}, "요일"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "시각"),
        ({"quiet_start": "22:00"}, "시작과 끝"),
        ({"night_promo_consent": "on"}, "광고성 정보 수신에도"),
        ({"dong": "abc"}, "행정동"),
        ({"channels": ["email"], "email": ""}, "이메일 주소를 입력"),
        ({"email": "x" * 300 + "@example.kr"}, "너무 깁니다"),
    ],
)
def test_garbage_is_answered_in_korean_never_500(client, district, extra, message):
    response = client.post("/notify/subscribe", _form(district, **extra))
    assert response.status_code == 200
    html = response.content.decode()
    assert "입력한 내용을 확인해 주세요" in html
    assert message in html
    assert not Subscriber.objects.exists()


def test_dong_of_another_organisation(client, district, city):
    from sotong.org.models import Dong

    dong = Dong.objects.create(organization=city, name="다른동")
    response = client.post("/notify/subscribe", _form(district, dong=str(dong.pk)))
    assert response.status_code == 200 and "속한 행정동이 아닙니다" in response.content.decode()


def test_subscribe_is_rate_limited_per_ip(client, district, settings):
    settings.NOTIFY_PUBLIC_RATE_LIMITS = {"subscribe": (2, 600)}
    for n in range(2):
        assert (
            client.post("/notify/subscribe", _form(district, email=f"a{n}@example.kr")).status_code
            == 302
        )
    assert (
        client.post("/notify/subscribe", _form(district, email="a9@example.kr")).status_code == 429
    )
    other_ip = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        other_ip.post("/notify/subscribe", _form(district, email="b@example.kr")).status_code == 302
    )


def test_logged_in_resident_form_is_prefilled_and_active_at_once(client, district, resident):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=resident, email=resident.email, verified=True, primary=True)
    client.force_login(resident)
    page = client.get("/notify/subscribe").content.decode()
    assert resident.email in page
    response = client.post("/notify/subscribe", _form(district, email=resident.email))
    assert response.status_code == 302
    subscriber = Subscriber.objects.get()
    assert subscriber.user == resident and subscriber.status == "active"
    assert "구독이 시작되었습니다" in client.get("/notify/confirm").content.decode()


# --- confirm --------------------------------------------------------------------------------


def test_confirm_without_a_pending_subscription(client, district):
    response = client.get("/notify/confirm")
    assert response.status_code == 200
    assert "확인할 구독 신청이 없습니다" in response.content.decode()
    assert client.post("/notify/confirm", {"code": "123456"}).status_code == 200


def test_wrong_code_six_times(client, district):
    client.post(
        "/notify/subscribe", _form(district, channels=["sms"], email="", phone="01012345678")
    )
    subscriber = Subscriber.objects.get()
    right = _code(subscriber)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    pages = [client.post("/notify/confirm", {"code": wrong}) for _ in range(5)]
    assert all(p.status_code == 200 for p in pages)
    assert "남은 횟수 4번" in pages[0].content.decode()
    assert "5번 잘못 입력" in pages[-1].content.decode()
    sixth = client.post("/notify/confirm", {"code": right})
    assert sixth.status_code == 200 and "5번 잘못 입력" in sixth.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"


@pytest.mark.parametrize("code", ["", "abc", "1" * 50, "12 34"])
def test_malformed_codes(client, district, code):
    client.post(
        "/notify/subscribe", _form(district, channels=["sms"], email="", phone="01012345678")
    )
    response = client.post("/notify/confirm", {"code": code})
    assert response.status_code == 200 and "인증번호" in response.content.decode()


def test_resend_code_is_throttled(client, district):
    client.post(
        "/notify/subscribe", _form(district, channels=["sms"], email="", phone="01012345678")
    )
    response = client.post("/notify/confirm", {"action": "resend_sms"}, follow=True)
    assert "다시 요청하세요" in response.content.decode()
    assert Confirmation.objects.count() == 1


def test_code_entry_is_rate_limited(client, district, settings):
    settings.NOTIFY_PUBLIC_RATE_LIMITS = {"confirm": (3, 600)}
    client.post(
        "/notify/subscribe", _form(district, channels=["sms"], email="", phone="01012345678")
    )
    codes = [client.post("/notify/confirm", {"code": "000000"}).status_code for _ in range(4)]
    assert codes[-1] == 429


def test_bad_and_expired_email_links(client, district, monkeypatch):
    from django.core import signing

    for token in ("nonsense", "a:b:c", "%00"):
        response = client.post(f"/notify/confirm/email/{token}")
        assert response.status_code == 404
        assert "링크" in response.content.decode()
    subs.subscriber_subscribe(
        actor=None,
        organization=district,
        email="hong@example.kr",
        channels=["email"],
        interests=["welfare"],
    )
    token = _token(Notification.objects.get().context["confirm_url"])
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + 4 * 86400)
    response = client.post(f"/notify/confirm/email/{token}")
    assert response.status_code == 404 and "기간이 지난" in response.content.decode()


# --- manage ---------------------------------------------------------------------------------


def test_manage_by_link(client, district, subscriber_factory):
    subscriber = subscriber_factory()
    url = subs.manage_url(subscriber)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert subscriber.email not in html and "구독 설정" in html
    data = {
        "channels": ["email"],
        "interests": ["jobs"],
        "frequency": "weekly",
        "digest_weekday": "0",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.frequency == "weekly" and subscriber.digest_weekday == 0
    assert subscriber.phone == ""  # SMS dropped, so the number is forgotten


def test_manage_new_phone_goes_to_confirmation(client, district, subscriber_factory):
    subscriber = subscriber_factory(
        phone="", phone_hash=None, phone_confirmed_at=None, channels=("email",)
    )
    url = subs.manage_url(subscriber)
    data = {
        "channels": ["email", "sms"],
        "interests": ["jobs"],
        "frequency": "immediate",
        "digest_weekday": "4",
        "phone": "010-5555-6666",
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == "/notify/confirm"
    page = client.get("/notify/confirm").content.decode()
    assert "010-****-6666" in page


def test_manage_garbage(client, district, subscriber_factory):
    subscriber = subscriber_factory()
    url = subs.manage_url(subscriber)
    response = client.post(
        url,
        {
            "channels": ["sms"],
            "interests": [],
            "frequency": "x",
            "phone": "+33 6 12 34 56 78",
            "dong": "zz",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "국내 휴대전화 번호만" in html and "관심 분야를 하나 이상" in html


@pytest.mark.parametrize("token", ["bad", "1:xyz", "WzEsMF0:abc"])
def test_manage_bad_link(client, district, token):
    assert client.get(f"/notify/manage/{token}").status_code == 404
    assert client.post(f"/notify/manage/{token}", {}).status_code == 404


def test_unsubscribe_token_does_not_open_manage(client, district, subscriber_factory):
    subscriber = subscriber_factory()
    token = _token(subs.unsubscribe_url(subscriber))
    assert client.get(f"/notify/manage/{token}").status_code == 404


# --- my subscriptions -----------------------------------------------------------------------


def test_my_subscriptions_needs_login(client, district):
    response = client.get("/notify/my")
    assert response.status_code == 302 and "login" in response.url


def test_my_subscriptions_are_only_mine(
    client, district, resident, other_resident, subscriber_factory
):
    mine = subscriber_factory(user=resident)
    subscriber_factory(user=other_resident, email="other.sub@example.kr")
    client.force_login(resident)
    html = client.get("/notify/my").content.decode()
    assert subs.manage_url(mine) in html
    client.force_login(other_resident)
    html = client.get("/notify/my").content.decode()
    assert subs.manage_url(mine) not in html
    assert "시험구" in html  # their own subscription is listed


def test_my_subscriptions_empty(client, resident):
    client.force_login(resident)
    response = client.get("/notify/my")
    assert (
        response.status_code == 200 and "아직 구독한 알림이 없습니다" in response.content.decode()
    )


# --- unsubscribe ----------------------------------------------------------------------------


def test_unsubscribe_get_never_unsubscribes(client, district, subscriber_factory):
    subscriber = subscriber_factory()
    response = client.get(subs.unsubscribe_url(subscriber))
    assert response.status_code == 200 and "알림 그만 받기" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "active"


def test_unsubscribe_form_needs_csrf(district, subscriber_factory):
    subscriber = subscriber_factory()
    url = subs.unsubscribe_url(subscriber)
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(url).status_code == 403
    subscriber.refresh_from_db()
    assert subscriber.status == "active"
    browser.get(url)
    token = browser.cookies["csrftoken"].value
    response = browser.post(url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200 and "구독을 해지했습니다" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"


def test_rfc8058_one_click_without_csrf(district, subscriber_factory):
    subscriber = subscriber_factory()
    url = subs.unsubscribe_url(subscriber)
    mail_provider = Client(enforce_csrf_checks=True)
    response = mail_provider.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"
    assert subscriber.consents.filter(kind="subscribe", granted=False, source="email_link").exists()
    # Again: still fine, already unsubscribed.
    assert (
        mail_provider.post(
            url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 200
    )
    assert "이미 해지" in Client().get(url).content.decode()


@pytest.mark.parametrize("token", ["garbage", "WzEsMF0:AAAA", "x" * 500])
def test_unsubscribe_bad_link(district, token):
    browser = Client()
    assert browser.get(f"/notify/unsubscribe/{token}").status_code == 404
    response = browser.post(
        f"/notify/unsubscribe/{token}",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 404


def test_unsubscribe_from_my_page(client, district, resident, subscriber_factory):
    mine = subscriber_factory(user=resident)
    client.force_login(resident)
    response = client.post(subs.unsubscribe_url(mine))
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.status == "unsubscribed"
