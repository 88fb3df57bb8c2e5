"""Open311 API keys: issued to a client application (a resident app, a call-centre system) for
one organisation, shown once, kept only as a SHA-256 hash, revoked but never deleted (the
petitions they posted keep pointing at a named client in the audit log).

Issued by `manage.py open311_key create NAME --organization CODE` and in the admin
(`admin.py`); both call `open311_key_create`."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.accounts.types import Actor
from sotong.core.audit import audit_record
from sotong.org.models import Organization

from .. import permissions
from ..models import Open311Key

# 32 random bytes: far beyond guessing, so a plain (unsalted) SHA-256 is a safe lookup key.
KEY_BYTES = 32
PREFIX_LENGTH = 8
MAX_KEY_LENGTH = 200
# `last_used_at` is refreshed at most this often: not one extra write per request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _check(actor: Actor, organization: Organization) -> None:
    if not permissions.can_manage_open311_keys(actor, organization):
        raise PermissionDenied(_("이 기관의 Open311 API 키를 관리할 권한이 없습니다."))


@transaction.atomic
def open311_key_create(
    *, actor: Actor, organization: Organization, name: str
) -> tuple[Open311Key, str]:
    """A new active key for `organization`. Returns the row and the key itself, which exists
    nowhere else: show it once."""
    _check(actor, organization)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("키 이름을 입력하세요. 예: 주민 신고 앱")})
    if len(name) > Open311Key._meta.get_field("name").max_length:
        raise ValidationError({"name": _("키 이름은 100자 이내로 입력하세요.")})
    raw = secrets.token_urlsafe(KEY_BYTES)
    key = Open311Key.objects.create(
        organization=organization, name=name, key_hash=hash_key(raw), prefix=raw[:PREFIX_LENGTH]
    )
    audit_record(
        actor=actor,
        action="petitions.open311_key.create",
        obj=key,
        organization=organization,
        after={"name": name, "prefix": key.prefix},
    )
    return key, raw


# What keeps keys in memory (the intake directory, which imports this module) registers here how
# to forget them; a process that never loaded it holds no key to forget.
_revoke_listeners: list[Callable[[], None]] = []


def on_key_revoked(forget: Callable[[], None]) -> Callable[[], None]:
    """Registers `forget`, called at once and on commit whenever a key is revoked."""
    if forget not in _revoke_listeners:
        _revoke_listeners.append(forget)
    return forget


@transaction.atomic
def open311_key_revoke(*, actor: Actor, key: Open311Key, reason: str = "") -> Open311Key:
    """Stops `key` for good (a new key is issued instead of reviving an old one)."""
    key = Open311Key.objects.select_for_update().select_related("organization").get(pk=key.pk)
    _check(actor, key.organization)
    if not key.active:
        return key
    key.active = False
    key.save(update_fields=["active"])
    # This process forgets the key at once (and again after the commit, in case a concurrent
    # request cached it meanwhile); the other workers within OPEN311_DIRECTORY_TTL.
    for forget in _revoke_listeners:
        forget()
        transaction.on_commit(forget)
    audit_record(
        actor=actor,
        action="petitions.open311_key.revoke",
        obj=key,
        organization=key.organization,
        before={"active": True},
        after={"active": False},
        reason=reason,
    )
    return key


def open311_key_authenticate(raw: str | None) -> Open311Key | None:
    """The active key `raw` is, with its organisation; None for a missing, unknown or revoked
    key. Marks it used (coarsely, see LAST_USED_RESOLUTION)."""
    if not raw or len(raw) > MAX_KEY_LENGTH:
        return None
    key = (
        Open311Key.objects.select_related("organization")
        .filter(key_hash=hash_key(raw.strip()), active=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


__all__ = [
    "hash_key",
    "open311_key_authenticate",
    "open311_key_create",
    "open311_key_revoke",
]
