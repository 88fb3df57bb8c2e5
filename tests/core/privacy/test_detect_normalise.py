"""The text the detector reads (normalise.py): NFKC and one dash, with a map back to every
character of the text as written, also where NFKC changes the length."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sotong.core.privacy import detect, find_personal_data, mask_text
from sotong.core.privacy.normalise import DASHES, normalise, write_back


@pytest.mark.parametrize("dash", sorted(set(DASHES)))
def test_every_dash_class_reads_as_a_hyphen(dash):
    assert normalise(f"010{dash}1234").text == "010-1234"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("０１０", "010"),
        ("𝟎𝟏𝟎", "010"),
        ("hong＠example．com", "hong@example.com"),
        ("a﹫example。com", "a@example.com"),
        ("example｡com", "example.com"),
        ("010·1234ㆍ5678", "010.1234.5678"),
        ("1～2 〜 3", "1~2 ~ 3"),
        ("0\u200b1\u00ad2\ufeff3", "0123"),
        ("ｈｏｎｇ", "hong"),
        ("\u3000", " "),
    ],
)
def test_what_the_detector_reads(written, read):
    assert normalise(written).text == read


@pytest.mark.parametrize("symbol", ["①", "⑴", "²", "½", "㎡", "⒈"])
def test_symbols_are_not_turned_into_digits(symbol):
    """① is a list marker, ㎡ a unit: as digits they would glue to the number beside them."""
    assert normalise(f"{symbol}010-1234-5678").text == f"{symbol}010-1234-5678"
    assert [f.text for f in find_personal_data(f"{symbol}010-1234-5678")] == ["010-1234-5678"]


@pytest.mark.parametrize("prefix", ["㈜소통 ", "℡ ", "ﬁle ", "㍿ ", "…… "])
def test_offsets_stay_those_of_the_original_where_nfkc_changes_the_length(prefix):
    text = f"{prefix}연락처 ０１０ㅡ９８７６ㅡ５４３２, 메일 hong＠example。com"
    assert len(normalise(text).text) != len(text)
    findings = find_personal_data(text)
    assert [f.text for f in findings] == ["０１０ㅡ９８７６ㅡ５４３２", "hong＠example。com"]
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    assert mask_text(text) == f"{prefix}연락처 ０１０ㅡ****ㅡ５４３２, 메일 h***＠example。com"


def test_decomposed_hangul_is_read_composed_and_mapped_back():
    text = unicodedata.normalize("NFD", "홍길동") + " 주무관"
    normalised = normalise(text)
    assert normalised.text.startswith("홍길동 ")
    assert normalised.span(0, 3) == (0, 9)  # three syllables written as nine jamo


def test_write_back_keeps_what_was_not_rewritten():
    normalised = normalise("０１０ㅡ１２３４")
    assert write_back(normalised, "010-****") == "０１０ㅡ****"
    assert write_back(normalised, normalised.text) == "０１０ㅡ１２３４"
    shorter = normalise("hong.gildong＠example。com")
    assert write_back(shorter, "h***@example.com") == "h***＠example。com"


def test_the_fast_path_triggers_cover_every_character_nfkc_makes_a_digit_or_at_sign():
    """The detector skips text without any of these: no character may escape the list."""
    for code in range(0x80, sys.maxunicode + 1):
        ch = chr(code)
        form = normalise(ch).text
        if any(c in "0123456789@" for c in form):
            assert detect._TRIGGER.search(ch), f"U+{code:04X} {unicodedata.name(ch, '')}"


@given(st.text(max_size=60))
def test_every_normalised_character_maps_into_the_original(text):
    normalised = normalise(text)
    if normalised.starts is None:
        assert len(normalised.text) == len(text)
        return
    assert len(normalised.starts) == len(normalised.ends) == len(normalised.text)
    previous = 0
    for start, end in zip(normalised.starts, normalised.ends, strict=True):
        assert previous <= start < end <= len(text)
        previous = start
    assert write_back(normalised, normalised.text) == text
