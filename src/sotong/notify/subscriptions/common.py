"""What every subscription use case shares: the limits, the small helpers (consents, activation,
cancelling queued deliveries, the audit row) and the validation of preferences and addresses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sotong.accounts.types import Actor
from sotong.core.audit import audit_record
from sotong.core.vocab import Interest, LifeStage, TargetGroup, to_mask

from ..addresses import normalize_email, normalize_phone
from ..conversions import conversion_record
from ..models import (
    CHANNEL_BITS,
    Channel,
    Consent,
    Delivery,
    Subscriber,
    channel_mask,
    channels_of,
)

if TYPE_CHECKING:
    from sotong.org.models import Dong, Organization


# The code's lifetime and tries and the resend limits are the one rule of `notify.confirmation`.
EMAIL_CONFIRM_DAYS = 3

PHONE_CHANNELS = (Channel.SMS, Channel.KAKAO)
_PHONE_BITS = CHANNEL_BITS[Channel.SMS] | CHANNEL_BITS[Channel.KAKAO]
_EMAIL_BIT = CHANNEL_BITS[Channel.EMAIL]

_SALT_CONFIRM_EMAIL = "sotong.notify.confirm_email"
# The purpose in the keyed hash of codes and link nonces: never change it, or every code and link
# sent before no longer verifies.
_CODE_PURPOSE = "notify.code"
_TOKEN_SALTS = {"manage": "sotong.notify.manage", "unsubscribe": "sotong.notify.unsubscribe"}


# --- small helpers ------------------------------------------------------------------------------


def _now():
    return timezone.now()


def _authenticated(actor: Actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def _members(choices, values: Iterable[str], field: str, message) -> int:
    values = list(values or ())
    try:
        return to_mask(choices, values)
    except ValueError:
        raise ValidationError({field: message}) from None


def _usable(subscriber: Subscriber) -> bool:
    """Whether a chosen channel has a confirmed address, i.e. the subscription can be ACTIVE."""
    if subscriber.channels & _EMAIL_BIT and subscriber.email and subscriber.email_confirmed_at:
        return True
    return bool(
        subscriber.channels & _PHONE_BITS and subscriber.phone and subscriber.phone_confirmed_at
    )


def pending_channels(subscriber: Subscriber) -> list[str]:
    """The addresses still waiting for confirmation: "email" and/or "sms" (the phone)."""
    waiting = []
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return waiting
    if subscriber.channels & _EMAIL_BIT and subscriber.email and not subscriber.email_confirmed_at:
        waiting.append(Channel.EMAIL.value)
    if subscriber.channels & _PHONE_BITS and subscriber.phone and not subscriber.phone_confirmed_at:
        waiting.append(Channel.SMS.value)
    return waiting


def _consent(subscriber: Subscriber, kind: str, granted: bool, source: str, channel: str = ""):
    Consent.objects.create(
        subscriber=subscriber, kind=kind, channel=channel, granted=granted, source=source, at=_now()
    )


def _record_conversion(subscriber: Subscriber) -> None:
    conversion_record(action="notify.subscribed", user=subscriber.user, subscriber=subscriber)


def _activate_if_usable(subscriber: Subscriber) -> bool:
    """PENDING → ACTIVE once a chosen channel has a confirmed address (and back when none
    has). True when the subscription became ACTIVE just now."""
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return False
    usable = _usable(subscriber)
    if usable and subscriber.status == Subscriber.Status.PENDING:
        subscriber.status = Subscriber.Status.ACTIVE
        return True
    if not usable and subscriber.status == Subscriber.Status.ACTIVE:
        subscriber.status = Subscriber.Status.PENDING
    return False


def _cancel_queued(subscriber_ids: Iterable[int], channels: Iterable[str] | None = None) -> int:
    queued = Delivery.objects.filter(
        subscriber_id__in=list(subscriber_ids), status=Delivery.Status.QUEUED
    )
    if channels is not None:
        queued = queued.filter(channel__in=list(channels))
    return queued.update(status=Delivery.Status.CANCELLED, failure_code="unsubscribed")


def _audit(actor: Actor, action: str, subscriber: Subscriber, **after) -> None:
    after.setdefault("status", subscriber.status)
    after.setdefault("channels", channels_of(subscriber.channels))
    audit_record(
        actor=actor if _authenticated(actor) else None,
        action=action,
        obj=subscriber,
        organization=subscriber.organization,
        after=after,
    )


# --- validation -----------------------------------------------------------------------------


def _check_preferences(
    *,
    organization: Organization | None,
    dong: Dong | None,
    frequency: str,
    digest_weekday: int,
    quiet_start: time | None,
    quiet_end: time | None,
    promo_consent: bool,
    night_promo_consent: bool,
    birth_year: int | None,
) -> None:
    errors: dict[str, Any] = {}
    if organization is None:
        errors["organization"] = _("알림을 받을 기관(시·구)을 고르세요.")
    elif dong is not None and dong.organization_id != organization.pk:
        errors["dong"] = _("고른 기관에 속한 행정동을 고르세요.")
    if frequency not in Subscriber.Frequency.values:
        errors["frequency"] = _("받는 주기를 목록에서 고르세요.")
    if not isinstance(digest_weekday, int) or not 0 <= digest_weekday <= 6:
        errors["digest_weekday"] = _("소식지를 받을 요일을 목록에서 고르세요.")
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end"] = _("방해 금지 시간은 시작과 끝을 모두 고르세요.")
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = _("방해 금지 시간의 시작과 끝이 같습니다.")
    if night_promo_consent and not promo_consent:
        errors["night_promo_consent"] = _(
            "야간 광고성 정보를 받으려면 광고성 정보 수신에도 동의해야 합니다."
        )
    if birth_year is not None and not 1900 <= birth_year <= _now().year:
        errors["birth_year"] = _("출생 연도를 네 자리로 바르게 입력하세요.")
    if errors:
        raise ValidationError(errors)


def _check_source(source: str) -> None:
    if source not in Consent.Source.values:
        raise ValueError(f"unknown consent source: {source}")


def _masks(interests, life_stages, target_groups, channels) -> dict[str, int]:
    masks = {
        "interests": _members(
            Interest, interests, "interests", _("관심 분야를 목록에서 고르세요.")
        ),
        "life_stages": _members(
            LifeStage, life_stages, "life_stages", _("생애주기를 목록에서 고르세요.")
        ),
        "target_groups": _members(
            TargetGroup, target_groups, "target_groups", _("대상을 목록에서 고르세요.")
        ),
    }
    try:
        masks["channels"] = channel_mask(channels or ())
    except (ValueError, KeyError):
        raise ValidationError({"channels": _("받는 방법을 목록에서 고르세요.")}) from None
    return masks


def _check_channels_and_addresses(channels: int, email: str, phone: str) -> None:
    errors: dict[str, Any] = {}
    if not channels:
        errors["channels"] = _("받는 방법을 하나 이상 고르세요.")
    if channels & _EMAIL_BIT and not email:
        errors["email"] = _("이메일로 받으려면 이메일 주소를 입력하세요.")
    if channels & _PHONE_BITS and not phone:
        errors["phone"] = _("문자나 카카오 알림톡으로 받으려면 휴대전화 번호를 입력하세요.")
    if errors:
        raise ValidationError(errors)


def _normalize_addresses(email: str, phone: str) -> tuple[str, str]:
    errors: dict[str, Any] = {}
    clean_email = clean_phone = ""
    if email:
        try:
            clean_email = normalize_email(email)
        except ValidationError as exc:
            errors["email"] = exc.messages
    if phone:
        try:
            clean_phone = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return clean_email, clean_phone


def _account_email_verified(actor: Actor, email: str) -> bool:
    if not _authenticated(actor) or not email:
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=actor, email__iexact=email, verified=True).exists()
