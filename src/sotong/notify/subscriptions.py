"""Subscriptions: a resident (or anyone with an e-mail address or a phone) asks an organisation
for notifications, confirms each address (double opt-in), changes preferences and withdraws.

- One subscriber per person per organisation: a new request that names an address (or account)
  already on the organisation's list *merges* into that row instead of creating a second one.
- An address counts only once confirmed: e-mail by a signed link (3 days), a phone by a 6-digit
  code sent by SMS (10 minutes, 5 tries; only a keyed hash of the code is stored). A resident
  whose account e-mail is verified gets that address confirmed at once. The subscription is
  PENDING until one chosen channel has a confirmed address, then ACTIVE.
- Every consent and withdrawal is a `Consent` row (what, channel, granted, source, when).
- Withdrawing cancels the subscriber's queued deliveries on that channel and forgets an address
  no channel needs any more (its keyed hash stays, so a later subscription finds the row again).
- Links in messages carry signed tokens (`manage_url`, `unsubscribe_url`): no expiry (an old
  newsletter must still unsubscribe), salted per purpose, and bound to a per-subscriber version so
  they can be revoked.

Audit events name the fields that changed, never addresses or profile values."""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sotong.core.audit import audit_record
from sotong.core.vocab import Interest, LifeStage, TargetGroup, from_mask, to_mask

from .addresses import email_hash, normalize_email, normalize_phone, phone_hash
from .conversions import conversion_record
from .models import (
    CHANNEL_BITS,
    Channel,
    Confirmation,
    Consent,
    Delivery,
    Priority,
    Subscriber,
    channel_mask,
    channels_of,
)
from .transactional import Address, Event, notification_send, register_event

if TYPE_CHECKING:
    from sotong.org.models import Dong, Organization

EMAIL_CONFIRM_DAYS = 3
CODE_MINUTES = 10
CODE_TRIES = 5
# A new code or link for the same address at most this often, and at most RESEND_PER_HOUR an
# hour: a form that can make us send texts must not become a way to flood someone's phone.
RESEND_SECONDS = 60
RESEND_PER_HOUR = 5

PHONE_CHANNELS = (Channel.SMS, Channel.KAKAO)
_PHONE_BITS = CHANNEL_BITS[Channel.SMS] | CHANNEL_BITS[Channel.KAKAO]
_EMAIL_BIT = CHANNEL_BITS[Channel.EMAIL]

_SALT_CONFIRM_EMAIL = "sotong.notify.confirm_email"
_TOKEN_SALTS = {"manage": "sotong.notify.manage", "unsubscribe": "sotong.notify.unsubscribe"}

