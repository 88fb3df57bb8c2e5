"""Subscription services: double opt-in by code and link, merging of duplicates, consents for
every change, withdrawal (one channel, everything, by SMS reply) and signed links."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sotong.core.audit.models import AuditEvent
from sotong.core.vocab import Interest, from_mask
from sotong.notify import subscriptions as subs
from sotong.notify.addresses import email_hash, phone_hash
from sotong.notify.models import (
    Campaign,
    Confirmation,
    Consent,
    ConversionEvent,
    Delivery,
    Notification,
    Subscriber,
    channels_of,
)
from sotong.notify.transactional import event_for

pytestmark = pytest.mark.django_db

WELFARE = [Interest.WELFARE]


def _subscribe(organization, **kwargs):
    kwargs.setdefault("interests", WELFARE)
    kwargs.setdefault("actor", None)
    return subs.subscriber_subscribe(organization=organization, **kwargs)


def _sent_code(subscriber) -> str:
    note = (
        Notification.objects.filter(
            event="notify.confirm_sms", ref=f"notify.Subscriber:{subscriber.pk}"
        )
        .order_by("-pk")
        .first()
    )
    return note.context["code"]


def _email_token(subscriber) -> str:
    note = (
        Notification.objects.filter(
            event="notify.confirm_email", ref=f"notify.Subscriber:{subscriber.pk}"
        )
        .order_by("-pk")
        .first()
    )
    return note.context["confirm_url"].rstrip("/").rsplit("/", 1)[-1]


def _consents(subscriber):
    return sorted(
        (c.kind, c.channel, c.granted, c.source)
        for c in Consent.objects.filter(subscriber=subscriber)
    )


def _campaign(district, officer):
    return Campaign.objects.create(
        organization=district, kind=Campaign.Kind.TARGETED, title="시험 발송", created_by=officer
    )


def _queued(campaign, subscriber, channel):
    return Delivery.objects.create(
        campaign=campaign, subscriber=subscriber, channel=channel, priority=20
    )


# --- events ---------------------------------------------------------------------------------


def test_confirmation_events_are_registered_and_the_sms_fits_90_bytes():
    from sotong.notify.sms import byte_length

    sms = event_for("notify.confirm_sms")
    assert sms.channels == ("sms",)
    body = sms.templates["sms"][1]
    text = body.replace("{{ organization }}", "서울특별시서대문구").replace("{{ code }}", "123456")
    text = text.replace("{{ minutes }}", "10")
    assert byte_length(text) <= 90
    assert event_for("notify.confirm_email").channels == ("email",)


# --- subscribe + double opt-in --------------------------------------------------------------


def test_email_subscription_waits_for_its_link(district):
    subscriber = _subscribe(district, email=" Hong@Example.KR ", channels=["email"])
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.email == "Hong@example.kr"
    assert subscriber.email_hash == email_hash("hong@example.kr")
    assert subscriber.email_confirmed_at is None
    assert subs.pending_channels(subscriber) == ["email"]
    note = Notification.objects.get(event="notify.confirm_email")
    assert note.to_email == "Hong@example.kr"
    assert note.context["confirm_url"].startswith("http")
    assert list(note.deliveries.values_list("channel", "status")) == [("email", "queued")]
    assert _consents(subscriber) == [
        ("channel", "email", True, "web"),
        ("subscribe", "", True, "web"),
    ]

    confirmed = subs.subscriber_confirm_email_token(_email_token(subscriber))
    assert confirmed.status == Subscriber.Status.ACTIVE
    assert confirmed.email_confirmed_at is not None
    assert ("channel", "email", True, "email_link") in _consents(subscriber)
    assert (
        ConversionEvent.objects.filter(action="notify.subscribed", subscriber=subscriber).count()
        == 1
    )
    # The same link again: still confirmed, nothing recorded twice.
    again = subs.subscriber_confirm_email_token(_email_token(subscriber))
    assert again.pk == subscriber.pk
    assert ConversionEvent.objects.filter(subscriber=subscriber).count() == 1


def test_phone_subscription_confirmed_by_code(district):
    subscriber = _subscribe(district, phone="+82 10-2222-3333", channels=["sms", "kakao"])
    assert subscriber.phone == "01022223333"
    assert subscriber.status == Subscriber.Status.PENDING
    confirmation = Confirmation.objects.get(subscriber=subscriber)
    code = _sent_code(subscriber)
    assert len(code) == 6 and code.isdigit()
    assert code not in confirmation.code_hash
    assert confirmation.expires_at - confirmation.created_at == timedelta(minutes=10)
    note = Notification.objects.get(event="notify.confirm_sms")
    assert list(note.deliveries.values_list("channel", flat=True)) == ["sms"]

    confirmed = subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=code)
    assert confirmed.status == Subscriber.Status.ACTIVE
    assert confirmed.phone_confirmed_at is not None
    consents = _consents(subscriber)
    assert ("channel", "sms", True, "sms_code") in consents
    assert ("channel", "kakao", True, "sms_code") in consents
    event = AuditEvent.objects.filter(action="notify.subscriber.confirm").get()
    assert event.object_id == str(subscriber.pk)


def test_wrong_code_five_times_then_refused_even_when_right(district):
    subscriber = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    code = _sent_code(subscriber)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for expected_left in (4, 3, 2, 1):
        with pytest.raises(ValidationError) as info:
            subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=wrong)
        assert f"남은 횟수 {expected_left}번" in info.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as info:
        subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=wrong)
    assert "5번" in info.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as info:  # the 6th try, with the right code
        subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=code)
    assert "5번" in info.value.message_dict["code"][0]
    assert Confirmation.objects.get(subscriber=subscriber).attempts == 5
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567", None])
def test_malformed_code_is_refused_without_using_a_try(district, code):
    subscriber = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    with pytest.raises(ValidationError):
        subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=code)
    assert Confirmation.objects.get(subscriber=subscriber).attempts == 0


def test_full_width_code_with_spaces_is_accepted(district):
    subscriber = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    code = _sent_code(subscriber)
    typed = " ".join(chr(ord("０") + int(d)) for d in code)
    assert (
        subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=typed).status == "active"
    )


def test_expired_code(district):
    subscriber = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    code = _sent_code(subscriber)
    Confirmation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as info:
        subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=code)
    assert "10분" in info.value.message_dict["code"][0]


def test_resend_is_throttled_and_replaces_the_old_code(district):
    subscriber = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    old = _sent_code(subscriber)
    with pytest.raises(ValidationError) as info:
        subs.subscriber_resend_confirmation(subscriber=subscriber, channel="sms")
    assert info.value.code == "throttled"
    Confirmation.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    subs.subscriber_resend_confirmation(subscriber=subscriber, channel="sms")
    new = _sent_code(subscriber)
    assert Confirmation.objects.filter(subscriber=subscriber).count() == 2
    if new != old:
        with pytest.raises(ValidationError):
            subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=old)
    assert (
        subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=new).status == "active"
    )


def test_at_most_five_codes_an_hour_per_phone(district, city):
    subscriber = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    for _ in range(4):
        Confirmation.objects.update(created_at=timezone.now() - timedelta(minutes=5))
        subs.subscriber_resend_confirmation(subscriber=subscriber, channel="sms")
    Confirmation.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(ValidationError) as info:
        subs.subscriber_resend_confirmation(subscriber=subscriber, channel="sms")
    # The hourly limit says so (not "just sent": the last one went five minutes ago).
    assert info.value.code == "throttled" and "한 시간에 5번" in info.value.message
    # The same phone on another organisation's list is the same phone: no sixth text.
    other = _subscribe(city, phone="01022223333", channels=["sms"])
    assert Confirmation.objects.filter(subscriber=other).count() == 0


def test_email_link_tampered_expired_or_superseded(district, monkeypatch):
    subscriber = _subscribe(district, email="hong@example.kr", channels=["email"])
    token = _email_token(subscriber)
    for bad in ("", "garbage", token[:-2] + "xx", signing.dumps({"c": 1}, salt="other")):
        with pytest.raises(ValidationError) as info:
            subs.subscriber_confirm_email_token(bad)
        assert info.value.code == "invalid"
    wrong_nonce = signing.dumps(
        {"c": Confirmation.objects.get().pk, "n": "guess"}, salt="sotong.notify.confirm_email"
    )
    with pytest.raises(ValidationError):
        subs.subscriber_confirm_email_token(wrong_nonce)
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 4 * 86400)
    with pytest.raises(ValidationError) as info:
        subs.subscriber_confirm_email_token(token)
    assert info.value.code == "expired"
    monkeypatch.setattr(signing.time, "time", real_time)
    # A newer link supersedes the older one.
    Confirmation.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    subs.subscriber_resend_confirmation(subscriber=subscriber, channel="email")
    with pytest.raises(ValidationError) as info:
        subs.subscriber_confirm_email_token(token)
    assert info.value.code == "expired"
    assert subs.subscriber_confirm_email_token(_email_token(subscriber)).status == "active"


def test_resident_with_verified_account_email_is_active_at_once(district, resident):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=resident, email=resident.email, verified=True, primary=True)
    subscriber = _subscribe(district, actor=resident, email=resident.email, channels=["email"])
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert subscriber.user == resident
    assert not Notification.objects.filter(event="notify.confirm_email").exists()
    assert ("channel", "email", True, "account") in _consents(subscriber)
    assert ConversionEvent.objects.filter(user=resident, action="notify.subscribed").exists()


def test_unverified_account_email_still_needs_the_link(district, resident):
    subscriber = _subscribe(district, actor=resident, email=resident.email, channels=["email"])
    assert subscriber.status == Subscriber.Status.PENDING
    assert Notification.objects.filter(event="notify.confirm_email").exists()


def test_preferences_are_stored(district):
    from sotong.org.models import Dong

    dong = Dong.objects.create(organization=district, name="충현동")
    subscriber = _subscribe(
        district,
        email="hong@example.kr",
        phone="010-1111-2222",
        channels=["email", "kakao"],
        interests=[Interest.CULTURE, Interest.HEALTH],
        life_stages=["senior"],
        target_groups=["single_parent"],
        dong=dong,
        frequency="weekly",
        digest_weekday=0,
        quiet_start=time(22),
        quiet_end=time(7),
        promo_consent=True,
        night_promo_consent=True,
    )
    subscriber.refresh_from_db()
    assert from_mask(Interest, subscriber.interests) == ["culture", "health"]
    assert channels_of(subscriber.channels) == ["email", "kakao"]
    assert subscriber.dong == dong and subscriber.frequency == "weekly"
    assert (subscriber.quiet_start, subscriber.quiet_end) == (time(22), time(7))
    kinds = {(c[0], c[2]) for c in _consents(subscriber)}
    assert {("promo", True), ("night_promo", True), ("subscribe", True)} <= kinds


def test_addresses_not_needed_by_the_channels_are_not_kept(district):
    subscriber = _subscribe(
        district, email="hong@example.kr", phone="010-1111-2222", channels=["email"]
    )
    assert subscriber.phone == "" and subscriber.phone_hash is None
    assert not Confirmation.objects.filter(channel="sms").exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"organization": None, "email": "a@b.kr", "channels": ["email"]}, "organization"),
        ({"email": "a@b.kr", "channels": []}, "channels"),
        ({"email": "a@b.kr", "channels": ["fax"]}, "channels"),
        ({"email": "a@b.kr", "channels": ["email"], "interests": []}, "interests"),
        ({"email": "a@b.kr", "channels": ["email"], "interests": ["bogus"]}, "interests"),
        ({"email": "a@b.kr", "channels": ["email"], "life_stages": ["x"]}, "life_stages"),
        ({"channels": ["email"]}, "email"),
        ({"email": "a@b.kr", "channels": ["sms"]}, "phone"),
        ({"phone": "+1 212 555 1234", "channels": ["sms"]}, "phone"),
        ({"phone": "02-123-4567", "channels": ["sms"]}, "phone"),
        ({"email": "not-an-email", "channels": ["email"]}, "email"),
        ({"email": "a@b.kr", "channels": ["email"], "frequency": "daily"}, "frequency"),
        ({"email": "a@b.kr", "channels": ["email"], "digest_weekday": 7}, "digest_weekday"),
        ({"email": "a@b.kr", "channels": ["email"], "quiet_start": time(22)}, "quiet_end"),
        (
            {
                "email": "a@b.kr",
                "channels": ["email"],
                "quiet_start": time(1),
                "quiet_end": time(1),
            },
            "quiet_end",
        ),
        (
            {"email": "a@b.kr", "channels": ["email"], "night_promo_consent": True},
            "night_promo_consent",
        ),
        ({"email": "a@b.kr", "channels": ["email"], "birth_year": 1800}, "birth_year"),
    ],
)
def test_bad_input_is_a_validation_error_on_its_field(district, kwargs, field):
    kwargs.setdefault("organization", district)
    with pytest.raises(ValidationError) as info:
        _subscribe(**kwargs)
    assert field in info.value.message_dict
    assert not Subscriber.objects.exists()


def test_dong_of_another_organisation_is_refused(district, city):
    from sotong.org.models import Dong

    dong = Dong.objects.create(organization=city, name="다른동")
    with pytest.raises(ValidationError) as info:
        _subscribe(district, email="a@b.kr", channels=["email"], dong=dong)
    assert "dong" in info.value.message_dict


def test_foreign_number_message(district):
    with pytest.raises(ValidationError) as info:
        _subscribe(district, phone="+44 7700 900123", channels=["sms"])
    assert "국내 휴대전화 번호만" in info.value.message_dict["phone"][0]


# --- merging duplicates -----------------------------------------------------------------------


def test_same_address_twice_is_one_subscriber(district):
    first = _subscribe(district, email="hong@example.kr", channels=["email"])
    second = _subscribe(
        district, email="HONG@example.kr", channels=["email"], interests=[Interest.JOBS]
    )
    assert first.pk == second.pk
    assert Subscriber.objects.count() == 1
    second.refresh_from_db()
    assert from_mask(Interest, second.interests) == ["jobs"]


def test_resubscribing_a_confirmed_address_keeps_it_confirmed(district):
    subscriber = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=_sent_code(subscriber))
    again = _subscribe(district, phone="01022223333", channels=["sms", "kakao"])
    assert again.status == Subscriber.Status.ACTIVE and again.phone_confirmed_at
    assert ("channel", "kakao", True, "web") in _consents(again)


def test_two_rows_merge_into_the_older(district, officer):
    by_email = _subscribe(district, email="hong@example.kr", channels=["email"])
    subs.subscriber_confirm_email_token(_email_token(by_email))
    by_phone = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    phone_consents = Consent.objects.filter(subscriber=by_phone).count()
    merged = _subscribe(
        district, email="hong@example.kr", phone="010-2222-3333", channels=["email", "sms"]
    )
    assert merged.pk == by_email.pk
    assert not Subscriber.objects.filter(pk=by_phone.pk).exists()
    assert merged.email_confirmed_at is not None  # the e-mail was confirmed before
    assert merged.phone_hash == phone_hash("01022223333")
    assert merged.status == Subscriber.Status.ACTIVE
    assert Consent.objects.filter(subscriber=merged).count() >= phone_consents + 3
    event = AuditEvent.objects.filter(action="notify.subscriber.subscribe").order_by("-seq")[0]
    assert event.after["merged"] == 1


def test_merged_row_with_history_is_kept_unsubscribed(district, officer):
    by_email = _subscribe(district, email="hong@example.kr", channels=["email"])
    by_phone = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    campaign = _campaign(district, officer)
    queued = _queued(campaign, by_phone, "sms")
    merged = _subscribe(
        district, email="hong@example.kr", phone="010-2222-3333", channels=["email", "sms"]
    )
    assert merged.pk == by_email.pk
    old = Subscriber.objects.get(pk=by_phone.pk)
    assert old.status == Subscriber.Status.UNSUBSCRIBED
    assert old.phone == "" and old.phone_hash is None and old.email_hash is None
    queued.refresh_from_db()
    assert queued.status == Delivery.Status.CANCELLED


def test_account_and_address_merge(district, resident):
    anonymous = _subscribe(district, email="hong@example.kr", channels=["email"])
    mine = _subscribe(district, actor=resident, email="hong@example.kr", channels=["email"])
    assert mine.pk == anonymous.pk and mine.user == resident


def test_anothers_account_subscription_is_not_taken_over(district, resident, other_resident):
    _subscribe(district, actor=resident, email="hong@example.kr", channels=["email"])
    with pytest.raises(ValidationError):
        _subscribe(district, actor=other_resident, email="hong@example.kr", channels=["email"])


def test_coming_back_after_unsubscribing_needs_a_new_confirmation(district):
    subscriber = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=_sent_code(subscriber))
    subs.subscriber_withdraw(actor=None, subscriber=subscriber, source="web")
    back = _subscribe(district, phone="010-2222-3333", channels=["sms"])
    assert back.pk == subscriber.pk
    assert back.status == Subscriber.Status.PENDING and back.phone_confirmed_at is None
    assert back.unsubscribed_at is None


# --- update ---------------------------------------------------------------------------------


def test_update_preferences_and_consents(district):
    subscriber = _subscribe(district, email="hong@example.kr", channels=["email"])
    subs.subscriber_confirm_email_token(_email_token(subscriber))
    updated = subs.subscriber_update(
        actor=None,
        subscriber=subscriber,
        interests=[Interest.TRANSPORT],
        promo_consent=True,
        phone="010 4444 5555",
        channels=["email", "sms"],
    )
    assert from_mask(Interest, updated.interests) == ["transport"]
    assert updated.phone == "01044445555" and updated.phone_confirmed_at is None
    assert updated.status == Subscriber.Status.ACTIVE  # the e-mail still works
    assert subs.pending_channels(updated) == ["sms"]
    assert Confirmation.objects.filter(subscriber=updated, channel="sms").exists()
    consents = _consents(updated)
    assert ("channel", "sms", True, "web") in consents
    assert ("promo", "", True, "web") in consents
    event = AuditEvent.objects.filter(action="notify.subscriber.update").get()
    assert set(event.after["changed"]) >= {"interests", "phone", "channels", "promo_consent"}
    assert "4444" not in json.dumps(event.after) and "hong" not in json.dumps(event.after)


def test_changing_the_email_restarts_its_confirmation(district):
    subscriber = _subscribe(district, email="hong@example.kr", channels=["email"])
    old_token = _email_token(subscriber)
    subs.subscriber_confirm_email_token(old_token)
    Confirmation.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    updated = subs.subscriber_update(actor=None, subscriber=subscriber, email="new@example.kr")
    assert updated.email == "new@example.kr" and updated.email_confirmed_at is None
    assert updated.status == Subscriber.Status.PENDING
    subs.subscriber_confirm_email_token(_email_token(updated))
    updated.refresh_from_db()
    assert updated.status == Subscriber.Status.ACTIVE


def test_update_to_an_address_already_listed_is_refused(district):
    _subscribe(district, email="taken@example.kr", channels=["email"])
    subscriber = _subscribe(district, email="hong@example.kr", channels=["email"])
    with pytest.raises(ValidationError) as info:
        subs.subscriber_update(actor=None, subscriber=subscriber, email="taken@example.kr")
    assert "email" in info.value.message_dict


def test_removing_a_channel_records_withdrawal_and_cancels_its_queue(district, officer):
    subscriber = _subscribe(
        district, email="hong@example.kr", phone="010-2222-3333", channels=["email", "sms"]
    )
    campaign = _campaign(district, officer)
    sms = _queued(campaign, subscriber, "sms")
    email = _queued(campaign, subscriber, "email")
    subs.subscriber_update(actor=None, subscriber=subscriber, channels=["email"])
    sms.refresh_from_db()
    email.refresh_from_db()
    assert (sms.status, email.status) == ("cancelled", "queued")
    assert ("channel", "sms", False, "web") in _consents(subscriber)
    subscriber.refresh_from_db()
    assert subscriber.phone == ""


def test_only_the_owner_or_campaign_staff_may_update(
    district, resident, other_resident, notify_staff
):
    subscriber = _subscribe(district, actor=resident, email=resident.email, channels=["email"])
    with pytest.raises(PermissionDenied):
        subs.subscriber_update(actor=other_resident, subscriber=subscriber, interests=["jobs"])
    with pytest.raises(PermissionDenied):
        subs.subscriber_withdraw(actor=other_resident, subscriber=subscriber, source="web")
    subs.subscriber_update(actor=resident, subscriber=subscriber, interests=["jobs"])
    subs.subscriber_update(actor=notify_staff, subscriber=subscriber, interests=["health"])


def test_update_rejects_bad_values(district):
    subscriber = _subscribe(district, email="hong@example.kr", channels=["email"])
    with pytest.raises(ValidationError):
        subs.subscriber_update(actor=None, subscriber=subscriber, interests=[])
    with pytest.raises(ValidationError):
        subs.subscriber_update(actor=None, subscriber=subscriber, channels=["sms"])
    with pytest.raises(ValidationError):
        subs.subscriber_update(actor=None, subscriber=subscriber, phone="070-1234-5678")
    with pytest.raises(TypeError):
        subs.subscriber_update(actor=None, subscriber=subscriber, status="active")


# --- withdraw -------------------------------------------------------------------------------


def test_withdraw_everything(district, officer):
    subscriber = _subscribe(
        district,
        email="hong@example.kr",
        phone="010-2222-3333",
        channels=["email", "sms"],
        promo_consent=True,
    )
    campaign = _campaign(district, officer)
    queued = [_queued(campaign, subscriber, ch) for ch in ("email", "sms")]
    done = subs.subscriber_withdraw(actor=None, subscriber=subscriber, source="email_link")
    assert done.status == Subscriber.Status.UNSUBSCRIBED and done.unsubscribed_at
    assert done.email == "" and done.phone == "" and not done.promo_consent
    assert done.email_hash  # kept, so a later subscription finds the history
    assert {d.status for d in Delivery.objects.filter(pk__in=[q.pk for q in queued])} == {
        "cancelled"
    }
    consents = _consents(done)
    assert ("subscribe", "", False, "email_link") in consents
    assert ("promo", "", False, "email_link") in consents
    assert ("channel", "sms", False, "email_link") in consents
    # Twice is harmless.
    subs.subscriber_withdraw(actor=None, subscriber=done, source="web")
    assert AuditEvent.objects.filter(action="notify.subscriber.withdraw").count() == 1


def test_withdraw_one_channel(district):
    subscriber = _subscribe(
        district, email="hong@example.kr", phone="010-2222-3333", channels=["email", "sms"]
    )
    subs.subscriber_confirm_email_token(_email_token(subscriber))
    done = subs.subscriber_withdraw(actor=None, subscriber=subscriber, channel="sms", source="web")
    assert done.status == Subscriber.Status.ACTIVE
    assert channels_of(done.channels) == ["email"] and done.phone == ""
    with pytest.raises(ValidationError):
        subs.subscriber_withdraw(actor=None, subscriber=subscriber, channel="pigeon", source="web")


def test_last_channel_withdrawn_is_unsubscribed(district):
    subscriber = _subscribe(district, email="hong@example.kr", channels=["email"])
    done = subs.subscriber_withdraw(
        actor=None, subscriber=subscriber, channel="email", source="web"
    )
    assert done.status == Subscriber.Status.UNSUBSCRIBED


def test_sms_reply_opt_out_everywhere(district, city, officer):
    a = _subscribe(
        district, email="hong@example.kr", phone="010-2222-3333", channels=["email", "sms", "kakao"]
    )
    b = _subscribe(city, phone="01022223333", channels=["sms"])
    _subscribe(district, phone="010-9999-8888", channels=["sms"])
    campaign = _campaign(district, officer)
    queued = _queued(campaign, a, "kakao")
    assert subs.subscriber_withdraw_phone(phone="+821022223333", source="sms_reply") == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert channels_of(a.channels) == ["email"] and a.status != "unsubscribed"
    assert b.status == Subscriber.Status.UNSUBSCRIBED
    queued.refresh_from_db()
    assert queued.status == "cancelled"
    assert ("channel", "kakao", False, "sms_reply") in _consents(a)
    assert subs.subscriber_withdraw_phone(phone="01022223333", source="sms_reply") == 0
    assert subs.subscriber_withdraw_phone(phone="not a phone", source="sms_reply") == 0
    assert Subscriber.objects.filter(phone_hash=phone_hash("01099998888")).get().channels


# --- signed links ---------------------------------------------------------------------------


def test_links_round_trip_and_refuse_tampering(district, subscriber_factory):
    subscriber = subscriber_factory()
    unsubscribe = subs.unsubscribe_url(subscriber)
    manage = subs.manage_url(subscriber)
    assert unsubscribe.startswith("/notify/unsubscribe/")
    assert manage.startswith("/notify/manage/")
    u_token = unsubscribe.rsplit("/", 1)[-1]
    m_token = manage.rsplit("/", 1)[-1]
    assert subs.subscriber_from_token(u_token, "unsubscribe") == subscriber
    assert subs.subscriber_from_token(m_token, "manage") == subscriber
    # A token of one purpose never works for the other.
    assert subs.subscriber_from_token(u_token, "manage") is None
    assert subs.subscriber_from_token(m_token, "unsubscribe") is None
    for bad in ("", "x", u_token + "x", u_token.replace(":", ";"), "[1,0]:abc"):
        assert subs.subscriber_from_token(bad, "unsubscribe") is None
    subscriber.delete()
    assert subs.subscriber_from_token(u_token, "unsubscribe") is None


def test_token_version_revokes(district, subscriber_factory):
    subscriber = subscriber_factory()
    token = subs.unsubscribe_url(subscriber).rsplit("/", 1)[-1]
    if not hasattr(Subscriber, "token_version"):
        pytest.skip("Subscriber.token_version not in the model yet")
    Subscriber.objects.filter(pk=subscriber.pk).update(token_version=1)
    assert subs.subscriber_from_token(token, "unsubscribe") is None


def test_audit_never_holds_addresses(district):
    subscriber = _subscribe(
        district, email="secret.person@example.kr", phone="010-7777-8888", channels=["email", "sms"]
    )
    subs.subscriber_confirm(subscriber=subscriber, channel="sms", code=_sent_code(subscriber))
    subs.subscriber_withdraw(actor=None, subscriber=subscriber, source="web")
    for event in AuditEvent.objects.filter(action__startswith="notify.subscriber."):
        text = json.dumps([event.before, event.after, event.object_repr], ensure_ascii=False)
        assert "secret" not in text and "7777" not in text
    assert AuditEvent.objects.filter(action__startswith="notify.subscriber.").count() == 3


@pytest.mark.django_db(transaction=True)
def test_services_open_their_own_transaction(subscriber_factory):
    """Called from a view (autocommit), each service must lock inside its own transaction:
    PostgreSQL refuses SELECT … FOR UPDATE outside one (SQLite would not notice)."""
    from sotong.notify import subscriptions

    subscriber = subscriber_factory()
    subscriptions.subscriber_update(actor=None, subscriber=subscriber, frequency="weekly")
    subscriber.refresh_from_db()
    assert subscriber.frequency == "weekly"
    subscriptions.subscriber_withdraw(actor=None, subscriber=subscriber, source="web")
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"
