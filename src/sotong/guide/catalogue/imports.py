"""Importing the service catalogue from a spreadsheet (CSV or XLSX), one row per service (see
README_catalogue_io.md for the layout).

- `catalogue_import(*, actor, …)` reads and checks the file (`catalogue_rows.read` / `check`),
  and — only when no row has an error — creates, updates or leaves alone each service, idempotent
  by (출처, 출처번호). Writes go through `services_catalogue.service_create` / `service_update`.
- `upload_check`, `catalogue_import_start` and `catalogue_import_run` are the same import for
  uploads through the staff page (a `CatalogueImport` row and a background task).
- The export (`catalogue_export.export_csv` / `export_xlsx`) writes the same layout, so
  export → import changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from sotong.core import vocab
from sotong.core.audit import audit_record
from sotong.guide.catalogue import permissions as permissions_catalogue
from sotong.guide.catalogue.rows import (
    DATA_COLUMNS,
    CatalogueFileError,
    CleanRow,
    Issue,
    ParsedFile,
    Report,
    check,
    read,
)
from sotong.guide.models import CatalogueImport, Service, source_validator
from sotong.org.models import Organization

if TYPE_CHECKING:
    from sotong.accounts.models import User

# Uploads through the staff page; the command reads any size.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_ROWS = 5000
BATCH_SIZE = 100


# --- the import -------------------------------------------------------------------------------


def current_data(service: Service) -> dict[str, Any]:
    """A service as the import's cleaned row would describe it."""
    data: dict[str, Any] = {}
    for column in DATA_COLUMNS:
        if column.kind == "facets":
            data[column.name] = vocab.from_mask(column.choices, getattr(service, column.name))
        elif column.kind == "department":
            data[column.name] = service.department
        elif column.kind == "rules":
            data[column.name] = [
                {"kind": rule.kind, "params": rule.params, "text": rule.text}
                for rule in service.rules.all()
            ]
        else:
            data[column.name] = getattr(service, column.name)
    return data


def _changes(service: Service, wanted: dict[str, Any]) -> dict[str, Any]:
    current = current_data(service)
    changes = {}
    for name, value in wanted.items():
        now = current[name]
        if name == "department":
            same = (now.pk if now else None) == (value.pk if value else None)
        elif name == "rules":
            same = _rules_key(now) == _rules_key(value)
        else:
            same = now == value
        if not same:
            changes[name] = value
    return changes


def _rules_key(rules: list[dict]) -> str:
    return json.dumps(
        [{"kind": r["kind"], "params": r["params"], "text": r.get("text", "")} for r in rules],
        sort_keys=True,
        ensure_ascii=False,
    )


def existing_conflicts(clean: list[CleanRow], organization: Organization | None) -> list[Issue]:
    """Rows whose (출처, 출처번호) belongs to a service of another organisation."""
    organization_id = organization.pk if organization else None
    wanted = {(item.source, item.source_id): item for item in clean}
    others: dict[tuple[str, str], str] = {}
    ids = sorted({item.source_id for item in clean})
    for start in range(0, len(ids), 500):
        for source, source_id, name in (
            Service.objects.filter(source_id__in=ids[start : start + 500])
            .exclude(organization_id=organization_id)
            .values_list("source", "source_id", "organization__name")
        ):
            if (source, source_id) in wanted:
                others[(source, source_id)] = name or _("전국 공통")
    return [
        Issue(
            item.number,
            "출처번호",
            _("출처 '%(source)s'의 출처번호 '%(id)s'는 다른 기관(%(other)s)의 서비스입니다.")
            % {"source": item.source, "id": item.source_id, "other": others[key]},
        )
        for key, item in wanted.items()
        if key in others
    ]


