"""PostgreSQL: a `tsvector` column over the tokens, a GIN index, and BM25 computed in SQL.

Migration 0002 adds `search_document.vector` and a trigger that builds it from the token columns
on every insert and update: title tokens with weight A, body tokens with weight B, positions in
order. The vector is made from the tokens as they are (a tsvector literal, not `to_tsvector`),
so PostgreSQL neither stems nor re-splits them — the effect of the 'simple' configuration
without its parser. The GIN index finds the candidates; `ts_rank_cd(weights, vector, 'token')`
with normalisation 0 gives, for one token, the sum of its occurrences' field weights, which is
exactly FTS5's weighted term frequency, so the BM25 expression below scores like SQLite.

The vector is stored uncompressed in the row where it fits (storage MAIN, toast_tuple_target at
the page size): reading it for a few thousand candidates then costs no decompression."""

from __future__ import annotations

from django.db import connection

from sotong.core.search.backends.base import SearchRequest
from sotong.core.search.backends.sql import (
    K1,
    B,
    DatabaseSearchBackend,
    QueryPlan,
    filter_sql,
)


def tsquery(tokens: tuple[str, ...]) -> str:
    """A tsquery (text form) matching any of `tokens`, each a quoted lexeme."""
    return " | ".join(
        "'" + token.replace("\\", "\\\\").replace("'", "''") + "'" for token in tokens
    )


_CANDIDATE_COLUMNS = (
    "d.id, d.length, d.vector, d.type, d.organization_id, d.category, d.date, d.public, d.grants"
)


def _number(value: float) -> str:
    # repr() gives the shortest text that reads back as the same double.
    return f"{value!r}::float8"


class PostgresSearchBackend(DatabaseSearchBackend):
    vendor = "postgresql"

    def _count_document_frequencies(self, cursor) -> None:
        cursor.execute(
            "INSERT INTO search_term (token, documents) "
            "SELECT word, ndoc FROM ts_stat('SELECT vector FROM search_document')"
        )

    def _scored(
        self, plan: QueryPlan, weights: tuple[float, ...], types: list[str], request: SearchRequest
    ) -> list[tuple[int, float, bool]]:
        title_weight, body_weight = weights
        # ts_rank_cd's weights are {D, C, B, A}; the title is A, the body B.
        weight_array = f"{{0,0,{body_weight!r},{title_weight!r}}}"
        frequencies, params = [], []
        for i, token in enumerate(plan.terms):
            # ts_rank_cd only where the token occurs: the @@ test is much cheaper.
            frequencies.append(
                "CASE WHEN d.vector @@ %s::tsquery "
                f"THEN ts_rank_cd(%s::float4[], d.vector, %s::tsquery, 0)::float8 ELSE 0 END AS f{i}"
            )
            lexeme = tsquery((token,))
            params += [lexeme, weight_array, lexeme]
        matching = "d.vector @@ %s::tsquery"
        params.append(tsquery(plan.match))
        if plan.min_id is not None:
            matching += " AND d.id > %s"
            params.append(plan.min_id)
        where, where_params = filter_sql(request, types)
        params += where_params
        # The same operations in the same order as FTS5's bm25(), so the doubles agree.
        norm = (
            f"({_number(K1)} * ({_number(1 - B)} + {_number(B)} * s.length::float8 "
            f"/ {_number(plan.average_length)}))"
        )
        score = " + ".join(
            f"{_number(plan.idf(token))} * ((s.f{i} * {_number(K1 + 1.0)}) / (s.f{i} + {norm}))"
            for i, token in enumerate(plan.terms)
        )
        # The candidates come from the GIN index alone: OFFSET 0 keeps the planner from also
        # scanning an index for the filters (every filter index holds far more documents than
        # the few hundred candidates it would narrow). Every value is a bound parameter; the
        # only numbers written into the text are floats computed here.
        sql = (
            f"SELECT s.id, {score}, s.public FROM (SELECT d.id, d.length, d.public, "  # noqa: S608
            f"{', '.join(frequencies)} "
            f"FROM (SELECT {_CANDIDATE_COLUMNS} FROM search_document d WHERE {matching} "
            f"OFFSET 0) d WHERE {where}) s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
