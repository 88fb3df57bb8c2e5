"""Staff services of templates and campaigns, and the scheduler's and pipeline's steps."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sotong.core.audit.models import AuditEvent
from sotong.core.vocab import Interest
from sotong.notify import campaigns, pipeline
from sotong.notify.campaigns import (
    campaign_cancel,
    campaign_count,
    campaign_create,
    campaign_finish_check,
    campaign_preview,
    campaign_schedule,
    campaign_send_now,
    campaign_start_due,
    campaign_update,
    template_create,
    template_delete,
    template_preview,
    template_update,
)
from sotong.notify.models import Campaign, Delivery, Priority, Template


@pytest.fixture(autouse=True)
def woken(monkeypatch):
    calls = []
    monkeypatch.setattr(pipeline, "wake_workers", lambda *, urgent=False: calls.append(urgent))
    return calls


def actions():
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def targeted(actor, district, **fields):
    values = {
        "actor": actor,
        "organization": district,
        "kind": Campaign.Kind.TARGETED,
        "title": "한부모 저축 지원",
        "segment": {"interests": ["welfare"]},
        "channels": ["email", "sms"],
        "subject": "[{{ organization }}] 저축 지원",
        "body": "{% if dong %}{{ dong }} {% endif %}주민께 알립니다.",
        "sms_body": "{{ organization }} 저축 지원 https://gov.example.kr/a",
    }
    values.update(fields)
    return campaign_create(**values)


# --- templates ----------------------------------------------------------------------------------


def test_template_create_validates_and_audits(notify_staff, district):
    template = template_create(
        actor=notify_staff,
        organization=district,
        key="savings",
        kind="campaign",
        channel="sms",
        name="저축 안내",
        body="{{ organization }} 저축 안내",
    )
    assert template.pk
    assert actions() == ["notify.template.create"]
    with pytest.raises(ValidationError) as caught:
        template_create(
            actor=notify_staff,
            organization=district,
            key="savings",
            kind="campaign",
            channel="sms",
            name="또",
            body="x",
        )
    assert "key" in caught.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body": "{% for x in y %}{% endfor %}"}, "body"),
        ({"body": "{{ x|upper }}"}, "body"),
        ({"body": "안녕 😀"}, "body"),
        ({"body": "가" * 1001}, "body"),
        ({"channel": "kakao"}, "kakao_template_code"),
        ({"channel": "email"}, "subject"),
        ({"key": "Bad Key"}, "key"),
        ({"kind": "transactional", "key": "no.such.event"}, "key"),
    ],
)
def test_template_create_refuses(notify_staff, district, fields, field):
    values = {
        "actor": notify_staff,
        "organization": district,
        "key": "k",
        "kind": "campaign",
        "channel": "sms",
        "name": "이름",
        "body": "본문",
    }
    values.update(fields)
    with pytest.raises(ValidationError) as caught:
        template_create(**values)
    assert field in caught.value.message_dict


def test_template_rights(resident, notify_staff, district):
    with pytest.raises(PermissionDenied):
        template_create(
            actor=resident,
            organization=district,
            key="k",
            kind="campaign",
            channel="sms",
            name="n",
            body="b",
        )
    with pytest.raises(PermissionDenied):
        template_create(
            actor=notify_staff,
            organization=None,
            key="k",
            kind="campaign",
            channel="sms",
            name="n",
            body="b",
        )


def test_template_preview_lists_missing_and_counts_bytes(notify_staff, district):
    template = template_create(
        actor=notify_staff,
        organization=district,
        key="k",
        kind="campaign",
        channel="sms",
        name="n",
        body="{{ organization }} {{ 사업명 }} 안내",
        sample_context={},
    )
    preview = template_preview(template=template)
    assert preview.body == "시험구 [사업명] 안내"
    assert preview.missing == ["사업명"]
    assert preview.sms_type == "SMS"
    assert preview.sms_bytes == len("시험구 [사업명] 안내".encode("cp949"))
    preview = template_preview(template=template, context={"사업명": "가" * 50})
    assert (preview.missing, preview.sms_type) == ([], "LMS")


def test_template_update_and_delete_unless_used(notify_staff, district):
    template = template_create(
        actor=notify_staff,
        organization=district,
        key="k",
        kind="campaign",
        channel="kakao",
        name="n",
        body="{{ organization }} 안내",
        kakao_template_code="KA1",
    )
    template = template_update(actor=notify_staff, template=template, name="새 이름")
    assert template.name == "새 이름"
    with pytest.raises(ValidationError):
        template_update(actor=notify_staff, template=template, kakao_template_code="")
    targeted(notify_staff, district, channels=["kakao"], kakao_template=template)
    with pytest.raises(ValidationError):
        template_delete(actor=notify_staff, template=template)
    other = template_create(
        actor=notify_staff,
        organization=district,
        key="k2",
        kind="campaign",
        channel="sms",
        name="n",
        body="b",
    )
    template_delete(actor=notify_staff, template=other)
    assert not Template.objects.filter(pk=other.pk).exists()
    assert actions()[-1] == "notify.template.delete"


# --- campaigns ----------------------------------------------------------------------------------


def test_campaign_create_and_rules(notify_staff, emergency_staff, district):
    campaign = targeted(notify_staff, district)
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.segment["interests"] == ["welfare"]
    assert actions() == ["notify.campaign.create"]
    with pytest.raises(PermissionDenied):
        targeted(notify_staff, district, kind=Campaign.Kind.EMERGENCY)
    with pytest.raises(ValidationError) as caught:
        targeted(emergency_staff, district, kind=Campaign.Kind.EMERGENCY, promotional=True)
    assert "promotional" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        targeted(notify_staff, district, conversion_action="no.such")
    assert "conversion_action" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        targeted(notify_staff, district, channels=["kakao"])
    assert "kakao_template" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        targeted(notify_staff, district, sms_body="{{ name }}님")
    assert "sms_body" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        targeted(notify_staff, district, segment={"interests": ["nope"]})
    assert "interests" in caught.value.message_dict
    ok = targeted(notify_staff, district, conversion_action="notify.subscribed")
    assert ok.conversion_action == "notify.subscribed"


def test_campaign_update_only_drafts(notify_staff, district, subscriber_factory):
    subscriber_factory()
    campaign = targeted(notify_staff, district)
    campaign = campaign_update(
        actor=notify_staff, campaign=campaign, title="새 제목", channels=["sms"]
    )
    assert (campaign.title, campaign.channels) == ("새 제목", 2)
    campaign_schedule(actor=notify_staff, campaign=campaign, at=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError):
        campaign_update(actor=notify_staff, campaign=campaign, title="또")


def test_campaign_preview_and_count(notify_staff, district, subscriber_factory):
    subscriber_factory(promo_consent=True)
    subscriber_factory(channels=("sms",), promo_consent=True)
    subscriber_factory(interests=(Interest.CULTURE,), promo_consent=True)
    subscriber_factory()  # no consent to advertising: not counted for a promotional campaign
    campaign = targeted(notify_staff, district, promotional=True)
    previews = campaign_preview(campaign=campaign)
    assert set(previews) == {"email", "sms"}
    assert previews["email"].subject == "(광고) [시험구] 저축 지원"
    assert "List-Unsubscribe" in previews["email"].headers
    assert previews["sms"].body.startswith("(광고)[시험구] 시험구 저축 지원")
    assert previews["sms"].sms_type in {"SMS", "LMS"}
    counts = campaign_count(actor=notify_staff, campaign=campaign)
    assert counts["subscribers"] == 2
    assert counts["email"] == 1 and counts["sms"] == 2


def test_schedule_checks(notify_staff, district, subscriber_factory):
    now = timezone.now()
    campaign = targeted(notify_staff, district)
    with pytest.raises(ValidationError) as caught:
        campaign_schedule(actor=notify_staff, campaign=campaign, at=now + timedelta(hours=1))
    assert "받는 사람이 없습니다" in caught.value.messages[0]
    subscriber_factory()
    with pytest.raises(ValidationError) as caught:
        campaign_schedule(actor=notify_staff, campaign=campaign, at=now - timedelta(minutes=1))
    assert "scheduled_at" in caught.value.message_dict
    bare = targeted(notify_staff, district, sms_body="{{ dong }} 주민께")
    with pytest.raises(ValidationError) as caught:
        campaign_schedule(actor=notify_staff, campaign=bare, at=now + timedelta(hours=1))
    assert "dong" in caught.value.messages[0]
    campaign = campaign_schedule(actor=notify_staff, campaign=campaign, at=now + timedelta(hours=1))
    assert campaign.status == Campaign.Status.SCHEDULED
    assert "notify.campaign.schedule" in actions()


def test_start_due_plans_and_finish_check(notify_staff, district, subscriber_factory, woken):
    now = timezone.now()
    subscriber_factory()
    subscriber_factory(channels=("sms",))
    campaign = targeted(notify_staff, district)
    campaign_schedule(actor=notify_staff, campaign=campaign, at=now + timedelta(hours=1))
    assert campaign_start_due(now=now) == 0
    assert campaign_start_due(now=now + timedelta(hours=1)) == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.planned_count == 3
    assert woken == [False]
    assert campaign_start_due(now=now + timedelta(hours=2)) == 0
    assert not campaign_finish_check(campaign)
    Delivery.objects.filter(campaign=campaign).update(status=Delivery.Status.SENT)
    assert campaign_finish_check(campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT and campaign.finished_at
    assert actions()[-1] == "notify.campaign.finish"


def test_emergency_send_now_is_urgent(emergency_staff, district, subscriber_factory, woken):
    subscriber_factory(interests=(Interest.CULTURE,), channels=("sms",))
    campaign = campaign_create(
        actor=emergency_staff,
        organization=district,
        kind=Campaign.Kind.EMERGENCY,
        title="호우 경보",
        segment={},
        channels=[],
        sms_body="[{{ organization }}] 호우 경보. 저지대 주민은 대피하세요.",
    )
    campaign = campaign_send_now(actor=emergency_staff, campaign=campaign)
    assert campaign.status == Campaign.Status.SENDING
    # Every confirmed address, whatever the subscriber chose or is interested in.
    assert set(Delivery.objects.filter(campaign=campaign).values_list("channel", "priority")) == {
        ("email", Priority.EMERGENCY),
        ("sms", Priority.EMERGENCY),
    }
    assert woken == [True]
    assert actions()[-1] == "notify.campaign.send"


def test_cancel_sending_cancels_queued(notify_staff, district, subscriber_factory):
    subscriber_factory()
    campaign = campaign_send_now(actor=notify_staff, campaign=targeted(notify_staff, district))
    rows = list(Delivery.objects.filter(campaign=campaign).order_by("pk"))
    Delivery.objects.filter(pk=rows[0].pk).update(status=Delivery.Status.SENDING)
    with pytest.raises(ValidationError):
        campaign_cancel(actor=notify_staff, campaign=campaign, reason=" ")
    campaign = campaign_cancel(actor=notify_staff, campaign=campaign, reason="내용 오류")
    assert campaign.status == Campaign.Status.CANCELLED
    statuses = dict(Delivery.objects.filter(campaign=campaign).values_list("pk", "status"))
    assert statuses == {rows[0].pk: "sending", rows[1].pk: "cancelled"}
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.reason) == ("notify.campaign.cancel", "내용 오류")
    with pytest.raises(ValidationError):
        campaign_cancel(actor=notify_staff, campaign=campaign, reason="또")


def test_newsletter_collects_digest_at_start(notify_staff, district, subscriber_factory):
    from sotong.guide.models import FaqEntry

    subscriber_factory(frequency="weekly")
    FaqEntry.objects.create(
        title="기초연금 신청은?", answer="<p>주민센터에서</p>", category="welfare"
    )
    campaign = campaign_create(
        actor=notify_staff,
        organization=district,
        kind=Campaign.Kind.NEWSLETTER,
        title="이번 주 소식",
        segment={},
        channels=["email"],
        body="{{ organization }} 소식입니다.",
    )
    now = timezone.now() + timedelta(minutes=1)
    campaign = campaign_send_now(actor=notify_staff, campaign=campaign, now=now)
    assert [item["title"] for item in campaign.digest_items] == ["기초연금 신청은?"]
    assert campaign.digest_items[0]["interests"] == ["welfare"]
    assert campaign.planned_count == 1


def test_campaign_services_refuse_other_organisations(notify_staff, city, district):
    with pytest.raises(PermissionDenied):
        targeted(notify_staff, city)
    campaign = targeted(notify_staff, district)
    assert campaigns.campaign_finish_check(campaign) is False


@pytest.mark.django_db
def test_newsletter_items_chosen_by_staff_are_checked(notify_staff, district):
    from django.core.exceptions import ValidationError

    from sotong.notify import campaigns

    item = {
        "title": "새 복지 안내",
        "summary": "요약",
        "url": "https://example.kr/a",
        "interests": ["welfare"],
        "published_at": "2026-11-20T09:00:00+09:00",
    }
    campaign = campaigns.campaign_create(
        actor=notify_staff,
        organization=district,
        kind="newsletter",
        title="주간 소식",
        segment={},
        channels=["email"],
        subject="소식",
        body="{{ digest }}",
        digest_items=[item],
    )
    assert campaign.digest_items == [item]
    # Changing only the chosen items is a change: saved and audited.
    other = {**item, "title": "새 문화 행사", "interests": ["culture"]}
    campaigns.campaign_update(actor=notify_staff, campaign=campaign, digest_items=[other])
    campaign.refresh_from_db()
    assert campaign.digest_items == [other]
    for bad in (
        [{"title": "", "url": "https://x"}],
        [{**item, "url": "javascript:alert(1)"}],
        [{**item, "interests": ["astrology"]}],
        "not a list",
    ):
        with pytest.raises(ValidationError) as caught:
            campaigns.campaign_update(actor=notify_staff, campaign=campaign, digest_items=bad)
        assert "digest_items" in caught.value.message_dict
    with pytest.raises(ValidationError):
        campaigns.campaign_create(
            actor=notify_staff,
            organization=district,
            kind="targeted",
            title="t",
            segment={},
            channels=["sms"],
            sms_body="안내",
            digest_items=[item],
        )
