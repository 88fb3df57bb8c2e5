"""Snippets and marked titles: escaped, marked, cut around the most query words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sotong.core.search.highlight import SNIPPET_CHARS, highlight, mark_pattern, snippet


def test_the_window_with_the_most_distinct_words_wins():
    text = (
        "주차 " * 40
        + "가운데 문장입니다. " * 10
        + "기초연금 신청 서류는 주민센터에서 받습니다."
        + " 끝" * 60
    )
    html = snippet(text, mark_pattern(["기초연금", "신청", "주차"]))
    assert "<mark>기초연금</mark> <mark>신청</mark>" in html
    assert html.startswith("…") and html.endswith("…")
    assert len(html.replace("<mark>", "").replace("</mark>", "")) <= SNIPPET_CHARS + 20


def test_longest_form_wins_and_case_is_ignored():
    html = snippet("육아휴직 급여와 COVID 지원", mark_pattern(["육아", "육아휴직", "covid"]))
    assert str(html) == "<mark>육아휴직</mark> 급여와 <mark>COVID</mark> 지원"


def test_everything_is_escaped():
    html = snippet('<img src=x onerror="alert(1)"> 주차 & 요금', mark_pattern(["주차"]))
    assert (
        str(html) == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>주차</mark> &amp; 요금"
    )
    assert str(highlight("<b>주차</b>", mark_pattern(["주차", "b"]))) == (
        "&lt;<mark>b</mark>&gt;<mark>주차</mark>&lt;/<mark>b</mark>&gt;"
    )


def test_without_words_the_beginning_is_shown():
    text = "첫 문장. " + "둘째 문장. " * 40
    html = snippet(text, None)
    assert html.startswith("첫 문장.") and html.endswith("…")
    assert str(snippet("", mark_pattern(["주차"]))) == ""
    assert mark_pattern([]) is None and mark_pattern([""]) is None


def test_white_space_and_full_width_forms_are_tidied():
    assert str(snippet("주차\n\n\t요금　ＯＫ", mark_pattern(["ok"]))) == "주차 요금 <mark>OK</mark>"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=600), st.lists(st.text(min_size=1, max_size=5), max_size=4))
def test_any_text_gives_escaped_html(text, words):
    html = str(snippet(text, mark_pattern(words)))
    stripped = html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped
