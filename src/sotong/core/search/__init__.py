"""One Korean, morphology-aware search index for every app (README.md).

    from sotong.core.search import DocumentType, Visibility, register   # in AppConfig.ready()
    from sotong.core.search import search, index_object, remove_object

Registration is importable while Django loads its apps; the rest is loaded on first use
(it needs the models)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sotong.core.search.registry import (
    DocumentType,
    Visibility,
    get_type,
    register,
    registered_types,
    type_choices,
    unregister,
)

if TYPE_CHECKING:
    from sotong.core.search.indexing import index_objects, reindex
    from sotong.core.search.query import Hit, SearchPage, category_choices, search
    from sotong.core.search.tasks import index_object, remove_object

__all__ = [
    "DocumentType",
    "Hit",
    "SearchPage",
    "Visibility",
    "category_choices",
    "get_type",
    "index_object",
    "index_objects",
    "register",
    "registered_types",
    "reindex",
    "remove_object",
    "search",
    "type_choices",
    "unregister",
]

_LAZY = {
    "index_object": "tasks",
    "index_objects": "indexing",
    "reindex": "indexing",
    "remove_object": "tasks",
    "Hit": "query",
    "SearchPage": "query",
    "category_choices": "query",
    "search": "query",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
