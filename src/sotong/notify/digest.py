"""Sources of the weekly newsletter (소식지). Other apps publish what is new to notify by
registering a source; a newsletter campaign collects the items of its period when it starts
(`campaigns.campaign_start_due`) and keeps them in `Campaign.digest_items`, so the message
every subscriber gets is fixed at that moment (each sees the items of their interests,
`messages.py`).

    from sotong.notify.digest import DigestItem, DigestSource, register_source

    register_source(DigestSource(
        key="participation.polls",
        label=_("새 투표"),
        collect=lambda organization, since, until: [DigestItem(...), ...],
    ))

Items are public information only: never a person's data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from sotong.core.vocab import Interest

logger = logging.getLogger(__name__)

SUMMARY_CHARS = 150
MAX_ITEMS_PER_SOURCE = 20


@dataclass(frozen=True)
class DigestItem:
    title: str
    summary: str
    url: str
    interests: tuple[str, ...]
    published_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "summary": self.summary,
            "url": self.url,
            "interests": list(self.interests),
            "published_at": self.published_at.isoformat(),
        }


@dataclass(frozen=True)
class DigestSource:
    key: str
    label: str | Promise
    collect: Callable[[Any, datetime, datetime], list[DigestItem]]


_SOURCES: dict[str, DigestSource] = {}


def register_source(source: DigestSource) -> DigestSource:
    """Declare a source (idempotent per key)."""
    _SOURCES[source.key] = source
    return source


def registered_sources() -> list[DigestSource]:
    return sorted(_SOURCES.values(), key=lambda source: source.key)


def collect_items(organization, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """The items of every source for `organization` published in [since, until), newest first,
    as JSON. A failing source is logged and left out: one broken app must not stop the
    newsletter."""
    items: list[DigestItem] = []
    for source in registered_sources():
        try:
            found = source.collect(organization, since, until)
        except Exception:
            logger.exception("digest source %s failed", source.key)
            continue
        items.extend(found[:MAX_ITEMS_PER_SOURCE])
    items.sort(key=lambda item: item.published_at, reverse=True)
    return [item.to_json() for item in items]


def summary(text: str) -> str:
    """Plain text of `text` cut to SUMMARY_CHARS, for an item's summary."""
    flat = " ".join(strip_tags(text or "").split())
    return Truncator(flat).chars(SUMMARY_CHARS)


# --- this organisation's own alerts ----------------------------------------------------------


def campaign_items(organization, since: datetime, until: datetime) -> list[DigestItem]:
    """Targeted and emergency campaigns this organisation sent in the period: the title and the
    start of the text, rendered without any subscriber's data."""
    from .models import Campaign
    from .templating import render_compiled, template_compile

    campaigns = (
        Campaign.objects.filter(
            organization=organization,
            kind__in=[Campaign.Kind.TARGETED, Campaign.Kind.EMERGENCY],
            status__in=[Campaign.Status.SENDING, Campaign.Status.SENT],
            planned_at__gte=since,
            planned_at__lt=until,
        )
        .only("title", "kind", "segment", "sms_body", "body", "planned_at", "promotional")
        .order_by("-planned_at", "-pk")[:MAX_ITEMS_PER_SOURCE]
    )
    items = []
    for campaign in campaigns:
        text = campaign.sms_body or campaign.body
        try:
            # Missing values (동, links) are simply left out: nobody's data goes in.
            rendered, _missing = render_compiled(
                template_compile(text), {"organization": organization.name, "title": ""}
            )
        except Exception:
            rendered = ""
        if campaign.kind == Campaign.Kind.EMERGENCY:
            interests: tuple[str, ...] = (str(Interest.DISASTER_SAFETY),)
        else:
            interests = tuple(
                i for i in (campaign.segment or {}).get("interests") or () if i in Interest.values
            )
        items.append(
            DigestItem(
                title=campaign.title,
                summary=summary(rendered),
                url="",
                interests=interests,
                published_at=campaign.planned_at,
            )
        )
    return items


CAMPAIGNS_DIGEST = DigestSource(
    key="notify.campaigns", label=_("보낸 알림"), collect=campaign_items
)
