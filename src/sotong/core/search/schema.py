"""The vendor-specific full-text structures beside `search_document`, as SQL. Migration 0002
creates them; a later migration that rebuilds `search_document` on SQLite (Django remakes a
SQLite table for most schema changes, dropping its triggers) must run `SQLITE_TRIGGERS` again —
tests/core/search/test_schema.py fails until it does."""

from __future__ import annotations

SQLITE_CREATE = [
    # External content: the index reads the token text from search_document; `ascii` splits on
    # ASCII spaces and punctuation only, so Hangul and other letters stay as kiwi gave them.
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title_tokens, body_tokens, content='search_document', content_rowid='id', tokenize='ascii')",
    "CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab('search_fts', 'row')",
]
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS search_document_fts_insert",
    "DROP TRIGGER IF EXISTS search_document_fts_delete",
    "DROP TRIGGER IF EXISTS search_document_fts_update",
    "CREATE TRIGGER search_document_fts_insert AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts (rowid, title_tokens, body_tokens) "
    "VALUES (new.id, new.title_tokens, new.body_tokens); END",
    "CREATE TRIGGER search_document_fts_delete AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts (search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.body_tokens); END",
    "CREATE TRIGGER search_document_fts_update "
    "AFTER UPDATE OF title_tokens, body_tokens ON search_document BEGIN "
    "INSERT INTO search_fts (search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.body_tokens); "
    "INSERT INTO search_fts (rowid, title_tokens, body_tokens) "
    "VALUES (new.id, new.title_tokens, new.body_tokens); END",
]
SQLITE_TRIGGER_NAMES = (
    "search_document_fts_insert",
    "search_document_fts_delete",
    "search_document_fts_update",
)
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGER_NAMES),
    "DROP TABLE IF EXISTS search_fts_vocab",
    "DROP TABLE IF EXISTS search_fts",
]
SQLITE_REBUILD = ["INSERT INTO search_fts (search_fts) VALUES ('rebuild')"]

POSTGRES_CREATE = [
    # A tsvector literal from space-separated tokens: every token a lexeme as written (no
    # parser, no stemming, no lower-casing by locale), its positions in order with `weight`.
    # Positions above 16383 are clamped, as PostgreSQL does.
    """
    CREATE FUNCTION search_token_vector(tokens text, weight text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT COALESCE(string_agg(quote_literal(token) || ':' || positions, ' '), '')::tsvector
      FROM (
        SELECT token, string_agg(LEAST(n, 16383)::text || weight, ',' ORDER BY n) AS positions
        FROM unnest(string_to_array(tokens, ' ')) WITH ORDINALITY AS t(token, n)
        WHERE token <> ''
        GROUP BY token
      ) AS lexemes
    $$
    """,
    """
    CREATE FUNCTION search_document_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.vector := search_token_vector(NEW.title_tokens, 'A')
                    || search_token_vector(NEW.body_tokens, 'B');
      RETURN NEW;
    END
    $$
    """,
    "ALTER TABLE search_document ADD COLUMN vector tsvector NOT NULL DEFAULT ''::tsvector",
    # Kept uncompressed in the row where it fits, so ranking reads it without decompressing.
    "ALTER TABLE search_document ALTER COLUMN vector SET STORAGE MAIN",
    "ALTER TABLE search_document SET (toast_tuple_target = 8160)",
    "CREATE TRIGGER search_document_vector BEFORE INSERT OR UPDATE OF title_tokens, body_tokens "
    "ON search_document FOR EACH ROW EXECUTE FUNCTION search_document_vector()",
    "UPDATE search_document SET title_tokens = title_tokens",
    "CREATE INDEX search_document_vector_gin ON search_document USING gin (vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_document_vector_gin",
    "DROP TRIGGER IF EXISTS search_document_vector ON search_document",
    "ALTER TABLE search_document RESET (toast_tuple_target)",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS vector",
    "DROP FUNCTION IF EXISTS search_document_vector()",
    "DROP FUNCTION IF EXISTS search_token_vector(text, text)",
]
