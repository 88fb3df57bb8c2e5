"""Restoring a backup into an empty install, and proving the copy whole.

`backup_restore` only loads and counts: the database into an empty database, the files into an
empty media directory, then every table's row count and the files against the manifest (before
anything else writes to the copy). `backup_verify` proves the rest on the running copy: the audit
chain intact up to the manifest's head, every encrypted value decrypts, the keys match the
database (`core/privacy/checks.py`), stored files match their recorded hashes, a page renders.
scripts/restore.sh pauses notification delivery between the two."""

from __future__ import annotations

import json
import logging
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage

from . import database
from .crypto import BackupFormatError, key_id
from .services import MANIFEST, BackupError, _open, read_manifest, sha256_of

logger = logging.getLogger(__name__)


@dataclass
class Restored:
    manifest: dict[str, Any]
    files: int
    differences: list[str] = field(default_factory=list)


def _media_root_empty() -> bool:
    root = Path(settings.MEDIA_ROOT)
    return not root.exists() or not any(path.is_file() for path in root.rglob("*"))


def backup_restore(*, path: Path, allow_unencrypted: bool = False) -> Restored:
    """Load the backup at `path` into the (empty) default database and media directory and
    compare what arrived with the manifest. Raises BackupError with every difference."""
    if not database.is_empty():
        raise BackupError(
            "the database is not empty: a backup is restored into a new, empty database "
            "(createdb), never over a running install"
        )
    if not _media_root_empty():
        raise BackupError(
            f"{settings.MEDIA_ROOT} already holds files: restore into an empty SOTONG_VAR_DIR"
        )
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    raw, reader = _open(path, allow_unencrypted=allow_unencrypted)
    with raw, tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as work:
        manifest, dump_file, files = _unpack(reader, Path(work), media_root)
        database.load(dump_file, manifest["database"]["vendor"])
    restored = Restored(manifest=manifest, files=files)
    restored.differences = _differences(manifest, files)
    if restored.differences:
        raise BackupError(
            "the restored copy differs from the backup's manifest:\n  "
            + "\n  ".join(restored.differences)
        )
    _audit_restore(path, manifest)
    return restored


def _unpack(reader, work: Path, media_root: Path) -> tuple[dict[str, Any], Path, int]:
    manifest: dict[str, Any] | None = None
    dump_file: Path | None = None
    files = 0
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        for member in tar:
            if manifest is None:
                if member.name != MANIFEST:
                    raise BackupFormatError("the backup does not start with its manifest")
                manifest = json.loads(tar.extractfile(member).read())
            elif member.name == manifest["database"]["file"]:
                tar.extract(member, work, filter="data")
                dump_file = work / member.name
            elif member.name.startswith("media/") and member.isfile():
                member.name = member.name.removeprefix("media/")
                tar.extract(member, media_root, filter="data")
                files += 1
            else:
                raise BackupFormatError(f"unexpected member in the backup: {member.name!r}")
    if manifest is None or dump_file is None:
        raise BackupFormatError("the backup holds no database")
    return manifest, dump_file, files


def _differences(manifest: dict[str, Any], files: int) -> list[str]:
    counts, head = database.current_state()
    found = []
    for table, expected in sorted(manifest["counts"].items()):
        if counts.get(table) != expected:
            found.append(f"table {table}: {counts.get(table)} rows, the backup had {expected}")
    for table in sorted(set(counts) - set(manifest["counts"])):
        found.append(f"table {table}: not in the backup")
    if manifest["media"]["files"] != files:
        found.append(f"files: {files} restored, the backup had {manifest['media']['files']}")
    expected_head = tuple(manifest["audit_head"]) if manifest["audit_head"] else None
    if head != expected_head:
        found.append(f"audit chain head: {head}, the backup had {expected_head}")
    return found


def _audit_restore(path: Path, manifest: dict[str, Any]) -> None:
    from sotong.core.audit import audit_record

    audit_record(
        actor=None,
        action="backup.restore",
        after={
            "backup": Path(path).name,
            "created_at": manifest["created_at"],
            "release": manifest["release"],
            "audit_seq": manifest["audit_head"][0] if manifest["audit_head"] else 0,
        },
        reason="백업 복구",
    )


# --- verification -------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def backup_verify(
    *, path: Path, sample_files: int = 20, allow_unencrypted: bool = False
) -> list[Check]:
    """Prove the running copy whole against the backup at `path` (see module doc)."""
    manifest = read_manifest(path, allow_unencrypted=allow_unencrypted)
    checks: list[tuple[str, Callable[[], tuple[bool, str]]]] = [
        ("audit", lambda: _verify_audit(manifest)),
        ("decryption", lambda: _verify_decryption(manifest)),
        ("keys", _verify_keys),
        ("files", lambda: _verify_files(sample_files)),
        ("pages", _verify_pages),
    ]
    results = []
    for name, run in checks:
        try:
            ok, detail = run()
        except Exception as exc:  # one failing check must not hide the others
            logger.exception("backup verify: %s failed", name)
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results.append(Check(name, ok, detail))
    return results


def _verify_audit(manifest) -> tuple[bool, str]:
    from sotong.core.audit.verify import verify_chain

    head = manifest["audit_head"]
    report = verify_chain(anchors={head[0]: head[1]} if head else {})
    if not report.intact:
        brk = report.first_break
        return False, f"[{brk.kind}] #{brk.seq}: {brk.message}"
    if not head:
        return True, f"{report.checked} events (the backup had none yet)"
    return True, f"{report.checked} events, the backup's last event #{head[0]} included"


def _verify_decryption(manifest) -> tuple[bool, str]:
    from sotong.core.privacy.services import encryption_keys_rotate

    report = encryption_keys_rotate(dry_run=True)
    values = report.rotated + report.current
    if report.failed:
        configured = [key_id(key) for key in settings.FIELD_ENCRYPTION_KEYS]
        needed = manifest["keys"]["field_encryption"]
        return False, (
            f"{len(report.failed)} values decrypt with no key; the backup was made with field "
            f"keys {needed}, SOTONG_FIELD_ENCRYPTION_KEYS holds {configured}"
        )
    return True, f"{values} values decrypt"


def _verify_keys() -> tuple[bool, str]:
    from sotong.core.privacy.checks import key_errors

    errors = key_errors()
    if errors:
        return False, " ".join(f"{error.id}: {error.msg}" for error in errors)
    return True, "SOTONG_FIELD_LOOKUP_KEY and SOTONG_FIELD_ENCRYPTION_KEYS match the database"


def _verify_files(sample: int) -> tuple[bool, str]:
    from sotong.core.files.models import StoredFile

    problems = []
    rows = StoredFile.objects.order_by("-pk").values_list("pk", "file", "size", "sha256")
    checked = hashed = 0
    for pk, name, size, sha256 in rows.iterator():
        checked += 1
        if not default_storage.exists(name):
            problems.append(f"file #{pk} is missing")
        elif default_storage.size(name) != size:
            problems.append(f"file #{pk} has another size")
        elif hashed < sample:
            hashed += 1
            with default_storage.open(name, "rb") as file:
                if sha256_of(file) != sha256:
                    problems.append(f"file #{pk} has another content")
    if problems:
        return False, "; ".join(problems[:20])
    return True, f"{checked} stored files present, {hashed} hashed"


def _verify_pages() -> tuple[bool, str]:
    from sotong.core.ops import OK, check_pages

    result = check_pages()
    if result != OK:
        return False, f"{result}: run collectstatic with this SOTONG_VAR_DIR"
    return True, "a page renders with its static files"
