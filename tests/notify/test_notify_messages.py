"""Rendering an outbox row into the message a transport sends (`messages.build_outgoing`)."""

import pytest
from django.test import override_settings
from django.utils import timezone

from sotong.core.vocab import Interest
from sotong.notify import messages
from sotong.notify.messages import SELECT_RELATED, Unsendable, build_outgoing
from sotong.notify.models import Campaign, Delivery, Notification, Priority, Subscriber, Template
from sotong.notify.transactional import Event, register_event

SITE = "https://sotong.example.kr"


@pytest.fixture(autouse=True)
def _fresh_caches():
    messages.clear_caches()
    with override_settings(SITE_URL=SITE, NOTIFY_OPT_OUT_PHONE="080-123-4567"):
        yield
    messages.clear_caches()


def make_campaign(district, user, **fields):
    values = {
        "organization": district,
        "kind": Campaign.Kind.TARGETED,
        "title": "한부모 저축 지원",
        "status": Campaign.Status.SENDING,
        "subject": "[{{ organization }}] 저축 지원 안내",
        "body": "{% if dong %}{{ dong }} {% endif %}주민께 알립니다. 신청: https://gov.example.kr/apply.",
        "sms_body": "{{ organization }} 저축 지원 신청 https://gov.example.kr/apply",
        "created_by": user,
    }
    values.update(fields)
    return Campaign.objects.create(**values)


def deliver(campaign, subscriber, channel):
    delivery = Delivery.objects.create(
        campaign=campaign, subscriber=subscriber, channel=channel, priority=campaign.priority
    )
    return Delivery.objects.select_related(*SELECT_RELATED).get(pk=delivery.pk)


def test_campaign_email_renders_tracks_links_and_carries_unsubscribe(
    district, notify_staff, subscriber_factory
):
    from sotong.org.models import Dong

    dong = Dong.objects.create(organization=district, name="충현동")
    subscriber = subscriber_factory(dong=dong)
    campaign = make_campaign(district, notify_staff)
    out = build_outgoing(deliver(campaign, subscriber, "email"), now=timezone.now())
    assert out.channel == "email"
    assert out.to == subscriber.email
    assert out.subject == "[시험구] 저축 지원 안내"
    assert out.body.startswith("충현동 주민께 알립니다. 신청: https://sotong.example.kr/notify/l/")
    assert "https://gov.example.kr/apply" not in out.body  # rewritten to a tracked link
    assert out.key == f"d{out.delivery_id}"
    unsubscribe = out.headers["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{SITE}/notify/") and unsubscribe.endswith(">")
    assert out.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in out.body  # the footer link too


def test_tracked_link_leads_back_to_the_address(client, district, notify_staff, subscriber_factory):
    from sotong.notify.models import Click

    campaign = make_campaign(district, notify_staff)
    delivery = deliver(campaign, subscriber_factory(), "sms")
    out = build_outgoing(delivery, now=timezone.now())
    tracked = out.body.split()[-1]
    response = client.get(tracked.removeprefix(SITE))
    assert response.status_code == 302
    assert response["Location"] == "https://gov.example.kr/apply"
    assert Click.objects.filter(delivery=delivery).count() == 1


def test_campaign_sms_promotional_rules(district, notify_staff, subscriber_factory):
    campaign = make_campaign(district, notify_staff, promotional=True)
    subscriber = subscriber_factory(promo_consent=True)
    out = build_outgoing(deliver(campaign, subscriber, "sms"), now=timezone.now())
    assert out.channel == "sms"
    assert out.body.startswith("(광고)[시험구] 시험구 저축 지원 신청 https://")
    assert out.body.endswith("\n무료수신거부 080-123-4567")
    email = build_outgoing(deliver(campaign, subscriber, "email"), now=timezone.now())
    assert email.subject.startswith("(광고) ")
    assert "수신 거부: https://" in email.body


def test_promotional_without_consent_is_unsendable(district, notify_staff, subscriber_factory):
    campaign = make_campaign(district, notify_staff, promotional=True)
    with pytest.raises(Unsendable) as caught:
        build_outgoing(deliver(campaign, subscriber_factory(), "sms"), now=timezone.now())
    assert caught.value.code == "no_promo_consent"


def test_long_sms_becomes_lms_with_title(district, notify_staff, subscriber_factory):
    campaign = make_campaign(district, notify_staff, sms_body="가" * 60)
    out = build_outgoing(deliver(campaign, subscriber_factory(), "sms"), now=timezone.now())
    assert out.subject == "한부모 저축 지원"
    short = make_campaign(district, notify_staff, sms_body="짧은 문자")
    out = build_outgoing(deliver(short, subscriber_factory(), "sms"), now=timezone.now())
    assert out.subject == ""


