"""Search backends, chosen by the database vendor of the default connection."""

from __future__ import annotations

from django.db import connection

from sotong.core.search.backends.base import SearchBackend

_BACKENDS: dict[str, SearchBackend] = {}


def get_backend() -> SearchBackend:
    """The backend for the database in use: FTS5 on SQLite, tsvector/GIN on PostgreSQL."""
    vendor = connection.vendor
    backend = _BACKENDS.get(vendor)
    if backend is None:
        if vendor == "sqlite":
            from sotong.core.search.backends.sqlite import SqliteSearchBackend

            backend = SqliteSearchBackend()
        elif vendor == "postgresql":
            from sotong.core.search.backends.postgres import PostgresSearchBackend

            backend = PostgresSearchBackend()
        else:
            raise LookupError(f"no search backend for the {vendor} database")
        _BACKENDS[vendor] = backend
    return backend
