"""Background work of the catalogue: the import of an upload checked by the staff page
(`imports.catalogue_import_task`, defined beside `catalogue_import_run`, the work it runs)."""

from __future__ import annotations

from .imports import catalogue_import_task

__all__ = ["catalogue_import_task"]
