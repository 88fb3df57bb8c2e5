"""What one delivery says: `build_outgoing(delivery, now=...)` turns an outbox row into the
`Outgoing` a transport sends, following the rules of content (notify README):

- a **campaign** delivery renders the campaign's subject and body (e-mail), `sms_body` (SMS/LMS)
  or `kakao_template` with `kakao_variables` (알림톡, with the SMS text as fallback) with the
  subscriber's context: `organization` (the sending organisation's name), `dong`, `title` (the
  campaign's), `unsubscribe_url` and `manage_url`. A newsletter appends its `digest_items` (only
  those matching the subscriber's interests), or puts them where the body prints `{{ digest }}`.
  Links written in campaign texts become tracked links (`links.tracked_url`); 알림톡 text is left
  as approved, since the provider refuses text that differs from the template.
- a **notification** delivery renders the organisation's active transactional `Template` of the
  event and channel (else the platform's, else the text registered with the event) with the
  notification's context (plus `organization`).
- **promotional** messages start with "(광고)"; SMS end with the free opt-out number
  (settings.NOTIFY_OPT_OUT_PHONE); 알림톡 cannot carry advertising (KakaoTalk's policy), so a
  promotional phone message goes as SMS/LMS. Every campaign e-mail ends with the unsubscribe and
  manage links and carries `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058).
- an emergency or other campaign phone message on the "kakao" channel without an 알림톡 template
  goes as SMS/LMS (`Outgoing.channel == "sms"`; the same provider sends both).

Absolute links use settings.SITE_URL.

When a message cannot be sent, `Unsendable(code, detail)` says why; the pipeline records it as
failed/skipped with that code. Codes: "unsubscribed", "channel_withdrawn", "no_address",
"no_promo_consent", "cancelled", "missing_variables" (detail: the names), "too_long",
"no_content", "no_items", "template_error", "unknown_event".

Speed: the pipeline calls this for thousands of rows a second. It must load the deliveries with
`select_related(*SELECT_RELATED)` ("subscriber", "campaign", "notification"); nothing else is
queried per row. What a campaign needs beyond its own row (organisation name, 알림톡 template,
compiled texts, digest) is built once per process and campaign version (id, updated_at);
transactional templates are cached per (organisation, event, channel) for
TEMPLATE_CACHE_SECONDS; 동 and organisation names for NAME_CACHE_SECONDS.

`messages_common.py` holds what every message shares (the caches, subscriber links and context,
the digest, the promotional rules, SMS); `messages_campaign.py` builds campaign messages. This
module builds transactional ones and dispatches (`build_outgoing`); callers use `messages.<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Q

from . import sms
from .messages_campaign import _campaign_outgoing, _compile_or_none

# Re-exported: the campaign services and the pipeline use them as `messages.<name>`.
from .messages_common import AD_PREFIX as AD_PREFIX
from .messages_common import NEWSLETTER_VARIABLES as NEWSLETTER_VARIABLES
from .messages_common import SELECT_RELATED as SELECT_RELATED
from .messages_common import SUBSCRIBER_VARIABLES as SUBSCRIBER_VARIABLES
from .messages_common import (
    Unsendable,
    _organization_name,
    _render,
    _sms_outgoing,
    _templates,
    promotional_subject,
)
from .messages_common import _digest_entries as _digest_entries
from .messages_common import _digest_sms as _digest_sms
from .messages_common import absolute as absolute
from .messages_common import clear_caches as clear_caches
from .messages_common import digest_text as digest_text
from .messages_common import email_footer as email_footer
from .messages_common import list_headers as list_headers
from .messages_common import manage_link as manage_link
from .messages_common import promotional_sms as promotional_sms
from .messages_common import sample_subscriber_context as sample_subscriber_context
from .messages_common import subscriber_context as subscriber_context
from .messages_common import unsubscribe_link as unsubscribe_link
from .models import Channel, Delivery, Template
from .templating import Compiled
from .transports.base import KakaoMessage, Outgoing

# --- transactional notifications --------------------------------------------------------------


@dataclass(frozen=True)
class _EventText:
    subject: Compiled | None
    body: Compiled | None
    kakao_code: str
    promotional: bool
    error: str = ""


def _event_text(organization_id: int | None, event: str, channel: str) -> _EventText:
    def load() -> _EventText:
        rows = Template.objects.filter(
            Q(organization_id=organization_id) | Q(organization__isnull=True)
            if organization_id
            else Q(organization__isnull=True),
            kind=Template.Kind.TRANSACTIONAL,
            key=event,
            channel=channel,
            active=True,
        ).only("organization_id", "subject", "body", "kakao_template_code", "promotional")
        chosen = None
        for row in rows:
            if chosen is None or row.organization_id is not None:
                chosen = row
        from .transactional import event_for

        try:
            spec = event_for(event)
        except ImproperlyConfigured:
            spec = None
        if chosen is not None:
            subject, body = chosen.subject, chosen.body
            code = chosen.kakao_template_code or (spec.kakao_template_code if spec else "")
            promotional = chosen.promotional
        elif spec is not None and channel in spec.templates:
            subject, body = spec.templates[channel]
            code, promotional = spec.kakao_template_code, False
        elif spec is None:
            return _EventText(None, None, "", False, error="unknown_event")
        else:
            return _EventText(None, None, "", False)
        try:
            return _EventText(_compile_or_none(subject), _compile_or_none(body), code, promotional)
        except ValidationError as exc:
            return _EventText(None, None, "", False, error="; ".join(exc.messages))

    return _templates.get((organization_id, event, channel), load)


def _notification_outgoing(delivery: Delivery) -> Outgoing:
    notification = delivery.notification
    organization_name = _organization_name(notification.organization_id)
    context: dict[str, Any] = {"organization": organization_name}
    context.update(notification.context or {})
    channel = delivery.channel

    def text_for(chan: str) -> _EventText:
        text = _event_text(notification.organization_id, notification.event, chan)
        if text.error == "unknown_event":
            raise Unsendable("unknown_event", notification.event)
        if text.error:
            raise Unsendable("template_error", text.error)
        return text

    if channel == Channel.EMAIL:
        if not notification.to_email:
            raise Unsendable("no_address", "e-mail")
        text = text_for(channel)
        if text.body is None:
            raise Unsendable("no_content", "email")
        subject = _render(text.subject, context) if text.subject else ""
        if text.promotional:
            subject = promotional_subject(subject)
        return Outgoing(
            delivery_id=delivery.pk,
            key=f"d{delivery.pk}",
            channel="email",
            to=notification.to_email,
            body=_render(text.body, context),
            subject=subject.replace("\n", " ").strip(),
        )

    if not notification.to_phone:
        raise Unsendable("no_address", "phone")
    sms_spec = text_for(Channel.SMS)
    if channel == Channel.KAKAO:
        kakao = text_for(Channel.KAKAO)
        if kakao.body is not None and kakao.kakao_code and not kakao.promotional:
            rendered = _render(kakao.body, context)
            fallback = _render(sms_spec.body, context) if sms_spec.body else rendered
            fallback = sms.truncate(sms.sanitize(fallback).strip(), sms.LMS_MAX_BYTES)
            return Outgoing(
                delivery_id=delivery.pk,
                key=f"d{delivery.pk}",
                channel="kakao",
                to=notification.to_phone,
                body=rendered,
                kakao=KakaoMessage(
                    template_code=kakao.kakao_code,
                    variables={
                        name: str(context.get(name, ""))
                        for name in sorted(kakao.body.printed)
                        if "." not in name
                    },
                    fallback_text=fallback,
                ),
            )
        if sms_spec.body is None:
            sms_spec = kakao
    if sms_spec.body is None:
        raise Unsendable("no_content", "sms")
    subject = _render(sms_spec.subject, context) if sms_spec.subject else ""
    return _sms_outgoing(
        delivery,
        to=notification.to_phone,
        text=_render(sms_spec.body, context),
        subject=subject,
        promotional=sms_spec.promotional,
        organization_name=organization_name,
    )


def build_outgoing(delivery: Delivery, *, now=None) -> Outgoing:
    """The message of `delivery` (loaded with `select_related(*SELECT_RELATED)`), or
    Unsendable."""
    if delivery.campaign_id:
        return _campaign_outgoing(delivery)
    if delivery.notification_id:
        return _notification_outgoing(delivery)
    raise Unsendable("no_content", "no campaign or notification")
