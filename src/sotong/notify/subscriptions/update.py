"""Changing a subscription's preferences and addresses."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sotong.accounts.types import Actor
from sotong.core.audit import changes_apply
from sotong.core.vocab import Interest, LifeStage, TargetGroup, from_mask

from ..addresses import email_hash, phone_hash
from ..models import (
    Channel,
    Consent,
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
from .confirm import _close_open_confirmations, _send_pending

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
# Taken as given (checked by `_check_preferences`); the masks are computed from their lists.
_PLAIN_FIELDS = (
    "dong",
    "frequency",
    "digest_weekday",
    "quiet_start",
    "quiet_end",
    "promo_consent",
    "night_promo_consent",
    "birth_year",
)


def _check_may_change(actor: Actor, subscriber: Subscriber) -> None:
    """None / anonymous: the caller proved access with a signed link. An account may change only
    its own subscription (or any in an organisation whose campaigns it manages)."""
    if not _authenticated(actor) or subscriber.user_id in (None, actor.pk):
        return
    from ..permissions import can_manage_campaigns

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
def subscriber_update(*, actor: Actor, subscriber: Subscriber, source: str = "web", **changes):
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
    masks, email, phone = _checked_changes(subscriber, changes)
    changed = _replace_addresses(subscriber, email, phone)
    old_channels = subscriber.channels
    old_promo, old_night = subscriber.promo_consent, subscriber.night_promo_consent
    changed |= _set_fields(subscriber, masks, changes)
    _record_consents(subscriber, old_channels, (old_promo, old_night), source)
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


def _checked_changes(subscriber: Subscriber, changes: dict) -> tuple[dict[str, int], str, str]:
    """The changes checked as a whole against what stays: the new masks and the addresses the
    chosen channels keep."""
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
    return masks, email, phone


def _replace_addresses(subscriber: Subscriber, email: str, phone: str) -> set[str]:
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
    return changed


def _set_fields(subscriber: Subscriber, masks: dict[str, int], changes: dict) -> set[str]:
    plain = {field: changes[field] for field in _PLAIN_FIELDS if field in changes}
    return set(changes_apply(subscriber, {**masks, **plain}))


def _record_consents(
    subscriber: Subscriber, old_channels: int, old_promo: tuple[bool, bool], source: str
) -> None:
    """Consent rows for the channels added and removed (queued deliveries of a removed one are
    cancelled) and for a changed promotional consent."""
    old_promo_consent, old_night = old_promo
    for channel in channels_of(subscriber.channels & ~old_channels):
        _consent(subscriber, Consent.Kind.CHANNEL, True, source, channel)
    removed = channels_of(old_channels & ~subscriber.channels)
    for channel in removed:
        _consent(subscriber, Consent.Kind.CHANNEL, False, source, channel)
    if removed:
        _cancel_queued([subscriber.pk], removed)
    if subscriber.promo_consent != old_promo_consent:
        _consent(subscriber, Consent.Kind.PROMO, subscriber.promo_consent, source)
    if subscriber.night_promo_consent != old_night:
        _consent(subscriber, Consent.Kind.NIGHT_PROMO, subscriber.night_promo_consent, source)
