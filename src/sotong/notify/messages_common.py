"""What every message shares: `Unsendable`, the process caches, subscriber links and context, the
newsletter digest, the promotional rules and SMS/LMS outgoing items."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sotong.core.vocab import Interest, to_mask

from . import links, sms
from .models import Delivery, Subscriber
from .templating import Compiled, render_compiled
from .transports.base import Outgoing

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
_campaigns: dict[int, Any] = {}  # campaign id -> messages_campaign._CampaignContent


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
