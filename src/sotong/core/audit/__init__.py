"""Append-only, hash-chained audit events (`README.md`).

    from sotong.core.audit import audit_record, diff, snapshot

`audit_record` is imported lazily: this package is imported while Django loads its apps, before
models may be."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .canonical import diff, snapshot

if TYPE_CHECKING:
    from .services import audit_record

__all__ = ["audit_record", "diff", "snapshot"]


def __getattr__(name: str):
    if name == "audit_record":
        from .services import audit_record

        return audit_record
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
