"""`notification_send`: the one call other apps use. It writes the outbox in the caller's
transaction and nothing else."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction

from sotong.notify.models import Delivery, Notification, Priority
from sotong.notify.services import Address, Event, notification_send, register_event

EVENT = register_event(
    Event(
        key="tests.thing_happened",
        label="시험 알림",
        channels=("email", "sms", "kakao"),
        templates={
            "email": ("{{ title }}", "{{ name }}님, {{ title }} 처리되었습니다."),
            "sms": ("", "{{ title }} 처리되었습니다."),
            "kakao": ("", "#{title} 처리되었습니다."),
        },
        sample_context={"name": "홍길동", "title": "민원"},
        kakao_template_code="TEST_001",
    )
)
EMAIL_ONLY = register_event(
    Event(
        key="tests.email_only",
        label="이메일 알림",
        channels=("email",),
        templates={"email": ("제목", "본문")},
    )
)


@pytest.fixture(autouse=True)
def quiet_workers(monkeypatch):
    """These tests look at the outbox, not at delivery: count the wake-ups instead."""
    calls = []
    monkeypatch.setattr(
        "sotong.notify.pipeline.wake_workers", lambda *, urgent=False: calls.append(urgent)
    )
    return calls


def channels(notification):
    return sorted(notification.deliveries.values_list("channel", flat=True))


@pytest.mark.django_db
def test_account_gets_email_and_one_phone_message(resident, quiet_workers):
    from sotong.accounts.models import ResidentProfile

    ResidentProfile.objects.create(user=resident, phone="01012345678")
    notification = notification_send(
        event=EVENT.key, recipient=resident, context={"name": "김주민", "title": "민원"}
    )
    # KakaoTalk falls back to SMS at the provider: the phone gets one message, not two.
    assert channels(notification) == ["email", "kakao"]
    assert notification.user == resident
    assert notification.to_email == resident.email
    assert notification.to_phone == "01012345678"
    assert set(notification.deliveries.values_list("priority", flat=True)) == {
        Priority.TRANSACTIONAL
    }
    assert quiet_workers == [False]


@pytest.mark.django_db
def test_account_without_phone_gets_email_only(resident):
    notification = notification_send(event=EVENT.key, recipient=resident, context={})
    assert channels(notification) == ["email"]


@pytest.mark.django_db
def test_bare_address_and_requested_channels(db):
    notification = notification_send(
        event=EVENT.key, recipient=Address(phone="01099998888"), context={}, channels=["sms"]
    )
    assert channels(notification) == ["sms"]
    assert notification.user is None
    assert notification.to_phone == "01099998888"


@pytest.mark.django_db
def test_nothing_usable_is_not_an_error(db):
    assert (
        notification_send(event=EMAIL_ONLY.key, recipient=Address(phone="0101"), context={}) is None
    )
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_inactive_account_gets_nothing(resident):
    resident.is_active = False
    resident.save()
    assert notification_send(event=EVENT.key, recipient=resident, context={}) is None


@pytest.mark.django_db
def test_subscription_choice_limits_channels(resident, district, subscriber_factory):
    from sotong.accounts.models import ResidentProfile

    ResidentProfile.objects.create(user=resident, phone="01012345678")
    subscriber_factory(user=resident, channels=("sms",))
    notification = notification_send(
        event=EVENT.key, recipient=resident, context={}, organization=district
    )
    assert channels(notification) == ["sms"]


@pytest.mark.django_db
def test_subscriber_recipient_uses_confirmed_addresses_only(subscriber_factory):
    subscriber = subscriber_factory(channels=("email", "sms"), phone_confirmed_at=None)
    notification = notification_send(event=EVENT.key, recipient=subscriber, context={})
    assert channels(notification) == ["email"]
    assert notification.deliveries.get().subscriber == subscriber


@pytest.mark.django_db
def test_idempotency_key_queues_once(resident):
    first = notification_send(
        event=EVENT.key, recipient=resident, context={}, idempotency_key="petition-1-answered"
    )
    again = notification_send(
        event=EVENT.key, recipient=resident, context={}, idempotency_key="petition-1-answered"
    )
    assert again.pk == first.pk
    assert Delivery.objects.count() == 1


@pytest.mark.django_db
def test_unknown_event_is_the_callers_bug(resident):
    with pytest.raises(ImproperlyConfigured):
        notification_send(event="tests.nope", recipient=resident, context={})


@pytest.mark.django_db
def test_context_that_is_not_json_writes_nothing(resident):
    with pytest.raises(ValidationError):
        notification_send(
            event=EVENT.key, recipient=resident, context={"when": datetime.date(2026, 1, 1)}
        )
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_caller_rollback_leaves_no_outbox_row(resident, quiet_workers):
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(event=EVENT.key, recipient=resident, context={})
        raise RuntimeError("the petition could not be saved")
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_event_needs_a_template_per_channel():
    with pytest.raises(ImproperlyConfigured):
        Event(key="x", label="x", channels=("email", "sms"), templates={"email": ("", "")})


@pytest.mark.django_db
def test_message_values_are_encrypted_at_rest(resident):
    from django.db import connection

    notification = notification_send(
        event=EVENT.key, recipient=resident, context={"name": "김주민", "code": "493817"}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT context FROM notify_notification WHERE id = %s", [notification.pk])
        (stored,) = cursor.fetchone()
    assert "493817" not in stored and "김주민" not in stored
    notification.refresh_from_db()
    assert notification.context == {"name": "김주민", "code": "493817"}


@pytest.mark.django_db
def test_message_values_survive_key_rotation(resident, settings):
    from cryptography.fernet import Fernet
    from django.db import connection

    from sotong.core.privacy.crypto import _fernets, is_current
    from sotong.core.privacy.services import encryption_keys_rotate

    notification = notification_send(event=EVENT.key, recipient=resident, context={"n": [1, 2]})

    def stored():
        with connection.cursor() as cursor:
            sql = "SELECT context FROM notify_notification WHERE id = %s"
            cursor.execute(sql, [notification.pk])
            return cursor.fetchone()[0]

    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    _fernets.cache_clear()
    assert not is_current(stored())  # still under the old key
    encryption_keys_rotate(actor=None)
    assert is_current(stored())  # re-encrypted under the new one
    notification.refresh_from_db()
    assert notification.context == {"n": [1, 2]}
