"""The kiwi analyser: what becomes a token, and that queries and documents meet."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sotong.core.search.analyzer import (
    MAX_TOKEN_CHARS,
    STOP_WORDS,
    analyze,
    analyze_many,
    analyze_query,
    normalize,
)


def test_particles_and_endings_never_become_tokens():
    assert analyze("육아휴직은") == analyze("육아휴직을") == analyze("육아휴직")
    assert analyze("신청하려면 어디로 가나요") == analyze("신청했는데 어디로 갔어요")
    tokens = analyze("기초연금은 주민센터에서 신청합니다.")
    for particle_or_ending in ("은", "에서", "합니다", "ㅂ니다", "."):
        assert particle_or_ending not in tokens


@pytest.mark.parametrize(
    ("spaced", "joined"),
    [
        ("육아 휴직", "육아휴직"),
        ("쓰레기 봉투", "쓰레기봉투"),
        ("주민 등록 등본", "주민등록등본"),
        ("종량제 쓰레기 봉투", "종량제쓰레기봉투"),
    ],
)
def test_spacing_variants_give_the_same_tokens(spaced, joined):
    assert set(analyze(spaced)) == set(analyze(joined))


def test_compounds_are_split_and_joined():
    tokens = analyze("아빠 육아휴직 장려금")
    assert {"육아", "휴직", "육아휴직", "아빠", "장려금"} <= set(tokens)
    # A noun kiwi keeps whole is split into its parts too.
    assert {"서울시청", "서울", "시청"} <= set(analyze("서울시청"))


def test_verbs_and_adjectives_in_dictionary_form():
    assert "주다" in analyze("돈 주나요")
    assert "주다" in analyze("돈을 줬어요")
    assert "걷다" in analyze("걸어서 갔다")
    # 깨끗하다 / 깨끗한 / 깨끗이 all give the root.
    assert "깨끗" in analyze("깨끗한 거리") and "깨끗" in analyze("거리가 깨끗하다")


def test_normalisation_full_width_case_and_numbers():
    assert analyze("ＣＯＶＩＤ－１９ 백신") == analyze("covid-19 백신") == ["covid", "19", "백신"]
    assert "1000" in analyze("1,000원")
    assert normalize("ＡＢＣ　１２３") == "ABC 123"
    # Hangul compatibility jamo stay as they are (NFKC would make them combining jamo).
    assert normalize("ㅋㅋ") == "ㅋㅋ"


def test_stop_words_and_symbols_are_left_out():
    tokens = analyze("이 경우 어떻게 해야 하나요? 😀 ㅋㅋㅋ https://example.com a@b.kr")
    assert not set(tokens) & STOP_WORDS
    assert tokens == []


def test_other_scripts_are_kept_as_words():
    assert analyze("Москва 你好 naïve") == ["москва", "你好", "naïve"]


def test_query_tokens_are_distinct_capped_and_marked():
    tokens, marks = analyze_query("육아휴직 육아휴직 수당 주나요", max_chars=500, max_tokens=4)
    assert tokens == ["육아", "휴직", "수당", "육아휴직"]
    assert {"육아휴직", "수당"} <= set(marks)
    tokens, _ = analyze_query("가" * 100 + " 육아휴직", max_chars=50, max_tokens=16)
    assert "육아휴직" not in tokens


def test_batch_and_single_analysis_agree():
    texts = ["아빠 육아휴직 장려금", "", "기초연금 신청", "   "]
    assert analyze_many(texts) == [analyze(text) for text in texts]


def test_analysis_is_safe_from_many_threads():
    texts = ["아빠 육아휴직하면 돈 주나요", "기초연금 신청은 어디서", "불법 주정차 신고"] * 4
    expected = [analyze(text) for text in texts]
    results: dict[int, list[str]] = {}

    def work(i: int) -> None:
        results[i] = analyze(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(texts))] == expected


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_clean_tokens(text):
    for token in analyze(text):
        assert token.isalnum()
        assert 0 < len(token) <= MAX_TOKEN_CHARS
        assert token.casefold() == token
