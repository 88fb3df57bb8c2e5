"""What the two database backends share: writing documents with their term statistics, planning
a query, and turning the candidates into a ranked slice. Each vendor module adds only the SQL
that finds and scores candidates (`_scored`) and recounts statistics.

Ranking is BM25 with per-field weights, exactly as SQLite's FTS5 `bm25()` computes it:

    score = Σ idf(t) · f(t)·(k1 + 1) / (f(t) + k1·(1 − b + b·length / avg_length))
    f(t) = Σ over the token's occurrences of the weight of their field
    idf(t) = ln((N − df + 0.5) / (df + 0.5)), at least 1e-6

PostgreSQL computes the same expression in SQL from the statistics in `search_term`, which
therefore must be exact: they change in the same transaction as the documents.

Speed: ranking costs a few microseconds per matching document, so a query is not allowed to
match the whole index. The query's words are taken rarest first while the documents containing
them add up to at most CANDIDATE_BUDGET; those documents are the candidates. The remaining, more
common words still add to the score of the candidates that contain them, but bring in no
documents of their own (the idea of Lucene's "common terms" query). When even the rarest word is
in more documents than the budget, only the newest of them are considered (`min_id`)."""

from __future__ import annotations

import math
from abc import abstractmethod
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from sotong.core.search.backends.base import (
    DocumentKey,
    IndexedDocument,
    SearchBackend,
    SearchRequest,
    SearchResult,
)
from sotong.core.search.models import (
    GRANT_DEPARTMENT,
    GRANT_ORGANIZATION,
    GRANT_STAFF,
    GRANT_USER,
    SearchDocument,
    SearchTerm,
    grant,
)

# How many documents one query ranks at most (the sum of the document frequencies of the words
# that bring in candidates), how many of its words it scores with, and how many documents the
# words that only score may hold together (SQLite's bm25() reads all of them to count them).
# Measured at 100,000 documents on both databases (README.md): ranking costs a few microseconds
# per candidate and word on PostgreSQL.
CANDIDATE_BUDGET = 1000
MAX_TERMS = 8
SCORING_BUDGET = 40_000
# FTS5's bm25() constants; the PostgreSQL formula repeats them.
K1 = 1.2
B = 0.75
MIN_IDF = 1e-6
# Scores are compared after rounding, so that the last bits of two databases' arithmetic never
# decide an order; equal scores go newest first.
SCORE_DIGITS = 9
_STATISTICS_CHUNK = 400


@dataclass(frozen=True)
class QueryPlan:
    terms: tuple[str, ...]  # the query's tokens found in the index, rarest first
    match: tuple[str, ...]  # the rarest of them: their documents are the candidates
    frequencies: dict[str, int]
    documents: int
    average_length: float
    min_id: int | None = None  # when set, only documents with a larger id are candidates

    @property
    def score_only(self) -> tuple[str, ...]:
        return self.terms[len(self.match) :]

    def idf(self, token: str) -> float:
        """FTS5's idf, including its floor for words in more than half of all documents."""
        df = self.frequencies[token]
        ratio = (self.documents - df + 0.5) / (df + 0.5)
        idf = math.log(ratio) if ratio > 0 else 0.0
        return idf if idf > 0 else MIN_IDF


