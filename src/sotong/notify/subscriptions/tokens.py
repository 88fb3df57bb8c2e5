"""Signed links in messages: manage and one-click unsubscribe (no expiry, revocable per
subscriber)."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from ..models import (
    Subscriber,
)
from .common import _TOKEN_SALTS

# --- signed links ---------------------------------------------------------------------------


def _version(subscriber: Subscriber) -> int:
    # Bumping the subscriber's token_version revokes every link sent so far.
    return int(getattr(subscriber, "token_version", 0) or 0)


def _token(subscriber: Subscriber, purpose: str) -> str:
    signer = signing.Signer(salt=_TOKEN_SALTS[purpose])
    return signer.sign_object([subscriber.pk, _version(subscriber)])


def subscriber_from_token(token: str, purpose: str) -> Subscriber | None:
    """The subscriber a manage/unsubscribe token was made for, or None (bad, revoked, gone)."""
    if purpose not in _TOKEN_SALTS:
        raise ValueError(f"unknown token purpose: {purpose}")
    try:
        data = signing.Signer(salt=_TOKEN_SALTS[purpose]).unsign_object(token or "")
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(x, int) for x in data)):
        return None
    subscriber = (
        Subscriber.objects.select_related("organization", "dong").filter(pk=data[0]).first()
    )
    if subscriber is None or _version(subscriber) != data[1]:
        return None
    return subscriber


def unsubscribe_url(subscriber: Subscriber) -> str:
    """Path of the one-click unsubscribe page (GET shows a button; POST, also RFC 8058's
    `List-Unsubscribe=One-Click`, unsubscribes)."""
    return reverse("notify:unsubscribe", args=[_token(subscriber, "unsubscribe")])


def manage_url(subscriber: Subscriber) -> str:
    """Path of the page where the holder of the link changes the subscription's preferences."""
    return reverse("notify:manage", args=[_token(subscriber, "manage")])
