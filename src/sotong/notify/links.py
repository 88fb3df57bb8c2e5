"""Tracked links: a link in a campaign message points at `/notify/l/<token>`, which records a
`Click` and redirects to the real address.

The token is short, because SMS bytes cost: the delivery id in base 62, a dot, and 10 characters
(60 bits) of an HMAC over (delivery id, URL) keyed by SECRET_KEY — about 18 characters. The URL
itself is not in the token: the view takes the URLs the delivery's message may contain
(`linkable_urls`) and follows the one whose signature matches. So the redirector is not
an open redirect — only an address that was in a message we sent, to that recipient, can be
reached through it — and a forged or altered token is a 404."""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.http import require_safe

from .models import Campaign, Click, Delivery

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SALT = "sotong.notify.links"
SIGNATURE_LENGTH = 10
# Click.url holds 500 characters; a longer address stays as it is, untracked.
MAX_URL_LENGTH = 500
URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+")
URL_TRAILING = ".,;:!?"


def find_urls(text: str) -> list[str]:
    return [match.rstrip(URL_TRAILING) for match in URL_RE.findall(text or "")]


def linkable_urls(delivery: Delivery) -> set[str]:
    """The addresses a tracked link of this delivery's message may lead to."""
    campaign = delivery.campaign if delivery.campaign_id else None
    if campaign is None:
        return set()
    return set(campaign_urls(campaign))


def campaign_urls(campaign: Campaign) -> frozenset[str]:
    texts = [campaign.subject, campaign.body, campaign.sms_body]
    texts += [str(value) for value in (campaign.kakao_variables or {}).values()]
    found: set[str] = set()
    for text in texts:
        found.update(find_urls(text))
    for item in campaign.digest_items or ():
        if isinstance(item, Mapping) and item.get("url"):
            found.update(find_urls(str(item["url"])))
    return frozenset(url for url in found if len(url) <= MAX_URL_LENGTH)


def _b62(number: int) -> str:
    if number <= 0:
        return "0"
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits))


def _from_b62(text: str) -> int:
    number = 0
    for char in text:
        index = _ALPHABET.find(char)
        if index < 0:
            raise ValueError(text)
        number = number * 62 + index
    return number


def _signature(delivery_id: int, url: str) -> str:
    digest = salted_hmac(_SALT, f"{delivery_id}\n{url}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:SIGNATURE_LENGTH]


def token_for(delivery_id: int, url: str) -> str:
    return f"{_b62(delivery_id)}.{_signature(delivery_id, url)}"


@functools.lru_cache(maxsize=1)
def _path_prefix() -> str:
    # reverse() costs more than the rest of tracked_url; the prefix never changes in a process.
    return reverse("notify:link_follow", kwargs={"token": "T"})[:-1]


def tracked_url(delivery_id: int, url: str) -> str:
    """The absolute tracked address for `url` in delivery `delivery_id`'s message (`url` itself
    when it is too long to be recorded)."""
    if len(url) > MAX_URL_LENGTH:
        return url
    return f"{settings.SITE_URL}{_path_prefix()}{token_for(delivery_id, url)}"


def resolve_token(token: str) -> tuple[Delivery, str] | None:
    """The delivery and the address a token stands for, or None when it is not ours."""
    id_part, dot, signature = token.partition(".")
    if not dot or not id_part or len(signature) != SIGNATURE_LENGTH or len(id_part) > 12:
        return None
    try:
        delivery_id = _from_b62(id_part)
    except ValueError:
        return None
    delivery = (
        Delivery.objects.select_related("campaign", "notification")
        .only(
            "id",
            "campaign__id",
            "campaign__subject",
            "campaign__body",
            "campaign__sms_body",
            "campaign__kakao_variables",
            "campaign__digest_items",
            "notification__id",
            "notification__context",
        )
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return None
    for url in linkable_urls(delivery):
        if constant_time_compare(_signature(delivery_id, url), signature):
            return delivery, url
    return None


@transaction.atomic
def click_record(*, delivery: Delivery, url: str, at=None) -> Click:
    """Record that the recipient of `delivery` followed `url`. Not audited: a click is a
    measurement made by an anonymous request, not a change anyone decides on, and one audit
    event per click would bury the ones that matter."""
    return Click.objects.create(
        delivery=delivery, url=url[:MAX_URL_LENGTH], at=at or timezone.now()
    )


@require_safe
def link_follow(request: HttpRequest, token: str) -> HttpResponse:
    found = resolve_token(token)
    if found is None:
        raise Http404("unknown link")
    delivery, url = found
    # HEAD comes from link checkers and previews, not from the recipient.
    if request.method == "GET":
        click_record(delivery=delivery, url=url)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns = [path("l/<str:token>", link_follow, name="link_follow")]
