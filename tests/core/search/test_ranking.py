"""Ranking on a real corpus (148 Seoul 120 entries, data/README.md), the same on both databases:
residents' paraphrased questions find the right entry first, and every score equals BM25
computed here in Python from the stored tokens — which is what FTS5 computes on SQLite and the
SQL expression computes on PostgreSQL."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from sotong.core.search import search
from sotong.core.search.backends.sql import CANDIDATE_BUDGET, K1, MIN_IDF, B, plan_query
from sotong.core.search.models import SearchDocument, SearchTerm

# (resident's question, 내용번호 of the entry that answers it). None of the questions copies
# the entry's title; the expected answers are the same on SQLite and PostgreSQL.
QUESTIONS = [
    ("아빠가 육아휴직하면 돈 주나요", "23522464"),
    ("육아 휴직 수당이 얼마예요", "2896657"),
    ("전입신고 안 하고 사는 세입자도 주거이전비 받을 수 있어요?", "2896766"),
    ("어린이집에 간호사가 찾아오는 서비스", "2898292"),
    ("길에 있는 인형뽑기 기계 불법 아닌가요", "2897843"),
    ("베란다랑 발코니 차이가 뭐예요", "2896173"),
    ("치매 어르신이 실종되지 않게 도와주는 서비스", "2896875"),
    ("장애인 수영대회 한강", "9479998"),
    ("혼자 사는 노인 안부 전화 서비스 신청", "2897745"),
    ("공항 택시 불법 영업 신고하고 싶어요", "2898362"),
    ("보육실습 기준이 뭔가요", "2896213"),
    ("장애인용 자동차 지원", "2895815"),
]


def source_ids(page, corpus):
    """The 내용번호 of each hit, in order."""
    by_pk = {str(department.pk): number for number, department in corpus.items()}
    return [by_pk.get(hit.object_id) for hit in page.hits]


@pytest.mark.parametrize(("question", "answer"), QUESTIONS)
def test_paraphrased_questions_find_the_answer_first(corpus, question, answer):
    page = search(user=None, q=question)
    assert source_ids(page, corpus)[:1] == [answer], [h.title for h in page.hits[:3]]


def test_category_filter_on_the_corpus(corpus):
    page = search(user=None, q="어린이집", category="복지", per_page=50)
    assert page.total > 3
    assert {hit.category for hit in page.hits} == {"복지"}


def _reference_scores(tokens, weights):
    """BM25 as FTS5's bm25() defines it, from the stored token text alone."""
    rows = list(SearchDocument.objects.values_list("id", "title_tokens", "body_tokens"))
    fields = {doc_id: (title.split(), body.split()) for doc_id, title, body in rows}
    documents = len(fields)
    average = sum(len(t) + len(b) for t, b in fields.values()) / documents
    frequency = Counter(token for t, b in fields.values() for token in set(t) | set(b))
    statistics = {**frequency, SearchTerm.DOCUMENTS: documents}
    plan = plan_query(tokens, statistics, budget=CANDIDATE_BUDGET, max_id=lambda: 0)
    scores = {}
    for doc_id, (title, body) in fields.items():
        if not set(plan.match) & (set(title) | set(body)):
            continue
        score = 0.0
        for token in plan.terms:
            f = weights[0] * title.count(token) + weights[1] * body.count(token)
            df = frequency[token]
            idf = math.log((documents - df + 0.5) / (df + 0.5))
            idf = idf if idf > 0 else MIN_IDF
            norm = K1 * (1 - B + B * (len(title) + len(body)) / average)
            score += idf * (f * (K1 + 1.0)) / (f + norm)
        scores[doc_id] = score
    return scores


@pytest.mark.parametrize("question", [q for q, _ in QUESTIONS[:6]] + ["어린이집", "불법 신고"])
def test_scores_are_bm25_exactly(corpus, question):
    from sotong.core.search import get_type

    page = search(user=None, q=question, per_page=100)
    expected = _reference_scores(page.tokens, get_type("note").weights)
    by_object = dict(SearchDocument.objects.values_list("object_id", "id"))
    got = {by_object[hit.object_id]: hit.score for hit in page.hits}
    assert page.total == len(expected)
    assert set(got) == set(expected)
    for doc_id, score in got.items():
        assert score == pytest.approx(expected[doc_id], rel=1e-12, abs=1e-12)
