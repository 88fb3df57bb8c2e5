"""Uploaded files: checked by content and size, kept through Django's default storage
(`README.md`).

    from sotong.core.files import CheckedFileField, FileRejected, file_response, file_store

What needs models is imported lazily: this package is imported while Django loads its apps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .checks import FileRejected, check_upload
from .forms import CheckedFileField

if TYPE_CHECKING:
    from .models import StoredFile
    from .responses import file_response
    from .services import file_delete, file_store

__all__ = [
    "CheckedFileField",
    "FileRejected",
    "StoredFile",
    "check_upload",
    "file_delete",
    "file_response",
    "file_store",
]

_LAZY = {
    "StoredFile": "models",
    "file_response": "responses",
    "file_delete": "services",
    "file_store": "services",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
