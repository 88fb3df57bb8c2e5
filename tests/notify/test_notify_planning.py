"""Planning a campaign: one INSERT … SELECT per channel, exactly the rows the count promised,
with the campaign's priority and the right earliest time, and idempotent through the partial
unique index on both databases."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sotong.core.vocab import Interest
from sotong.notify.models import (
    Campaign,
    Channel,
    Delivery,
    Notification,
    Priority,
    Subscriber,
    channel_mask,
)
from sotong.notify.planning import campaign_count, campaign_plan, digest_times

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
# A Wednesday, 10:00 in Seoul.
WEDNESDAY_10 = dt.datetime(2025, 6, 11, 10, 0, tzinfo=SEOUL)


@pytest.fixture
def make_campaign(district, officer):
    def make(**fields) -> Campaign:
        values = {
            "organization": district,
            "kind": Campaign.Kind.TARGETED,
            "title": "시험 발송",
            "channels": channel_mask(["email", "sms", "kakao"]),
            "segment": {},
            "created_by": officer,
        }
        values.update(fields)
        return Campaign.objects.create(**values)

    return make


def planned(campaign) -> set[tuple[int, str]]:
    return set(Delivery.objects.filter(campaign=campaign).values_list("subscriber_id", "channel"))


def inserts(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("INSERT")]


def test_plan_writes_what_the_count_promised(subscriber_factory, make_campaign):
    mail_sms = subscriber_factory(channels=("email", "sms"))
    kakao = subscriber_factory(channels=("email", "kakao", "sms"))
    sms_only = subscriber_factory(channels=("sms",), email="")
    subscriber_factory(channels=("sms",), phone_confirmed_at=None, email="")  # unreachable
    subscriber_factory(interests=[Interest.CULTURE])  # outside the segment
    subscriber_factory(status=Subscriber.Status.PENDING)
    subscriber_factory(frequency=Subscriber.Frequency.WEEKLY)
    campaign = make_campaign(segment={"interests": ["welfare"]})
    counts = campaign_count(campaign)
    now = timezone.now()

    with CaptureQueriesContext(connection) as captured:
        created = campaign_plan(campaign, now=now)

    assert created == counts["deliveries"] == 5
    # One statement per channel, no loop over subscribers.
    assert len(inserts(captured)) == 3
    assert planned(campaign) == {
        (mail_sms.pk, "email"),
        (mail_sms.pk, "sms"),
        (kakao.pk, "email"),
        (kakao.pk, "kakao"),
        (sms_only.pk, "sms"),
    }
    by_channel = {
        channel: Delivery.objects.filter(campaign=campaign, channel=channel).count()
        for channel in ("email", "kakao", "sms")
    }
    assert by_channel == {name: counts[name] for name in ("email", "kakao", "sms")}
    row = Delivery.objects.filter(campaign=campaign).first()
    assert row.priority == Priority.TARGETED
    assert row.status == Delivery.Status.QUEUED
    assert row.not_before == now and row.created_at == now
    assert row.attempts == 0 and row.notification_id is None
    assert row.worker == row.transport == row.provider_message_id == row.failure_code == ""
    # Planning sets nothing on the campaign (campaigns owns its state).
    campaign.refresh_from_db()
    assert campaign.planned_count == 0 and campaign.planned_at is None


def test_only_the_campaigns_channels(subscriber_factory, make_campaign):
    both = subscriber_factory(channels=("email", "kakao", "sms"))
    campaign = make_campaign(channels=channel_mask(["sms"]))
    assert campaign_plan(campaign, now=timezone.now()) == 1
    assert planned(campaign) == {(both.pk, "sms")}


def test_no_channels_means_every_channel(subscriber_factory, make_campaign):
    both = subscriber_factory(channels=("email", "sms"))
    campaign = make_campaign(channels=0)
    assert campaign_plan(campaign, now=timezone.now()) == 2
    assert planned(campaign) == {(both.pk, "email"), (both.pk, "sms")}


def test_emergency_every_confirmed_address_first_in_line(subscriber_factory, make_campaign):
    culture = subscriber_factory(interests=[Interest.CULTURE], channels=("email",))
    kakao = subscriber_factory(channels=("kakao",), email="")
    weekly = subscriber_factory(frequency=Subscriber.Frequency.WEEKLY)
    campaign = make_campaign(
        kind=Campaign.Kind.EMERGENCY,
        channels=channel_mask(["sms"]),
        segment={"interests": ["welfare"]},
    )
    assert campaign_count(campaign)["deliveries"] == 5
    assert campaign_plan(campaign, now=timezone.now()) == 5
    # Weekly-digest readers get an alert at once, like everyone in the area.
    assert planned(campaign) == {
        (culture.pk, "email"),
        (culture.pk, "sms"),
        (kakao.pk, "kakao"),
        (weekly.pk, "email"),
        (weekly.pk, "sms"),
    }
    assert set(Delivery.objects.values_list("priority", flat=True)) == {Priority.EMERGENCY}


def test_city_campaign_with_its_districts(subscriber_factory, make_campaign, city):
    in_district = subscriber_factory(channels=("email",))
    in_city = subscriber_factory(organization=city, channels=("email",))
    own = make_campaign(organization=city)
    assert campaign_plan(own, now=timezone.now()) == 1
    assert planned(own) == {(in_city.pk, "email")}
    wide = make_campaign(organization=city, segment={"include_children": True})
    assert campaign_plan(wide, now=timezone.now()) == 2
    assert planned(wide) == {(in_city.pk, "email"), (in_district.pk, "email")}


def test_replanning_adds_nothing_but_newcomers(subscriber_factory, make_campaign):
    first = subscriber_factory(channels=("email", "sms"))
    campaign = make_campaign()
    now = timezone.now()
    assert campaign_plan(campaign, now=now) == 2
    assert campaign_plan(campaign, now=now) == 0
    assert Delivery.objects.filter(campaign=campaign).count() == 2
    # A row already sent keeps its state: replanning never resets it.
    Delivery.objects.filter(campaign=campaign, channel="email").update(status="sent")
    newcomer = subscriber_factory(channels=("kakao",), email="")
    assert campaign_plan(campaign, now=now + dt.timedelta(minutes=5)) == 1
    assert planned(campaign) == {
        (first.pk, "email"),
        (first.pk, "sms"),
        (newcomer.pk, "kakao"),
    }
    assert Delivery.objects.get(campaign=campaign, channel="email").status == "sent"


def test_other_rows_of_the_same_subscriber_do_not_conflict(subscriber_factory, make_campaign):
    """The unique index is partial (campaign IS NOT NULL): another campaign's rows and a
    transactional notification's rows for the same person and channel are no conflict."""
    person = subscriber_factory(channels=("email",))
    notification = Notification.objects.create(
        event="tests.thing", organization=person.organization
    )
    Delivery.objects.create(
        notification=notification, subscriber=person, channel=Channel.EMAIL, priority=10
    )
    earlier = make_campaign(title="지난 발송")
    assert campaign_plan(earlier, now=timezone.now()) == 1
    campaign = make_campaign()
    assert campaign_plan(campaign, now=timezone.now()) == 1
    assert Delivery.objects.filter(subscriber=person, channel="email").count() == 3


