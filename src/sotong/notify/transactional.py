"""Transactional messages: the one call other apps use to tell a person something.

    from sotong.notify.services import notification_send, register_event, Event

    register_event(Event(                       # once, in the app's AppConfig.ready()
        key="petitions.answered",
        label="민원 답변 완료",
        channels=("email", "kakao"),
        templates={"email": ("[{{ organization }}] 민원 답변", "{{ name }}님, …"),
                   "kakao": ("", "…")},
        sample_context={"organization": "중구", "name": "홍길동"},
    ))

    notification_send(event="petitions.answered", recipient=user, context={...},
                      organization=org, ref="petitions.Petition:12")

`notification_send` writes a `Notification` and one `Delivery` per usable channel in the caller's
transaction, and wakes a worker after commit: nothing is sent if the caller rolls back, and nothing
is lost if the process dies after the commit. Petitions and the others never talk to e-mail or SMS
themselves. The texts registered with the event are the defaults; an organisation's staff may
override them with a `Template` row of the same key and channel."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Channel, Delivery, Notification, Priority, Subscriber, channels_of

if TYPE_CHECKING:
    from sotong.accounts.models import User
    from sotong.org.models import Organization


@dataclass(frozen=True)
class Event:
    """A kind of transactional message. `templates` maps a channel to (subject, body) in the
    template language of `templating.py`; for "kakao" the body is the approved 알림톡 text and
    `kakao_template_code` its code at the provider."""

    key: str
    label: str
    channels: tuple[str, ...]
    templates: Mapping[str, tuple[str, str]]
    sample_context: Mapping[str, Any] = field(default_factory=dict)
    kakao_template_code: str = ""
    # Urgent events (a confirmation code the person is waiting for) go ahead of campaigns.
    priority: int = Priority.TRANSACTIONAL

    def __post_init__(self) -> None:
        for channel in self.channels:
            Channel(channel)
            if channel not in self.templates:
                raise ImproperlyConfigured(f"event {self.key}: no template for {channel}")


_EVENTS: dict[str, Event] = {}


def register_event(event: Event) -> Event:
    """Declare an event type (idempotent for the same key, as `ready()` may run twice in tests)."""
    _EVENTS[event.key] = event
    return event


def event_for(key: str) -> Event:
    try:
        return _EVENTS[key]
    except KeyError:
        raise ImproperlyConfigured(f"unknown notification event: {key}") from None


def registered_events() -> list[Event]:
    return sorted(_EVENTS.values(), key=lambda event: event.key)


@dataclass(frozen=True)
class Address:
    """A recipient without an account, e.g. an anonymous petitioner with a confirmed phone."""

    email: str = ""
    phone: str = ""
    language: str = "ko"


Recipient = "User | Subscriber | Address"


def _addresses(recipient: Any, organization: Organization | None) -> tuple[dict[str, str], Any]:
    """The usable address per channel and the user (or None) for this recipient. An account's
    own subscription, when it has one in the organisation, limits the channels to those chosen."""
    from sotong.accounts.models import User

    if isinstance(recipient, Address):
        email, phone = recipient.email, recipient.phone
        return {Channel.EMAIL: email, Channel.SMS: phone, Channel.KAKAO: phone}, None
    if isinstance(recipient, Subscriber):
        chosen = set(channels_of(recipient.channels)) or {Channel.EMAIL, Channel.SMS}
        found = {
            Channel.EMAIL: recipient.email if recipient.email_confirmed_at else "",
            Channel.SMS: recipient.phone if recipient.phone_confirmed_at else "",
            Channel.KAKAO: recipient.phone if recipient.phone_confirmed_at else "",
        }
        return {ch: value for ch, value in found.items() if ch in chosen}, recipient.user
    if isinstance(recipient, User):
        if not recipient.is_active:
            return {}, recipient
        found = {Channel.EMAIL: recipient.email}
        phone = _user_phone(recipient)
        if phone:
            found[Channel.SMS] = found[Channel.KAKAO] = phone
        subscription = None
        if organization is not None:
            subscription = (
                Subscriber.objects.filter(
                    user=recipient, organization=organization, status=Subscriber.Status.ACTIVE
                )
                .only("channels")
                .first()
            )
        if subscription is not None and subscription.channels:
            chosen = set(channels_of(subscription.channels))
            found = {ch: value for ch, value in found.items() if ch in chosen} or found
        return found, recipient
    raise TypeError(f"not a recipient: {type(recipient).__name__}")


def _user_phone(user: User) -> str:
    try:
        profile = user.resident_profile
    except ObjectDoesNotExist:  # no profile: an account without a phone
        return ""
    return getattr(profile, "phone", "") or ""


@transaction.atomic
def notification_send(
    *,
    event: str,
    recipient: Any,
    context: Mapping[str, Any],
    organization: Organization | None = None,
    ref: str = "",
    idempotency_key: str | None = None,
    channels: Sequence[str] | None = None,
) -> Notification | None:
    """Queue `event` for `recipient` (a User, a Subscriber or an `Address`) on the event's
    channels for which the recipient has an address (or only `channels`, when given). Returns the
    Notification, or None when the recipient has no usable address (nothing to do is not an
    error: an account without a phone simply gets no SMS). With `idempotency_key`, a second call
    with the same key returns the first Notification and queues nothing.

    Raises ValidationError when `context` cannot be stored (not JSON) and ImproperlyConfigured
    for an unknown event: both are the caller's bugs, and failing inside the caller's
    transaction keeps its state and the outbox in step."""
    spec = event_for(event)
    if idempotency_key:
        existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    addresses, user = _addresses(recipient, organization)
    wanted = [ch for ch in (channels or spec.channels) if ch in spec.channels]
    usable = [ch for ch in wanted if addresses.get(ch)]
    # KakaoTalk falls back to SMS at the provider: one phone message, never two.
    if Channel.KAKAO in usable and Channel.SMS in usable:
        usable.remove(Channel.SMS)
    if not usable:
        return None
    notification = Notification(
        event=event,
        organization=organization,
        user=user,
        to_email=addresses.get(Channel.EMAIL, "") if Channel.EMAIL in usable else "",
        to_phone=next((addresses[ch] for ch in usable if ch != Channel.EMAIL), ""),
        context=dict(context),
        ref=ref,
        idempotency_key=idempotency_key or None,
    )
    try:
        json.dumps(notification.context, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("알림 내용 값은 JSON으로 저장할 수 있어야 합니다.")) from exc
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        # Same idempotency key committed by a concurrent call.
        return Notification.objects.get(idempotency_key=idempotency_key)
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(
            notification=notification,
            subscriber=recipient if isinstance(recipient, Subscriber) else None,
            channel=channel,
            priority=spec.priority,
            not_before=now,
        )
        for channel in usable
    )
    from .pipeline import wake_workers

    wake_workers(urgent=spec.priority <= Priority.EMERGENCY)
    return notification
