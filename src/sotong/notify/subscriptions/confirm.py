"""Confirming an address (double opt-in): the confirmation events, sending a link (e-mail) or a
6-digit code (phone) within the resend limits, and checking what comes back."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..confirmation import (
    CODE_MINUTES,
    CODE_TRIES,
    LinkExpired,
    LinkInvalid,
    code_check,
    code_hash,
    code_matches,
    code_missing_error,
    code_new,
    code_sms_event,
    code_typed,
    link_invalid_error,
    link_payload,
    link_token,
    resend_error,
    resend_refusal,
)
from ..models import (
    CHANNEL_BITS,
    Channel,
    Confirmation,
    Consent,
    Priority,
    Subscriber,
)
from ..transactional import Address, Event, notification_send
from .common import (
    _CODE_PURPOSE,
    _EMAIL_BIT,
    _SALT_CONFIRM_EMAIL,
    EMAIL_CONFIRM_DAYS,
    PHONE_CHANNELS,
    _activate_if_usable,
    _audit,
    _consent,
    _now,
    _record_conversion,
    pending_channels,
)

CONFIRM_EMAIL = Event(
    key="notify.confirm_email",
    label=str(_("알림 구독 이메일 확인")),
    channels=(Channel.EMAIL,),
    templates={
        Channel.EMAIL: (
            "[{{ organization }}] 알림 구독 신청을 확인해 주세요",
            "{{ organization }} 알림 구독을 신청하셨습니다.\n\n"
            "아래 주소를 열고 '구독 확인' 단추를 누르면 이 이메일 주소로 알림을 받기 "
            "시작합니다. 이 주소는 {{ days }}일 동안 쓸 수 있습니다.\n\n"
            "{{ confirm_url }}\n\n"
            "신청하지 않으셨다면 이 메일을 무시하세요. 확인하지 않으면 아무 알림도 "
            "보내지 않습니다.",
        )
    },
    sample_context={
        "organization": "시험구",
        "confirm_url": "https://example.kr/notify/confirm/email/…",
        "days": EMAIL_CONFIRM_DAYS,
    },
    # The person is waiting at the form: ahead of campaigns, like every transactional message.
    priority=Priority.TRANSACTIONAL,
)
CONFIRM_SMS = code_sms_event(key="notify.confirm_sms", label=str(_("알림 구독 휴대전화 인증번호")))


# --- confirmation messages ------------------------------------------------------------------


def _last_sent(subscriber: Subscriber, channel: str):
    return Confirmation.objects.filter(subscriber=subscriber, channel=channel).aggregate(
        last=Max("created_at")
    )["last"]


def _sent_last_hour(subscriber: Subscriber, channel: str) -> int:
    since = _now() - timedelta(hours=1)
    if channel == Channel.SMS and subscriber.phone_hash:
        # Per phone, across every organisation's list: it is the phone that gets the texts.
        owner = Q(subscriber__phone_hash=subscriber.phone_hash)
    elif channel == Channel.EMAIL and subscriber.email_hash:
        owner = Q(subscriber__email_hash=subscriber.email_hash)
    else:
        owner = Q(subscriber=subscriber)
    return Confirmation.objects.filter(owner, channel=channel, created_at__gte=since).count()


def _refusal(subscriber: Subscriber, channel: str) -> str | None:
    """Why a new code or link may not go now (too soon after the last, or too many this hour)."""
    return resend_refusal(
        last_sent=_last_sent(subscriber, channel),
        now=_now(),
        earlier_sends=lambda: _sent_last_hour(subscriber, channel),
    )


def _close_open_confirmations(subscriber: Subscriber, channel: str) -> None:
    Confirmation.objects.filter(
        subscriber=subscriber, channel=channel, confirmed_at__isnull=True
    ).update(expires_at=_now())


def _send_email_link(subscriber: Subscriber) -> None:
    nonce = secrets.token_urlsafe(16)
    now = _now()
    _close_open_confirmations(subscriber, Channel.EMAIL)
    confirmation = Confirmation.objects.create(
        subscriber=subscriber,
        channel=Channel.EMAIL,
        code_hash="-",
        created_at=now,
        expires_at=now + timedelta(days=EMAIL_CONFIRM_DAYS),
    )
    confirmation.code_hash = code_hash(_CODE_PURPOSE, f"e{confirmation.pk}", nonce)
    confirmation.save(update_fields=["code_hash"])
    token = link_token({"c": confirmation.pk, "n": nonce}, salt=_SALT_CONFIRM_EMAIL)
    path = reverse("notify:confirm_email", args=[token])
    notification_send(
        event="notify.confirm_email",
        recipient=Address(email=subscriber.email, language=subscriber.language),
        context={
            "organization": subscriber.organization.name,
            "confirm_url": f"{settings.SITE_URL}{path}",
            "days": EMAIL_CONFIRM_DAYS,
        },
        organization=subscriber.organization,
        ref=f"notify.Subscriber:{subscriber.pk}",
    )


def _send_sms_code(subscriber: Subscriber) -> None:
    code = code_new()
    now = _now()
    _close_open_confirmations(subscriber, Channel.SMS)
    confirmation = Confirmation.objects.create(
        subscriber=subscriber,
        channel=Channel.SMS,
        code_hash="-",
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    confirmation.code_hash = code_hash(_CODE_PURPOSE, f"s{confirmation.pk}", code)
    confirmation.save(update_fields=["code_hash"])
    notification_send(
        event="notify.confirm_sms",
        recipient=Address(phone=subscriber.phone, language=subscriber.language),
        context={
            "organization": subscriber.organization.name,
            "code": code,
            "minutes": CODE_MINUTES,
        },
        organization=subscriber.organization,
        ref=f"notify.Subscriber:{subscriber.pk}",
    )


def _send_pending(subscriber: Subscriber, *, quietly: bool) -> list[str]:
    """Sends a link/code for each address waiting for confirmation. `quietly`: a throttled
    address is skipped (the code sent a moment ago is still valid) instead of refused."""
    sent = []
    for channel in pending_channels(subscriber):
        refusal = _refusal(subscriber, channel)
        if refusal is not None:
            if quietly:
                continue
            raise resend_error(refusal)
        if channel == Channel.EMAIL:
            _send_email_link(subscriber)
        else:
            _send_sms_code(subscriber)
        sent.append(channel)
    return sent


@transaction.atomic
def subscriber_resend_confirmation(*, subscriber: Subscriber, channel: str) -> None:
    """Sends a new link (e-mail) or code (phone) for an address still waiting for confirmation.
    Refused (ValidationError) within a minute of the last one or beyond 5 an hour."""
    channel = Channel.SMS.value if channel in PHONE_CHANNELS else channel
    if channel not in pending_channels(subscriber):
        raise ValidationError(_("확인을 기다리는 주소가 없습니다."), code="nothing_pending")
    refusal = _refusal(subscriber, channel)
    if refusal is not None:
        raise resend_error(refusal)
    if channel == Channel.EMAIL:
        _send_email_link(subscriber)
    else:
        _send_sms_code(subscriber)


# --- confirm --------------------------------------------------------------------------------


@transaction.atomic
def _confirm_address(subscriber: Subscriber, channel: str, confirmation: Confirmation, source):
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    now = _now()
    Confirmation.objects.filter(pk=confirmation.pk).update(confirmed_at=now)
    if channel == Channel.EMAIL:
        subscriber.email_confirmed_at = now
        consented = [Channel.EMAIL] if subscriber.channels & _EMAIL_BIT else []
    else:
        subscriber.phone_confirmed_at = now
        consented = [ch for ch in PHONE_CHANNELS if subscriber.channels & CHANNEL_BITS[ch]]
    for ch in consented:
        _consent(subscriber, Consent.Kind.CHANNEL, True, source, ch)
    became_active = _activate_if_usable(subscriber)
    subscriber.save()
    if became_active:
        _record_conversion(subscriber)
    _audit(None, "notify.subscriber.confirm", subscriber, confirmed=channel)
    return subscriber


def subscriber_confirm(*, subscriber: Subscriber, channel: str, code: str) -> Subscriber:
    """Checks the SMS code for the subscriber's phone. Every try counts (committed even when the
    call fails, which is why this function is not one transaction); after 5 wrong ones, or 10
    minutes, the code is dead and a new one must be asked for. ValidationError on "code"."""
    if channel not in (*PHONE_CHANNELS, Channel.SMS.value):
        raise ValidationError({"code": _("이 방법은 인증번호로 확인하지 않습니다.")})
    typed = code_typed(code)
    confirmation = (
        Confirmation.objects.filter(
            subscriber=subscriber, channel=Channel.SMS, confirmed_at__isnull=True
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if confirmation is None or not subscriber.phone:
        raise code_missing_error()

    def count_try() -> int | None:
        # Counted atomically: parallel guesses cannot get more than CODE_TRIES.
        counted = Confirmation.objects.filter(pk=confirmation.pk, attempts__lt=CODE_TRIES).update(
            attempts=F("attempts") + 1
        )
        return confirmation.attempts if counted else None

    code_check(
        stored_hash=confirmation.code_hash,
        purpose=_CODE_PURPOSE,
        key=f"s{confirmation.pk}",
        typed=typed,
        expires_at=confirmation.expires_at,
        now=_now(),
        count_try=count_try,
    )
    return _confirm_address(subscriber, Channel.SMS, confirmation, Consent.Source.SMS_CODE)


def subscriber_confirm_email_token(token: str) -> Subscriber:
    """Confirms the e-mail address a link was sent to. Idempotent: the same link twice shows
    the subscription as confirmed. ValidationError (code "invalid" or "expired") otherwise."""
    invalid = link_invalid_error()
    expired = ValidationError(
        _("확인 링크의 유효 기간(3일)이 지났습니다. 구독을 다시 신청하세요."), code="expired"
    )
    try:
        data = link_payload(
            token, salt=_SALT_CONFIRM_EMAIL, max_age=timedelta(days=EMAIL_CONFIRM_DAYS)
        )
    except LinkExpired:
        raise expired from None
    except LinkInvalid:
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise invalid
    confirmation = (
        Confirmation.objects.select_related("subscriber", "subscriber__organization")
        .filter(pk=data["c"], channel=Channel.EMAIL)
        .first()
    )
    if confirmation is None or not code_matches(
        confirmation.code_hash,
        purpose=_CODE_PURPOSE,
        key=f"e{confirmation.pk}",
        code=str(data.get("n", "")),
    ):
        raise invalid
    subscriber = confirmation.subscriber
    if confirmation.confirmed_at is not None:
        return subscriber
    if confirmation.expires_at <= _now() or not subscriber.email:
        # Superseded by a newer link, or the address was changed or withdrawn since.
        raise expired
    return _confirm_address(subscriber, Channel.EMAIL, confirmation, Consent.Source.EMAIL_LINK)
