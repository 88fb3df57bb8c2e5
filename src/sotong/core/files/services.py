"""Keeping and removing uploaded files. Who may attach or remove a file is decided by the app
that owns the attachment, before it calls these."""

from __future__ import annotations

import uuid

from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

from sotong.core.audit import audit_record
from sotong.core.types import Actor

from .checks import check_upload
from .models import StoredFile

UPLOAD_ROOT = "files"


@transaction.atomic
def file_store(
    *,
    actor: Actor,
    upload: File,
    allowed: str = "documents",
    organization: models.Model | None = None,
) -> StoredFile:
    """Check `upload` (raises `FileRejected`) and keep it under a random name. `actor` may be an
    anonymous user or None (a resident without an account attaching to a petition)."""
    checked = check_upload(upload, allowed=allowed)
    uploaded_by = actor if getattr(actor, "is_authenticated", False) else None
    stored = StoredFile(
        original_name=checked.original_name,
        file_type=checked.file_type.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=uploaded_by,
        organization=organization,
    )
    # The person's file name never becomes a path: it may hold personal data, and paths built
    # from it can collide or escape. If the transaction rolls back, the written file is left
    # without a row; `manage.py files_prune` removes such files.
    stored.file.save(_random_name(checked.file_type.extensions[0]), upload, save=False)
    stored.save()
    audit_record(
        actor=actor,
        action="file.store",
        obj=stored,
        organization=organization,
        after={
            "file_type": stored.file_type,
            "size": stored.size,
            "sha256": stored.sha256,
        },
    )
    return stored


@transaction.atomic
def file_delete(*, actor: Actor, stored_file: StoredFile, reason: str = "") -> None:
    """Remove the row now and the stored content once the transaction commits (a rollback keeps
    both)."""
    name, storage = stored_file.file.name, stored_file.file.storage
    audit_record(
        actor=actor,
        action="file.delete",
        obj=stored_file,
        organization=stored_file.organization,
        before={
            "file_type": stored_file.file_type,
            "size": stored_file.size,
            "sha256": stored_file.sha256,
        },
        reason=reason,
    )
    stored_file.delete()
    transaction.on_commit(lambda: storage.delete(name))


def _random_name(extension: str) -> str:
    return f"{UPLOAD_ROOT}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"
