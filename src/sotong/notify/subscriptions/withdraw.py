"""Withdrawing a channel or the whole subscription, and the SMS opt-out reply."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sotong.accounts.types import Actor

from ..addresses import normalize_phone, phone_hash
from ..models import (
    CHANNEL_BITS,
    Channel,
    Confirmation,
    Consent,
    Subscriber,
    channels_of,
)
from .common import (
    _EMAIL_BIT,
    _PHONE_BITS,
    PHONE_CHANNELS,
    _activate_if_usable,
    _audit,
    _cancel_queued,
    _check_source,
    _consent,
    _now,
)
from .confirm import _close_open_confirmations
from .update import _check_may_change

# --- withdraw -------------------------------------------------------------------------------


def _withdraw_channels(subscriber: Subscriber, channels: list[str], source: str) -> list[str]:
    """Removes `channels` from a locked subscriber (consents, queued deliveries, addresses no
    channel needs any more); unsubscribes it entirely when no channel is left. Returns the
    channels actually removed."""
    removed = [ch for ch in channels if subscriber.channels & CHANNEL_BITS[Channel(ch)]]
    for channel in removed:
        subscriber.channels &= ~CHANNEL_BITS[Channel(channel)]
        _consent(subscriber, Consent.Kind.CHANNEL, False, source, channel)
    if removed:
        _cancel_queued([subscriber.pk], removed)
    if not subscriber.channels & _EMAIL_BIT and subscriber.email:
        subscriber.email, subscriber.email_confirmed_at = "", None
        _close_open_confirmations(subscriber, Channel.EMAIL)
    if not subscriber.channels & _PHONE_BITS and subscriber.phone:
        subscriber.phone, subscriber.phone_confirmed_at = "", None
        _close_open_confirmations(subscriber, Channel.SMS)
    if not subscriber.channels:
        _unsubscribe(subscriber, source)
    else:
        _activate_if_usable(subscriber)
    return removed


def _unsubscribe(subscriber: Subscriber, source: str) -> None:
    for channel in channels_of(subscriber.channels):
        _consent(subscriber, Consent.Kind.CHANNEL, False, source, channel)
    _consent(subscriber, Consent.Kind.SUBSCRIBE, False, source)
    if subscriber.promo_consent:
        _consent(subscriber, Consent.Kind.PROMO, False, source)
    if subscriber.night_promo_consent:
        _consent(subscriber, Consent.Kind.NIGHT_PROMO, False, source)
    _cancel_queued([subscriber.pk])
    subscriber.status = Subscriber.Status.UNSUBSCRIBED
    subscriber.unsubscribed_at = _now()
    subscriber.promo_consent = subscriber.night_promo_consent = False
    # The addresses go (nothing will be sent any more); their keyed hashes stay, so that
    # subscribing again finds this row and its consent history.
    subscriber.email = subscriber.phone = ""
    subscriber.email_confirmed_at = subscriber.phone_confirmed_at = None
    Confirmation.objects.filter(subscriber=subscriber, confirmed_at__isnull=True).update(
        expires_at=_now()
    )


@transaction.atomic
def subscriber_withdraw(
    *, actor: Actor, subscriber: Subscriber, channel: str | None = None, source: str
) -> Subscriber:
    """Withdraws one channel, or (channel None) the whole subscription → UNSUBSCRIBED. Queued
    deliveries for what was withdrawn are cancelled. Withdrawing twice is harmless."""
    _check_source(source)
    _check_may_change(actor, subscriber)
    if channel is not None and channel not in Channel.values:
        raise ValidationError({"channel": _("받는 방법을 목록에서 고르세요.")})
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return subscriber
    if channel is None:
        _unsubscribe(subscriber, source)
        removed = channels_of(subscriber.channels)
    else:
        removed = _withdraw_channels(subscriber, [channel], source)
    subscriber.save()
    _audit(actor, "notify.subscriber.withdraw", subscriber, withdrawn=removed or ["all"])
    return subscriber


@transaction.atomic
def subscriber_withdraw_phone(*, phone: str, source: str) -> int:
    """An SMS opt-out reply ("수신거부") from `phone`: every subscription with that number, in
    every organisation, loses SMS and KakaoTalk. Returns how many subscriptions changed (0 for a
    number we do not know or cannot read)."""
    _check_source(source)
    try:
        normalized = normalize_phone(phone)
    except ValidationError:
        return 0
    rows = (
        Subscriber.objects.select_for_update()
        .filter(phone_hash=phone_hash(normalized))
        .exclude(status=Subscriber.Status.UNSUBSCRIBED)
    )
    count = 0
    for subscriber in rows:
        removed = _withdraw_channels(subscriber, list(PHONE_CHANNELS), source)
        if not removed and subscriber.status != Subscriber.Status.UNSUBSCRIBED:
            continue
        subscriber.save()
        _audit(None, "notify.subscriber.withdraw", subscriber, withdrawn=removed)
        count += 1
    return count
