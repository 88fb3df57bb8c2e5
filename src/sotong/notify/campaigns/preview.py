"""A campaign's message per channel as a sample subscriber would get it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from .. import messages, sms
from ..models import Campaign, Channel
from ..templating import template_compile
from .common import DIGEST_DEFAULT_DAYS, Preview, _preview_render, _sms_preview
from .validation import _campaign_channels


def _preview_digest(campaign: Campaign, now: datetime) -> list[dict[str, Any]]:
    if campaign.digest_items:
        return list(campaign.digest_items)
    from ..digest import collect_items

    until = campaign.digest_until or now
    since = campaign.digest_since or until - timedelta(days=DIGEST_DEFAULT_DAYS)
    return collect_items(campaign.organization, since, until)


def campaign_preview(*, campaign: Campaign, now: datetime | None = None) -> dict[str, Preview]:
    """Each channel's message as a sample subscriber would get it (placeholders for missing
    values, listed in `missing`). A newsletter without collected items previews the items its
    period would collect now."""
    now = now or timezone.now()
    organization_name = campaign.organization.name
    context: dict[str, Any] = messages.sample_subscriber_context(organization_name, campaign.title)
    entries = None
    if campaign.kind == Campaign.Kind.NEWSLETTER:
        entries = messages._digest_entries(_preview_digest(campaign, now))
    previews: dict[str, Preview] = {}
    for channel in _campaign_channels(campaign):
        if channel == Channel.EMAIL:
            values = dict(context)
            if entries is not None:
                values["digest"] = messages.digest_text(entries)
            subject, missing_subject = _preview_render(campaign.subject or campaign.title, values)
            body_text = campaign.body or campaign.sms_body
            body, missing_body = _preview_render(body_text, values) if body_text else ("", set())
            if entries is not None and "digest" not in template_compile(body_text).variables:
                body = f"{body.rstrip()}\n\n{values['digest']}".strip()
            if campaign.promotional:
                subject = messages.promotional_subject(subject)
            body += messages.email_footer(
                organization_name=organization_name,
                unsubscribe_url=context["unsubscribe_url"],
                manage_url=context["manage_url"],
            )
            previews[channel] = Preview(
                channel=channel,
                subject=subject,
                body=body,
                missing=sorted(missing_subject | missing_body),
                headers=messages.list_headers(context["unsubscribe_url"]),
            )
            continue
        values = dict(context)
        if entries is not None:
            values["digest"] = messages._digest_sms(entries, sms.LMS_MAX_BYTES // 2)
        sms_source = campaign.sms_body or campaign.body
        text, missing = _preview_render(sms_source, values) if sms_source else ("", set())
        if entries is not None and "digest" not in template_compile(sms_source).variables:
            text = f"{(text or campaign.title).rstrip()}\n\n{values['digest']}"
        if channel == Channel.KAKAO and campaign.kakao_template_id and not campaign.promotional:
            template = campaign.kakao_template
            kakao_text, kakao_missing = _preview_render(
                template.body, {**values, **campaign.kakao_variables}
            )
            previews[channel] = _sms_preview(
                channel,
                campaign.title,
                kakao_text,
                sorted(kakao_missing | missing),
                kakao_template_code=template.kakao_template_code,
            )
            continue
        if campaign.promotional:
            text = messages.promotional_sms(text, organization_name)
        previews[channel] = _sms_preview(channel, campaign.title, text, sorted(missing))
    return previews
