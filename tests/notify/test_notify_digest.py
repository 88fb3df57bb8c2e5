"""Digest sources of the newsletter."""

from datetime import timedelta

from django.utils import timezone

from sotong.notify.digest import (
    DigestItem,
    DigestSource,
    collect_items,
    register_source,
    registered_sources,
)
from sotong.notify.models import Campaign


def test_real_sources_are_registered():
    keys = {source.key for source in registered_sources()}
    assert {"services.faq", "notify.campaigns"} <= keys


def test_faq_and_campaign_items(district, city, notify_staff, settings):
    from sotong.guide.models import FaqEntry

    settings.SITE_URL = "https://sotong.example.kr"
    now = timezone.now()
    faq = FaqEntry.objects.create(
        title="기초연금 신청은?", answer="<p>가까운 <b>주민센터</b>에서</p>", category="welfare"
    )
    FaqEntry.objects.create(title="비공개", answer="", category="welfare", published=False)
    FaqEntry.objects.create(title="다른 기관", answer="", category="health", organization=city)
    Campaign.objects.create(
        organization=district,
        kind=Campaign.Kind.EMERGENCY,
        title="호우 경보",
        status=Campaign.Status.SENT,
        sms_body="[{{ organization }}] {{ dong }} 호우 경보. 대피하세요. {{ unsubscribe_url }}",
        planned_at=now - timedelta(hours=1),
        created_by=notify_staff,
    )
    Campaign.objects.create(
        organization=district,
        kind=Campaign.Kind.TARGETED,
        title="아직 초안",
        sms_body="x",
        created_by=notify_staff,
    )
    items = collect_items(district, now - timedelta(days=7), now + timedelta(minutes=1))
    by_title = {item["title"]: item for item in items}
    assert set(by_title) == {"기초연금 신청은?", "호우 경보"}
    assert by_title["기초연금 신청은?"]["summary"] == "가까운 주민센터에서"
    assert by_title["기초연금 신청은?"]["interests"] == ["welfare"]
    assert (
        by_title["기초연금 신청은?"]["url"] == f"https://sotong.example.kr/services/faq/{faq.pk}/"
    )
    assert by_title["호우 경보"]["summary"] == "[시험구] 호우 경보. 대피하세요."
    assert by_title["호우 경보"]["interests"] == ["disaster_safety"]
    assert items == sorted(items, key=lambda item: item["published_at"], reverse=True)
    assert collect_items(district, now + timedelta(days=1), now + timedelta(days=2)) == []


def test_a_failing_source_does_not_stop_the_others(district):
    now = timezone.now()

    def broken(organization, since, until):
        raise RuntimeError("boom")

    def one(organization, since, until):
        return [DigestItem("새 투표", "요약", "https://x.kr", ("culture",), now)]

    register_source(DigestSource("tests.h4_broken", "고장", broken))
    register_source(DigestSource("tests.h4_one", "하나", one))
    items = collect_items(district, now - timedelta(days=1), now)
    assert any(item["title"] == "새 투표" for item in items)
