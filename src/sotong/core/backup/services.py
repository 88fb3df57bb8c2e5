"""Creating, restoring, verifying, listing and pruning backups (see `__init__.py`). Operator
actions: they run from the command line (scripts/backup.sh, scripts/restore.sh), never from a
request."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import database
from .crypto import (
    UNENCRYPTED,
    BackupFormatError,
    DecryptingReader,
    EncryptingWriter,
    key_id,
    read_header,
)

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
NAME_RE = re.compile(r"^sotong-(\d{8}-\d{6})\.backup$")
STAMP = "%Y%m%d-%H%M%S"


class BackupError(Exception):
    """A backup that cannot be made or restored, with the reason an operator can act on."""


@dataclass
class Created:
    path: Path
    size: int
    manifest: dict[str, Any]
    pruned: list[Path] = field(default_factory=list)


def backup_name(now: datetime) -> str:
    """`sotong-YYYYMMDD-HHMMSS.backup`, in UTC, so names sort by age on any machine."""
    return f"sotong-{now.astimezone(UTC):{STAMP}}.backup"


def _stamp(path: Path) -> datetime | None:
    match = NAME_RE.match(path.name.removesuffix(".partial"))
    if not match:
        return None
    return datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)


def _release() -> str:
    try:
        return metadata.version("sotong")
    except metadata.PackageNotFoundError:
        return "unknown"


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []  # a fresh install has uploaded nothing yet
    return sorted(path for path in root.rglob("*") if path.is_file())


def _key_ids() -> dict[str, Any]:
    return {
        "field_encryption": [key_id(key) for key in settings.FIELD_ENCRYPTION_KEYS],
        "lookup": key_id(settings.FIELD_LOOKUP_KEY),
    }


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, BytesIO(data))


def backup_create(
    *, dest: Path, keep_days: int, now: datetime | None = None, encrypt: bool = True
) -> Created:
    """Write one backup into `dest`, then delete those older than `keep_days` (never the newest,
    and nothing when this one failed). Unencrypted only when asked (`encrypt=False`)."""
    keys = list(settings.BACKUP_KEYS)
    if encrypt and not keys:
        raise BackupError(
            "SOTONG_BACKUP_KEYS is not set: backups are encrypted with it (docs/deploy.md "
            "section 11). Only a test copy may be written with --unencrypted."
        )
    if keep_days < 1:
        raise BackupError("keep_days must be at least 1")
    now = now or timezone.now()
    dest = Path(dest)
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = dest / backup_name(now)
    partial = final.with_name(final.name + ".partial")
    # The plain dump lives only in a private directory next to the backups, for minutes.
    with tempfile.TemporaryDirectory(dir=dest, prefix=".sotong-backup-") as work:
        dump_file = Path(work) / database.DUMP_NAMES.get(database.connection.vendor, "database")
        snapshot = database.dump(dump_file)
        media = _media_files()
        manifest = {
            "format": FORMAT,
            "created_at": now.astimezone(UTC).isoformat(),
            "release": _release(),
            "database": {"vendor": snapshot.vendor, "file": dump_file.name},
            "counts": snapshot.counts,
            "audit_head": list(snapshot.audit_head) if snapshot.audit_head else None,
            "media": {"files": len(media), "bytes": sum(p.stat().st_size for p in media)},
            "keys": _key_ids(),
        }
        public = {
            "format": FORMAT,
            "created_at": manifest["created_at"],
            "release": manifest["release"],
            "database": snapshot.vendor,
            "keys": manifest["keys"],
            "audit_seq": snapshot.audit_head[0] if snapshot.audit_head else 0,
        }
        _write(partial, keys[0] if encrypt else None, public, manifest, dump_file, media)
    os.replace(partial, final)
    created = Created(path=final, size=final.stat().st_size, manifest=manifest)
    created.pruned = backup_prune(dest=dest, keep_days=keep_days, now=now)
    return created


def _write(partial, key, public, manifest, dump_file: Path, media: list[Path]) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        writer = EncryptingWriter(raw, key, public)
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False).encode())
            tar.add(dump_file, arcname=dump_file.name)
            for path in media:
                tar.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
        writer.finish()
        os.fsync(raw.fileno())


def backup_prune(*, dest: Path, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete backups older than `keep_days` (by the time in their name), always keeping the
    newest; and files a crashed run left half-written for more than a day."""
    now = now or timezone.now()
    backups = sorted(
        (stamp, path) for path in Path(dest).glob("sotong-*.backup") if (stamp := _stamp(path))
    )
    cutoff = now - timedelta(days=keep_days)
    doomed = [path for stamp, path in backups[:-1] if stamp < cutoff]
    for path in Path(dest).glob("sotong-*.backup.partial"):
        stamp = _stamp(path)
        if stamp and stamp < now - timedelta(days=1):
            doomed.append(path)
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


# --- reading ------------------------------------------------------------------------------------


def _open(path: Path, *, allow_unencrypted: bool) -> tuple[Any, DecryptingReader]:
    raw = Path(path).open("rb")  # noqa: SIM115 - the caller closes it, with the archive
    try:
        reader = DecryptingReader(raw, list(settings.BACKUP_KEYS))
    except BackupFormatError:
        raw.close()
        raise
    if reader.header.get("backup_key") == UNENCRYPTED and not allow_unencrypted:
        raw.close()
        raise BackupError(
            "this backup is not encrypted: restore it only if you know where it comes from "
            "(--allow-unencrypted)"
        )
    return raw, reader


def read_manifest(path: Path, *, allow_unencrypted: bool = False) -> dict[str, Any]:
    """The manifest of a backup: the archive's first member, so only its first chunk is read."""
    raw, reader = _open(path, allow_unencrypted=allow_unencrypted)
    with raw, tarfile.open(fileobj=reader, mode="r|") as tar:
        member = tar.next()
        if member is None or member.name != MANIFEST:
            raise BackupFormatError("the backup does not start with its manifest")
        return json.loads(tar.extractfile(member).read())


def backup_list(*, dest: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every backup in `dest` with its public header (no key needed), oldest first."""
    found = []
    for path in sorted(Path(dest).glob("sotong-*.backup")):
        try:
            with path.open("rb") as raw:
                header = read_header(raw)
        except BackupFormatError as exc:
            header = {"error": str(exc)}
        header.pop("_raw", None)
        found.append((path, header))
    return found


def sha256_of(file) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(block)
    return digest.hexdigest()
