"""Bad input gives a clean page (possibly empty), never an exception, on both databases."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sotong.core.search import search
from sotong.core.search.query import MAX_QUERY_CHARS

NASTY = [
    "",
    " \t\n ",
    "가" * 10_000,
    "주차 " * 3_000,
    "😀😀😀",
    "👨‍👩‍👧‍👦 🏳️‍🌈",
    '"',
    '"주차',
    "*",
    "주차*",
    "OR",
    "주차 OR 요금",
    "AND NOT OR NEAR",
    "NEAR(주차 요금, 2)",
    "NEAR(",
    "title_tokens:주차",
    ":",
    "-주차",
    "^주차",
    "주차 & 요금 | !민원 <-> 답변",
    "'주차':*",
    "주차'; DROP TABLE search_document; --",
    "1 OR 1=1",
    "%_%",
    "\\",
    "{title_tokens body_tokens}: 주차",
    "주차\x00요금\x07\x1b[31m",
    "\ud800주차\udfff",
    "\u200b\u200e\ufeff주차",
    "주차 parking 駐車 парковка ﾁｭｳｼｬ",
    "ＰＡＲＫＩＮＧ　주차",
    "ㅈㅊ ㅋㅋㅋ ㅠㅠ",
    "<script>alert('주차')</script>",
    "1" * 500,
    "a" * 200,
]


@pytest.fixture
def indexed(docs):
    docs.add("주차 요금 안내", "공영 주차 요금은 구청에 문의하세요")
    docs.add("parking", "Parking fees 주차")
    return docs


@pytest.mark.usefixtures("indexed")
@pytest.mark.parametrize("q", NASTY)
def test_nasty_queries_give_a_clean_page(q, resident):
    for user in (None, resident):
        page = search(user=user, q=q)
        assert page.total == len(page.hits) <= 2
        for hit in page.hits:
            assert "<script>" not in hit.snippet


@pytest.mark.usefixtures("indexed")
def test_fts_and_sql_syntax_is_searched_as_words():
    assert search(user=None, q="주차 OR 요금").total == 2
    assert search(user=None, q='"주차').total == 2
    assert search(user=None, q="주차'; DROP TABLE search_document; --").total == 2
    assert search(user=None, q="title_tokens:주차").total == 2
    assert search(user=None, q="주차").total == 2  # the table is still there


@pytest.mark.usefixtures("indexed")
def test_long_queries_are_cut():
    # Only the first MAX_QUERY_CHARS characters count: a word after them is not searched.
    page = search(user=None, q="가" * MAX_QUERY_CHARS + " 주차")
    assert "주차" not in page.tokens and page.total == 0


@pytest.mark.usefixtures("indexed")
@pytest.mark.parametrize(
    "kwargs",
    [
        {"types": "note"},
        {"types": [None, 3, "note"]},
        {"organization": "abc"},
        {"organization": True},
        {"category": 7},
        {"date_from": "yesterday", "date_to": object()},
        {"page": -5, "per_page": 0},
        {"page": 10**30},
        {"page": None, "per_page": "many"},
        {"q": None},
        {"q": 42},
    ],
)
def test_odd_arguments_are_ignored_or_clamped(kwargs):
    arguments = {"user": None, "q": "주차", **kwargs}
    page = search(**arguments)
    assert page.page >= 1 and 1 <= page.per_page <= 100


@pytest.mark.usefixtures("indexed")
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from(list("\"*():^-+{}[]|&!<>'%_ ORANDNEAR주차요금")),
        ),
        max_size=120,
    )
)
def test_fuzzed_queries_never_raise(q):
    page = search(user=None, q=q)
    assert 0 <= page.total == len(page.hits) <= 2
