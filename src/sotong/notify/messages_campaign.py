"""Campaign messages: the campaign's content compiled once per process and version, and the
`Outgoing` of one campaign delivery."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from . import links, sms
from .messages_common import (
    Unsendable,
    _campaigns,
    _digest_entries,
    _digest_for,
    _digest_sms,
    _DigestEntry,
    _organization_name,
    _render,
    _sms_outgoing,
    _track,
    digest_text,
    email_footer,
    list_headers,
    promotional_subject,
    subscriber_context,
)
from .models import CHANNEL_BITS, Campaign, Channel, Delivery, Subscriber, Template
from .templating import Compiled, template_compile
from .transports.base import KakaoMessage, Outgoing

# --- campaign content, once per campaign version ------------------------------------------------


@dataclass
class _CampaignContent:
    version: tuple
    organization_name: str
    kind: str
    title: str
    promotional: bool
    email_subject: Compiled | None
    email_body: Compiled | None
    sms_body: Compiled | None
    kakao_body: Compiled | None
    kakao_code: str
    kakao_variables: dict[str, Any]
    linkable: frozenset[str]
    digest: list[_DigestEntry] | None
    uses_digest: bool
    sms_uses_digest: bool
    sms_needs_urls: bool
    error: str = ""
    variables: frozenset[str] = field(default_factory=frozenset)


def _compile_or_none(text: str) -> Compiled | None:
    return template_compile(text) if text else None


def _campaign_content(campaign: Campaign) -> _CampaignContent:
    version = (campaign.pk, campaign.updated_at)
    content = _campaigns.get(campaign.pk)
    if content is not None and content.version == version:
        return content
    content = _build_campaign_content(campaign, version)
    if len(_campaigns) > 512:
        _campaigns.clear()
    _campaigns[campaign.pk] = content
    return content


def _build_campaign_content(campaign: Campaign, version: tuple) -> _CampaignContent:
    kakao_template = None
    if campaign.kakao_template_id:
        kakao_template = (
            Template.objects.filter(pk=campaign.kakao_template_id)
            .only("body", "kakao_template_code")
            .first()
        )
    newsletter = campaign.kind == Campaign.Kind.NEWSLETTER
    body = campaign.body or campaign.sms_body
    sms_text = campaign.sms_body or campaign.body
    content = _CampaignContent(
        version=version,
        organization_name=_organization_name(campaign.organization_id),
        kind=campaign.kind,
        title=campaign.title,
        promotional=campaign.promotional,
        email_subject=None,
        email_body=None,
        sms_body=None,
        kakao_body=None,
        kakao_code=kakao_template.kakao_template_code if kakao_template else "",
        kakao_variables=dict(campaign.kakao_variables or {}),
        linkable=links.campaign_urls(campaign),
        digest=_digest_entries(campaign.digest_items) if newsletter else None,
        uses_digest=False,
        sms_uses_digest=False,
        sms_needs_urls=False,
    )
    try:
        content.email_subject = _compile_or_none(campaign.subject or campaign.title)
        content.email_body = _compile_or_none(body)
        content.sms_body = _compile_or_none(sms_text)
        content.kakao_body = _compile_or_none(kakao_template.body if kakao_template else "")
    except ValidationError as exc:
        content.error = "; ".join(exc.messages)
        return content
    if content.email_body is not None:
        content.uses_digest = "digest" in content.email_body.variables
    if content.sms_body is not None:
        content.sms_uses_digest = "digest" in content.sms_body.variables
    phone_vars: set[str] = set()
    for compiled in (content.sms_body, content.kakao_body):
        if compiled is not None:
            phone_vars |= compiled.variables
    content.sms_needs_urls = bool(phone_vars & {"unsubscribe_url", "manage_url"})
    return content


def _check_subscriber(delivery: Delivery, campaign: Campaign) -> Subscriber:
    subscriber = delivery.subscriber
    if subscriber is None:
        raise Unsendable("no_address", "no subscriber")
    if subscriber.status != Subscriber.Status.ACTIVE:
        raise Unsendable("unsubscribed")
    emergency = campaign.kind == Campaign.Kind.EMERGENCY
    if delivery.channel == Channel.EMAIL:
        if not subscriber.email or not subscriber.email_confirmed_at:
            raise Unsendable("no_address", "e-mail not confirmed")
        if not emergency and not subscriber.channels & CHANNEL_BITS[Channel.EMAIL]:
            raise Unsendable("channel_withdrawn", "e-mail")
    else:
        if not subscriber.phone or not subscriber.phone_confirmed_at:
            raise Unsendable("no_address", "phone not confirmed")
        phone_bits = CHANNEL_BITS[Channel.SMS] | CHANNEL_BITS[Channel.KAKAO]
        if not emergency and not subscriber.channels & phone_bits:
            raise Unsendable("channel_withdrawn", "phone")
    if campaign.promotional and not subscriber.promo_consent:
        raise Unsendable("no_promo_consent")
    return subscriber


def _campaign_outgoing(delivery: Delivery) -> Outgoing:
    campaign = delivery.campaign
    if campaign.status == Campaign.Status.CANCELLED:
        raise Unsendable("cancelled")
    content = _campaign_content(campaign)
    if content.error:
        raise Unsendable("template_error", content.error)
    subscriber = _check_subscriber(delivery, campaign)
    email = delivery.channel == Channel.EMAIL
    context: dict[str, Any] = subscriber_context(
        subscriber,
        organization_name=content.organization_name,
        title=content.title,
        urls=email or content.sms_needs_urls,
    )
    entries: list[_DigestEntry] | None = None
    if content.digest is not None:
        entries = _digest_for(content.digest, subscriber.interests)
        if not entries:
            raise Unsendable("no_items")
    if email:
        return _campaign_email(delivery, subscriber, content, context, entries)
    # Phone: SMS/LMS text first (also the 알림톡 fallback).
    sms_text = _campaign_sms_text(delivery, content, context, entries)
    kakao_ok = (
        delivery.channel == Channel.KAKAO
        and content.kakao_body is not None
        and content.kakao_code
        and not content.promotional
    )
    if kakao_ok:
        return _campaign_kakao(delivery, subscriber, content, context, sms_text)
    if not sms_text and content.kakao_body is not None:
        values = {**context, **content.kakao_variables}
        sms_text = _render(content.kakao_body, values)
    return _sms_outgoing(
        delivery,
        to=subscriber.phone,
        text=sms_text,
        subject=content.title,
        promotional=content.promotional,
        organization_name=content.organization_name,
    )


def _campaign_email(
    delivery: Delivery,
    subscriber: Subscriber,
    content: _CampaignContent,
    context: dict[str, Any],
    entries: list[_DigestEntry] | None,
) -> Outgoing:
    if content.email_body is None:
        raise Unsendable("no_content", "email")
    if entries is not None:
        context["digest"] = digest_text(entries)
    subject = _render(content.email_subject, context) if content.email_subject else ""
    body = _render(content.email_body, context)
    if entries is not None and not content.uses_digest:
        body = f"{body.rstrip()}\n\n{context['digest']}" if body.strip() else context["digest"]
    body = _track(body, delivery.pk, content.linkable)
    if content.promotional:
        subject = promotional_subject(subject)
    body += email_footer(
        organization_name=content.organization_name,
        unsubscribe_url=context["unsubscribe_url"],
        manage_url=context["manage_url"],
    )
    return Outgoing(
        delivery_id=delivery.pk,
        key=f"d{delivery.pk}",
        channel="email",
        to=subscriber.email,
        body=body,
        subject=subject.replace("\n", " ").strip(),
        headers=list_headers(context["unsubscribe_url"]),
    )


def _campaign_sms_text(
    delivery: Delivery,
    content: _CampaignContent,
    context: dict[str, Any],
    entries: list[_DigestEntry] | None,
) -> str:
    sms_text = ""
    if content.sms_body is not None:
        if entries is not None:
            context["digest"] = _digest_sms(entries, sms.LMS_MAX_BYTES // 2)
        sms_text = _render(content.sms_body, context)
        if entries is not None and not content.sms_uses_digest:
            budget = sms.LMS_MAX_BYTES - sms.byte_length(sms_text) - 120
            sms_text = f"{sms_text.rstrip()}\n\n{_digest_sms(entries, budget)}"
    elif entries is not None:
        sms_text = f"{content.title}\n\n{_digest_sms(entries, sms.LMS_MAX_BYTES - 200)}"
    return _track(sms_text, delivery.pk, content.linkable)


def _campaign_kakao(
    delivery: Delivery,
    subscriber: Subscriber,
    content: _CampaignContent,
    context: dict[str, Any],
    sms_text: str,
) -> Outgoing:
    values = {**context, **{k: v for k, v in content.kakao_variables.items()}}
    text = _render(content.kakao_body, values)
    variables = {
        name: str(values.get(name, ""))
        for name in sorted(content.kakao_body.printed)
        if "." not in name
    }
    fallback = sms.sanitize(sms_text or text).strip()
    if sms.byte_length(fallback) > sms.LMS_MAX_BYTES:
        fallback = sms.truncate(fallback, sms.LMS_MAX_BYTES)
    return Outgoing(
        delivery_id=delivery.pk,
        key=f"d{delivery.pk}",
        channel="kakao",
        to=subscriber.phone,
        body=text,
        subject=content.title,
        kakao=KakaoMessage(
            template_code=content.kakao_code, variables=variables, fallback_text=fallback
        ),
    )
