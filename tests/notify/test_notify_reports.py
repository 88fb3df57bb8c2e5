"""Campaign reports: counts, failures by reason, clicks, conversions, series, CSV rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sotong.notify.conversions import conversion_record
from sotong.notify.models import Campaign, Click, Delivery
from sotong.notify.reports import campaign_report, campaign_report_rows


@pytest.fixture
def campaign(district, notify_staff):
    return Campaign.objects.create(
        organization=district,
        kind=Campaign.Kind.TARGETED,
        title="저축 지원",
        status=Campaign.Status.SENDING,
        sms_body="안내",
        conversion_action="notify.subscribed",
        conversion_days=10,
        created_by=notify_staff,
    )


def row(campaign, subscriber, channel, status, sent_at=None, code=""):
    return Delivery.objects.create(
        campaign=campaign,
        subscriber=subscriber,
        channel=channel,
        priority=campaign.priority,
        status=status,
        sent_at=sent_at,
        failure_code=code,
    )


def test_report_counts_and_conversions(
    campaign, subscriber_factory, resident, django_assert_num_queries
):
    sent_at = timezone.now() - timedelta(days=5)
    a = subscriber_factory(user=resident)
    b, c, d, e = (subscriber_factory() for _ in range(4))
    da = row(campaign, a, "email", "delivered", sent_at)
    row(campaign, a, "sms", "sent", sent_at)
    db = row(campaign, b, "sms", "sent", sent_at)
    row(campaign, c, "sms", "failed", code="invalid_number")
    row(campaign, d, "sms", "failed", code="invalid_number")
    row(campaign, e, "email", "failed", code="http_503")
    row(campaign, subscriber_factory(), "sms", "queued")
    Click.objects.create(delivery=da, url="https://x.kr")
    Click.objects.create(delivery=da, url="https://x.kr")
    Click.objects.create(delivery=db, url="https://x.kr")
    # a acts through the account, within the window; b acted before being told; c was never told.
    conversion_record(action="notify.subscribed", user=resident, at=sent_at + timedelta(days=2))
    conversion_record(action="notify.subscribed", subscriber=b, at=sent_at - timedelta(days=1))
    conversion_record(action="notify.subscribed", subscriber=c, at=sent_at + timedelta(days=1))
    with django_assert_num_queries(9):
        report = campaign_report(campaign)
    assert report.recipients == 6
    assert report.deliveries == 7
    assert (report.sent, report.delivered, report.failed) == (3, 1, 3)
    assert report.failed_by_code == {"invalid_number": 2, "http_503": 1}
    assert report.by_channel["sms"] == {"sent": 2, "failed": 2, "queued": 1}
    assert (report.clicks, report.clicked_deliveries) == (3, 2)
    assert (report.told, report.converted) == (2, 1)
    assert report.conversion_percent == 50
    assert report.conversion_label == "알림 구독 신청"
    assert sum(point["sent"] for point in report.series) == 3
    assert sum(point["clicks"] for point in report.series) == 3


def test_conversion_window_closes(campaign, subscriber_factory):
    sent_at = timezone.now() - timedelta(days=30)
    a = subscriber_factory()
    row(campaign, a, "sms", "sent", sent_at)
    conversion_record(action="notify.subscribed", subscriber=a, at=sent_at + timedelta(days=11))
    report = campaign_report(campaign)
    assert (report.told, report.converted, report.conversion_percent) == (1, 0, 0)


def test_report_rows_have_no_personal_data(campaign, subscriber_factory):
    subscriber = subscriber_factory(email="secret@example.kr", phone="01055556666")
    row(campaign, subscriber, "sms", "failed", code="invalid_number")
    row(campaign, subscriber, "email", "sent", timezone.now())
    rows = campaign_report_rows(campaign)
    assert rows[0] == ["채널", "상태", "실패 사유", "건수"]
    assert ["문자(SMS·LMS)", "실패", "invalid_number", 1] in rows
    assert ["합계", "받는 사람", "", 1] in rows
    flat = " ".join(str(cell) for line in rows for cell in line)
    assert "secret" not in flat and "0105555" not in flat


def test_empty_campaign_report(campaign):
    report = campaign_report(campaign)
    assert (report.recipients, report.told, report.conversion_rate, report.series) == (
        0,
        0,
        None,
        [],
    )
