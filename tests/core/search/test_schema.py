"""The vendor's full-text structures exist and follow every write, whoever makes it."""

from __future__ import annotations

from django.db import connection

from sotong.core.search import schema, search
from sotong.core.search.models import SearchDocument


def test_the_full_text_structures_exist(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {row[0] for row in cursor.fetchall()}
            # A migration that rebuilds search_document on SQLite drops these: it must run
            # schema.SQLITE_TRIGGERS again.
            assert set(schema.SQLITE_TRIGGER_NAMES) <= triggers
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")
            assert "tokenize='ascii'" in cursor.fetchone()[0]
        else:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_document_vector_gin'"
            )
            assert "gin (vector)" in cursor.fetchone()[0]
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'search_document'::regclass "
                "AND NOT tgisinternal"
            )
            assert [row[0] for row in cursor.fetchall()] == ["search_document_vector"]
            # Vectors stay uncompressed in the row, so ranking does not decompress them.
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'search_document'")
            assert "toast_tuple_target=8160" in cursor.fetchone()[0]


def test_any_write_keeps_the_full_text_index_in_step(docs):
    from sotong.core.search.backends import get_backend

    department = docs.add("여권 발급", "민원실")
    # A write that bypasses the backend still reaches the full-text index (trigger).
    SearchDocument.objects.filter(object_id=str(department.pk)).update(
        title_tokens="주차 요금", title="주차 요금"
    )
    get_backend().rebuild_statistics()
    assert search(user=None, q="여권").total == 0
    assert search(user=None, q="주차").total == 1
    SearchDocument.objects.filter(object_id=str(department.pk)).delete()
    get_backend().rebuild_statistics()
    assert search(user=None, q="주차").total == 0


def test_tokens_reach_the_index_exactly_as_written(docs):
    """No re-splitting of Hangul, no folding of diacritics, no stemming: "café" and "cafe",
    "육아휴직" and "육아", "running" and "run" stay different words."""
    docs.add("naïve café", "running 육아휴직")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT term FROM search_fts_vocab ORDER BY term")
        else:
            cursor.execute(
                "SELECT word FROM ts_stat('SELECT vector FROM search_document') ORDER BY word"
            )
        terms = {row[0] for row in cursor.fetchall()}
    assert {"naïve", "café", "running", "육아휴직", "육아", "휴직"} <= terms
    assert not {"naive", "cafe", "run"} & terms
    assert search(user=None, q="cafe").total == 0
    assert search(user=None, q="CAFÉ").total == 1
