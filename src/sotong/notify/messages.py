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
TEMPLATE_CACHE_SECONDS; 동 and organisation names for NAME_CACHE_SECONDS."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from sotong.core.vocab import Interest, to_mask

from . import links, sms
from .models import CHANNEL_BITS, Campaign, Channel, Delivery, Subscriber, Template
from .templating import Compiled, render_compiled, template_compile
from .transports.base import KakaoMessage, Outgoing

SELECT_RELATED = ("subscriber", "campaign", "notification")
TEMPLATE_CACHE_SECONDS = 30
NAME_CACHE_SECONDS = 600
# The variables every campaign text may use (campaigns/validation.py checks texts against these).
SUBSCRIBER_VARIABLES = frozenset({"organization", "dong", "title", "unsubscribe_url", "manage_url"})
NEWSLETTER_VARIABLES = SUBSCRIBER_VARIABLES | {"digest"}
AD_PREFIX = "(광고)"


# Links: ASCII URL characters only, so Korean text right after a link is not taken into it;
# trailing punctuation belongs to the sentence.
class Unsendable(Exception):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail[:300]


def _track(text: str, delivery_id: int, known: frozenset[str]) -> str:
    if not known or "http" not in text:
        return text

    def replace(match: re.Match) -> str:
        raw = match.group(0)
        url = raw.rstrip(links.URL_TRAILING)
        if url not in known:
            return raw
        return links.tracked_url(delivery_id, url) + raw[len(url) :]

    return links.URL_RE.sub(replace, text)


# --- small process caches ------------------------------------------------------------------


class _TTLCache:
    def __init__(self, seconds: float, max_size: int = 2048):
        self.seconds = seconds
        self.max_size = max_size
        self.data: dict[Any, tuple[float, Any]] = {}
        self.lock = threading.Lock()

    def get(self, key, load):
        now = time.monotonic()
        hit = self.data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        with self.lock:
            if len(self.data) >= self.max_size:
                self.data.clear()
            self.data[key] = (now + self.seconds, value)
        return value

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


_org_names = _TTLCache(NAME_CACHE_SECONDS)
_dong_names = _TTLCache(NAME_CACHE_SECONDS, max_size=20000)
_templates = _TTLCache(TEMPLATE_CACHE_SECONDS)
_campaigns: dict[int, _CampaignContent] = {}


def clear_caches() -> None:
    """Forget cached names, templates and campaigns (after staff edit a template; tests)."""
    _org_names.clear()
    _dong_names.clear()
    _templates.clear()
    _campaigns.clear()


def _organization_name(organization_id: int | None) -> str:
    if organization_id is None:
        return ""
    from sotong.org.models import Organization

    def load() -> str:
        return (
            Organization.objects.filter(pk=organization_id).values_list("name", flat=True).first()
            or ""
        )

    return _org_names.get(organization_id, load)


def _dong_name(dong_id: int | None) -> str:
    if dong_id is None:
        return ""
    from sotong.org.models import Dong

    def load() -> str:
        return Dong.objects.filter(pk=dong_id).values_list("name", flat=True).first() or ""

    return _dong_names.get(dong_id, load)


# --- subscriber links ------------------------------------------------------------------------


def absolute(path_or_url: str) -> str:
    if path_or_url.startswith(("http://", "https://")):
        return path_or_url
    return f"{settings.SITE_URL}{path_or_url}"


def unsubscribe_link(subscriber: Subscriber) -> str:
    from . import subscriptions  # H3's module; imported late as it imports this app's services

    return absolute(subscriptions.unsubscribe_url(subscriber))


def manage_link(subscriber: Subscriber) -> str:
    from . import subscriptions

    return absolute(subscriptions.manage_url(subscriber))


def subscriber_context(
    subscriber: Subscriber, *, organization_name: str, title: str = "", urls: bool = True
) -> dict[str, str]:
    """The context of campaign texts for one subscriber."""
    context = {
        "organization": organization_name,
        "dong": _dong_name(subscriber.dong_id),
        "title": title,
    }
    if urls:
        context["unsubscribe_url"] = unsubscribe_link(subscriber)
        context["manage_url"] = manage_link(subscriber)
    return context


def sample_subscriber_context(organization_name: str, title: str = "") -> dict[str, str]:
    """A context for previews: what a subscriber's would look like."""
    return {
        "organization": organization_name,
        "dong": _("예시동"),
        "title": title,
        "unsubscribe_url": f"{settings.SITE_URL}/notify/unsubscribe/…",
        "manage_url": f"{settings.SITE_URL}/notify/manage/…",
    }


