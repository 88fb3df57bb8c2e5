"""Background work of the catalogue import: an upload checked by the staff page is imported here,
counting its progress in its `CatalogueImport` row (see `catalogue_io.catalogue_import_run`)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="default")
def catalogue_import_task(import_id: int) -> None:
    from sotong.guide.catalogue.imports import catalogue_import_run

    catalogue_import_run(import_id=import_id)