def test_too_long_and_missing_variables_are_unsendable(district, notify_staff, subscriber_factory):
    long = make_campaign(district, notify_staff, sms_body="가" * 1001)
    with pytest.raises(Unsendable) as caught:
        build_outgoing(deliver(long, subscriber_factory(), "sms"), now=timezone.now())
    assert caught.value.code == "too_long"
    missing = make_campaign(district, notify_staff, sms_body="{{ dong }} 주민께")
    with pytest.raises(Unsendable) as caught:
        build_outgoing(deliver(missing, subscriber_factory(), "sms"), now=timezone.now())
    assert caught.value.code == "missing_variables"
    assert caught.value.detail == "dong"


def test_unsubscribed_after_planning_is_skipped(district, notify_staff, subscriber_factory):
    campaign = make_campaign(district, notify_staff)
    subscriber = subscriber_factory()
    delivery = deliver(campaign, subscriber, "email")
    Subscriber.objects.filter(pk=subscriber.pk).update(status=Subscriber.Status.UNSUBSCRIBED)
    delivery = Delivery.objects.select_related(*SELECT_RELATED).get(pk=delivery.pk)
    with pytest.raises(Unsendable) as caught:
        build_outgoing(delivery, now=timezone.now())
    assert caught.value.code == "unsubscribed"


def test_withdrawn_channel_is_skipped_except_for_emergencies(
    district, notify_staff, subscriber_factory
):
    subscriber = subscriber_factory(channels=("sms",))
    targeted = make_campaign(district, notify_staff)
    with pytest.raises(Unsendable) as caught:
        build_outgoing(deliver(targeted, subscriber, "email"), now=timezone.now())
    assert caught.value.code == "channel_withdrawn"
    emergency = make_campaign(district, notify_staff, kind=Campaign.Kind.EMERGENCY)
    out = build_outgoing(deliver(emergency, subscriber, "email"), now=timezone.now())
    assert out.channel == "email"


def test_kakao_with_template_and_fallback(district, notify_staff, subscriber_factory):
    template = Template.objects.create(
        organization=district,
        key="savings",
        kind=Template.Kind.CAMPAIGN,
        channel="kakao",
        name="저축 안내",
        body="[{{ organization }}] {{ 사업명 }} 신청을 받습니다.",
        kakao_template_code="KA01TP0001",
    )
    campaign = make_campaign(
        district, notify_staff, kakao_template=template, kakao_variables={"사업명": "희망저축"}
    )
    out = build_outgoing(
        deliver(campaign, subscriber_factory(channels=("kakao",)), "kakao"), now=timezone.now()
    )
    assert out.channel == "kakao"
    assert out.body == "[시험구] 희망저축 신청을 받습니다."
    assert out.kakao.template_code == "KA01TP0001"
    assert out.kakao.variables == {"organization": "시험구", "사업명": "희망저축"}
    assert out.kakao.fallback_text.startswith("시험구 저축 지원 신청 https://sotong.example.kr/")


def test_emergency_kakao_without_template_goes_as_sms(district, notify_staff, subscriber_factory):
    campaign = make_campaign(
        district, notify_staff, kind=Campaign.Kind.EMERGENCY, sms_body="호우 경보. 대피하세요."
    )
    out = build_outgoing(
        deliver(campaign, subscriber_factory(channels=("kakao",)), "kakao"), now=timezone.now()
    )
    assert out.channel == "sms"
    assert out.body == "호우 경보. 대피하세요."


def test_newsletter_digest_filtered_by_interest(district, notify_staff, subscriber_factory):
    items = [
        {
            "title": "복지 소식",
            "summary": "요약",
            "url": "https://gov.example.kr/w",
            "interests": ["welfare"],
        },
        {
            "title": "교통 소식",
            "summary": "",
            "url": "https://gov.example.kr/t",
            "interests": ["transport"],
        },
        {"title": "모두의 소식", "summary": "", "url": "", "interests": []},
    ]
    campaign = make_campaign(
        district,
        notify_staff,
        kind=Campaign.Kind.NEWSLETTER,
        body="이번 주 소식입니다.",
        sms_body="",
        digest_items=items,
    )
    out = build_outgoing(
        deliver(campaign, subscriber_factory(interests=(Interest.WELFARE,)), "email"),
        now=timezone.now(),
    )
    assert out.body.startswith(
        "이번 주 소식입니다.\n\n■ 복지 소식\n요약\n자세히 보기: https://sotong"
    )
    assert "교통 소식" not in out.body
    assert "모두의 소식" in out.body
    sms_out = build_outgoing(
        deliver(campaign, subscriber_factory(interests=(Interest.TRANSPORT,)), "sms"),
        now=timezone.now(),
    )
    assert sms_out.body.startswith(
        "이번 주 소식입니다.\n\n■ 교통 소식\nhttps://sotong.example.kr/notify/l/"
    )
    with pytest.raises(Unsendable) as caught:
        only = make_campaign(
            district, notify_staff, kind=Campaign.Kind.NEWSLETTER, digest_items=items[:1]
        )
        build_outgoing(
            deliver(only, subscriber_factory(interests=(Interest.HEALTH,)), "email"),
            now=timezone.now(),
        )
    assert caught.value.code == "no_items"


