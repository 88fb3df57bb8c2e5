"""Subscribing: one person on an organisation's list, merging the rows that name the same address
or account."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sotong.accounts.types import Actor

from ..addresses import email_hash, phone_hash
from ..models import (
    Channel,
    Consent,
    Delivery,
    Subscriber,
    channels_of,
)
from .common import (
    _EMAIL_BIT,
    _PHONE_BITS,
    _account_email_verified,
    _activate_if_usable,
    _audit,
    _authenticated,
    _cancel_queued,
    _check_channels_and_addresses,
    _check_preferences,
    _check_source,
    _consent,
    _masks,
    _normalize_addresses,
    _now,
    _record_conversion,
)
from .confirm import _send_pending

if TYPE_CHECKING:
    from sotong.org.models import Dong, Organization


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
    from ..models import ConversionEvent

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
    actor: Actor,
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
    preferences = {
        "frequency": frequency,
        "digest_weekday": digest_weekday,
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
        "promo_consent": promo_consent,
        "night_promo_consent": night_promo_consent,
        "birth_year": birth_year,
    }
    _check_preferences(organization=organization, dong=dong, **preferences)
    masks = _masks(interests, life_stages, target_groups, channels)
    if not masks["interests"]:
        raise ValidationError({"interests": _("관심 분야를 하나 이상 고르세요.")})
    email, phone = _chosen_addresses(masks["channels"], email, phone)

    user = actor if _authenticated(actor) else None
    hashes = (email_hash(email) if email else None, phone_hash(phone) if phone else None)
    rows = _matching_rows(organization, *hashes, user)
    now = _now()
    subscriber, before, stamps = _take_row(organization, rows, *hashes, now)
    _set_addresses(subscriber, (email, phone), hashes, stamps, user)
    _set_preferences(subscriber, dong, masks, preferences)
    _save_once(subscriber)
    _record_consents(subscriber, before, source, promo_consent, night_promo_consent)
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
        created=not rows,
        merged=max(len(rows) - 1, 0),
    )
    return subscriber


def _chosen_addresses(channels: int, email: str, phone: str) -> tuple[str, str]:
    """The addresses normalised and checked against the chosen channels; only what those
    channels need is kept."""
    email, phone = _normalize_addresses(email, phone)
    _check_channels_and_addresses(channels, email, phone)
    if not channels & _EMAIL_BIT:
        email = ""
    if not channels & _PHONE_BITS:
        phone = ""
    return email, phone


def _matching_rows(organization, email_h: str | None, phone_h: str | None, user):
    """The organisation's rows with the same address or account (locked); none may belong to
    another account."""
    rows = _matches(organization, email_h, phone_h, user)
    if user is not None and any(row.user_id not in (None, user.pk) for row in rows):
        raise ValidationError(
            _("이 주소는 다른 회원의 구독에 쓰이고 있습니다. 다른 주소를 입력하세요."),
            code="taken",
        )
    return rows


def _take_row(
    organization, rows: list[Subscriber], email_h: str | None, phone_h: str | None, now
) -> tuple[Subscriber, tuple[int, bool, bool], dict[str, Any]]:
    """The row to keep (a new one when nothing matched; the others are merged into the oldest),
    what it had consented to (channels, promo, night promo) and the confirmation stamps of the
    given addresses."""
    if not rows:
        return Subscriber(organization=organization, created_at=now), (0, False, False), {}
    subscriber = rows[0]
    old_channels = subscriber.channels if subscriber.status != "unsubscribed" else 0
    before = (old_channels, subscriber.promo_consent, subscriber.night_promo_consent)
    # Confirmation stamps of the given addresses, wherever they were found.
    stamps: dict[str, Any] = {}
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
    return subscriber, before, stamps


def _set_addresses(
    subscriber: Subscriber, addresses: tuple[str, str], hashes: tuple, stamps: dict, user
) -> None:
    (email, phone), (email_h, phone_h) = addresses, hashes
    if email:
        subscriber.email, subscriber.email_hash = email, email_h
        subscriber.email_confirmed_at = stamps.get("email")
    if phone:
        subscriber.phone, subscriber.phone_hash = phone, phone_h
        subscriber.phone_confirmed_at = stamps.get("phone")
    if user is not None:
        subscriber.user = user


def _set_preferences(
    subscriber: Subscriber, dong: Dong | None, masks: dict[str, int], preferences: dict
) -> None:
    subscriber.dong = dong
    subscriber.interests = masks["interests"]
    subscriber.life_stages = masks["life_stages"]
    subscriber.target_groups = masks["target_groups"]
    subscriber.channels = masks["channels"]
    if not subscriber.channels & _EMAIL_BIT:
        subscriber.email, subscriber.email_confirmed_at = "", None
    if not subscriber.channels & _PHONE_BITS:
        subscriber.phone, subscriber.phone_confirmed_at = "", None
    subscriber.frequency = preferences["frequency"]
    subscriber.digest_weekday = preferences["digest_weekday"]
    subscriber.quiet_start = preferences["quiet_start"]
    subscriber.quiet_end = preferences["quiet_end"]
    subscriber.promo_consent = preferences["promo_consent"]
    subscriber.night_promo_consent = preferences["night_promo_consent"]
    if preferences["birth_year"] is not None:
        subscriber.birth_year = preferences["birth_year"]


def _save_once(subscriber: Subscriber) -> None:
    try:
        with transaction.atomic():
            subscriber.save()
    except IntegrityError:
        # The same address subscribed in a concurrent request that committed first.
        raise ValidationError(
            _("같은 주소로 동시에 신청이 들어왔습니다. 잠시 후 다시 시도하세요."), code="race"
        ) from None


def _record_consents(
    subscriber: Subscriber,
    before: tuple[int, bool, bool],
    source: str,
    promo_consent: bool,
    night_promo_consent: bool,
) -> None:
    old_channels, old_promo, old_night = before
    _consent(subscriber, Consent.Kind.SUBSCRIBE, True, source)
    for channel in channels_of(subscriber.channels & ~old_channels):
        _consent(subscriber, Consent.Kind.CHANNEL, True, source, channel)
    for channel in channels_of(old_channels & ~subscriber.channels):
        _consent(subscriber, Consent.Kind.CHANNEL, False, source, channel)
    if promo_consent != old_promo:
        _consent(subscriber, Consent.Kind.PROMO, promo_consent, source)
    if night_promo_consent != old_night:
        _consent(subscriber, Consent.Kind.NIGHT_PROMO, night_promo_consent, source)
