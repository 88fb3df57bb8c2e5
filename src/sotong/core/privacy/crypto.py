"""Field encryption with key rotation (Fernet through `cryptography`'s MultiFernet).

Keys come from settings.FIELD_ENCRYPTION_KEYS, newest first: new values are encrypted with the
first key, any listed key decrypts. Rotation: put a new key in front, run
`manage.py privacy_rotate_keys`, then drop the old key."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(ImproperlyConfigured):
    """A stored value that no configured key decrypts: its key was dropped too early, or the
    value was never encrypted. An ImproperlyConfigured, because the cure is in the settings."""


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    try:
        each = [Fernet(key.encode() if isinstance(key, str) else key) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be url-safe base64 Fernet keys (Fernet.generate_key())"
        ) from exc
    return MultiFernet(each), each[0]


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def fernet() -> MultiFernet:
    return _fernets(_keys())[0]


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DecryptionError(
            "an encrypted field could not be decrypted: is its key still in FIELD_ENCRYPTION_KEYS?"
        ) from exc


def is_current(token: str) -> bool:
    """True when the newest key decrypts `token`, so rotating it would change nothing."""
    newest = _fernets(_keys())[1]
    try:
        newest.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def rotate(token: str) -> str:
    """Re-encrypts a token under the newest key (no-op in meaning, new ciphertext)."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DecryptionError("a value to rotate could not be decrypted with any key") from exc


def lookup_hash(value: str, *, purpose: str) -> str:
    """A keyed hash (HMAC-SHA256, hex) of a normalised value, for finding a row by an encrypted
    value (e-mail, phone) without storing it in the clear. `purpose` separates uses, so the same
    phone number hashes differently in two tables. The key is FIELD_LOOKUP_KEY, which must never
    change once rows exist (unlike the encryption keys it cannot be rotated in place)."""
    key = settings.FIELD_LOOKUP_KEY.encode("utf-8")
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
