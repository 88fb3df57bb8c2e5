"""SQLite: an FTS5 table over the token columns of `search_document`, ranked by FTS5's bm25().

`search_fts` is an external-content FTS5 table (migration 0002): it keeps only the inverted
index and reads the token text from `search_document`, and triggers on `search_document` keep it
in step with every insert, update and delete, whoever makes them. Its tokenizer is `ascii`: it
splits on ASCII spaces and punctuation only and leaves every other character alone, so our kiwi
tokens (Hangul, Latin, digits, already case-folded) reach the index exactly as written — no
re-splitting of Hangul, no removal of diacritics."""

from __future__ import annotations

from django.db import connection

from sotong.core.search.backends.base import SearchRequest
from sotong.core.search.backends.sql import DatabaseSearchBackend, QueryPlan, filter_sql


def match_expression(tokens: tuple[str, ...]) -> str:
    """An FTS5 query that matches any of `tokens`. Each token is a quoted string, so nothing in
    it is read as FTS5 syntax (tokens hold only letters and digits anyway)."""
    return " OR ".join('"' + token.replace('"', '""') + '"' for token in tokens)


class SqliteSearchBackend(DatabaseSearchBackend):
    vendor = "sqlite"

    def _count_document_frequencies(self, cursor) -> None:
        cursor.execute(
            "INSERT INTO search_term (token, documents) SELECT term, doc FROM search_fts_vocab"
        )

    def _scored(
        self, plan: QueryPlan, weights: tuple[float, ...], types: list[str], request: SearchRequest
    ) -> list[tuple[int, float, bool]]:
        # bm25() scores only the words of its own MATCH, and an FTS5 query restricted to a list
        # of rowids is slow. So: one query over the candidates (rare words), one over the
        # candidates that also hold a common word (all words); a candidate's score is the
        # larger of the two, which is its score over all words (bm25 is a sum per word).
        candidates = match_expression(plan.match)
        queries = [candidates]
        if plan.score_only:
            queries.append(f"({candidates}) AND ({match_expression(plan.score_only)})")
        parts, params = [], []
        for expression in queries:
            sql = "SELECT rowid, bm25(search_fts, %s, %s) FROM search_fts WHERE search_fts MATCH %s"
            params += [*weights, expression]
            if plan.min_id is not None:
                sql += " AND rowid > %s"
                params.append(plan.min_id)
            parts.append(sql)
        where, where_params = filter_sql(request, types)
        # MATERIALIZED keeps the FTS5 scan as the driving loop: bm25() works only there. Every
        # value is a bound parameter.
        sql = (
            f"WITH hits (id, rank) AS MATERIALIZED ({' UNION ALL '.join(parts)}) "  # noqa: S608
            "SELECT d.id, -MIN(hits.rank), d.public FROM hits "
            "JOIN search_document d ON d.id = hits.id "
            f"WHERE {where} GROUP BY d.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params + where_params)
            return cursor.fetchall()
