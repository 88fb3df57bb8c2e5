"""Append-only, hash-chained audit events (`README.md`).

    from sotong.core.audit import audit_record, audited_update, diff, snapshot

`audit_record`, `audited_update` and `changes_apply` are imported lazily: this package is
imported while Django loads its apps, before models may be."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .canonical import diff, snapshot

if TYPE_CHECKING:
    from .services import audit_record, audited_update, changes_apply

__all__ = ["audit_record", "audited_update", "changes_apply", "diff", "snapshot"]
_LAZY = frozenset({"audit_record", "audited_update", "changes_apply"})


def __getattr__(name: str):
    if name in _LAZY:
        from . import services

        return getattr(services, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