def test_cancelled_campaign_is_unsendable(district, notify_staff, subscriber_factory):
    campaign = make_campaign(district, notify_staff, status=Campaign.Status.CANCELLED)
    with pytest.raises(Unsendable) as caught:
        build_outgoing(deliver(campaign, subscriber_factory(), "sms"), now=timezone.now())
    assert caught.value.code == "cancelled"


def test_campaign_content_cached_per_version(
    district, notify_staff, subscriber_factory, django_assert_num_queries
):
    campaign = make_campaign(district, notify_staff)
    rows = [deliver(campaign, subscriber_factory(), "sms") for _ in range(5)]
    build_outgoing(rows[0], now=timezone.now())
    with django_assert_num_queries(0):
        for row in rows[1:]:
            build_outgoing(row, now=timezone.now())
    Campaign.objects.filter(pk=campaign.pk).update(sms_body="바뀐 문자", updated_at=timezone.now())
    row = Delivery.objects.select_related(*SELECT_RELATED).get(pk=rows[0].pk)
    assert build_outgoing(row, now=timezone.now()).body == "바뀐 문자"


# --- transactional notifications ---------------------------------------------------------------

EVENT = Event(
    key="tests.h4_answered",
    label="시험 답변",
    channels=("email", "sms", "kakao"),
    templates={
        "email": ("[{{ organization }}] 답변", "{{ name }}님, 답변이 등록되었습니다."),
        "sms": ("", "{{ name }}님 답변 등록"),
        "kakao": ("", "{{ name }}님, 답변이 등록되었습니다."),
    },
    kakao_template_code="KA_ANSWER",
)


def notification_delivery(district, channel, context, **fields):
    register_event(EVENT)
    notification = Notification.objects.create(
        event=EVENT.key,
        organization=district,
        to_email="a@example.kr",
        to_phone="01012345678",
        context=context,
        **fields,
    )
    delivery = Delivery.objects.create(
        notification=notification, channel=channel, priority=Priority.TRANSACTIONAL
    )
    return Delivery.objects.select_related(*SELECT_RELATED).get(pk=delivery.pk)


def test_notification_uses_event_default_text(district):
    out = build_outgoing(notification_delivery(district, "email", {"name": "홍길동"}))
    assert (out.subject, out.body, out.to) == (
        "[시험구] 답변",
        "홍길동님, 답변이 등록되었습니다.",
        "a@example.kr",
    )
    assert "List-Unsubscribe" not in out.headers
    sms_out = build_outgoing(notification_delivery(district, "sms", {"name": "홍길동"}))
    assert (sms_out.channel, sms_out.body, sms_out.to) == (
        "sms",
        "홍길동님 답변 등록",
        "01012345678",
    )
    kakao = build_outgoing(notification_delivery(district, "kakao", {"name": "홍길동"}))
    assert kakao.kakao.template_code == "KA_ANSWER"
    assert kakao.kakao.fallback_text == "홍길동님 답변 등록"


def test_notification_organisation_template_overrides_platform(district):
    Template.objects.create(
        key=EVENT.key, kind="transactional", channel="sms", name="플랫폼", body="플랫폼 {{ name }}"
    )
    out = build_outgoing(notification_delivery(district, "sms", {"name": "홍"}))
    assert out.body == "플랫폼 홍"
    Template.objects.create(
        organization=district,
        key=EVENT.key,
        kind="transactional",
        channel="sms",
        name="구",
        body="구 {{ name }}",
    )
    messages.clear_caches()
    out = build_outgoing(notification_delivery(district, "sms", {"name": "홍"}))
    assert out.body == "구 홍"


def test_notification_missing_variable_and_unknown_event(district):
    with pytest.raises(Unsendable) as caught:
        build_outgoing(notification_delivery(district, "sms", {}))
    assert (caught.value.code, caught.value.detail) == ("missing_variables", "name")
    delivery = notification_delivery(district, "sms", {"name": "홍"})
    Notification.objects.filter(pk=delivery.notification_id).update(event="tests.nope")
    delivery = Delivery.objects.select_related(*SELECT_RELATED).get(pk=delivery.pk)
    with pytest.raises(Unsendable) as caught:
        build_outgoing(delivery)
    assert caught.value.code == "unknown_event"
