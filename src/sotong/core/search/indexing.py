"""Getting objects into the index: from a registered model's object to an `IndexedDocument`
(extract, analyse), the background tasks' work, and the full rebuild.

Every change reaches the index through a task that runs after the change commits
(`tasks.index_object` / `tasks.remove_object`, called by the registry's save and delete hooks).
The task reads the object again, so it always indexes what is in the database when it runs, and
running it twice does no harm."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from sotong.core.privacy.public import public_text
from sotong.core.search.analyzer import MAX_DOCUMENT_CHARS, analyze_many
from sotong.core.search.backends import get_backend
from sotong.core.search.backends.base import IndexedDocument
from sotong.core.search.registry import (
    DocumentType,
    Visibility,
    get_type,
    registered_types,
)

logger = logging.getLogger(__name__)

MAX_URL_CHARS = 500
MAX_CATEGORY_CHARS = 100


def sync_document(type_name: str, object_id: str) -> str:
    """Bring the index in line with one object as it is now: "indexed", "removed" or "unknown
    type"."""
    doctype = get_type(type_name)
    if doctype is None:
        return "unknown type"
    try:
        return _sync_once(doctype, object_id)
    except IntegrityError:
        # Another worker inserted this (new) document at the same moment; now it is there and
        # this run replaces it with what the object holds now.
        return _sync_once(doctype, object_id)


def _sync_once(doctype: DocumentType, object_id: str) -> str:
    with transaction.atomic():
        obj = doctype.get_queryset().filter(pk=object_id).first()
        if obj is None:
            get_backend().delete([(doctype.name, object_id)])
            return "removed"
        get_backend().index(build_documents(doctype, [obj]))
        return "indexed"


def index_objects(type_name: str, objects: Sequence[Model]) -> int:
    """Index these objects of a registered type now, in this process (for imports and
    benchmarks that create many objects at once without per-object hooks, e.g. bulk_create).
    Returns the number indexed."""
    doctype = _known_type(type_name)
    documents = build_documents(doctype, objects)
    get_backend().index(documents)
    return len(documents)


@dataclass
class ReindexReport:
    type: str
    indexed: int = 0
    removed: int = 0
    failed: list[str] = field(default_factory=list)  # object ids whose extraction failed


def reindex(
    type_name: str | None = None,
    *,
    batch_size: int = 500,
    progress: Callable[[DocumentType, int], Callable[[int], None]] | None = None,
) -> list[ReindexReport]:
    """Rebuild the index of one type, or of every registered type, from their querysets.

    Documents are replaced batch by batch, so search keeps working meanwhile; afterwards the
    documents of objects that are gone (or left the queryset) are removed. Without a type, the
    documents of types no longer registered go too and the term statistics are recounted.
    `progress(doctype, total)` may return a callable that is told how many objects each batch
    held (the command's progress bar). Idempotent: running it twice changes nothing."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    doctypes = [_known_type(type_name)] if type_name else registered_types()
    backend = get_backend()
    reports = []
    for doctype in doctypes:
        report = ReindexReport(type=doctype.name)
        queryset = doctype.get_queryset().order_by("pk")
        advance = progress(doctype, queryset.count()) if progress else None
        seen: set[str] = set()
        for batch in _batches(queryset, batch_size):
            documents = build_documents(doctype, batch, failed=report.failed)
            backend.index(documents)
            seen.update(document.object_id for document in documents)
            report.indexed += len(documents)
            if advance:
                advance(len(batch))
        # An object that could not be described keeps its earlier document, if it had one.
        seen.update(report.failed)
        report.removed = _remove_unseen(doctype.name, seen, batch_size)
        reports.append(report)
    if type_name is None:
        from sotong.core.search.models import SearchDocument

        known = {doctype.name for doctype in doctypes}
        for stale in (
            SearchDocument.objects.exclude(type__in=known).values_list("type", flat=True).distinct()
        ):
            backend.clear(stale)
        backend.rebuild_statistics()
    return reports


def build_documents(
    doctype: DocumentType, objects: Iterable[Model], *, failed: list[str] | None = None
) -> list[IndexedDocument]:
    """Extract and analyse `objects` (one kiwi batch for all). With `failed`, an object whose
    callables raise is logged and its id added there; without, the error propagates."""
    described = []
    for obj in objects:
        try:
            described.append(_describe(doctype, obj))
        except Exception:
            if failed is None:
                raise
            logger.exception("search: could not describe %s %s", doctype.name, obj.pk)
            failed.append(str(obj.pk))
    texts = [text for item in described for text in (item["title"], item["body"])]
    tokens = analyze_many(texts)
    return [
        IndexedDocument(
            **item,
            title_tokens=tokens[2 * i],
            body_tokens=tokens[2 * i + 1],
        )
        for i, item in enumerate(described)
    ]


def _describe(doctype: DocumentType, obj: Model) -> dict:
    raw = doctype.extract(obj) or {}
    text = {
        name: _text(raw.get(name), f"{doctype.name}.extract()[{name!r}]")
        if name in doctype.fields
        else ""
        for name in ("title", "body")
    }
    if doctype.user_written:
        # Neither the shown text nor the tokens (a phone number could be searched for) hold
        # personal data.
        text = {name: public_text(value) for name, value in text.items()}
    visibility = doctype.visibility(obj)
    if not isinstance(visibility, Visibility):
        raise TypeError(f"{doctype.name}.visibility() must return a Visibility")
    organization = doctype.organization(obj)
    if organization is not None and (
        isinstance(organization, bool) or not isinstance(organization, int)
    ):
        raise TypeError(f"{doctype.name}.organization() must return an id or None")
    url = str(doctype.url(obj) or "")
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"{doctype.name}.url() is longer than {MAX_URL_CHARS} characters")
    return {
        "type": doctype.name,
        "object_id": str(obj.pk),
        "url": url,
        "title": text["title"],
        "body": text["body"],
        "organization_id": organization,
        "category": " ".join(str(doctype.category(obj) or "").split())[:MAX_CATEGORY_CHARS],
        "date": _aware(doctype.date(obj)),
        "visibility": visibility,
    }


def _text(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be text, not {type(value).__name__}")
    return value[:MAX_DOCUMENT_CHARS]


def _aware(value: object) -> datetime | None:
    """A date becomes the start of that day in the current time zone (Asia/Seoul)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time.min))
    raise TypeError(f"a search document's date must be a date or datetime, not {value!r}")


def _known_type(type_name: str) -> DocumentType:
    doctype = get_type(type_name)
    if doctype is None:
        raise LookupError(f"no search type named {type_name!r} is registered")
    return doctype


def _batches(queryset, size: int) -> Iterable[list[Model]]:
    """Objects in primary-key order, `size` at a time, each batch a fresh query (keyset
    pagination: no offset scans, no long-lived cursor)."""
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        batch = list(page[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def _remove_unseen(type_name: str, seen: set[str], batch_size: int) -> int:
    from sotong.core.search.models import SearchDocument

    stale = [
        object_id
        for object_id in SearchDocument.objects.filter(type=type_name).values_list(
            "object_id", flat=True
        )
        if object_id not in seen
    ]
    removed = 0
    backend = get_backend()
    for start in range(0, len(stale), batch_size):
        keys = [(type_name, object_id) for object_id in stale[start : start + batch_size]]
        removed += backend.delete(keys)
    return removed
