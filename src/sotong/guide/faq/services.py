"""Every state change of `services`: one function per use case, keyword-only, permission-checked
and audited. The admin, the `faq_import` command and the demo loader call these; nothing else
writes FAQ entries.

Errors people can fix come back as `ValidationError` (Korean messages); a missing right is
`PermissionDenied`; a file that cannot be read at all is `FaqFileError`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sotong.core.audit import audit_record, audited_update, snapshot
from sotong.core.text import clean_text
from sotong.guide.faq import file as faq_csv
from sotong.guide.faq import permissions
from sotong.guide.faq.file import FaqFileError, FaqRow
from sotong.guide.models import CATEGORY_NAMES, FaqEntry, source_validator
from sotong.org.models import Organization

if TYPE_CHECKING:
    from sotong.accounts.models import User

__all__ = [
    "SOURCES",
    "FaqFileError",
    "FaqSource",
    "ImportIssue",
    "ImportReport",
    "faq_entry_create",
    "faq_entry_delete",
    "faq_entry_set_published",
    "faq_entry_update",
    "faq_import",
]

FAQ_FIELDS = ("title", "answer", "category", "organization", "attribution", "published")
# What an import owns of an entry. `published` is not among them: an entry that staff took
# down stays down when the source is imported again.
IMPORTED_FIELDS = ("title", "answer", "category", "organization_id", "attribution")
BATCH_SIZE = 500
TITLE_MAX = FaqEntry._meta.get_field("title").max_length
SOURCE_ID_MAX = FaqEntry._meta.get_field("source_id").max_length
CATEGORY_BY_NAME = {name: value for value, name in CATEGORY_NAMES.items()}


@dataclass(frozen=True)
class FaqSource:
    """A known knowledge base: how to attribute it and which government answers its entries
    by default (found by 행정기관코드, then by name, when it exists in this install)."""

    attribution: str
    organization_admin_code: str = ""
    organization_name: str = ""


SOURCES: dict[str, FaqSource] = {
    "seoul120": FaqSource(
        attribution=(
            "출처: 서울특별시 120다산콜재단 「120 주요질문」(서울정보소통광장), "
            "서울특별시 공공데이터 — 서울특별시의 저작물을 이용하였습니다."
        ),
        organization_admin_code="6110000",
        organization_name="서울특별시",
    ),
}


# --- the import ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("%(row)d행 '%(column)s' 열: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    source: str
    organization: Organization | None = None
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Rows not imported because of an error (one row may have several)."""
        return len({issue.row for issue in self.errors})

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "warnings": len(self.warnings),
        }


@dataclass
class _Valid:
    row: int
    source_id: str
    title: str
    answer: str
    category: str