def plan_query(
    tokens: Sequence[str],
    statistics: dict[str, int],
    *,
    budget: int = CANDIDATE_BUDGET,
    scoring_budget: int = SCORING_BUDGET,
    max_terms: int = MAX_TERMS,
    max_id: Callable[[], int],
) -> QueryPlan | None:
    """Choose, rarest first, the query's tokens that find candidates and those that only score;
    None when nothing can match. The most common words beyond `max_terms` or `scoring_budget`
    are left out: their idf is the smallest."""
    documents = statistics.get(SearchTerm.DOCUMENTS, 0)
    if documents <= 0:
        return None
    frequencies = {token: statistics[token] for token in tokens if statistics.get(token, 0) > 0}
    ordered = sorted(frequencies, key=lambda token: (frequencies[token], token))
    if not ordered:
        return None
    match: list[str] = []
    covered = 0
    for token in ordered[:max_terms]:
        if match and covered + frequencies[token] > budget:
            break
        match.append(token)
        covered += frequencies[token]
    terms = list(match)
    scored = 0
    for token in ordered[len(match) : max_terms]:
        if scored + frequencies[token] > scoring_budget:
            break
        terms.append(token)
        scored += frequencies[token]
    min_id = None
    if covered > budget:
        # Only the rarest word is left and it is too common: look at the newest documents, as
        # many ids back as should hold about `budget` of its documents.
        window = math.ceil(budget * documents / covered)
        min_id = max_id() - window
    return QueryPlan(
        terms=tuple(terms),
        match=tuple(match),
        frequencies={token: frequencies[token] for token in terms},
        documents=documents,
        average_length=statistics.get(SearchTerm.TOKENS, 0) / documents,
        min_id=min_id,
    )


