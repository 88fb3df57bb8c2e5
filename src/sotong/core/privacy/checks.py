"""Does this process hold this database's keys? A process started with the wrong
SOTONG_FIELD_LOOKUP_KEY looks healthy while every lookup hash is dead (an SMS "수신거부" reply
finds nobody, so a resident who opted out keeps receiving texts); one started without the key
that encrypted the data fails only when a page opens a record. Both must stop the start instead.

Three proofs, each cheap:

- the `KeyCheck` row (written at `migrate`, never overwritten): a fingerprint made with the lookup
  key, and a constant encrypted with the encryption keys;
- lookup probes that apps register (`register_lookup_probe`): a few stored hashes recomputed from
  the decrypted values they were made from. They catch a wrong key even in a database restored
  from a dump older than the `KeyCheck` row.

`check_keys` is a system check (so `runserver`, `migrate`, `check` and every worker command run
it); `ensure_keys_match` is what `sotong.wsgi` calls, because gunicorn runs no system checks. A
database that is not migrated yet, or not reachable, is not judged here: other checks say so."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, models
from django.db.models.functions import Cast

from . import crypto

logger = logging.getLogger(__name__)

CANARY = "sotong key check"
_FINGERPRINT_PURPOSE = "privacy.key_check"

LOOKUP_ERROR_ID = "privacy.E101"
ENCRYPTION_ERROR_ID = "privacy.E102"

# (stored hash, the hash recomputed now) pairs of a few rows.
LookupProbe = Callable[[], Iterable[tuple[str, str]]]
_PROBES: dict[str, LookupProbe] = {}


def register_lookup_probe(name: str, probe: LookupProbe) -> None:
    """Adds stored lookup hashes to the start-up check; call from the app's AppConfig.ready().
    `probe()` returns (stored, recomputed) pairs for a few rows (three is plenty) and may raise
    `crypto.DecryptionError` when it cannot decrypt the values."""
    _PROBES[name] = probe


def lookup_fingerprint() -> str:
    return crypto.lookup_hash(CANARY, purpose=_FINGERPRINT_PURPOSE)


def key_check_record(*, using: str = "default") -> bool:
    """Writes the KeyCheck row with the keys of this process, unless it exists (an existing row
    is the proof of the keys the data was written with: it is never replaced). True when
    written. Called after every `migrate`."""
    from .models import KeyCheck

    if KeyCheck.objects.using(using).filter(pk=1).exists():
        return False
    KeyCheck.objects.using(using).create(
        pk=1, lookup_fingerprint=lookup_fingerprint(), encryption_canary=CANARY
    )
    return True


def _stored_row(using: str) -> tuple[str, str] | None:
    from .models import KeyCheck

    # The canary as stored: a Cast to plain text skips the field's decryption.
    raw = Cast("encryption_canary", output_field=models.TextField())
    return (
        KeyCheck.objects.using(using)
        .annotate(raw=raw)
        .values_list("lookup_fingerprint", "raw")
        .filter(pk=1)
        .first()
    )


def _decrypts(token: str) -> bool:
    try:
        return crypto.decrypt(token) == CANARY
    except crypto.DecryptionError:
        return False


def _probe_mismatches() -> tuple[int, int]:
    """(pairs compared, pairs that differ) over every registered probe."""
    compared = differ = 0
    for name, probe in sorted(_PROBES.items()):
        try:
            pairs = list(probe())
        except crypto.DecryptionError:
            continue  # the encryption check reports it
        except DatabaseError:
            logger.warning("key check: lookup probe %s failed", name, exc_info=True)
            continue
        compared += len(pairs)
        differ += sum(1 for stored, now in pairs if stored != now)
    return compared, differ


_LOOKUP_MESSAGE = (
    "SOTONG_FIELD_LOOKUP_KEY is not the key this database's lookup hashes were made with "
    "({detail}). With it, no subscriber is found by e-mail or phone: an SMS opt-out reply would "
    "change nothing."
)
_LOOKUP_HINT = (
    "Set SOTONG_FIELD_LOOKUP_KEY to the install's key (kept with the other keys, docs/deploy.md "
    "section 11). It cannot be changed once rows exist."
)
_ENCRYPTION_MESSAGE = (
    "SOTONG_FIELD_ENCRYPTION_KEYS holds no key that decrypts this database's encrypted values "
    "(the key check value does not decrypt)."
)
_ENCRYPTION_HINT = (
    "Put the install's keys in SOTONG_FIELD_ENCRYPTION_KEYS, newest first; after a rotation keep "
    "the old key until `privacy_rotate_keys --check` passes and the last backup made with it has "
    "expired (docs/deploy.md section 11)."
)


def _lookup_error(detail: str) -> checks.Error:
    return checks.Error(
        _LOOKUP_MESSAGE.format(detail=detail), hint=_LOOKUP_HINT, id=LOOKUP_ERROR_ID
    )


def key_errors(using: str = "default") -> list[checks.Error]:
    try:
        row = _stored_row(using)
    except DatabaseError:
        return []  # not migrated yet, or the database is away: not this check's business
    if row is not None:
        fingerprint, token = row
        errors = []
        if fingerprint != lookup_fingerprint():
            errors.append(_lookup_error("the key check fingerprint differs"))
        if not _decrypts(token):
            errors.append(
                checks.Error(_ENCRYPTION_MESSAGE, hint=_ENCRYPTION_HINT, id=ENCRYPTION_ERROR_ID)
            )
        if errors:
            return errors
    compared, differ = _probe_mismatches()
    if differ:
        return [_lookup_error(f"{differ} of {compared} stored hashes checked differ")]
    return []


@checks.register("sotong_keys")
def check_keys(app_configs=None, databases=None, **kwargs) -> list[checks.Error]:
    if app_configs is not None and not any(c.label == "privacy" for c in app_configs):
        return []
    return key_errors()


def ensure_keys_match() -> None:
    """Raise ImproperlyConfigured when this process does not hold the database's keys (for
    servers that run no system checks: gunicorn loads `sotong.wsgi`, which calls this)."""
    errors = key_errors()
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.id}: {e.msg} {e.hint}" for e in errors))


def record_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: the KeyCheck row of a new database (or of one migrated to this
    release) is written with the keys of the process that migrated it."""
    try:
        key_check_record(using=using)
    except DatabaseError:
        logger.warning("key check: could not record the key check row", exc_info=True)