# --- digest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DigestEntry:
    mask: int
    title: str
    summary: str
    url: str


def _digest_entries(items: Iterable[Mapping[str, Any]]) -> list[_DigestEntry]:
    entries = []
    known = set(Interest.values)
    for item in items or ():
        if not isinstance(item, Mapping) or not item.get("title"):
            continue
        interests = [i for i in item.get("interests") or () if i in known]
        entries.append(
            _DigestEntry(
                mask=to_mask(Interest, interests),
                title=str(item.get("title", "")),
                summary=str(item.get("summary", "") or ""),
                url=str(item.get("url", "") or ""),
            )
        )
    return entries


def _digest_for(entries: list[_DigestEntry], interests: int) -> list[_DigestEntry]:
    # An item without interests is for everyone; a subscriber without interests takes all.
    if not interests:
        return entries
    return [entry for entry in entries if not entry.mask or entry.mask & interests]


def digest_text(entries: list[_DigestEntry]) -> str:
    blocks = []
    for entry in entries:
        lines = [f"■ {entry.title}"]
        if entry.summary:
            lines.append(entry.summary)
        if entry.url:
            lines.append(_("자세히 보기: %(url)s") % {"url": entry.url})
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _digest_sms(entries: list[_DigestEntry], budget: int) -> str:
    """Titles (and links) of as many items as fit in `budget` bytes."""
    lines: list[str] = []
    used = 0
    for entry in entries:
        line = f"■ {entry.title}" + (f"\n{entry.url}" if entry.url else "")
        cost = sms.byte_length(line) + 1
        if used + cost > budget:
            break
        lines.append(line)
        used += cost
    return "\n".join(lines)


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


def _render(compiled: Compiled, context: Mapping[str, Any]) -> str:
    text, missing = render_compiled(compiled, context)
    if missing:
        raise Unsendable("missing_variables", ", ".join(sorted(missing)))
    return text


def _sms_outgoing(
    delivery: Delivery,
    *,
    to: str,
    text: str,
    subject: str,
    promotional: bool,
    organization_name: str,
) -> Outgoing:
    text = sms.sanitize(text).strip()
    if not text:
        raise Unsendable("no_content", "sms")
    if promotional:
        text = promotional_sms(text, organization_name)
    length = sms.byte_length(text)
    if length > sms.LMS_MAX_BYTES:
        raise Unsendable("too_long", f"{length} bytes")
    lms_subject = ""
    if length > sms.SMS_MAX_BYTES and subject:
        lms_subject = sms.truncate(sms.sanitize(subject), sms.LMS_SUBJECT_MAX_BYTES)
    return Outgoing(
        delivery_id=delivery.pk,
        key=f"d{delivery.pk}",
        channel="sms",
        to=to,
        body=text,
        subject=lms_subject,
    )


def promotional_sms(text: str, organization_name: str) -> str:
    """(광고)[보낸 곳] at the start and the free opt-out number at the end (정보통신망법 제50조)."""
    head = f"{AD_PREFIX}[{organization_name}] " if organization_name else f"{AD_PREFIX} "
    return f"{head}{text}\n" + _("무료수신거부 %(phone)s") % {
        "phone": settings.NOTIFY_OPT_OUT_PHONE
    }


def promotional_subject(subject: str) -> str:
    return subject if subject.startswith(AD_PREFIX) else f"{AD_PREFIX} {subject}"


def email_footer(*, organization_name: str, unsubscribe_url: str, manage_url: str) -> str:
    return "\n\n-- \n" + _(
        "%(organization)s 알림을 신청하신 분께 보내는 메일입니다.\n"
        "받는 방법 바꾸기: %(manage)s\n"
        "수신 거부: %(unsubscribe)s"
    ) % {"organization": organization_name, "manage": manage_url, "unsubscribe": unsubscribe_url}


def list_headers(unsubscribe_url: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


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

    # Phone: SMS/LMS text first (also the 알림톡 fallback).
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
    sms_text = _track(sms_text, delivery.pk, content.linkable)

    kakao_ok = (
        delivery.channel == Channel.KAKAO
        and content.kakao_body is not None
        and content.kakao_code
        and not content.promotional
    )
    if kakao_ok:
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