class DatabaseSearchBackend(SearchBackend):
    """The index in our own database: `search_document` plus a vendor's full-text structure."""

    candidate_budget = CANDIDATE_BUDGET
    scoring_budget = SCORING_BUDGET
    max_terms = MAX_TERMS

    # --- writing ----------------------------------------------------------------------------

    def index(self, docs: Sequence[IndexedDocument]) -> None:
        latest = {doc.key: doc for doc in docs}  # the same object twice: the last one counts
        if not latest:
            return
        with transaction.atomic():
            existing = {(row.type, row.object_id): row for row in self._locked_rows(latest.keys())}
            deltas: Counter[str] = Counter()
            created, changed = [], []
            now = timezone.now()
            for key, doc in latest.items():
                row = _row(doc, now)
                tokens = set(doc.title_tokens) | set(doc.body_tokens)
                old = existing.get(key)
                if old is None:
                    deltas[SearchTerm.DOCUMENTS] += 1
                    deltas.update(tokens)
                    created.append(row)
                else:
                    old_tokens = set(old.title_tokens.split()) | set(old.body_tokens.split())
                    deltas.update(tokens - old_tokens)
                    deltas.subtract(old_tokens - tokens)
                    deltas[SearchTerm.TOKENS] -= old.length
                    row.pk = old.pk
                    changed.append(row)
                deltas[SearchTerm.TOKENS] += row.length
            SearchDocument.objects.bulk_create(created, batch_size=200)
            SearchDocument.objects.bulk_update(changed, fields=_ROW_FIELDS, batch_size=100)
            self._apply_deltas(deltas)

    def delete(self, keys: Sequence[DocumentKey]) -> int:
        wanted = set(keys)
        if not wanted:
            return 0
        with transaction.atomic():
            rows = list(self._locked_rows(wanted))
            if not rows:
                return 0
            deltas: Counter[str] = Counter()
            for row in rows:
                deltas[SearchTerm.DOCUMENTS] -= 1
                deltas[SearchTerm.TOKENS] -= row.length
                deltas.subtract(set(row.title_tokens.split()) | set(row.body_tokens.split()))
            SearchDocument.objects.filter(pk__in=[row.pk for row in rows]).delete()
            self._apply_deltas(deltas)
            return len(rows)

    def clear(self, type: str | None = None) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            if type is None:
                cursor.execute("DELETE FROM search_document")
            else:
                cursor.execute("DELETE FROM search_document WHERE type = %s", [type])
            removed = cursor.rowcount
            self.rebuild_statistics()
        return removed

    def rebuild_statistics(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_term")
            self._count_document_frequencies(cursor)
            cursor.execute(
                "INSERT INTO search_term (token, documents) "
                "SELECT %s, COUNT(*) FROM search_document "
                "UNION ALL SELECT %s, COALESCE(SUM(length), 0) FROM search_document",
                [SearchTerm.DOCUMENTS, SearchTerm.TOKENS],
            )

    @abstractmethod
    def _count_document_frequencies(self, cursor) -> None:
        """Fill the empty search_term with (token, documents) for every token in the index."""

    def _locked_rows(self, keys: Iterable[DocumentKey]) -> Iterable[SearchDocument]:
        by_type: dict[str, list[str]] = defaultdict(list)
        for type_name, object_id in keys:
            by_type[type_name].append(object_id)
        condition = Q()
        for type_name, object_ids in by_type.items():
            condition |= Q(type=type_name, object_id__in=object_ids)
        return (
            SearchDocument.objects.select_for_update()
            .filter(condition)
            .only("id", "type", "object_id", "title_tokens", "body_tokens", "length")
            .order_by("id")
        )

    def _apply_deltas(self, deltas: Counter[str]) -> None:
        # Sorted, so that two writers lock shared rows in the same order and never deadlock.
        changes = sorted((token, n) for token, n in deltas.items() if n)
        with connection.cursor() as cursor:
            for start in range(0, len(changes), _STATISTICS_CHUNK):
                chunk = changes[start : start + _STATISTICS_CHUNK]
                cursor.execute(  # placeholders only: the values are bound parameters
                    "INSERT INTO search_term (token, documents) VALUES "  # noqa: S608
                    + ", ".join(["(%s, %s)"] * len(chunk))
                    + " ON CONFLICT (token) DO UPDATE "
                    "SET documents = search_term.documents + excluded.documents",
                    [value for pair in chunk for value in pair],
                )
            # Tokens no document holds any more go; the two totals stay, even at 0.
            gone = [token for token, n in changes if n < 0 and not token.startswith("#")]
            for start in range(0, len(gone), _STATISTICS_CHUNK):
                chunk = gone[start : start + _STATISTICS_CHUNK]
                cursor.execute(
                    "DELETE FROM search_term WHERE documents <= 0 AND token IN ("  # noqa: S608
                    + ", ".join(["%s"] * len(chunk))
                    + ")",
                    chunk,
                )

    # --- searching --------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        tokens = list(dict.fromkeys(request.tokens))
        if not tokens or not request.types:
            return SearchResult(total=0, hits=[])
        statistics = dict(
            SearchTerm.objects.filter(
                token__in=[*tokens, SearchTerm.DOCUMENTS, SearchTerm.TOKENS]
            ).values_list("token", "documents")
        )
        plan = plan_query(
            tokens,
            statistics,
            budget=self.candidate_budget,
            scoring_budget=self.scoring_budget,
            max_terms=self.max_terms,
            max_id=_max_id,
        )
        if plan is None:
            return SearchResult(total=0, hits=[])
        groups: dict[tuple[float, ...], list[str]] = defaultdict(list)
        for name, weights in sorted(request.types.items()):
            groups[weights].append(name)
        scores: dict[int, float] = {}
        restricted: set[int] = set()
        for weights, names in groups.items():
            for doc_id, score, public in self._scored(plan, weights, names, request):
                scores[doc_id] = score
                if not public:
                    restricted.add(doc_id)
        scores = _permitted_only(scores, restricted, request)
        ranked = sorted(scores.items(), key=lambda item: (-round(item[1], SCORE_DIGITS), -item[0]))
        start = max(request.offset, 0)
        return SearchResult(
            total=len(ranked),
            hits=ranked[start : start + max(request.limit, 0)],
            truncated=plan.min_id is not None,
        )

    @abstractmethod
    def _scored(
        self, plan: QueryPlan, weights: tuple[float, ...], types: list[str], request: SearchRequest
    ) -> list[tuple[int, float, bool]]:
        """(document id, score, public) of every candidate of `plan` among `types` that passes
        the request's filters and grants, scored with these field weights."""


def filter_sql(request: SearchRequest, types: list[str]) -> tuple[str, list]:
    """The WHERE conditions on `search_document d` shared by both vendors: types, filters and
    who may see the document (checked per candidate on its own row, no join)."""
    ops = connection.ops
    clauses = [f"d.type IN ({', '.join(['%s'] * len(types))})"]
    params: list = list(types)
    if request.organization_id is not None:
        clauses.append("d.organization_id = %s")
        params.append(request.organization_id)
    if request.category is not None:
        clauses.append("d.category = %s")
        params.append(request.category)
    if request.date_from is not None:
        clauses.append("d.date >= %s")
        params.append(ops.adapt_datetimefield_value(request.date_from))
    if request.date_to is not None:
        clauses.append("d.date <= %s")
        params.append(ops.adapt_datetimefield_value(request.date_to))
    audience = request.audience
    mine = [
        grant(kind, target)
        for kind, target in (
            (GRANT_USER, audience.user_id),
            (GRANT_STAFF, audience.staff_id),
            (GRANT_DEPARTMENT, audience.department_id),
            (GRANT_ORGANIZATION, audience.organization_id),
        )
        if target is not None
    ]
    clauses.append("(" + " OR ".join(["d.public", *["d.grants LIKE %s"] * len(mine)]) + ")")
    params += [f"% {entry} %" for entry in mine]
    return " AND ".join(clauses), params


def _permitted_only(
    scores: dict[int, float], restricted: set[int], request: SearchRequest
) -> dict[int, float]:
    """`scores` without the `restricted` candidates the searcher may not see now
    (`request.permitted`). Public candidates are never asked about."""
    if request.permitted is None or not restricted:
        return scores
    by_type: dict[str, dict[str, int]] = defaultdict(dict)
    ids = sorted(restricted)
    for start in range(0, len(ids), _STATISTICS_CHUNK):
        rows = SearchDocument.objects.filter(pk__in=ids[start : start + _STATISTICS_CHUNK])
        for pk, type_name, object_id in rows.values_list("pk", "type", "object_id"):
            by_type[type_name][object_id] = pk
    denied = set(restricted) - {pk for by_object in by_type.values() for pk in by_object.values()}
    for type_name, by_object in by_type.items():
        allowed = request.permitted(type_name, list(by_object))
        denied.update(pk for object_id, pk in by_object.items() if object_id not in allowed)
    return {pk: score for pk, score in scores.items() if pk not in denied}


def _max_id() -> int:
    return SearchDocument.objects.aggregate(top=Max("id"))["top"] or 0


_ROW_FIELDS = [
    "organization_id",
    "category",
    "date",
    "public",
    "grants",
    "url",
    "title",
    "body",
    "title_tokens",
    "body_tokens",
    "length",
    "indexed_at",
]


def _row(doc: IndexedDocument, now) -> SearchDocument:
    return SearchDocument(
        type=doc.type,
        object_id=doc.object_id,
        organization_id=doc.organization_id,
        category=doc.category,
        date=doc.date,
        public=doc.visibility.is_public,
        grants=_grants(doc),
        url=doc.url,
        title=doc.title,
        body=doc.body,
        title_tokens=" ".join(doc.title_tokens),
        body_tokens=" ".join(doc.body_tokens),
        length=len(doc.title_tokens) + len(doc.body_tokens),
        indexed_at=now,
    )


def _grants(doc: IndexedDocument) -> str:
    visibility = doc.visibility
    if visibility.is_public:
        return ""
    entries = [
        *(grant(GRANT_USER, i) for i in sorted(visibility.user_ids)),
        *(grant(GRANT_STAFF, i) for i in sorted(visibility.staff_ids)),
        *(grant(GRANT_DEPARTMENT, i) for i in sorted(visibility.department_ids)),
        *(grant(GRANT_ORGANIZATION, i) for i in sorted(visibility.organization_ids)),
    ]
    return f" {' '.join(entries)} " if entries else ""