register_event(
    Event(
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
)
register_event(
    Event(
        key="notify.confirm_sms",
        label=str(_("알림 구독 휴대전화 인증번호")),
        channels=(Channel.SMS,),
        # 90 bytes as carriers count (Hangul 2 bytes): "[시험구] 인증번호 123456 (10분 안에
        # 입력하세요)" is about 45, room for a long organisation name.
        templates={
            Channel.SMS: (
                "",
                "[{{ organization }}] 인증번호 {{ code }} ({{ minutes }}분 안에 입력하세요)",
            )
        },
        sample_context={"organization": "시험구", "code": "123456", "minutes": CODE_MINUTES},
        priority=Priority.TRANSACTIONAL,
    )
)


# --- small helpers ------------------------------------------------------------------------------


def _now():
    return timezone.now()


def _authenticated(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def _code_hash(confirmation_key: str, code: str) -> str:
    # Keyed: a leaked table must not be brute-forced over the million possible codes.
    key = settings.FIELD_LOOKUP_KEY.encode("utf-8")
    return hmac.new(
        key, f"notify.code\x00{confirmation_key}\x00{code}".encode(), "sha256"
    ).hexdigest()


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


def _audit(actor, action: str, subscriber: Subscriber, **after) -> None:
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


def _account_email_verified(actor: Any, email: str) -> bool:
    if not _authenticated(actor) or not email:
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=actor, email__iexact=email, verified=True).exists()


# --- confirmation messages ------------------------------------------------------------------


def _recently_sent(subscriber: Subscriber, channel: str) -> bool:
    since = _now() - timedelta(seconds=RESEND_SECONDS)
    return Confirmation.objects.filter(
        subscriber=subscriber, channel=channel, created_at__gte=since
    ).exists()


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


def _throttled(subscriber: Subscriber, channel: str) -> bool:
    return (
        _recently_sent(subscriber, channel)
        or _sent_last_hour(subscriber, channel) >= RESEND_PER_HOUR
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
    confirmation.code_hash = _code_hash(f"e{confirmation.pk}", nonce)
    confirmation.save(update_fields=["code_hash"])
    token = signing.dumps({"c": confirmation.pk, "n": nonce}, salt=_SALT_CONFIRM_EMAIL)
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
    code = f"{secrets.randbelow(10**6):06d}"
    now = _now()
    _close_open_confirmations(subscriber, Channel.SMS)
    confirmation = Confirmation.objects.create(
        subscriber=subscriber,
        channel=Channel.SMS,
        code_hash="-",
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    confirmation.code_hash = _code_hash(f"s{confirmation.pk}", code)
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
        if _throttled(subscriber, channel):
            if quietly:
                continue
            raise ValidationError(
                _("방금 보냈습니다. 잠시 뒤(1분 이상 지나서) 다시 요청하세요."), code="throttled"
            )
        if channel == Channel.EMAIL:
            _send_email_link(subscriber)
        else:
            _send_sms_code(subscriber)
        sent.append(channel)
    return sent


# --- subscribe ------------------------------------------------------------------------------


def _matches(organization, email_h: str | None, phone_h: str | None, user) -> list[Subscriber]:
    match = Q(pk__in=[])
    if email_h:
        match |= Q(email_hash=email_h)
    if phone_h:
        match |= Q(phone_hash=phone_h)
    if user is not None:
        match |= Q(user=user)
    return list(
        Subscriber.objects.select_for_update()
        .filter(match, organization=organization)
        .order_by("created_at", "pk")
    )


def _merge_into(keeper: Subscriber, other: Subscriber) -> None:
    """Folds `other` into `keeper`: its consent history moves over; the row itself is deleted
    when nothing else points at it, else kept as UNSUBSCRIBED with no address or account (its
    sent deliveries stay in the campaign reports)."""
    Consent.objects.filter(subscriber=other).update(subscriber=keeper)
    from .models import ConversionEvent

    ConversionEvent.objects.filter(subscriber=other).update(subscriber=keeper)
    _cancel_queued([other.pk])
    if keeper.user_id is None and other.user_id is not None:
        keeper.user_id = other.user_id
    if not Delivery.objects.filter(subscriber=other).exists():
        other.delete()
        return
    Subscriber.objects.filter(pk=other.pk).update(
        status=Subscriber.Status.UNSUBSCRIBED,
        unsubscribed_at=_now(),
        email="",
        email_hash=None,
        email_confirmed_at=None,
        phone="",
        phone_hash=None,
        phone_confirmed_at=None,
        user=None,
        channels=0,
    )


@transaction.atomic
def subscriber_subscribe(
    *,
    actor: Any,
    organization: Organization | None,
    email: str = "",
    phone: str = "",
    dong: Dong | None = None,
    interests: Iterable[str] = (),
    life_stages: Iterable[str] = (),
    target_groups: Iterable[str] = (),
    channels: Iterable[str] = (),
    frequency: str = Subscriber.Frequency.IMMEDIATE,
    digest_weekday: int = 4,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    promo_consent: bool = False,
    night_promo_consent: bool = False,
    birth_year: int | None = None,
    source: str = Consent.Source.WEB,
) -> Subscriber:
    """Subscribe (or re-subscribe, or change the preferences of) one person on `organization`'s
    list. `actor` is the logged-in resident (the subscription is linked to the account) or None /
    an anonymous user. Addresses are normalised here; invalid ones raise ValidationError per
    field. An existing row with the same e-mail, phone or account is updated (two such rows are
    merged into the older). New addresses get a confirmation link or code."""
    _check_source(source)
    _check_preferences(
        organization=organization,
        dong=dong,
        frequency=frequency,
        digest_weekday=digest_weekday,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        promo_consent=promo_consent,
        night_promo_consent=night_promo_consent,
        birth_year=birth_year,
    )
    masks = _masks(interests, life_stages, target_groups, channels)
    if not masks["interests"]:
        raise ValidationError({"interests": _("관심 분야를 하나 이상 고르세요.")})
    email, phone = _normalize_addresses(email, phone)
    _check_channels_and_addresses(masks["channels"], email, phone)
    # Only what the chosen channels need is kept.
    if not masks["channels"] & _EMAIL_BIT:
        email = ""
    if not masks["channels"] & _PHONE_BITS:
        phone = ""

    user = actor if _authenticated(actor) else None
    email_h = email_hash(email) if email else None
    phone_h = phone_hash(phone) if phone else None
    rows = _matches(organization, email_h, phone_h, user)
    if user is not None and any(row.user_id not in (None, user.pk) for row in rows):
        raise ValidationError(
            _("이 주소는 다른 회원의 구독에 쓰이고 있습니다. 다른 주소를 입력하세요."),
            code="taken",
        )
    now = _now()
    created = not rows
    stamps: dict[str, Any] = {}
    if created:
        subscriber = Subscriber(organization=organization, created_at=now)
        old_channels, old_promo, old_night = 0, False, False
    else:
        subscriber = rows[0]
        old_channels = subscriber.channels if subscriber.status != "unsubscribed" else 0
        old_promo, old_night = subscriber.promo_consent, subscriber.night_promo_consent
        # Confirmation stamps of the given addresses, wherever they were found.
        for row in rows:
            if email_h and row.email_hash == email_h and row.email and row.email_confirmed_at:
                stamps["email"] = row.email_confirmed_at
            if phone_h and row.phone_hash == phone_h and row.phone and row.phone_confirmed_at:
                stamps["phone"] = row.phone_confirmed_at
        for other in rows[1:]:
            _merge_into(subscriber, other)
        if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
            # Coming back is a new consent: every address is confirmed again.
            stamps = {}
            subscriber.unsubscribed_at = None
            subscriber.status = Subscriber.Status.PENDING
    if email:
        subscriber.email, subscriber.email_hash = email, email_h
        subscriber.email_confirmed_at = stamps.get("email")
    if phone:
        subscriber.phone, subscriber.phone_hash = phone, phone_h
        subscriber.phone_confirmed_at = stamps.get("phone")
    if user is not None:
        subscriber.user = user
    subscriber.dong = dong
    subscriber.interests = masks["interests"]
    subscriber.life_stages = masks["life_stages"]
    subscriber.target_groups = masks["target_groups"]
    subscriber.channels = masks["channels"]
    if not subscriber.channels & _EMAIL_BIT:
        subscriber.email, subscriber.email_confirmed_at = "", None
    if not subscriber.channels & _PHONE_BITS:
        subscriber.phone, subscriber.phone_confirmed_at = "", None
    subscriber.frequency = frequency
    subscriber.digest_weekday = digest_weekday
    subscriber.quiet_start, subscriber.quiet_end = quiet_start, quiet_end
    subscriber.promo_consent = promo_consent
    subscriber.night_promo_consent = night_promo_consent
    if birth_year is not None:
        subscriber.birth_year = birth_year
    try:
        with transaction.atomic():
            subscriber.save()
    except IntegrityError:
        # The same address subscribed in a concurrent request that committed first.
        raise ValidationError(
            _("같은 주소로 동시에 신청이 들어왔습니다. 잠시 후 다시 시도하세요."), code="race"
        ) from None

    _consent(subscriber, Consent.Kind.SUBSCRIBE, True, source)
    for channel in channels_of(subscriber.channels & ~old_channels):
        _consent(subscriber, Consent.Kind.CHANNEL, True, source, channel)
    for channel in channels_of(old_channels & ~subscriber.channels):
        _consent(subscriber, Consent.Kind.CHANNEL, False, source, channel)
    if promo_consent != old_promo:
        _consent(subscriber, Consent.Kind.PROMO, promo_consent, source)
    if night_promo_consent != old_night:
        _consent(subscriber, Consent.Kind.NIGHT_PROMO, night_promo_consent, source)
    if email and not subscriber.email_confirmed_at and _account_email_verified(user, email):
        subscriber.email_confirmed_at = now
        _consent(subscriber, Consent.Kind.CHANNEL, True, Consent.Source.ACCOUNT, Channel.EMAIL)
    became_active = _activate_if_usable(subscriber)
    subscriber.save()
    _send_pending(subscriber, quietly=True)
    if became_active:
        _record_conversion(subscriber)
    _audit(
        actor,
        "notify.subscriber.subscribe",
        subscriber,
        created=created,
        merged=max(len(rows) - 1, 0),
    )
    return subscriber


@transaction.atomic
def subscriber_resend_confirmation(*, subscriber: Subscriber, channel: str) -> None:
    """Sends a new link (e-mail) or code (phone) for an address still waiting for confirmation.
    Refused (ValidationError) within a minute of the last one or beyond 5 an hour."""
    channel = Channel.SMS.value if channel in PHONE_CHANNELS else channel
    if channel not in pending_channels(subscriber):
        raise ValidationError(_("확인을 기다리는 주소가 없습니다."), code="nothing_pending")
    if _throttled(subscriber, channel):
        raise ValidationError(
            _("방금 보냈습니다. 잠시 뒤(1분 이상 지나서) 다시 요청하세요."), code="throttled"
        )
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
    typed = "".join(unicodedata.normalize("NFKC", code or "").split()).replace("-", "")
    if not (len(typed) == 6 and typed.isascii() and typed.isdigit()):
        raise ValidationError({"code": _("인증번호 6자리 숫자를 입력하세요.")}, code="format")
    confirmation = (
        Confirmation.objects.filter(
            subscriber=subscriber, channel=Channel.SMS, confirmed_at__isnull=True
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if confirmation is None or not subscriber.phone:
        raise ValidationError({"code": _("확인할 인증번호가 없습니다. 인증번호를 다시 받으세요.")})
    if confirmation.expires_at <= _now():
        raise ValidationError(
            {"code": _("인증번호의 유효 시간(10분)이 지났습니다. 인증번호를 다시 받으세요.")},
            code="expired",
        )
    # Count the try first, atomically: parallel guesses cannot get more than CODE_TRIES.
    counted = Confirmation.objects.filter(pk=confirmation.pk, attempts__lt=CODE_TRIES).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        raise ValidationError(
            {"code": _("인증번호를 5번 잘못 입력했습니다. 인증번호를 다시 받으세요.")},
            code="too_many",
        )
    if not hmac.compare_digest(confirmation.code_hash, _code_hash(f"s{confirmation.pk}", typed)):
        left = CODE_TRIES - confirmation.attempts - 1
        if left <= 0:
            message = _("인증번호를 5번 잘못 입력했습니다. 인증번호를 다시 받으세요.")
        else:
            message = _("인증번호가 맞지 않습니다. (남은 횟수 %(left)d번)") % {"left": left}
        raise ValidationError({"code": message}, code="wrong")
    return _confirm_address(subscriber, Channel.SMS, confirmation, Consent.Source.SMS_CODE)


def subscriber_confirm_email_token(token: str) -> Subscriber:
    """Confirms the e-mail address a link was sent to. Idempotent: the same link twice shows
    the subscription as confirmed. ValidationError (code "invalid" or "expired") otherwise."""
    invalid = ValidationError(
        _("확인 링크가 올바르지 않습니다. 메일에 있는 주소를 그대로 열었는지 확인하세요."),
        code="invalid",
    )
    expired = ValidationError(
        _("확인 링크의 유효 기간(3일)이 지났습니다. 구독을 다시 신청하세요."), code="expired"
    )
    try:
        data = signing.loads(
            token, salt=_SALT_CONFIRM_EMAIL, max_age=timedelta(days=EMAIL_CONFIRM_DAYS)
        )
    except signing.SignatureExpired:
        raise expired from None
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise invalid
    confirmation = (
        Confirmation.objects.select_related("subscriber", "subscriber__organization")
        .filter(pk=data["c"], channel=Channel.EMAIL)
        .first()
    )
    if confirmation is None or not hmac.compare_digest(
        confirmation.code_hash, _code_hash(f"e{confirmation.pk}", str(data.get("n", "")))
    ):
        raise invalid
    subscriber = confirmation.subscriber
    if confirmation.confirmed_at is not None:
        return subscriber
    if confirmation.expires_at <= _now() or not subscriber.email:
        # Superseded by a newer link, or the address was changed or withdrawn since.
        raise expired
    return _confirm_address(subscriber, Channel.EMAIL, confirmation, Consent.Source.EMAIL_LINK)


# --- update ---------------------------------------------------------------------------------

_UPDATABLE = {
    "email",
    "phone",
    "dong",
    "interests",
    "life_stages",
    "target_groups",
    "channels",
    "frequency",
    "digest_weekday",
    "quiet_start",
    "quiet_end",
    "promo_consent",
    "night_promo_consent",
    "birth_year",
}


def _check_may_change(actor: Any, subscriber: Subscriber) -> None:
    """None / anonymous: the caller proved access with a signed link. An account may change only
    its own subscription (or any in an organisation whose campaigns it manages)."""
    if not _authenticated(actor) or subscriber.user_id in (None, actor.pk):
        return
    from .permissions import can_manage_campaigns

    if not can_manage_campaigns(actor, subscriber.organization_id):
        raise PermissionDenied(_("다른 사람의 구독은 바꿀 수 없습니다."))


def _replace_address(subscriber: Subscriber, field: str, value: str, errors: dict) -> None:
    """Put a new e-mail or phone (`field`) on the subscription. An address another subscription
    of the organisation holds is an error; a different address is unconfirmed until its code or
    link comes back (the same one keeps its confirmation); an emptied one keeps its hash, so a
    later subscription with it finds this row again."""
    hasher, channel, taken = {
        "email": (email_hash, Channel.EMAIL, _("이 이메일 주소로 된 구독이 이미 있습니다.")),
        "phone": (phone_hash, Channel.SMS, _("이 휴대전화 번호로 된 구독이 이미 있습니다.")),
    }[field]
    hash_field, confirmed_field = f"{field}_hash", f"{field}_confirmed_at"
    current = getattr(subscriber, hash_field)
    new_hash = hasher(value) if value else current
    if value and new_hash != current:
        others = Subscriber.objects.filter(
            organization=subscriber.organization, **{hash_field: new_hash}
        ).exclude(pk=subscriber.pk)
        if others.exists():
            errors[field] = taken
    same = value and new_hash == current and getattr(subscriber, confirmed_field)
    setattr(subscriber, field, value)
    setattr(subscriber, hash_field, new_hash)
    if not same:
        setattr(subscriber, confirmed_field, None)
        _close_open_confirmations(subscriber, channel)


@transaction.atomic
def subscriber_update(*, actor: Any, subscriber: Subscriber, source: str = "web", **changes):
    """Changes preferences (any of `_UPDATABLE`; values as for `subscriber_subscribe`). A new
    e-mail or phone must be confirmed again (a link or code is sent); "" removes an address no
    chosen channel needs. Channel and promotional-consent changes are recorded as consents."""
    _check_source(source)
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise TypeError(f"subscriber_update: unknown fields {sorted(unknown)}")
    _check_may_change(actor, subscriber)
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        raise ValidationError(_("해지한 구독입니다. 다시 받으려면 구독을 새로 신청하세요."))
    current = {
        "interests": from_mask(Interest, subscriber.interests),
        "life_stages": from_mask(LifeStage, subscriber.life_stages),
        "target_groups": from_mask(TargetGroup, subscriber.target_groups),
        "channels": channels_of(subscriber.channels),
    }
    values = {**current, **{k: v for k, v in changes.items() if k in current}}
    _check_preferences(
        organization=subscriber.organization,
        dong=changes.get("dong", subscriber.dong),
        frequency=changes.get("frequency", subscriber.frequency),
        digest_weekday=changes.get("digest_weekday", subscriber.digest_weekday),
        quiet_start=changes.get("quiet_start", subscriber.quiet_start),
        quiet_end=changes.get("quiet_end", subscriber.quiet_end),
        promo_consent=changes.get("promo_consent", subscriber.promo_consent),
        night_promo_consent=changes.get("night_promo_consent", subscriber.night_promo_consent),
        birth_year=changes.get("birth_year", subscriber.birth_year),
    )
    masks = _masks(
        values["interests"], values["life_stages"], values["target_groups"], values["channels"]
    )
    if not masks["interests"]:
        raise ValidationError({"interests": _("관심 분야를 하나 이상 고르세요.")})
    new_email, new_phone = _normalize_addresses(
        changes.get("email") or "", changes.get("phone") or ""
    )
    email = new_email if "email" in changes else subscriber.email
    phone = new_phone if "phone" in changes else subscriber.phone
    _check_channels_and_addresses(masks["channels"], email, phone)
    if not masks["channels"] & _EMAIL_BIT:
        email = ""
    if not masks["channels"] & _PHONE_BITS:
        phone = ""

    changed: set[str] = set()
    errors = {}
    if email != subscriber.email:
        _replace_address(subscriber, "email", email, errors)
        changed.add("email")
    if phone != subscriber.phone:
        _replace_address(subscriber, "phone", phone, errors)
        changed.add("phone")
    if errors:
        raise ValidationError(errors)

    old_channels = subscriber.channels
    old_promo, old_night = subscriber.promo_consent, subscriber.night_promo_consent
    for field, value in masks.items():
        if getattr(subscriber, field) != value:
            setattr(subscriber, field, value)
            changed.add(field)
    for field in ("dong", "frequency", "digest_weekday", "quiet_start", "quiet_end",
                  "promo_consent", "night_promo_consent", "birth_year"):  # fmt: skip
        if field in changes and getattr(subscriber, field) != changes[field]:
            setattr(subscriber, field, changes[field])
            changed.add(field)
    for channel in channels_of(subscriber.channels & ~old_channels):
        _consent(subscriber, Consent.Kind.CHANNEL, True, source, channel)
    removed = channels_of(old_channels & ~subscriber.channels)
    for channel in removed:
        _consent(subscriber, Consent.Kind.CHANNEL, False, source, channel)
    if removed:
        _cancel_queued([subscriber.pk], removed)
    if subscriber.promo_consent != old_promo:
        _consent(subscriber, Consent.Kind.PROMO, subscriber.promo_consent, source)
    if subscriber.night_promo_consent != old_night:
        _consent(subscriber, Consent.Kind.NIGHT_PROMO, subscriber.night_promo_consent, source)
    if (
        "email" in changed
        and subscriber.email
        and not subscriber.email_confirmed_at
        and _account_email_verified(actor, subscriber.email)
        and subscriber.user_id == getattr(actor, "pk", None)
    ):
        subscriber.email_confirmed_at = _now()
        _consent(subscriber, Consent.Kind.CHANNEL, True, Consent.Source.ACCOUNT, Channel.EMAIL)
    became_active = _activate_if_usable(subscriber)
    subscriber.save()
    _send_pending(subscriber, quietly=True)
    if became_active:
        _record_conversion(subscriber)
    _audit(actor, "notify.subscriber.update", subscriber, changed=sorted(changed))
    return subscriber


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
    *, actor: Any, subscriber: Subscriber, channel: str | None = None, source: str
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


# --- signed links ---------------------------------------------------------------------------


def _version(subscriber: Subscriber) -> int:
    # Bumping the subscriber's token_version revokes every link sent so far.
    return int(getattr(subscriber, "token_version", 0) or 0)


def _token(subscriber: Subscriber, purpose: str) -> str:
    signer = signing.Signer(salt=_TOKEN_SALTS[purpose])
    return signer.sign_object([subscriber.pk, _version(subscriber)])


def subscriber_from_token(token: str, purpose: str) -> Subscriber | None:
    """The subscriber a manage/unsubscribe token was made for, or None (bad, revoked, gone)."""
    if purpose not in _TOKEN_SALTS:
        raise ValueError(f"unknown token purpose: {purpose}")
    try:
        data = signing.Signer(salt=_TOKEN_SALTS[purpose]).unsign_object(token or "")
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(x, int) for x in data)):
        return None
    subscriber = (
        Subscriber.objects.select_related("organization", "dong").filter(pk=data[0]).first()
    )
    if subscriber is None or _version(subscriber) != data[1]:
        return None
    return subscriber


def unsubscribe_url(subscriber: Subscriber) -> str:
    """Path of the one-click unsubscribe page (GET shows a button; POST, also RFC 8058's
    `List-Unsubscribe=One-Click`, unsubscribes)."""
    return reverse("notify:unsubscribe", args=[_token(subscriber, "unsubscribe")])


def manage_url(subscriber: Subscriber) -> str:
    """Path of the page where the holder of the link changes the subscription's preferences."""
    return reverse("notify:manage", args=[_token(subscriber, "manage")])