def faq_import(
    *,
    actor: User | None,
    rows: Iterable[FaqRow | Mapping[str, str]] | None = None,
    file: str | Path | bytes | IO[bytes] | None = None,
    source: str = "seoul120",
    organization: Organization | None = None,
    attribution: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Imports a knowledge-base CSV (`file`: a path, bytes or a binary file) or already-read
    `rows` (mappings keyed by the column names 분류, 제목, 내용, 내용번호). Idempotent by
    (`source`, 내용번호): new entries are created (published), changed ones updated, others left
    alone. A row with an error is skipped and reported with its row number and column; the other
    rows are imported. Unknown categories become 기타 with a warning.

    Written in batches of `BATCH_SIZE` rows, each in its own transaction, so a large file does not
    hold the write lock for the whole import; the audit event (one per import, with the counts) is
    written when anything was created or updated. `progress(done, total)` is called after each
    batch."""
    if (rows is None) == (file is None):
        raise ValueError("give exactly one of rows or file")
    faq_source = _check_source(source)
    if organization is None and faq_source is not None:
        organization = _default_organization(faq_source)
    if not permissions.can_manage_faq(actor, organization.pk if organization else None):
        raise PermissionDenied(_("자주 묻는 질문을 가져올 권한이 없습니다."))
    if attribution is None:
        attribution = faq_source.attribution if faq_source else ""

    report = ImportReport(source=source, organization=organization)
    if file is not None:
        parsed, report.encoding = faq_csv.read(_read_bytes(file))
    else:
        parsed = [
            row if isinstance(row, FaqRow) else FaqRow(number=i, values=dict(row))
            for i, row in enumerate(rows or [], start=2)
        ]
    report.rows = len(parsed)
    valid = _validate(parsed, report)

    organization_id = organization.pk if organization else None
    done = report.rows - len(valid)
    for start in range(0, len(valid), BATCH_SIZE):
        batch = valid[start : start + BATCH_SIZE]
        _write_batch(batch, source, organization_id, attribution, report)
        done += len(batch)
        if progress:
            progress(done, report.rows)
    if progress and not valid:
        progress(report.rows, report.rows)

    if report.created or report.updated:
        audit_record(
            actor=actor,
            action="services.faq.import",
            organization=organization,
            after={"source": source, **report.counts()},
        )
    return report


def _check_source(source: str) -> FaqSource | None:
    try:
        source_validator(source)
    except ValidationError as exc:
        raise ValidationError({"source": exc.messages}) from None
    return SOURCES.get(source)


def _default_organization(faq_source: FaqSource) -> Organization | None:
    if not faq_source.organization_admin_code and not faq_source.organization_name:
        return None
    condition = Q(name=faq_source.organization_name)
    if faq_source.organization_admin_code:
        condition |= Q(admin_code=faq_source.organization_admin_code)
    return Organization.objects.filter(condition).order_by("pk").first()


def _read_bytes(file: str | Path | bytes | IO[bytes]) -> bytes:
    if isinstance(file, bytes):
        return file
    if isinstance(file, str | Path):
        return Path(file).read_bytes()
    return file.read()


def _validate(parsed: list[FaqRow], report: ImportReport) -> list[_Valid]:
    valid: list[_Valid] = []
    first_row_of: dict[str, int] = {}
    for row in parsed:
        issues_before = len(report.errors)
        values = row.values

        def error(column: str, message: str, row=row) -> None:
            report.errors.append(ImportIssue(row.number, column, message))

        title = clean_text(values.get(faq_csv.COLUMN_TITLE))
        if not title:
            error(faq_csv.COLUMN_TITLE, _("제목이 비어 있습니다."))
        elif len(title) > TITLE_MAX:
            error(
                faq_csv.COLUMN_TITLE,
                _("제목은 %(max)d자까지 쓸 수 있습니다 (지금 %(length)d자).")
                % {"max": TITLE_MAX, "length": len(title)},
            )

        source_id = clean_text(values.get(faq_csv.COLUMN_SOURCE_ID))
        if not source_id:
            error(faq_csv.COLUMN_SOURCE_ID, _("내용번호가 비어 있습니다."))
        elif len(source_id) > SOURCE_ID_MAX or any(ch.isspace() for ch in source_id):
            error(
                faq_csv.COLUMN_SOURCE_ID,
                _("내용번호는 빈칸 없이 %(max)d자까지입니다.") % {"max": SOURCE_ID_MAX},
            )
        elif source_id in first_row_of:
            error(
                faq_csv.COLUMN_SOURCE_ID,
                _("내용번호 %(id)s이(가) %(row)d행과 겹칩니다.")
                % {"id": source_id, "row": first_row_of[source_id]},
            )
        else:
            first_row_of[source_id] = row.number

        answer = clean_text(values.get(faq_csv.COLUMN_ANSWER))
        category = _category(row, values.get(faq_csv.COLUMN_CATEGORY), report)
        if len(report.errors) > issues_before:
            continue
        if not answer:
            report.warnings.append(
                ImportIssue(row.number, faq_csv.COLUMN_ANSWER, _("답변 내용이 비어 있습니다."))
            )
        valid.append(_Valid(row.number, source_id, title, answer, category))
    return valid


def _category(row: FaqRow, raw: str | None, report: ImportReport) -> str:
    label = clean_text(raw)
    if label in CATEGORY_BY_NAME:
        return CATEGORY_BY_NAME[label]
    if label in FaqEntry.Category.values:
        return label
    message = (
        _("분류가 비어 있어 '기타'로 가져왔습니다.")
        if not label
        else _("알 수 없는 분류 '%(category)s'을(를) '기타'로 가져왔습니다.")
        % {"category": label[:40]}
    )
    report.warnings.append(ImportIssue(row.number, faq_csv.COLUMN_CATEGORY, message))
    return FaqEntry.Category.OTHER


@transaction.atomic
def _write_batch(
    batch: list[_Valid],
    source: str,
    organization_id: int | None,
    attribution: str,
    report: ImportReport,
) -> None:
    existing = {
        entry.source_id: entry
        for entry in FaqEntry.objects.select_for_update().filter(
            source=source, source_id__in=[item.source_id for item in batch]
        )
    }
    now = timezone.now()
    to_create: list[FaqEntry] = []
    to_update: list[FaqEntry] = []
    for item in batch:
        wanted = {
            "title": item.title,
            "answer": item.answer,
            "category": item.category,
            "organization_id": organization_id,
            "attribution": attribution,
        }
        entry = existing.get(item.source_id)
        if entry is None:
            to_create.append(FaqEntry(source=source, source_id=item.source_id, **wanted))
        elif any(getattr(entry, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(entry, name, value)
            # bulk_update skips auto_now.
            entry.updated_at = now
            to_update.append(entry)
        else:
            report.unchanged += 1
    FaqEntry.objects.bulk_create(to_create)
    FaqEntry.objects.bulk_update(to_update, [*IMPORTED_FIELDS, "updated_at"])
    report.created += len(to_create)
    report.updated += len(to_update)
    # Bulk writes send no post_save, so the search index is told here, in the same transaction
    # (one kiwi batch for the whole batch of rows). Unpublished entries are not in the index.
    _index([entry for entry in (*to_create, *to_update) if entry.published])


def _index(entries: list[FaqEntry]) -> None:
    if not entries:
        return
    from sotong.core.search import index_objects
    from sotong.guide.faq.search import FAQ_TYPE

    index_objects(FAQ_TYPE, entries)


# --- single entries (the admin) ------------------------------------------------------------


def _require(actor: User | None, organization_id: int | None) -> None:
    if not permissions.can_manage_faq(actor, organization_id):
        raise PermissionDenied(_("이 자주 묻는 질문을 관리할 권한이 없습니다."))


def _validated(entry: FaqEntry) -> FaqEntry:
    entry.title = clean_text(entry.title)
    entry.answer = clean_text(entry.answer)
    entry.source_id = clean_text(entry.source_id)
    entry.full_clean()
    return entry


@transaction.atomic
def faq_entry_create(*, actor: User | None, **fields: Any) -> FaqEntry:
    """Creates an entry written by staff (source `local` unless given)."""
    unknown = set(fields) - {*FAQ_FIELDS, "source", "source_id"}
    if unknown:
        raise ValueError(f"not a FAQ field: {', '.join(sorted(unknown))}")
    entry = _validated(FaqEntry(**fields))
    _require(actor, entry.organization_id)
    entry.save()
    audit_record(
        actor=actor, action="services.faq.create", obj=entry, after=snapshot(entry, FAQ_FIELDS)
    )
    return entry


@transaction.atomic
def faq_entry_update(*, actor: User | None, entry: FaqEntry, **changes: Any) -> FaqEntry:
    unknown = set(changes) - {*FAQ_FIELDS, "source", "source_id"}
    if unknown:
        raise ValueError(f"not a FAQ field: {', '.join(sorted(unknown))}")
    entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
    _require(actor, entry.organization_id)
    for name in ("title", "answer", "source_id"):
        if name in changes:
            changes[name] = clean_text(changes[name])
    audited_update(
        entry,
        actor=actor,
        action="services.faq.update",
        changes=changes,
        fields=[*FAQ_FIELDS, "source", "source_id"],
        # Moving an entry to another organisation needs the right on both.
        check=lambda _changed: _require(actor, entry.organization_id),
    )
    return entry


@transaction.atomic
def faq_entry_set_published(*, actor: User | None, entry: FaqEntry, published: bool) -> FaqEntry:
    return faq_entry_update(actor=actor, entry=entry, published=published)


@transaction.atomic
def faq_entry_delete(*, actor: User | None, entry: FaqEntry) -> None:
    entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
    _require(actor, entry.organization_id)
    audit_record(
        actor=actor,
        action="services.faq.delete",
        obj=entry,
        before=snapshot(entry, [*FAQ_FIELDS, "source", "source_id"]),
    )
    entry.delete()