def test_empty_segment_plans_nothing(subscriber_factory, make_campaign):
    subscriber_factory(interests=[Interest.WELFARE])
    campaign = make_campaign(segment={"interests": ["jobs"]})
    assert campaign_count(campaign)["deliveries"] == 0
    assert campaign_plan(campaign, now=timezone.now()) == 0
    assert not Delivery.objects.exists()


def test_schedule_sets_the_earliest_time(subscriber_factory, make_campaign):
    subscriber_factory(channels=("email",))
    now = timezone.now()
    later = now + dt.timedelta(hours=3)
    future = make_campaign(scheduled_at=later)
    campaign_plan(future, now=now)
    assert Delivery.objects.get(campaign=future).not_before == later
    past = make_campaign(scheduled_at=now - dt.timedelta(hours=3))
    campaign_plan(past, now=now)
    assert Delivery.objects.get(campaign=past).not_before == now


def test_digest_times():
    times = digest_times(WEDNESDAY_10)
    assert times[2] == WEDNESDAY_10  # today's 09:00 has passed: now
    assert times[3] == dt.datetime(2025, 6, 12, 9, 0, tzinfo=SEOUL)
    assert times[6] == dt.datetime(2025, 6, 15, 9, 0, tzinfo=SEOUL)
    assert times[0] == dt.datetime(2025, 6, 16, 9, 0, tzinfo=SEOUL)
    assert times[1] == dt.datetime(2025, 6, 17, 9, 0, tzinfo=SEOUL)
    early = dt.datetime(2025, 6, 11, 7, 30, tzinfo=SEOUL)
    assert digest_times(early)[2] == dt.datetime(2025, 6, 11, 9, 0, tzinfo=SEOUL)
    # Around midnight UTC the Seoul date counts: 2025-06-10 23:30 UTC is Wednesday in Seoul.
    utc = dt.datetime(2025, 6, 10, 23, 30, tzinfo=dt.UTC)
    assert digest_times(utc)[2] == dt.datetime(2025, 6, 11, 9, 0, tzinfo=SEOUL)


