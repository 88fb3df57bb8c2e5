"""Tracked links: short signed tokens, no open redirect."""

import pytest
from django.test import override_settings

from sotong.notify import links
from sotong.notify.models import Campaign, Click, Delivery, Notification, Priority


@pytest.fixture
def delivery(district, notify_staff, subscriber_factory):
    campaign = Campaign.objects.create(
        organization=district,
        kind=Campaign.Kind.TARGETED,
        title="t",
        sms_body="신청 https://gov.example.kr/apply?x=1 마감",
        digest_items=[{"title": "a", "url": "https://news.example.kr/1"}],
        created_by=notify_staff,
    )
    return Delivery.objects.create(
        campaign=campaign, subscriber=subscriber_factory(), channel="sms", priority=20
    )


@override_settings(SITE_URL="https://s.kr")
def test_token_is_short_and_follows(client, delivery):
    url = links.tracked_url(delivery.pk, "https://gov.example.kr/apply?x=1")
    assert url.startswith("https://s.kr/notify/l/")
    token = url.rsplit("/", 1)[1]
    assert len(token) <= 20
    response = client.get(url.removeprefix("https://s.kr"))
    assert response.status_code == 302
    assert response["Location"] == "https://gov.example.kr/apply?x=1"
    assert Click.objects.get().url == "https://gov.example.kr/apply?x=1"
    digest = links.tracked_url(delivery.pk, "https://news.example.kr/1")
    assert (
        client.get(digest.removeprefix("https://s.kr"))["Location"] == "https://news.example.kr/1"
    )


@override_settings(SITE_URL="https://s.kr")
def test_head_does_not_count(client, delivery):
    url = links.tracked_url(delivery.pk, "https://gov.example.kr/apply?x=1")
    assert client.head(url.removeprefix("https://s.kr")).status_code == 302
    assert not Click.objects.exists()


def test_unsigned_or_foreign_urls_are_404(client, delivery):
    # A valid signature for an address that is not in the message: not followed.
    token = links.token_for(delivery.pk, "https://evil.example.com/")
    assert client.get(f"/notify/l/{token}").status_code == 404
    good = links.token_for(delivery.pk, "https://gov.example.kr/apply?x=1")
    forged = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert client.get(f"/notify/l/{forged}").status_code == 404
    other_delivery = links.token_for(delivery.pk + 1, "https://gov.example.kr/apply?x=1")
    assert client.get(f"/notify/l/{other_delivery}").status_code == 404
    for junk in ["x", "..", "zz.", "!!.abcdefghij", "0.abcdefghij"]:
        assert client.get(f"/notify/l/{junk}").status_code == 404
    assert not Click.objects.exists()


def test_notification_links_are_not_followed(client, db):
    notification = Notification.objects.create(event="x", context={"url": "https://a.kr"})
    row = Delivery.objects.create(
        notification=notification, channel="sms", priority=Priority.TRANSACTIONAL
    )
    assert client.get(f"/notify/l/{links.token_for(row.pk, 'https://a.kr')}").status_code == 404


def test_too_long_urls_stay_untracked():
    long = "https://a.kr/" + "x" * 600
    assert links.tracked_url(1, long) == long