def check_file(
    data: bytes,
    *,
    organization: Organization | None,
    source: str = "local",
    max_rows: int | None = None,
) -> tuple[ParsedFile, list[CleanRow], Report]:
    """Reads and checks a whole file without writing. `report.errors` lists every problem."""
    parsed = read(data, max_rows=max_rows)
    report = Report(source=source, organization=organization, encoding=parsed.encoding)
    report.rows = len(parsed.rows)
    clean, report.errors = check(parsed.rows, organization=organization, source=source)
    report.errors += existing_conflicts(clean, organization)
    report.errors.sort(key=lambda issue: issue.row)
    return parsed, clean, report


def catalogue_import(
    *,
    actor: User | None,
    data: bytes,
    organization: Organization | None = None,
    source: str = "local",
    max_rows: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Checks the whole file, then (only if no row has an error) creates new services, updates
    changed ones and leaves the others alone. Written in batches of `BATCH_SIZE` rows, each in
    its own transaction; `progress(done, total)` is called after each. Audited once
    (`services.catalogue.import`, counts only) when anything changed. Raises
    `CatalogueFileError` for an unreadable file, `PermissionDenied`."""
    if not permissions_catalogue.can_import(actor, organization):
        raise PermissionDenied(_("이 기관의 서비스 목록을 가져올 권한이 없습니다."))
    try:
        source_validator(source)
    except ValidationError as exc:
        raise ValidationError({"source": exc.messages}) from None
    _parsed, clean, report = check_file(
        data, organization=organization, source=source, max_rows=max_rows
    )
    if report.errors:
        return report
    write(actor=actor, clean=clean, organization=organization, report=report, progress=progress)
    return report


def write(
    *,
    actor: User | None,
    clean: list[CleanRow],
    organization: Organization | None,
    report: Report,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Writes checked rows (see `catalogue_import`)."""
    for start in range(0, len(clean), BATCH_SIZE):
        _write_batch(actor, clean[start : start + BATCH_SIZE], organization, report)
        if progress:
            progress(report.done, report.rows)
    if progress and not clean:
        progress(report.rows, report.rows)
    if report.created or report.updated:
        audit_record(
            actor=actor,
            action="services.catalogue.import",
            organization=organization,
            after={"source": report.source, **report.counts()},
        )
    return report


@transaction.atomic
def _write_batch(
    actor: User | None, batch: list[CleanRow], organization: Organization | None, report: Report
) -> None:
    from sotong.guide.catalogue import services as services_catalogue

    keys = {(item.source, item.source_id) for item in batch}
    existing: dict[tuple[str, str], Service] = {}
    for source in {key[0] for key in keys}:
        ids = [key[1] for key in keys if key[0] == source]
        for service in (
            Service.objects.select_for_update(of=("self",))
            .filter(source=source, source_id__in=ids)
            .select_related("department")
            .prefetch_related("rules")
        ):
            existing[(service.source, service.source_id)] = service
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for item in batch:
        service = existing.get((item.source, item.source_id))
        try:
            if service is None:
                services_catalogue.service_create(
                    actor=actor,
                    organization=organization,
                    source=item.source,
                    source_id=item.source_id,
                    **item.data,
                )
                counts["created"] += 1
                continue
            if service.organization_id != (organization.pk if organization else None):
                raise PermissionDenied(_("다른 기관의 서비스입니다."))
            changes = _changes(service, item.data)
            if changes:
                services_catalogue.service_update(actor=actor, service=service, **changes)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        except ValidationError as exc:
            # Checked before writing, so this is a rule of the model the check missed: the
            # batch rolls back and the message names the row.
            raise ValidationError(
                _("%(row)d행: %(message)s")
                % {"row": item.number, "message": " ".join(exc.messages)}
            ) from exc
    report.created += counts["created"]
    report.updated += counts["updated"]
    report.unchanged += counts["unchanged"]


# --- uploads through the staff page (CatalogueImport + background task) --------------------------


def upload_check(*, actor: User | None, organization: Organization | None, data: bytes) -> Report:
    """Checks an uploaded file at once (nothing is written). Raises `CatalogueFileError`,
    `PermissionDenied`."""
    if not permissions_catalogue.can_import(actor, organization):
        raise PermissionDenied(_("이 기관의 서비스 목록을 가져올 권한이 없습니다."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise CatalogueFileError(
            _("파일이 너무 큽니다. %(max)d MB 이하의 파일만 올릴 수 있습니다.")
            % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    _parsed, _clean, report = check_file(data, organization=organization, max_rows=MAX_UPLOAD_ROWS)
    return report


@transaction.atomic
def catalogue_import_start(
    *, actor: User | None, organization: Organization | None, upload, rows: int
) -> CatalogueImport:
    """Keeps a checked upload (`core.files.file_store`) and queues its import. `rows` is the
    number of rows the check counted."""
    from sotong.core.files import file_store
    from sotong.core.tasks import enqueue_on_commit

    if not permissions_catalogue.can_import(actor, organization):
        raise PermissionDenied(_("이 기관의 서비스 목록을 가져올 권한이 없습니다."))
    stored = file_store(
        actor=actor,
        upload=upload,
        allowed="documents",
        organization=organization,
    )
    run = CatalogueImport.objects.create(
        organization=organization,
        file=stored,
        file_name=stored.original_name[:200],
        status=CatalogueImport.Status.IMPORTING,
        total=rows,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    enqueue_on_commit(catalogue_import_task, run.pk)
    return run


def catalogue_import_run(*, import_id: int) -> CatalogueImport | None:
    """The background import of an upload: checks the file again (the catalogue may have changed
    since the upload), writes it counting `done`, and records the result. Safe to run twice: an
    import that is no longer IMPORTING is left alone; writing again changes nothing anyway."""
    run = (
        CatalogueImport.objects.select_related("organization", "file", "created_by")
        .filter(pk=import_id, status=CatalogueImport.Status.IMPORTING)
        .first()
    )
    if run is None:
        return None
    actor = run.created_by
    if actor is not None:
        actor = type(actor).objects.get(pk=actor.pk)  # fresh permissions
    status = CatalogueImport.Status.DONE
    try:
        if run.file is None:
            raise CatalogueFileError(_("올린 파일이 없습니다."))
        with run.file.file.open("rb") as handle:
            data = handle.read()
        if actor is None or not permissions_catalogue.can_import(actor, run.organization):
            raise PermissionDenied(_("이 기관의 서비스 목록을 가져올 권한이 없습니다."))
        _parsed, clean, report = check_file(data, organization=run.organization)
        if report.errors:
            status = CatalogueImport.Status.REJECTED
        else:

            def progress(done: int, total: int) -> None:
                CatalogueImport.objects.filter(pk=run.pk).update(done=done, total=total)

            write(
                actor=actor,
                clean=clean,
                organization=run.organization,
                report=report,
                progress=progress,
            )
        errors = [str(issue) for issue in report.errors[:500]]
        counts = {
            "total": report.rows,
            "done": report.done,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
    except (CatalogueFileError, PermissionDenied, ValidationError) as exc:
        status = CatalogueImport.Status.FAILED
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        errors = messages
        counts = {}
    except Exception:
        CatalogueImport.objects.filter(pk=run.pk).update(
            status=CatalogueImport.Status.FAILED,
            errors=[_("가져오는 중에 예상하지 못한 오류가 났습니다. 관리자에게 알려 주세요.")],
            finished_at=timezone.now(),
        )
        raise
    CatalogueImport.objects.filter(pk=run.pk).update(
        status=status, errors=errors, finished_at=timezone.now(), **counts
    )
    run.refresh_from_db()
    return run


@task(queue_name="default")
def catalogue_import_task(import_id: int) -> None:
    """`catalogue_import_run` in a worker; defined beside the work it runs and the use case that
    queues it (`catalogue_import_start`), so neither imports the other at run time."""
    catalogue_import_run(import_id=import_id)