def test_newsletter_goes_out_on_each_subscribers_weekday(subscriber_factory, make_campaign):
    by_day = {
        weekday: subscriber_factory(
            frequency=Subscriber.Frequency.WEEKLY, digest_weekday=weekday, channels=("email",)
        )
        for weekday in range(7)
    }
    subscriber_factory(channels=("email",))  # immediate: not a newsletter reader
    campaign = make_campaign(kind=Campaign.Kind.NEWSLETTER)
    now = WEDNESDAY_10.astimezone(dt.UTC)
    with CaptureQueriesContext(connection) as captured:
        assert campaign_plan(campaign, now=now) == 7
    assert len(inserts(captured)) == 3  # still one statement per channel
    when = dict(
        Delivery.objects.filter(campaign=campaign).values_list("subscriber_id", "not_before")
    )
    expected = digest_times(now)
    for weekday, subscriber in by_day.items():
        assert when[subscriber.pk] == expected[weekday]
        assert when[subscriber.pk].astimezone(SEOUL).weekday() == weekday
    assert set(Delivery.objects.values_list("priority", flat=True)) == {Priority.NEWSLETTER}


def test_newsletter_scheduled_later_counts_from_the_schedule(subscriber_factory, make_campaign):
    friday = subscriber_factory(
        frequency=Subscriber.Frequency.WEEKLY, digest_weekday=4, channels=("email",)
    )
    scheduled = dt.datetime(2025, 6, 14, 12, 0, tzinfo=SEOUL)  # Saturday
    campaign = make_campaign(kind=Campaign.Kind.NEWSLETTER, scheduled_at=scheduled)
    campaign_plan(campaign, now=WEDNESDAY_10)
    row = Delivery.objects.get(campaign=campaign, subscriber=friday)
    assert row.not_before == dt.datetime(2025, 6, 20, 9, 0, tzinfo=SEOUL)


def test_large_plans_refresh_the_statistics(subscriber_factory, make_campaign, monkeypatch):
    """PostgreSQL runs ANALYZE on the outbox inside the planning transaction after a large plan
    (SQLite needs none); it must neither fail nor change what was planned."""
    from sotong.notify import planning

    monkeypatch.setattr(planning, "ANALYZE_AFTER_ROWS", 1)
    person = subscriber_factory(channels=("email",))
    campaign = make_campaign()
    with CaptureQueriesContext(connection) as captured:
        assert campaign_plan(campaign, now=timezone.now()) == 1
    analyzed = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("ANALYZE")]
    assert len(analyzed) == (1 if connection.vendor == "postgresql" else 0)
    assert planned(campaign) == {(person.pk, "email")}
